"""The result of processing one session: tidy per-session measures and per-trial results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

#: Version of the processing algorithm; part of every export row and of batch cache keys.
#: 1.1: the whole visit strength summary and the weak-effort noise floor.
ALGORITHM_VERSION = "1.1"

#: Columns of ``SessionResult.measures``: one row per measure of the session (a walk test's
#: gait speed, a muscle and side's peak force, ...). ``n`` counts strides or trials; ``flags``
#: is ';'-joined.
MEASURE_COLUMNS = [
    "domain",
    "test",
    "measure",
    "muscle",
    "side",
    "method",
    "value",
    "unit",
    "n",
    "flags",
]

#: Columns of ``SessionResult.trials``: one row per trial and measure, rejected trials included
#: (status ``rejected``, value as computed) so repeated trials can be exported (SDTM --REPNUM).
TRIAL_COLUMNS = [
    "domain",
    "test",
    "trial",
    "measure",
    "muscle",
    "side",
    "method",
    "value",
    "unit",
    "status",
    "reason",
    "start_utc",
]


def flag_text(reason: str) -> str:
    """``reason`` made safe to follow ``code:`` in a flag: flags are ';'-joined in the tables, so
    a ';' in the reason (a joined list, an error message) becomes ',' and it stays one flag."""
    return reason.replace(";", ",")


@dataclass(frozen=True)
class SessionResult:
    """Per-session measures, picklable, with everything needed to trace them back.

    Attributes
    ----------
    participant_id : pseudonym.
    visit : visit label of the session (after audit reassignments).
    session_id : the session folder's name (unique per session).
    session_start_utc : aware UTC start of the session.
    study_id : study identifier (SDTM STUDYID).
    measures : tidy DataFrame, columns :data:`MEASURE_COLUMNS`.
    trials : per-trial DataFrame, columns :data:`TRIAL_COLUMNS`.
    source_sha256 : SHA-256 over the session's files (audit log included).
    settings_hash : hash of the processing settings.
    algorithm_version : :data:`alsmotion.processing.ALGORITHM_VERSION`.
    flags : session-level quality flags (torn tail, not closed, missing stream, ...).
    """

    participant_id: str
    visit: str
    session_id: str
    session_start_utc: datetime
    study_id: str
    measures: pd.DataFrame
    trials: pd.DataFrame
    source_sha256: str
    settings_hash: str
    algorithm_version: str
    flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (tables as lists of records)."""
        return {
            "participant_id": self.participant_id,
            "visit": self.visit,
            "session_id": self.session_id,
            "session_start_utc": self.session_start_utc.isoformat(),
            "study_id": self.study_id,
            "measures": self.measures.to_dict("records"),
            "trials": self.trials.to_dict("records"),
            "source_sha256": self.source_sha256,
            "settings_hash": self.settings_hash,
            "algorithm_version": self.algorithm_version,
            "flags": list(self.flags),
        }
