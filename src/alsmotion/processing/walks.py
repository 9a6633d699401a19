"""Timed walk trials: clinical speed (distance / time between the trial's start and stop events)
and the gait pipeline's measures on the lumbar IMU samples of each trial, pooled per test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import AlsmotionError, InvalidInputError
from alsmotion.gait import TIMED_WALK_TESTS, GaitSettings, analyze_gait, timed_walk_speed
from alsmotion.processing.result import flag_text
from alsmotion.processing.slicing import DATA_GAP, channels_in, trial_mask
from alsmotion.session.events import STOPPED_EARLY_REASON
from alsmotion.session.reader import StreamData

#: Walk measures: name -> unit.
WALK_MEASURE_UNITS = {
    "walk_time_s": "s",
    "distance_m": "m",
    "walk_speed_mps": "m/s",
    "gait_speed_mps": "m/s",
    "cadence_spm": "steps/min",
    "stride_time_s": "s",
    "stride_time_cv_pct": "%",
    "step_length_m": "m",
}
_STRIDE_MEASURES = ("gait_speed_mps", "cadence_spm", "stride_time_s", "step_length_m")
#: The IMU gait measures of a walk (those without the clinical timing).
GAIT_MEASURES = (*_STRIDE_MEASURES, "stride_time_cv_pct")


#: Flag of a timed walk accepted although it stopped before its time: ``stopped_early:<reason>``.
STOPPED_EARLY = "stopped_early"


def _is_timing_flag(flag: str) -> bool:
    """Flags of the clinical timing (distance and time), not of the IMU."""
    return flag == "distance_not_recorded" or flag.partition(":")[0] == STOPPED_EARLY


def _is_stride_count_flag(flag: str) -> bool:
    """The per-trial 'too few strides' flag; the pooled count decides it per test instead."""
    return flag.startswith("fewer_than_") and flag.endswith("_strides")


@dataclass(frozen=True)
class WalkTrial:
    """One analysed walk trial: clinical timing plus the gait pipeline's strides and flags;
    ``initial_contacts_s`` (s from the trial's first sample, by sample count) for plots."""

    test: str
    trial: int
    walk_time_s: float
    distance_m: float
    walk_speed_mps: float
    strides: pd.DataFrame
    summary: dict[str, Any]
    flags: tuple[str, ...]
    initial_contacts_s: np.ndarray = field(default_factory=lambda: np.empty(0))


def has_fixed_distance(test: str) -> bool:
    """True for the walks timed over a fixed distance (10MWT, T25FW)."""
    return TIMED_WALK_TESTS[test].distance_m is not None


def clinical_timing(
    test: str, elapsed_s: float, logged_distance_m: Any
) -> tuple[float, float, float]:
    """(time s, distance m, clinical speed m/s) of a walk from its event times and logged distance;
    NaN distance and speed when a fixed-time walk's distance was not logged."""
    distance = None
    if not has_fixed_distance(test) and logged_distance_m is not None:
        distance = None if pd.isna(logged_distance_m) else float(logged_distance_m)
    try:
        timed = timed_walk_speed(test, time_s=elapsed_s, distance_m=distance)
    except InvalidInputError:
        return elapsed_s, float("nan"), float("nan")
    return timed.time_s, timed.distance_m, timed.clinical_speed_mps


def analyze_walk_trial(
    row: dict[str, Any],
    imu: StreamData | None,
    *,
    sample_time_ns: np.ndarray | None,
    sensor_height_m: float | None,
    height_m: float | None,
    gait_settings: GaitSettings,
    data_gap: bool = False,
    walking_aid: bool = False,
) -> WalkTrial:
    """Analyse one walk trial (a row of :func:`alsmotion.session.decisions.trials`).

    ``sample_time_ns`` is when each IMU sample was taken
    (:meth:`alsmotion.session.reader.Session.sample_time_ns`; None: the arrival times); the
    trial holds the samples taken between its start and stop events. ``data_gap`` marks a trial
    during which the IMU lost samples; ``walking_aid`` one walked with a walker or rollator."""
    elapsed_s = (int(row["stop_host_ns"]) - int(row["start_host_ns"])) / 1e9
    timing = clinical_timing(row["test"], elapsed_s, row.get("distance_m"))
    flags: list[str] = [] if np.isfinite(timing[1]) else ["distance_not_recorded"]
    early_reason = row.get(STOPPED_EARLY_REASON)
    if isinstance(early_reason, str) and early_reason:
        flags.append(f"{STOPPED_EARLY}:{flag_text(early_reason)}")
    if data_gap:
        flags.append(DATA_GAP)
    strides = pd.DataFrame()
    summary: dict[str, Any] = {}
    contacts_s = np.empty(0)
    if imu is None:
        return WalkTrial(
            row["test"],
            int(row["trial"]),
            *timing,
            strides,
            summary,
            (*flags, "no_imu_stream"),
        )
    times_ns = imu.host_time_ns if sample_time_ns is None else sample_time_ns
    mask = trial_mask(times_ns, row["start_host_ns"], row["stop_host_ns"])
    accel = channels_in(imu, "m/s^2", mask, 3)
    gyro = channels_in(imu, "rad/s", mask, 3)
    if accel is None or len(accel) == 0:
        flags.append("no_imu_samples")
    else:
        strides, summary, contacts_s, gait_flags = gait_of_samples(
            accel,
            gyro,
            sampling_rate_hz=imu.sampling_rate_hz,
            sensor_height_m=sensor_height_m,
            height_m=height_m,
            gait_settings=gait_settings,
            walking_aid=walking_aid,
        )
        flags += gait_flags
    return WalkTrial(
        row["test"], int(row["trial"]), *timing, strides, summary, tuple(flags), contacts_s
    )


def gait_of_samples(
    accel_mps2: np.ndarray,
    gyro_rads: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    sensor_height_m: float | None,
    height_m: float | None,
    gait_settings: GaitSettings,
    walking_aid: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray, list[str]]:
    """(strides, summary, initial contacts s, flags) of the gait pipeline on IMU samples (NaN
    rows: lost samples); a pipeline error becomes the flag ``gait_failed:<reason>``."""
    try:
        result = analyze_gait(
            accel_mps2,
            sampling_rate_hz=sampling_rate_hz,
            sensor_height_m=sensor_height_m,
            height_m=height_m,
            gyro_rads=gyro_rads,
            settings=gait_settings,
            walking_aid=walking_aid,
        )
    except AlsmotionError as exc:
        return pd.DataFrame(), {}, np.empty(0), [f"gait_failed:{flag_text(str(exc))}"]
    flags = [flag for flag in result.summary.flags if not _is_stride_count_flag(flag)]
    contacts_s = np.asarray(result.initial_contacts_s, dtype=float)
    return result.strides, result.summary.to_dict(), contacts_s, flags


def pooled_stride_time_cv_pct(strides: Sequence[pd.DataFrame]) -> tuple[float, int]:
    """Stride-time CV (%) over the steady strides of several trials, with the within-trial SD
    pooled (differences between trials' means do not inflate it), and the number of strides."""
    groups = [
        s.loc[s["is_steady"].astype(bool), "stride_time_s"].to_numpy() for s in strides if len(s)
    ]
    groups = [g for g in groups if len(g)]
    n = sum(len(g) for g in groups)
    if n - len(groups) < 1:
        return float("nan"), n
    squares = sum(float(np.sum((g - g.mean()) ** 2)) for g in groups)
    mean = float(np.mean(np.concatenate(groups)))
    return float(np.sqrt(squares / (n - len(groups))) / mean * 100.0), n


def walk_test_measures(
    test: str, trials: Sequence[WalkTrial], *, min_variability_strides: int
) -> list[dict[str, Any]]:
    """Per-visit measures of one walk test from its accepted trials."""
    rows = []

    def add(name: str, value: float, n: int, flags: Sequence[str]) -> None:
        if name == "distance_m" and has_fixed_distance(test):
            return
        rows.append(
            {
                "measure": name,
                "value": value,
                "unit": WALK_MEASURE_UNITS[name],
                "n": n,
                "flags": ";".join(sorted(set(flags))),
            }
        )

    timing_flags = [f for t in trials for f in t.flags if _is_timing_flag(f)]
    early = [f for f in timing_flags if f != "distance_not_recorded"]
    add("walk_time_s", float(np.mean([t.walk_time_s for t in trials])), len(trials), early)
    add("distance_m", float(np.mean([t.distance_m for t in trials])), len(trials), timing_flags)
    add(
        "walk_speed_mps",
        float(np.mean([t.walk_speed_mps for t in trials])),
        len(trials),
        timing_flags,
    )
    imu_flags = [f for t in trials for f in t.flags if not _is_timing_flag(f)]
    rows += gait_measures(trials, imu_flags, min_variability_strides=min_variability_strides)
    return rows


def gait_measures(
    trials: Sequence[WalkTrial], flags: Sequence[str], *, min_variability_strides: int
) -> list[dict[str, Any]]:
    """The IMU gait measures (:data:`GAIT_MEASURES`) of walks, strides pooled, with ``flags``."""
    rows = []

    def add(name: str, value: float, n: int, own: Sequence[str]) -> None:
        unit = WALK_MEASURE_UNITS[name]
        joined = ";".join(sorted(set(own)))
        rows.append({"measure": name, "value": value, "unit": unit, "n": n, "flags": joined})

    strides = [t.strides for t in trials if len(t.strides)]
    pooled = pd.concat(strides, ignore_index=True) if strides else pd.DataFrame()
    for name in _STRIDE_MEASURES:
        value = float(pooled[name].mean()) if len(pooled) else float("nan")
        add(name, value, len(pooled), flags if len(pooled) else [*flags, "no_strides"])
    cv_pct, n_steady = pooled_stride_time_cv_pct(strides)
    cv_flags = list(flags)
    if n_steady < min_variability_strides:
        cv_flags.append(f"fewer_than_{min_variability_strides}_strides")
    add("stride_time_cv_pct", cv_pct, n_steady, cv_flags)
    return rows


def not_performed_measures(test: str, flag: str) -> list[dict[str, Any]]:
    """Rows with no value for every measure of a walk test (cannot perform, no accepted trial)."""
    return [
        {"measure": name, "value": float("nan"), "unit": unit, "n": 0, "flags": flag}
        for name, unit in WALK_MEASURE_UNITS.items()
        if not (name == "distance_m" and has_fixed_distance(test))
    ]


def walk_trial_rows(trial: WalkTrial) -> list[dict[str, Any]]:
    """Per-trial measure rows (clinical timing and the trial's own gait summary)."""
    values = {
        "walk_time_s": trial.walk_time_s,
        "distance_m": trial.distance_m,
        "walk_speed_mps": trial.walk_speed_mps,
    }
    for name in GAIT_MEASURES:
        value = trial.summary.get(name)
        values[name] = float("nan") if value is None else float(value)
    return [
        {"measure": name, "value": value, "unit": WALK_MEASURE_UNITS[name]}
        for name, value in values.items()
        if not (name == "distance_m" and has_fixed_distance(trial.test))
    ]
