"""The lumbar gait pipeline: :class:`GaitPipeline` and the public :func:`analyze_gait`."""

from __future__ import annotations

import itertools
import math

import numpy as np

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.gait.cycles import group_bouts
from alsmotion.gait.measures import bout_table, stride_table, summarize
from alsmotion.gait.preprocess import (
    bridge_short_gaps,
    check_accel_units,
    check_gyro_units,
    check_imu_array,
    finite_runs,
    rest_cut_points,
    row_norms,
    rows_with_nan,
    runs_mask,
)
from alsmotion.gait.results import DetectedStrides, GaitResult
from alsmotion.gait.settings import SENSOR_HEIGHT_PER_BODY_HEIGHT, GaitSettings
from alsmotion.gait.spatial import lateral_vaulting_m2, pendulum_step_length_m
from alsmotion.gait.steps import BlockSteps, block_steps, moving_sd
from alsmotion.units import validate_sampling_rate_hz

#: Shortest gap-free stretch (s) that is analysed; shorter ones cannot hold a bout.
MIN_BLOCK_S = 3.0


def resolve_sensor_height_m(
    sensor_height_m: float | None, height_m: float | None
) -> tuple[float, list[str]]:
    """Sensor height (m) from a measurement or 0.53 x body height; NaN (and a flag) without either."""
    for name, value in (("sensor_height_m", sensor_height_m), ("height_m", height_m)):
        if value is not None and not (math.isfinite(value) and 0.2 <= value <= 2.5):
            raise InvalidInputError(f"{name} must be in metres (0.2-2.5), got {value!r}")
    if sensor_height_m is not None:
        return float(sensor_height_m), []
    if height_m is not None:
        return SENSOR_HEIGHT_PER_BODY_HEIGHT * float(height_m), ["sensor_height_from_body_height"]
    return float("nan"), ["no_sensor_height"]


def _blocks(
    accel_mps2: np.ndarray, finite: np.ndarray, *, sampling_rate_hz: float, settings: GaitSettings
) -> tuple[np.ndarray, list[str]]:
    """(start, stop) samples of the gap-free blocks to analyse, and flags about gaps."""
    min_samples = int(MIN_BLOCK_S * sampling_rate_hz)
    runs = finite_runs(finite, min_samples=min_samples)
    flags = ["gaps_split_recording"] if not finite.all() else []
    block_samples = int(settings.block_s * sampling_rate_hz)
    pieces = []
    for start, stop in runs:
        if stop - start <= 2 * block_samples:
            pieces.append((start, stop))
            continue
        # Cut long stretches at rest (lowest 10 s moving SD of the acceleration magnitude within
        # 60 s of each block boundary), computed on a subsample at about 10 Hz.
        decimation = max(int(sampling_rate_hz // 10), 1)
        norm = row_norms(accel_mps2[start:stop:decimation])
        activity = moving_sd(norm, window_samples=int(10 * sampling_rate_hz / decimation))
        cuts = rest_cut_points(
            activity,
            block_samples=block_samples // decimation,
            search_samples=int(60 * sampling_rate_hz / decimation),
        )
        edges = np.concatenate(([start], start + cuts * decimation, [stop]))
        pieces.extend(itertools.pairwise(edges))
    blocks = np.asarray(pieces, dtype=int).reshape(-1, 2)
    return blocks[blocks[:, 1] - blocks[:, 0] >= min_samples], flags


def _join(blocks: list[BlockSteps], offsets_s: list[float]) -> dict[str, np.ndarray]:
    """Concatenate block steps on one time axis; a step never joins two blocks."""
    per_ic: dict[str, list[np.ndarray]] = {
        "ic_s": [],
        "fc_opposite_s": [],
        "fc_same_s": [],
        "left_cue_mps": [],
    }
    per_step: dict[str, list[np.ndarray]] = {
        "valid": [],
        "excursion_m": [],
        "lateral_shift_m": [],
        "heading_change_rad": [],
        "ml_velocity_change_mps": [],
    }
    for block, offset_s in zip(blocks, offsets_s, strict=True):
        if len(block.ic_s) == 0:
            continue
        if per_ic["ic_s"]:
            per_step["valid"].append(np.array([False]))
            for name in (
                "excursion_m",
                "lateral_shift_m",
                "heading_change_rad",
                "ml_velocity_change_mps",
            ):
                per_step[name].append(np.array([np.nan]))
        per_ic["ic_s"].append(block.ic_s + offset_s)
        per_ic["fc_opposite_s"].append(block.fc_opposite_s + offset_s)
        per_ic["fc_same_s"].append(block.fc_same_s + offset_s)
        per_ic["left_cue_mps"].append(block.left_cue_mps)
        for name in per_step:
            per_step[name].append(getattr(block, name))
    joined = {
        name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in per_ic.items()
    }
    for name, parts in per_step.items():
        joined[name] = np.concatenate(parts) if parts else np.zeros(0)
    joined["valid"] = joined["valid"].astype(bool)
    return joined


def steps_touching(mask: np.ndarray, ic_s: np.ndarray, *, sampling_rate_hz: float) -> np.ndarray:
    """Per step (between consecutive ICs at ``ic_s``, s): does any sample of ``mask`` lie in it?"""
    if len(ic_s) < 2:
        return np.zeros(0, dtype=bool)
    marked = np.flatnonzero(mask)
    index = np.clip(np.round(ic_s * sampling_rate_hz).astype(int), 0, len(mask))
    # A marked sample in [index[k], index[k + 1]]: fewer marked samples before its start than
    # before its end.
    return np.searchsorted(marked, np.minimum(index[1:] + 1, len(mask))) > np.searchsorted(
        marked, index[:-1]
    )


def detect_strides(
    accel_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    settings: GaitSettings,
    sensor_height_m: float | None = None,
    height_m: float | None = None,
    gyro_rads: np.ndarray | None = None,
    walking_aid: bool = False,
) -> DetectedStrides:
    """The strides of a lower-back recording, before bouts and summary: the first part of
    :meth:`GaitPipeline.analyze` (parameters there), for callers that need only the strides."""
    rate_hz = validate_sampling_rate_hz(sampling_rate_hz, minimum_hz=settings.min_rate_hz)
    accel = check_imu_array(accel_mps2, name="accel_mps2")
    gyro = None
    if gyro_rads is not None:
        gyro = check_imu_array(gyro_rads, name="gyro_rads", n_samples=len(accel))
    if len(accel) < MIN_BLOCK_S * rate_hz:
        raise InsufficientDataError(
            f"the recording lasts {len(accel) / rate_hz:.2f} s; gait analysis needs at least "
            f"{MIN_BLOCK_S:g} s of data"
        )
    finite = ~rows_with_nan(accel)
    check_accel_units(accel, finite)
    sensor_height, flags = resolve_sensor_height_m(sensor_height_m, height_m)
    if walking_aid:
        flags.append("walking_aid")
    max_gap = round(settings.max_bridged_gap_s * rate_hz)
    accel, bridged = bridge_short_gaps(accel, finite, max_gap_samples=max_gap)
    if bridged.any():
        flags.append("gaps_bridged")
        finite = finite | bridged
    long_gaps = runs_mask(
        finite_runs(bridged, min_samples=math.floor(settings.max_steady_gap_s * rate_hz) + 1),
        len(bridged),
    )
    if gyro is not None:
        check_gyro_units(gyro)
        gyro, _ = bridge_short_gaps(gyro, ~rows_with_nan(gyro), max_gap_samples=max_gap)
        # Missing gyroscope samples only lose the turn information, not the steps.
        gyro = np.nan_to_num(gyro)
    else:
        flags.append("turns_from_acceleration")
        # Without the gyroscope the trunk's tilt cannot be told from its sway, and a large
        # pelvic drop swaps every left/right label (see alsmotion.gait.feet).
        flags.append("feet_from_acceleration")
    pieces, gap_flags = _blocks(accel, finite, sampling_rate_hz=rate_hz, settings=settings)
    flags.extend(gap_flags)
    blocks = [
        block_steps(
            accel[start:stop],
            None if gyro is None else gyro[start:stop],
            sampling_rate_hz=rate_hz,
            settings=settings,
        )
        for start, stop in pieces
    ]
    joined = _join(blocks, [start / rate_hz for start, _ in pieces])
    step_bout = group_bouts(joined["valid"], min_steps=settings.min_bout_steps)
    pendulum_height_m = sensor_height if math.isfinite(sensor_height) else 0.0
    lateral_m2 = None
    if settings.lateral_vaulting > 0 and pendulum_height_m > 0:
        lateral_m2 = settings.lateral_vaulting * lateral_vaulting_m2(
            joined["lateral_shift_m"],
            np.diff(joined["ic_s"]),
            sensor_height_m=pendulum_height_m,
        )
    step_length = pendulum_step_length_m(
        joined["excursion_m"],
        sensor_height_m=pendulum_height_m,
        correction=settings.pendulum_correction,
        lateral_m2=lateral_m2,
    )
    if not math.isfinite(sensor_height):
        step_length = np.full(len(step_length), np.nan)
    strides = stride_table(
        ic_s=joined["ic_s"],
        fc_opposite_s=joined["fc_opposite_s"],
        fc_same_s=joined["fc_same_s"],
        left_cue_mps=joined["left_cue_mps"],
        step_bout=step_bout,
        step_length_m=step_length,
        heading_change_rad=joined["heading_change_rad"],
        ml_velocity_change_mps=joined["ml_velocity_change_mps"],
        turn_threshold_deg=settings.turn_threshold_deg,
        turn_length_exponent=settings.turn_length_exponent,
        turn_felt_fraction=settings.turn_felt_fraction,
        steady_edge_strides=settings.steady_edge_strides,
        turn_margin_strides=settings.turn_margin_strides,
        max_stride_time_deviation=settings.max_stride_time_deviation,
        step_gap_bridged=steps_touching(bridged, joined["ic_s"], sampling_rate_hz=rate_hz),
        step_long_gap=steps_touching(long_gaps, joined["ic_s"], sampling_rate_hz=rate_hz),
    )
    return DetectedStrides(
        strides=strides,
        ic_s=joined["ic_s"],
        step_bout=step_bout,
        flags=tuple(flags),
        sensor_height_m=sensor_height,
    )


class GaitPipeline:
    """Lumbar-IMU gait analysis: settings in the constructor, data in :meth:`analyze`.

    After ``analyze`` the results are in ``result_`` (a :class:`GaitResult`) and, for convenience,
    ``strides_``, ``bouts_``, ``summary_`` and ``initial_contacts_s_``.
    """

    def __init__(self, settings: GaitSettings | None = None) -> None:
        self.settings = settings if settings is not None else GaitSettings()

    def analyze(
        self,
        accel_mps2: np.ndarray,
        *,
        sampling_rate_hz: float,
        sensor_height_m: float | None = None,
        height_m: float | None = None,
        gyro_rads: np.ndarray | None = None,
        walking_aid: bool = False,
    ) -> GaitPipeline:
        """Find gait bouts and strides in a lower-back recording of any orientation.

        Parameters
        ----------
        accel_mps2 : (n, 3) acceleration in m/s^2 including gravity; NaN marks missing samples.
            Gaps up to ``settings.max_bridged_gap_s`` are bridged for event detection (strides
            touching them are flagged ``gap_bridged``); longer gaps split bouts.
        sampling_rate_hz : sampling rate (Hz), at least ``settings.min_rate_hz``.
        sensor_height_m : measured height of the sensor above the ground (m); else
        height_m : body height (m), the sensor taken at 0.53 x height. Without either, spatial
            measures are NaN and the flag ``no_sensor_height`` is set.
        gyro_rads : optional (n, 3) angular velocity (rad/s) on the same clock, for turns.
        walking_aid : the person walked with a walker or rollator. Its handles carry part of the
            weight and steady the trunk, which the pendulum reads as shorter steps (simulated:
            speed -21 % with 60 % of the trunk's motion), and nothing in the signal tells it from
            short steps. Speed and lengths are still given, with the flag ``walking_aid``.
        """
        settings = self.settings
        detected = detect_strides(
            accel_mps2,
            sampling_rate_hz=sampling_rate_hz,
            settings=settings,
            sensor_height_m=sensor_height_m,
            height_m=height_m,
            gyro_rads=gyro_rads,
            walking_aid=walking_aid,
        )
        strides, ic_s, step_bout = detected.strides, detected.ic_s, detected.step_bout
        bouts = bout_table(ic_s, step_bout, strides)
        summary = summarize(
            strides,
            bouts,
            min_variability_strides=settings.min_variability_strides,
            flags=detected.flags,
        )
        in_bout = np.zeros(len(ic_s), dtype=bool)
        if len(ic_s) > 1:
            in_bout[:-1] |= step_bout >= 0
            in_bout[1:] |= step_bout >= 0
        self.result_ = GaitResult(
            strides=strides,
            bouts=bouts,
            summary=summary,
            initial_contacts_s=ic_s[in_bout],
            settings=settings.to_dict(),
            settings_hash=settings.settings_hash,
            sensor_height_m=detected.sensor_height_m,
        )
        self.strides_ = strides
        self.bouts_ = bouts
        self.summary_ = summary
        self.initial_contacts_s_ = self.result_.initial_contacts_s
        return self


def analyze_gait(
    accel_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    sensor_height_m: float | None = None,
    height_m: float | None = None,
    gyro_rads: np.ndarray | None = None,
    settings: GaitSettings | None = None,
    walking_aid: bool = False,
) -> GaitResult:
    """Gait measures from a lower-back IMU recording; see :meth:`GaitPipeline.analyze`.

    Returns
    -------
    GaitResult
        ``.strides`` (one row per stride), ``.bouts``, ``.summary`` (:class:`GaitSummary`),
        ``.initial_contacts_s``, ``.settings`` and ``.settings_hash``. A recording without walking
        gives empty tables and the flag ``no_walking``.
    """
    pipeline = GaitPipeline(settings).analyze(
        accel_mps2,
        sampling_rate_hz=sampling_rate_hz,
        sensor_height_m=sensor_height_m,
        height_m=height_m,
        gyro_rads=gyro_rads,
        walking_aid=walking_aid,
    )
    return pipeline.result_
