"""SessionResult builders for export tests (no raw data needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from alsmotion.processing import MEASURE_COLUMNS, TRIAL_COLUMNS, SessionResult

BASELINE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _measure(
    domain: str,
    test: str,
    measure: str,
    value: float,
    unit: str,
    n: int,
    flags: str = "",
    *,
    limb: tuple[str, str, str] = ("", "", ""),
) -> dict[str, object]:
    """One ``SessionResult.measures`` row; ``limb`` is (muscle, side, method)."""
    muscle, side, method = limb
    return dict(
        domain=domain,
        test=test,
        measure=measure,
        muscle=muscle,
        side=side,
        method=method,
        value=value,
        unit=unit,
        n=n,
        flags=flags,
    )


def _trial(
    domain: str,
    test: str,
    trial: int,
    measure: str,
    value: float,
    unit: str,
    start: datetime,
    status: str = "accepted",
    reason: str = "",
    *,
    limb: tuple[str, str, str] = ("", "", ""),
) -> dict[str, object]:
    """One ``SessionResult.trials`` row; ``limb`` is (muscle, side, method)."""
    muscle, side, method = limb
    return dict(
        domain=domain,
        test=test,
        trial=trial,
        measure=measure,
        muscle=muscle,
        side=side,
        method=method,
        value=value,
        unit=unit,
        status=status,
        reason=reason,
        start_utc=start.isoformat(),
    )


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
    measures = []
    trials = []
    if walk_cannot_perform:
        flags = f"cannot_perform:{walk_cannot_perform}"
        measures.append(_measure("gait", "10MWT", "walk_speed_mps", np.nan, "m/s", 0, flags))
    else:
        measures.append(_measure("gait", "10MWT", "walk_speed_mps", speed_mps, "m/s", 2))
        measures.append(
            _measure("gait", "10MWT", "stride_time_cv_pct", 3.0, "%", 12, "fewer_than_20_strides")
        )
        for trial, offset in ((1, -0.01), (2, 0.01)):
            at = start + timedelta(minutes=trial)
            trials.append(
                _trial("gait", "10MWT", trial, "walk_speed_mps", speed_mps + offset, "m/s", at)
            )
        at = start + timedelta(minutes=3)
        trials.append(
            _trial(
                "gait", "10MWT", 3, "walk_speed_mps", 0.3, "m/s", at, "rejected", "stopped halfway"
            )
        )
    if not skip_strength:
        for side, factor in (("left", 1.0), ("right", 0.9)):
            limb = ("knee_extension", side, "make")
            measures.append(
                _measure("strength", "HHD", "peak_force_n", peak_n * factor, "N", 3, limb=limb)
            )
            for trial in (1, 2, 3):
                at = start + timedelta(minutes=10 + trial)
                force_n = peak_n * factor - trial
                trials.append(
                    _trial("strength", "HHD", trial, "peak_force_n", force_n, "N", at, limb=limb)
                )
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
