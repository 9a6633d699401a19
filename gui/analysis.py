"""Analysis the GUI runs in its worker thread: gait on a walk trial, force measures on a strength
trial, and the small numeric helpers the screens need (gaps, release, vertical channel).

Pure functions over arrays; the numerics themselves are :func:`alsmotion.gait.analyze_gait` and
:func:`alsmotion.strength.analyze_trial`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.gui.guidance import vertical_axis

#: A host-time gap longer than this (s) inside a trial is flagged (a disconnect or lost packets).
GAP_FLAG_S = 0.5

GAIT_MEASURES = ("gait_speed_mps", "cadence_spm", "n_strides", "stride_time_cv_pct")
FORCE_MEASURES = ("peak_force_n", "time_to_peak_s", "rfd_0_100ms_n_per_s", "impulse_ns")


@dataclass(frozen=True)
class WalkAnalysis:
    """Gait measures of one walk trial as the walk screen shows them.

    ``initial_contacts_s`` are on the trial's time axis (seconds from its start).
    """

    measures: Mapping[str, float | None]
    flags: tuple[str, ...]
    initial_contacts_s: np.ndarray = field(default_factory=lambda: np.empty(0))

    @classmethod
    def empty(cls, flag: str) -> WalkAnalysis:
        return cls(dict.fromkeys(GAIT_MEASURES), (flag,))


@dataclass(frozen=True)
class ForceAnalysis:
    """Force measures of one strength trial; times are seconds from the trial's start."""

    measures: Mapping[str, float | None]
    valid: bool
    reasons: tuple[str, ...]
    onset_time_s: float | None
    peak_time_s: float | None


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def largest_gap_s(time_s: np.ndarray, *, sampling_rate_hz: float) -> float:
    """Longest stretch without samples beyond the nominal period (s); 0 when none.

    Parameters
    ----------
    time_s : (n,) ascending sample times in seconds.
    sampling_rate_hz : nominal sampling rate (Hz).
    """
    time_s = np.asarray(time_s, dtype=float)
    if len(time_s) < 2:
        return 0.0
    excess_s = np.diff(time_s) - 1.0 / sampling_rate_hz
    return float(max(0.0, excess_s.max()))


def gap_flags(gap_s: float) -> tuple[str, ...]:
    return (f"data_gap_{gap_s:.1f}_s",) if gap_s > GAP_FLAG_S else ()


def analyse_walk(
    accel_mps2: np.ndarray,
    *,
    gyro_rads: np.ndarray | None,
    sampling_rate_hz: float,
    height_m: float | None,
    largest_gap_s: float,
    start_s: float,
) -> WalkAnalysis:
    """Run the gait pipeline on one walk trial.

    Parameters
    ----------
    accel_mps2 : (n, 3) lumbar acceleration in m/s^2.
    gyro_rads : (n, 3) angular velocity in rad/s, or None.
    sampling_rate_hz : the IMU's sampling rate (Hz).
    height_m : participant height (m) for the step-length model, when known.
    largest_gap_s : longest data gap in the trial (s), flagged when over ``GAP_FLAG_S``.
    start_s : trial time of the first sample (s), added to the initial contact times.
    """
    from alsmotion.gait import analyze_gait

    try:
        result = analyze_gait(
            accel_mps2, sampling_rate_hz=sampling_rate_hz, height_m=height_m, gyro_rads=gyro_rads
        )
    except (InsufficientDataError, InvalidInputError) as exc:
        return WalkAnalysis.empty(f"no gait: {exc}")
    summary = result.summary.to_dict()
    measures = {name: _finite_or_none(summary.get(name)) for name in GAIT_MEASURES}
    flags = tuple(result.summary.flags) + gap_flags(largest_gap_s)
    contacts_s = np.asarray(result.initial_contacts_s, dtype=float) + start_s
    return WalkAnalysis(measures, flags, contacts_s)


def analyse_force(
    force_n: np.ndarray, *, sampling_rate_hz: float, start_s: float, largest_gap_s: float
) -> ForceAnalysis:
    """Force-curve measures of one strength trial (see :func:`alsmotion.strength.analyze_trial`).

    Parameters
    ----------
    force_n : (n,) force in newtons.
    sampling_rate_hz : the dynamometer's sampling rate (Hz).
    start_s : trial time of the first sample (s).
    largest_gap_s : longest data gap in the trial (s), a reason to doubt the trial when long.
    """
    from alsmotion.strength import analyze_trial

    result = analyze_trial(np.asarray(force_n, dtype=float), sampling_rate_hz=sampling_rate_hz)
    measures = {name: _finite_or_none(getattr(result, name)) for name in FORCE_MEASURES}
    onset_s = _finite_or_none(result.onset_time_s)
    peak_s = _finite_or_none(result.peak_time_s)
    return ForceAnalysis(
        measures,
        bool(result.valid),
        tuple(result.reasons) + tuple(result.flags) + gap_flags(largest_gap_s),
        None if onset_s is None else onset_s + start_s,
        None if peak_s is None else peak_s + start_s,
    )


def first_rest_index(force_n: np.ndarray, *, threshold_n: float) -> int | None:
    """Index of the first sample at rest (force at or below ``threshold_n``), None if none.

    Samples before it belong to an effort that was already under way when the trial started; the
    analysis leaves them out so the baseline is taken at rest.
    """
    rest = np.flatnonzero(np.asarray(force_n, dtype=float) <= threshold_n)
    return int(rest[0]) if len(rest) else None


def effort_start_index(force_n: np.ndarray, *, threshold_n: float, baseline_samples: int) -> int:
    """Where the analysis of a strength trial should start: ``baseline_samples`` before the last
    rise above ``threshold_n``, but after any earlier effort (and its falling tail) in the trace.

    Leading samples still above a quarter of the threshold (the tail of a release) are left out.
    A trial started during or just after another effort then still gets a quiet baseline, which
    onset detection needs.
    """
    above = np.asarray(force_n, dtype=float) > threshold_n
    rises = np.flatnonzero(~above[:-1] & above[1:]) + 1
    if len(rises) == 0:
        return 0
    rise = int(rises[-1])
    earlier = np.flatnonzero(above[:rise])
    after_earlier = int(earlier[-1]) + 1 + baseline_samples // 2 if len(earlier) else 0
    start = max(0, rise - baseline_samples, min(after_earlier, rise - 1))
    settled = np.flatnonzero(np.asarray(force_n, dtype=float)[start:rise] <= threshold_n / 4)
    return start + int(settled[0]) if len(settled) else start


def force_released(force_n: np.ndarray, *, threshold_n: float, hold_samples: int) -> bool:
    """True once an effort rose above ``threshold_n`` from rest and stayed below it again for
    ``hold_samples``.

    The strength screen ends a trial on release with it, so the result appears without a click.
    A trial started while the participant was already pushing waits for a full effort from rest.
    """
    force_n = np.asarray(force_n, dtype=float)
    start = first_rest_index(force_n, threshold_n=threshold_n)
    if start is None:
        return False
    effort = np.flatnonzero(force_n[start:] > threshold_n)
    if len(effort) == 0:
        return False
    return len(force_n) - 1 - (start + effort[-1]) >= hold_samples


def vertical_channel(accel_mps2: np.ndarray) -> int:
    """Index of the axis carrying gravity (0 when it cannot be found)."""
    found = vertical_axis(accel_mps2)
    return 0 if found is None else found[0]


def participant_height_m(extra: Mapping[str, Any] | None) -> float | None:
    """Body height (m) from the session metadata's extra facts, when recorded."""
    return _finite_or_none((extra or {}).get("height_m"))


def walk_duration_s(test: str) -> float | None:
    """Fixed duration (s) of a timed walk (2MWT, 6MWT), None for fixed-distance walks."""
    from alsmotion.gait import TIMED_WALK_TESTS

    return TIMED_WALK_TESTS[test].duration_s


def walk_distance_m(test: str, entered_m: float | None) -> float | None:
    """Distance of a timed walk (m): fixed for 10MWT/T25FW, else what the operator entered."""
    from alsmotion.gait import TIMED_WALK_TESTS

    fixed_m = TIMED_WALK_TESTS[test].distance_m
    if fixed_m is not None:
        return fixed_m
    return entered_m if entered_m else None
