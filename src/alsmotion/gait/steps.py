"""Steps of one gap-free block of lumbar acceleration: orientation, contacts, validity, excursion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from alsmotion.gait.cycles import pair_final_contacts, regular_steps
from alsmotion.gait.events import closing_contacts, detect_contacts, impact_jerk, impact_onsets
from alsmotion.gait.feet import left_foot_cues_mps, tilt_corrected_horizontal
from alsmotion.gait.preprocess import gravity_direction, horizontal_axes, project, resample
from alsmotion.gait.settings import GaitSettings
from alsmotion.gait.spatial import lateral_shifts_m, step_excursions_and_tops
from alsmotion.gait.turns import interval_integrals


@dataclass(frozen=True)
class BlockSteps:
    """Candidate steps of one block; step k runs from ``ic_s[k]`` to ``ic_s[k + 1]``.

    Per IC (length n): ``ic_s``, ``fc_opposite_s``, ``fc_same_s`` (s from the block start), and
    ``left_cue_mps`` (leftward trunk velocity at the IC, positive for a left foot, NaN when unknown;
    see :func:`~alsmotion.gait.feet.left_foot_cues_mps`).
    Per step (length n - 1): ``valid`` (plausible walking step), ``excursion_m``,
    ``lateral_shift_m`` (sideways move from the contact to mid-stance; NaN when not measured or
    when ``settings.lateral_vaulting`` is 0), ``heading_change_rad`` (from the gyroscope, NaN without one), ``ml_velocity_change_mps``
    (without a gyroscope only, else NaN).
    """

    ic_s: np.ndarray
    fc_opposite_s: np.ndarray
    fc_same_s: np.ndarray
    left_cue_mps: np.ndarray
    valid: np.ndarray
    excursion_m: np.ndarray
    lateral_shift_m: np.ndarray
    heading_change_rad: np.ndarray
    ml_velocity_change_mps: np.ndarray


def moving_sd(values: np.ndarray, *, window_samples: int) -> np.ndarray:
    """Moving standard deviation over a centred window of ``window_samples``."""
    size = max(int(window_samples), 1)
    mean = uniform_filter1d(values, size=size, mode="nearest")
    mean_square = uniform_filter1d(values * values, size=size, mode="nearest")
    return np.sqrt(np.maximum(mean_square - mean * mean, 0.0))


def ml_velocity_changes_mps(
    accel_mps2: np.ndarray,
    horizontal_mps2: np.ndarray,
    peak: np.ndarray,
    tops: np.ndarray,
    valid: np.ndarray,
    *,
    sampling_rate_hz: float,
    ap_highpass_hz: float,
) -> np.ndarray:
    """Medio-lateral acceleration integrated over each step (m/s), for turns without a gyroscope.

    The vertical is the mean acceleration over the block's valid steps (the sensor sits still on
    the pelvis while walking), not a moving average, which would tilt towards the centripetal
    acceleration of each turn and hide part of it. Step k is integrated from its mid-stance (highest
    point, ``tops``) to the next step's: the trunk's sideways velocity is zero there, also on the
    first and last steps of a walk, so only a change of heading leaves a velocity change (between
    initial contacts the lateral sway speed, which builds up as a walk starts, adds its own).
    ``peak`` are the step boundaries (samples), ``tops`` NaN where a step was not measured (its
    midpoint is used), ``horizontal_mps2`` the acceleration orthogonal to the moving vertical,
    whose principal axes are AP and ML (:func:`~alsmotion.gait.preprocess.horizontal_axes`).
    """
    n_steps = len(peak) - 1
    if n_steps < 1:
        return np.zeros(0)
    cumulative = np.concatenate((np.zeros((1, 3)), np.cumsum(accel_mps2, axis=0)))
    sums = cumulative[peak[1:]] - cumulative[peak[:-1]]
    walking_sum = sums[valid].sum(axis=0) if valid.any() else cumulative[-1]
    walking_up = walking_sum / np.linalg.norm(walking_sum)
    _, ml_axis = horizontal_axes(
        horizontal_mps2, sampling_rate_hz=sampling_rate_hz, highpass_hz=ap_highpass_hz
    )
    ml_axis = ml_axis - (ml_axis @ walking_up) * walking_up
    ml_mps2 = np.einsum("ni,i->n", accel_mps2, ml_axis)
    start = np.where(np.isnan(tops), 0.5 * (peak[:-1] + peak[1:]), tops)
    # A step ends at the next step's mid-stance when that is a walking step, else (the last step
    # of a walk) as far after its final contact as it started after its first.
    own_phase_end = start + (peak[1:] - peak[:-1])
    end = own_phase_end.copy()
    end[:-1] = np.where(valid[1:], start[1:], own_phase_end[:-1])
    start = np.minimum(start, len(accel_mps2)).astype(int)
    end = np.minimum(end, len(accel_mps2)).astype(int)
    cumulative_ml = np.concatenate(([0.0], np.cumsum(ml_mps2))) / sampling_rate_hz
    return cumulative_ml[end] - cumulative_ml[start]


def block_steps(
    accel_mps2: np.ndarray,
    gyro_rads: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: GaitSettings,
) -> BlockSteps:
    """Detect and validate the steps of one gap-free block sampled at ``sampling_rate_hz``."""
    rate_hz = settings.internal_rate_hz
    accel = resample(accel_mps2, sampling_rate_hz=sampling_rate_hz, target_rate_hz=rate_hz)
    up = gravity_direction(accel, window_samples=int(settings.gravity_window_s * rate_hz))
    vertical = project(accel, up)
    ic, fc = detect_contacts(
        vertical,
        sampling_rate_hz=rate_hz,
        lowpass_hz=settings.lowpass_hz,
        ic_scale_s=settings.ic_cwt_scale_s,
        fc_scale_s=settings.fc_cwt_scale_s,
        ic_prominence_mps2=settings.ic_prominence_mps2,
        fc_prominence_mps3=settings.fc_prominence_mps3,
    )
    keep, fc_opposite_s, fc_same_s = pair_final_contacts(
        ic / rate_hz,
        fc / rate_hz,
        max_loading_s=settings.max_loading_s,
        max_stance_s=settings.max_step_s + settings.max_loading_s,
        max_step_s=settings.max_step_s,
    )
    # The CWT peak (lowest point of the trunk, vertical velocity near zero) bounds the steps for
    # the excursion; the impact before it is the reported time of the initial contact.
    peak = ic[keep]
    jerk = impact_jerk(vertical, sampling_rate_hz=rate_hz, smoothing_s=settings.impact_smoothing_s)
    impact = np.maximum(
        impact_onsets(
            jerk,
            peak,
            sampling_rate_hz=rate_hz,
            window_s=settings.impact_window_s,
            own_lag=np.diff(peak, append=np.iinfo(int).max) > settings.max_step_s * rate_hz,
        ),
        0,
    )
    closing = closing_contacts(
        jerk,
        impact,
        sampling_rate_hz=rate_hz,
        max_step_samples=int(settings.max_step_s * rate_hz),
        window_s=settings.impact_window_s,
        min_impact_ratio=settings.closing_impact_ratio,
    )
    fc_opposite_s, fc_same_s = fc_opposite_s[keep], fc_same_s[keep]
    is_closing = np.zeros(len(peak), dtype=bool)
    if len(closing):
        # A closing contact bounds its step at the same lag after the impact as the others.
        lag = int(np.median(peak - impact))
        order = np.argsort(np.concatenate((peak, closing + lag)), kind="stable")
        peak = np.concatenate((peak, closing + lag))[order]
        impact = np.concatenate((impact, closing))[order]
        nan = np.full(len(closing), np.nan)
        fc_opposite_s = np.concatenate((fc_opposite_s, nan))[order]
        fc_same_s = np.concatenate((fc_same_s, nan))[order]
        is_closing = np.concatenate((is_closing, np.ones(len(closing), dtype=bool)))[order]
        peak = np.minimum(peak, len(vertical) - 1)
    ic_s = impact / rate_hz
    step_s = np.diff(peak) / rate_hz
    activity = moving_sd(vertical, window_samples=int(settings.activity_window_s * rate_hz))
    active = activity[peak] >= settings.activity_threshold_mps2
    excursion_m, tops = step_excursions_and_tops(
        vertical,
        peak,
        sampling_rate_hz=rate_hz,
        max_step_samples=int(settings.max_step_s * rate_hz),
    )
    with np.errstate(invalid="ignore"):
        plausible_excursion = (excursion_m >= settings.min_excursion_m) & (
            excursion_m <= settings.max_excursion_m
        )
    valid = (
        (step_s >= settings.min_step_s)
        & (step_s <= settings.max_step_s)
        & regular_steps(step_s, max_ratio=settings.max_step_ratio)
        & active[:-1]
        & active[1:]
        & plausible_excursion
    ) | (is_closing[1:] & (step_s >= settings.min_step_s) & (step_s <= settings.max_step_s))
    horizontal = accel - vertical[:, None] * up
    if gyro_rads is not None:
        gyro = resample(gyro_rads, sampling_rate_hz=sampling_rate_hz, target_rate_hz=rate_hz)
        yaw_rads = project(gyro, up)
        heading = interval_integrals(yaw_rads, peak, sampling_rate_hz=rate_hz)
        ml_change = np.full(len(step_s), np.nan)
        horizontal = tilt_corrected_horizontal(
            horizontal,
            up,
            gyro,
            sampling_rate_hz=rate_hz,
            window_samples=int(settings.gravity_window_s * rate_hz),
        )
    else:
        heading = np.full(len(step_s), np.nan)
        ml_change = ml_velocity_changes_mps(
            accel,
            horizontal,
            peak,
            tops,
            valid,
            sampling_rate_hz=rate_hz,
            ap_highpass_hz=settings.ap_highpass_hz,
        )
    left_cue = left_foot_cues_mps(horizontal, up, impact, valid, sampling_rate_hz=rate_hz)
    lateral_shift = np.full(len(step_s), np.nan)
    if settings.lateral_vaulting > 0 and len(peak) > 1:
        _, ml_axis = horizontal_axes(
            accel - vertical[:, None] * up,
            sampling_rate_hz=rate_hz,
            highpass_hz=settings.ap_highpass_hz,
        )
        lateral_shift = lateral_shifts_m(
            horizontal @ ml_axis,
            peak,
            tops,
            sampling_rate_hz=rate_hz,
            highpass_hz=settings.lateral_highpass_hz,
        )
    return BlockSteps(
        ic_s=ic_s,
        fc_opposite_s=fc_opposite_s,
        fc_same_s=fc_same_s,
        left_cue_mps=left_cue,
        valid=valid,
        excursion_m=excursion_m,
        lateral_shift_m=lateral_shift,
        heading_change_rad=heading,
        ml_velocity_change_mps=ml_change,
    )
