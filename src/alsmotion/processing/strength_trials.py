"""Dynamometry trials: each accepted trial's force curve through
:func:`alsmotion.strength.analyze_trial`, then one summary per muscle, side and method
(:func:`alsmotion.strength.summarize_muscle_side`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from alsmotion.processing.result import flag_text
from alsmotion.processing.slicing import channels_in, sample_times_s, trial_mask
from alsmotion.session.reader import StreamData
from alsmotion.strength import (
    ForceTrialResult,
    StrengthTrial,
    TrialSettings,
    analyze_trial,
    summarize_muscle_side,
)
from alsmotion.strength.muscle import CANNOT_PERFORM, MEASURED
from alsmotion.strength.trial import rfd_unsupported_flag

#: Per-trial strength measures: ForceTrialResult attribute -> unit.
TRIAL_MEASURE_UNITS = {
    "peak_force_n": "N",
    "time_to_peak_s": "s",
    "rfd_0_100ms_n_per_s": "N/s",
    "impulse_ns": "N s",
}
#: Per-visit strength measures: name -> unit.
VISIT_MEASURE_UNITS = {
    "peak_force_n": "N",
    "between_trial_cv_pct": "%",
    "time_to_peak_s": "s",
    "rfd_0_100ms_n_per_s": "N/s",
}


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def analyze_force_trial(
    row: dict[str, Any], force: StreamData | None, trial_settings: TrialSettings
) -> ForceTrialResult | None:
    """ForceTrialResult of one trial, or None when the force stream has no samples for it."""
    if force is None:
        return None
    mask = trial_mask(force, row["start_host_ns"], row["stop_host_ns"])
    values = channels_in(force, "N", mask, 1)
    if values is None or len(values) < 2:
        return None
    return analyze_trial(
        values[:, 0],
        sampling_rate_hz=force.sampling_rate_hz,
        time_s=sample_times_s(force, mask),
        settings=trial_settings,
    )


def strength_group_measures(
    muscle: str,
    side: str,
    analysed: list[tuple[int, ForceTrialResult]],
    cannot_perform_reason: str | None,
    *,
    summary_statistic: str,
    extra_flags: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Per-visit rows of one muscle, side and method from its accepted, analysed trials;
    ``extra_flags`` (e.g. ``data_gap``) are added to every row."""
    trials = [StrengthTrial(muscle, side, number, result=result) for number, result in analysed]
    if not trials and cannot_perform_reason is not None:
        trials = [StrengthTrial(muscle, side, 1, cannot_perform_reason=cannot_perform_reason)]
    summary = summarize_muscle_side(
        trials, muscle=muscle, side=side, summary_statistic=summary_statistic
    )
    flags = [*summary.flags, *extra_flags]
    if summary.status == CANNOT_PERFORM:
        flags.append(f"cannot_perform:{flag_text(summary.reason)}")
    elif summary.status != MEASURED:
        flags.append(
            f"{summary.status}:{flag_text(summary.reason)}" if summary.reason else summary.status
        )
    valid = [result for _, result in analysed if result.valid and result.peak_force_n is not None]
    best = max(valid, key=lambda result: _number(result.peak_force_n)) if valid else None
    values = {
        "peak_force_n": _number(summary.force_n),
        "between_trial_cv_pct": _number(summary.between_trial_cv_pct),
        "time_to_peak_s": _number(best.time_to_peak_s) if best else np.nan,
        "rfd_0_100ms_n_per_s": _number(best.rfd_0_100ms_n_per_s) if best else np.nan,
    }
    # The 0-100 ms RFD comes from the best trial: it carries that trial's quality flags, except
    # the ones that name another window (plateau, 0-50 ms, 20-80 %), which say nothing about it.
    rfd_flags = [] if best is None else _flags_bearing_on_rfd_0_100ms(best.flags)
    return [
        {
            "measure": name,
            "value": value,
            "unit": VISIT_MEASURE_UNITS[name],
            "n": summary.n_valid,
            "flags": ";".join(sorted(set(flags + (rfd_flags if name.startswith("rfd") else [])))),
        }
        for name, value in values.items()
    ]


def _flags_bearing_on_rfd_0_100ms(trial_flags: Sequence[str]) -> list[str]:
    own_window = rfd_unsupported_flag(100)
    return [flag for flag in trial_flags if not flag.endswith("_unsupported") or flag == own_window]


def strength_trial_rows(result: ForceTrialResult | None) -> list[dict[str, Any]]:
    """Per-trial rows; an invalid curve keeps its values, with its reasons."""
    if result is None:
        return [
            {"measure": name, "value": np.nan, "unit": unit}
            for name, unit in TRIAL_MEASURE_UNITS.items()
        ]
    return [
        {"measure": name, "value": _number(getattr(result, name)), "unit": unit}
        for name, unit in TRIAL_MEASURE_UNITS.items()
    ]
