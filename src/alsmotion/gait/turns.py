"""Heading change per step, for excluding turns from stride-time variability.

With a gyroscope the yaw rate is the angular velocity about the vertical. Without one, the heading
change over a stride is estimated from the centripetal (medio-lateral) acceleration: over a stride
of duration ``T`` and length ``S`` walked at yaw rate ``w``, the mean ML acceleration is ``v w``
with ``v = S / T``, so the heading change is ``w T = dv_ml * T / S`` where ``dv_ml`` is the ML
acceleration integrated over the stride. A walker leans into a turn so that the pelvis feels only
part of that acceleration (an accelerometer cannot tell a lean from a sideways acceleration): the
estimate is divided by the fraction that is felt (fitted against gyroscopes, see
:attr:`~alsmotion.gait.GaitSettings.turn_felt_fraction`).
"""

from __future__ import annotations

import numpy as np


def interval_integrals(
    signal: np.ndarray, boundaries: np.ndarray, *, sampling_rate_hz: float
) -> np.ndarray:
    """Integral of ``signal`` (unit x s) over each interval between consecutive ``boundaries``."""
    if len(boundaries) < 2:
        return np.zeros(0)
    cumulative = np.concatenate(([0.0], np.cumsum(signal))) / sampling_rate_hz
    return np.diff(cumulative[np.asarray(boundaries, dtype=int)])


def heading_change_from_ml_rad(
    ml_velocity_change_mps: np.ndarray,
    stride_time_s: np.ndarray,
    stride_length_m: np.ndarray,
    bout: np.ndarray,
    *,
    felt_fraction: float,
) -> np.ndarray:
    """Heading change (rad) over strides estimated from the ML velocity change (m/s), time (s) and
    length (m) of each stride; NaN where the length is unknown or zero.

    A vertical a little off tilts gravity into the ML axis: a constant sideways acceleration over a
    bout, removed as the median ML acceleration (``dv_ml / T``) of the bout's strides (``bout``: bout
    number per stride; a turn takes a few strides of a bout). ``felt_fraction`` is the share of the
    centripetal acceleration the sensor feels (the walker leans into the turn).
    """
    change = np.asarray(ml_velocity_change_mps, dtype=float).copy()
    mean_mps2 = change / stride_time_s
    for number in np.unique(bout):
        members = (bout == number) & np.isfinite(mean_mps2)
        if members.any():
            change[members] -= np.median(mean_mps2[members]) * stride_time_s[members]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            stride_length_m > 0,
            change * stride_time_s / stride_length_m / felt_fraction,
            np.nan,
        )


def turn_length_factor(heading_change_rad: np.ndarray, *, exponent: float) -> np.ndarray:
    """``cos(d / 2) ** exponent`` for heading changes ``d`` (rad, clipped to 180 deg); NaN -> 1."""
    half = np.minimum(np.abs(np.nan_to_num(heading_change_rad)), np.pi) / 2.0
    return np.cos(half) ** exponent
