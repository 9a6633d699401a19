"""SHA-256 of a session's raw content: the part of the cache key that says "the data changed"."""

from __future__ import annotations

import hashlib

from alsmotion.batch.sources import SessionSource
from alsmotion.errors import InvalidRecordingError
from alsmotion.processing import session_sha256
from alsmotion.session.manifest import sha256_file


def source_sha256(source: SessionSource) -> str:
    """Hex SHA-256 of a session's raw content.

    For a native session (clinic or home) it is :func:`alsmotion.processing.session_sha256` (every file's
    relative path and bytes, audit log included), the ``source_sha256`` its result carries. For a
    foreign recording or home device file it covers the file and its sidecar, by name and bytes.

    Raises
    ------
    OSError
        When a file cannot be read.
    InvalidRecordingError
        When discovery already found the source unreadable (``source.problem``).
    """
    if source.problem:
        raise InvalidRecordingError(source.problem, path=source.path)
    if source.kind in ("native", "home"):
        return session_sha256(source.path)
    digest = hashlib.sha256()
    for file in (source.path, source.sidecar):
        if file is not None:
            digest.update(file.name.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(sha256_file(file).encode("ascii") + b"\n")
    return digest.hexdigest()
