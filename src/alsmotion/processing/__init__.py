"""Turn a raw session into measures: walk trials through the gait pipeline, dynamometry trials
through the strength pipeline, honouring accepted/rejected decisions and "cannot perform".

:func:`process_session` is deterministic: the same session files and settings give equal results.
"""

from alsmotion.processing.pipeline import process_session, session_sha256
from alsmotion.processing.result import (
    ALGORITHM_VERSION,
    MEASURE_COLUMNS,
    TRIAL_COLUMNS,
    SessionResult,
)
from alsmotion.processing.settings import ProcessingSettings

__all__ = [
    "ALGORITHM_VERSION",
    "MEASURE_COLUMNS",
    "TRIAL_COLUMNS",
    "ProcessingSettings",
    "SessionResult",
    "process_session",
    "session_sha256",
]
