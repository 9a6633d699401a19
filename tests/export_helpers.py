"""SessionResult builders for export tests (no raw data needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from alsmotion.processing import MEASURE_COLUMNS, TRIAL_COLUMNS, SessionResult

BASELINE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _row(columns: list[str], values: dict[str, object]) -> dict[str, object]:
    """A row of ``columns`` from ``values``; columns not given are empty strings."""
    unknown = sorted(set(values) - set(columns))
    assert not unknown, f"not a column: {unknown}"
    return {name: values.get(name, "") for name in columns}


def _measure(**values: object) -> dict[str, object]:
    return _row(MEASURE_COLUMNS, values)


def _trial(start: datetime, **values: object) -> dict[str, object]:
    return _row(TRIAL_COLUMNS, {"status": "accepted", "start_utc": start.isoformat(), **values})


def make_result(
    participant_id: str,
    visit: str,
    day: int,
    *,
    speed_mps: float = 1.0,
    peak_n: float = 200.0,
    walk_cannot_perform: str = "",
    skip_strength: bool = False,
) -> SessionResult:
    start = BASELINE + timedelta(days=day)
    walk = {"domain": "gait", "test": "10MWT"}
    speed = {**walk, "measure": "walk_speed_mps", "unit": "m/s"}
    measures = []
    trials = []
    if walk_cannot_perform:
        flags = f"cannot_perform:{walk_cannot_perform}"
        measures.append(_measure(**speed, value=np.nan, n=0, flags=flags))
    else:
        measures.append(_measure(**speed, value=speed_mps, n=2))
        measures.append(
            _measure(
                **walk,
                measure="stride_time_cv_pct",
                value=3.0,
                unit="%",
                n=12,
                flags="fewer_than_20_strides",
            )
        )
        for trial, offset in ((1, -0.01), (2, 0.01)):
            at = start + timedelta(minutes=trial)
            trials.append(_trial(at, **speed, trial=trial, value=speed_mps + offset))
        at = start + timedelta(minutes=3)
        trials.append(
            _trial(at, **speed, trial=3, value=0.3, status="rejected", reason="stopped halfway")
        )
    if not skip_strength:
        for side, factor in (("left", 1.0), ("right", 0.9)):
            force = {
                "domain": "strength",
                "test": "HHD",
                "measure": "peak_force_n",
                "unit": "N",
                "muscle": "knee_extension",
                "side": side,
                "method": "make",
            }
            measures.append(_measure(**force, value=peak_n * factor, n=3))
            for trial in (1, 2, 3):
                at = start + timedelta(minutes=10 + trial)
                trials.append(_trial(at, **force, trial=trial, value=peak_n * factor - trial))
    return SessionResult(
        participant_id=participant_id,
        visit=visit,
        session_id=f"{participant_id}_{visit}_{start:%Y%m%dT%H%M%SZ}",
        session_start_utc=start,
        study_id="ALS-TOFA",
        measures=pd.DataFrame(measures, columns=MEASURE_COLUMNS),
        trials=pd.DataFrame(trials, columns=TRIAL_COLUMNS),
        source_sha256=f"{participant_id}{day}".ljust(64, "0"),
        settings_hash="s" * 64,
        algorithm_version="1.0",
    )


def small_trial() -> list[SessionResult]:
    return [
        make_result("ALS-001", "baseline", 0, speed_mps=1.2, peak_n=300.0),
        make_result("ALS-001", "day30", 30, speed_mps=1.15, peak_n=290.0),
        make_result("ALS-001", "day90", 98, speed_mps=1.05, peak_n=270.0),  # out of window
        make_result("ALS-001", "day180", 180, walk_cannot_perform="unable to stand", peak_n=220.0),
        make_result("ALS-002", "baseline", 0, speed_mps=0.9, peak_n=180.0),
        make_result("ALS-002", "day30", 29, speed_mps=0.88, peak_n=175.0, skip_strength=True),
        make_result("ALS-002", "day30", 31, speed_mps=0.86, peak_n=172.0),  # duplicate
    ]
