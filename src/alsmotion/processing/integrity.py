"""What processing does with a session whose raw data cannot be trusted to be what was recorded.

:meth:`alsmotion.session.Session.open` lists such problems in ``integrity_problems`` (a closed
session that no longer matches its manifest, repeated or out-of-order record batches, a broken
event sequence, a renamed stream). Processing never uses such a session silently: with the
setting ``integrity_problems="flag"`` every measure carries the flag ``raw_data_integrity``
(with the first problem and their count); with ``"refuse"`` the session is not processed.
"""

from __future__ import annotations

from alsmotion.errors import SessionError
from alsmotion.processing.result import flag_text
from alsmotion.processing.settings import ProcessingSettings
from alsmotion.session.reader import Session

RAW_DATA_INTEGRITY = "raw_data_integrity"


def integrity_flags(session: Session, settings: ProcessingSettings) -> list[str]:
    """The session-level flag for its integrity problems (empty list: none).

    Raises
    ------
    SessionError
        When the session has integrity problems and ``settings.integrity_problems`` is
        ``"refuse"``.
    """
    problems = session.integrity_problems
    if not problems:
        return []
    if settings.integrity_problems == "refuse":
        raise SessionError(
            f"raw data differ from what was recorded ({len(problems)} problem(s), first: "
            f"{problems[0]}); run `alsmotion verify` on it, or process with the setting "
            "integrity_problems='flag' to get flagged measures",
            path=session.path,
        )
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return [f"{RAW_DATA_INTEGRITY}:{flag_text(problems[0])}{more}"]


def flag_every_measure(flags: str, extra: list[str]) -> str:
    """A measure row's ';'-joined ``flags`` with the session's integrity flags added."""
    return ";".join([part for part in str(flags).split(";") if part] + extra)
