"""Raw sessions: the crash-safe, self-describing on-disk format of one visit's recordings.

Write with :class:`SessionWriter` (``SessionWriter.create(parent_dir, metadata)``), read with
:meth:`Session.open`. Layout and file formats: :mod:`alsmotion.session.layout`; event vocabulary:
:mod:`alsmotion.session.events`; changes after recording: :mod:`alsmotion.session.audit`.

pyarrow is imported only when streams are written or read.
"""

from alsmotion.session.audit import append_audit
from alsmotion.session.metadata import SessionMetadata
from alsmotion.session.pseudonym import DEFAULT_PSEUDONYM_PATTERN, validate_pseudonym
from alsmotion.session.reader import Session, StreamData
from alsmotion.session.streamfile import StreamWriter
from alsmotion.session.verify import VerificationReport, verify_session
from alsmotion.session.writer import SessionWriter

__all__ = [
    "DEFAULT_PSEUDONYM_PATTERN",
    "Session",
    "SessionMetadata",
    "SessionWriter",
    "StreamData",
    "StreamWriter",
    "VerificationReport",
    "append_audit",
    "validate_pseudonym",
    "verify_session",
]
