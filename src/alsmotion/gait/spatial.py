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


def pendulum_step_length_m(
    excursion_m: np.ndarray, *, sensor_height_m: float, correction: float
) -> np.ndarray:
    """Step length (m) ``correction * 2 * sqrt(2 l h - h^2)`` for excursions ``h`` (m), ``l`` (m).

    Excursions above ``l`` (impossible for a pendulum) give NaN.
    """
    h = np.asarray(excursion_m, dtype=float)
    radicand = 2.0 * sensor_height_m * h - h * h
    with np.errstate(invalid="ignore"):
        length = correction * 2.0 * np.sqrt(radicand)
    return np.where((h >= 0) & (h <= sensor_height_m), length, np.nan)
