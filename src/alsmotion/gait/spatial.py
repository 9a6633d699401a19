"""Step length from the vertical excursion of the sensor: the inverted-pendulum model.

Zijlstra & Hof (2003): over one step the trunk moves on an arc of radius ``l`` (sensor height above
the ground), so a vertical excursion ``h`` gives step length ``2 * sqrt(2 l h - h^2)``. ``h`` is the
range of the sensor's vertical position over the step, from double integration of the vertical
acceleration between two initial contacts. As in GaitPy the acceleration is linearly detrended over
the step; unlike GaitPy the integrated velocity is also made to end where it started (gait is
periodic, so the vertical velocity at consecutive ICs is the same). Without that, integration drift
inflates ``h`` and makes it depend on the exact IC sample (a one-sample shift changed GaitPy-style
step lengths by up to 20 % on its own demo). The drift-free excursion is smaller than GaitPy's, which
the correction factor ``K`` of :func:`pendulum_step_length_m` absorbs (mobgap uses 4.587/4 for the
same reason).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import sosfiltfilt

from alsmotion.gait.preprocess import butter_sos
from alsmotion.units import STANDARD_GRAVITY_MPS2


def _cumtrapz_rows(values: np.ndarray, pair_valid: np.ndarray, period_s: float) -> np.ndarray:
    """Row-wise cumulative trapezoid integral starting at 0; pairs past a row's end add nothing."""
    increments = 0.5 * (values[:, :-1] + values[:, 1:]) * period_s * pair_valid
    out = np.zeros_like(values)
    np.cumsum(increments, axis=1, out=out[:, 1:])
    return out


def step_excursions_and_tops(
    vertical_mps2: np.ndarray,
    ic_samples: np.ndarray,
    *,
    sampling_rate_hz: float,
    max_step_samples: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Vertical excursion (m) of the sensor over each step, and the sample of its highest point.

    The highest point of a step is mid-stance: the trunk vaults over the stance foot, where its
    sideways velocity is zero (used to bound the medio-lateral integrals that estimate turns).

    Parameters
    ----------
    vertical_mps2 : vertical acceleration (m/s^2), gravity included or not (it is detrended away).
    ic_samples : sorted sample indices of initial contacts; step k spans ic[k]..ic[k+1] inclusive.
    max_step_samples : steps longer than this get NaN (they are not steps, and would make the
        padded matrix as wide as the longest rest).

    Returns
    -------
    excursions : (len(ic_samples) - 1,) excursions in metres (NaN where not measured).
    tops : (len(ic_samples) - 1,) sample index of each step's highest point (float, NaN where not
        measured).

    All steps are processed at once as rows of a padded matrix (no per-step Python loop).
    """
    all_starts = np.asarray(ic_samples[:-1], dtype=int)
    all_lengths = np.diff(np.asarray(ic_samples, dtype=int)) + 1
    excursions = np.full(len(all_starts), np.nan)
    tops = np.full(len(all_starts), np.nan)
    measured = all_lengths >= 2
    if max_step_samples is not None:
        measured &= all_lengths <= max_step_samples + 1
    starts, lengths = all_starts[measured], all_lengths[measured]
    if len(starts) == 0:
        return excursions, tops
    width = int(lengths.max())
    offsets = np.arange(width)
    valid = offsets[None, :] < lengths[:, None]
    index = np.minimum(starts[:, None] + offsets[None, :], len(vertical_mps2) - 1)
    values = vertical_mps2[index]
    # Least-squares line per row over its valid samples, removed (scipy.signal.detrend per step).
    count = lengths.astype(float)
    t = offsets[None, :] * valid
    sum_t = t.sum(axis=1)
    sum_tt = (t * t).sum(axis=1)
    sum_y = (values * valid).sum(axis=1)
    sum_ty = (t * values * valid).sum(axis=1)
    denominator = count * sum_tt - sum_t**2
    slope = np.divide(
        count * sum_ty - sum_t * sum_y,
        denominator,
        out=np.zeros_like(count),
        where=denominator > 0,
    )
    intercept = (sum_y - slope * sum_t) / count
    detrended = (values - slope[:, None] * offsets[None, :] - intercept[:, None]) * valid
    period_s = 1.0 / sampling_rate_hz
    pair_valid = valid[:, 1:]
    velocity = _cumtrapz_rows(detrended, pair_valid, period_s)
    end_velocity = velocity[np.arange(len(velocity)), lengths - 1]
    drift = end_velocity[:, None] * offsets[None, :] / np.maximum(lengths[:, None] - 1, 1)
    velocity = (velocity - drift) * valid
    position = _cumtrapz_rows(velocity, pair_valid, period_s)
    masked = np.where(valid, position, -np.inf)
    top = masked.argmax(axis=1)
    highest = masked[np.arange(len(masked)), top]
    lowest = np.where(valid, position, np.inf).min(axis=1)
    excursions[measured] = highest - lowest
    tops[measured] = starts + top
    return excursions, tops


def lateral_shifts_m(
    ml_mps2: np.ndarray,
    ic_samples: np.ndarray,
    tops: np.ndarray,
    *,
    sampling_rate_hz: float,
    highpass_hz: float,
) -> np.ndarray:
    """Sideways displacement (m) of the sensor from each step's initial contact to its mid-stance.

    ``ml_mps2`` is the medio-lateral acceleration; it is integrated twice with a zero-phase
    4th-order high-pass at ``highpass_hz`` after each stage (the sway of walking is at half the step
    frequency, drift and posture changes below it). ``tops`` (per step, samples, NaN where not
    measured) are the mid-stances of :func:`step_excursions_and_tops`. NaN where a top is NaN.
    """
    sos = butter_sos(4, highpass_hz, "highpass", sampling_rate_hz)
    period_s = 1.0 / sampling_rate_hz
    every = np.ones((1, len(ml_mps2) - 1), dtype=bool)

    def integral(values: np.ndarray) -> np.ndarray:
        # The trapezoid rule has no phase lag (a running sum would lead by half a sample).
        return _cumtrapz_rows(sosfiltfilt(sos, values)[None, :], every, period_s)[0]

    position = sosfiltfilt(sos, integral(integral(ml_mps2 - ml_mps2.mean())))
    starts = np.asarray(ic_samples[:-1], dtype=int)
    measured = np.isfinite(tops)
    shifts = np.full(len(starts), np.nan)
    top = np.nan_to_num(tops).astype(int)
    shifts[measured] = np.abs(position[top[measured]] - position[starts[measured]])
    return shifts


def lateral_vaulting_m2(
    shift_m: np.ndarray, step_time_s: np.ndarray, *, sensor_height_m: float
) -> np.ndarray:
    """The lateral share of the pendulum radicand, ``y_ic^2 - y_mid^2`` (m^2), per step.

    The stance foot is placed to the side of the trunk, ``y_ic`` at the contact and ``y_mid`` at
    mid-stance, so the trunk's vertical excursion over a step of length ``s`` is
    ``sqrt(l^2 - y_mid^2) - sqrt(l^2 - s^2 / 4 - y_ic^2)``: part of the excursion comes from the
    sideways vault, not from the step. A linear inverted pendulum over the stance foot
    (``w = sqrt(g / l)``) moves sideways as ``y_mid cosh(w t)`` from mid-stance, so the measured shift
    ``a = y_ic - y_mid`` over a step of duration ``T`` gives ``y_ic^2 - y_mid^2 = a^2 coth^2(w T / 4)``.
    Large for slow, wide-swaying steps, small for brisk ones (Rispens et al. 2021 corrected the
    pendulum speed for the sideways step movement).
    """
    rate_rad_s = np.sqrt(STANDARD_GRAVITY_MPS2 / sensor_height_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.asarray(shift_m) / np.tanh(rate_rad_s * np.asarray(step_time_s) / 4.0)) ** 2


def pendulum_step_length_m(
    excursion_m: np.ndarray,
    *,
    sensor_height_m: float,
    correction: float,
    lateral_m2: np.ndarray | None = None,
) -> np.ndarray:
    """Step length (m) ``correction * 2 * sqrt(2 l h - h^2 - lateral)`` for excursions ``h`` (m),
    ``l`` (m), and the lateral share of the radicand ``lateral`` (m^2, see
    :func:`lateral_vaulting_m2`; NaN or None counts as 0). The lateral share is capped at half the
    radicand: more than that is a turn or stepping sideways, not a vault over a straight step.

    Excursions above ``l`` (impossible for a pendulum) give NaN.
    """
    h = np.asarray(excursion_m, dtype=float)
    radicand = 2.0 * sensor_height_m * h - h * h
    if lateral_m2 is not None:
        radicand = radicand - np.minimum(np.nan_to_num(lateral_m2), 0.5 * np.maximum(radicand, 0))
    with np.errstate(invalid="ignore"):
        length = correction * 2.0 * np.sqrt(radicand)
    return np.where((h >= 0) & (h <= sensor_height_m), length, np.nan)
