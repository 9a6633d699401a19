"""Site reference runs: a physiotherapist measures a walk with a stopwatch or a walkway while
the IMU records, and the value is stored with the trial (a ``reference_value`` event while
recording, or a ``reference_value`` audit entry afterwards, ``alsmotion reference``). These
pairs give a site its own agreement table (IMU gait speed against the reference speed).

Reference speed: ``gait_speed_mps`` as given (walkway); ``walk_time_s`` (stopwatch) over the
test's fixed distance (10MWT, T25FW); ``distance_m`` over the test's fixed duration (2MWT,
6MWT). The latest value of a trial wins (an audit entry after the recorded event).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.gait import TIMED_WALK_TESTS
from alsmotion.processing.result import SessionResult
from alsmotion.session import audit
from alsmotion.session import events as ev
from alsmotion.session.layout import METADATA_FILE
from alsmotion.session.reader import Session

#: Quantities a reference value may hold, with their units.
REFERENCE_QUANTITIES = {"walk_time_s": "s", "distance_m": "m", "gait_speed_mps": "m/s"}
REFERENCE_COLUMNS = ["test", "trial", "quantity", "value", "reference_method", "source"]
PAIR_COLUMNS = ["measure", "unit", "recording", "measured", "reference"]
SITE_MEASURE = "site_gait_speed_mps"


def reference_values(session: Session) -> pd.DataFrame:
    """The session's reference values, latest per (test, trial): columns
    :data:`REFERENCE_COLUMNS` (``source`` ``event`` or ``audit``)."""
    rows = [
        {**{name: record[name] for name in REFERENCE_COLUMNS[:5]}, "source": "event"}
        for record in session.event_records
        if record["type"] == ev.REFERENCE_VALUE
    ]
    rows += [
        {
            "test": entry["change"]["test"],
            "trial": entry["change"]["trial"],
            "quantity": entry["change"]["quantity"],
            "value": entry["change"]["after"],
            "reference_method": entry["change"]["reference_method"],
            "source": "audit",
        }
        for entry in session.audit_records
        if entry["what"] == audit.REFERENCE_VALUE
    ]
    frame = pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
    return frame.drop_duplicates(["test", "trial"], keep="last").reset_index(drop=True)


def reference_speed_mps(test: str, quantity: str, value: float) -> float:
    """The reference gait speed (m/s) of one reference value (see the module)."""
    if quantity not in REFERENCE_QUANTITIES:
        raise InvalidInputError(
            f"unknown reference quantity {quantity!r}: use {', '.join(REFERENCE_QUANTITIES)}"
        )
    if not np.isfinite(value) or value <= 0:
        raise InvalidInputError(f"a reference {quantity} must be positive, got {value}")
    if quantity == "gait_speed_mps":
        return float(value)
    walk = TIMED_WALK_TESTS.get(test)
    if walk is None:
        raise InvalidInputError(f"{test} is not a timed walk test: no reference speed")
    if quantity == "walk_time_s":
        if walk.distance_m is None:
            raise InvalidInputError(f"{test} has no fixed distance: give distance_m, not a time")
        return float(walk.distance_m / value)
    if walk.duration_s is None:
        raise InvalidInputError(f"{test} has no fixed duration: give walk_time_s, not a distance")
    return float(value / walk.duration_s)


def session_pairs(session: Session, result: SessionResult) -> pd.DataFrame:
    """(IMU gait speed, reference speed) of the session's accepted walk trials with a
    reference value; columns :data:`PAIR_COLUMNS`."""
    references = reference_values(session)
    trials = result.trials
    speeds = trials[
        (trials["measure"] == "gait_speed_mps") & (trials["status"] == "accepted")
    ].set_index(["test", "trial"])["value"]
    rows = []
    for ref in references.to_dict("records"):
        key = (ref["test"], int(ref["trial"]))
        if key not in speeds.index:
            continue
        rows.append(
            {
                "measure": SITE_MEASURE,
                "unit": "m/s",
                "recording": f"{result.session_id} {key[0]} trial {key[1]} "
                f"({ref['reference_method']})",
                "measured": float(speeds.loc[key]),
                "reference": reference_speed_mps(ref["test"], ref["quantity"], float(ref["value"])),
            }
        )
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def pairs_of(sessions: Iterable[tuple[Session, SessionResult]]) -> pd.DataFrame:
    """:func:`session_pairs` of processed sessions, concatenated."""
    frames = [session_pairs(session, result) for session, result in sessions]
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PAIR_COLUMNS)


def site_reference_pairs(sessions_dir: str | Path) -> pd.DataFrame:
    """Pairs of every session folder under ``sessions_dir`` that holds a reference value
    (only those are processed)."""
    from alsmotion.processing import process_session

    folder = Path(sessions_dir)
    if not folder.is_dir():
        raise InvalidInputError(f"--sessions {folder} is not a folder of session folders")
    chosen = []
    for path in sorted(p for p in folder.iterdir() if (p / METADATA_FILE).is_file()):
        session = Session.open(path)
        if len(reference_values(session)):
            chosen.append((session, process_session(path)))
    return pairs_of(chosen)
