"""Unit conversion at the door: everything inside alsmotion is SI (m/s^2, rad/s, N, s, m)."""

from __future__ import annotations

import math

import numpy as np

from alsmotion.errors import InvalidInputError

STANDARD_GRAVITY_MPS2 = 9.80665
NEWTONS_PER_KGF = 9.80665
NEWTONS_PER_LBF = 4.4482216152605

ACCEL_FACTORS_TO_MPS2 = {"g": STANDARD_GRAVITY_MPS2, "mps2": 1.0}
GYRO_FACTORS_TO_RADS = {"dps": math.pi / 180.0, "rads": 1.0}
#: Largest sensor value accepted from a file or a session stream, in its unit (no accelerometer,
#: gyroscope or dynamometer reads more; a larger number is damage, not a reading).
MAX_ABS_VALUE = 1e6
#: Seconds per unit of a numeric time column.
TIME_UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
FORCE_FACTORS_TO_N = {"n": 1.0, "kgf": NEWTONS_PER_KGF, "lbf": NEWTONS_PER_LBF}


def _factor(unit: str, table: dict[str, float], quantity: str) -> float:
    try:
        return table[unit.lower()]
    except KeyError:
        choices = "|".join(table)
        raise InvalidInputError(f"unknown {quantity} unit {unit!r}: use one of {choices}") from None


def accel_to_mps2(values: np.ndarray, unit: str) -> np.ndarray:
    """Convert acceleration in ``g`` or ``mps2`` to m/s^2."""
    return np.asarray(values, dtype=float) * _factor(unit, ACCEL_FACTORS_TO_MPS2, "acceleration")


def accel_from_mps2(values_mps2: np.ndarray, unit: str) -> np.ndarray:
    """Express acceleration given in m/s^2 in ``g`` or ``mps2`` (the inverse of accel_to_mps2)."""
    return np.asarray(values_mps2, dtype=float) / _factor(
        unit, ACCEL_FACTORS_TO_MPS2, "acceleration"
    )


def gyro_to_rads(values: np.ndarray, unit: str) -> np.ndarray:
    """Convert angular velocity in ``dps`` (deg/s) or ``rads`` (rad/s) to rad/s."""
    return np.asarray(values, dtype=float) * _factor(unit, GYRO_FACTORS_TO_RADS, "angular velocity")


def force_to_n(values: np.ndarray, unit: str) -> np.ndarray:
    """Convert force in ``n``, ``kgf`` or ``lbf`` to newtons."""
    return np.asarray(values, dtype=float) * _factor(unit, FORCE_FACTORS_TO_N, "force")


def validate_sampling_rate_hz(sampling_rate_hz: float, *, minimum_hz: float = 0.0) -> float:
    """Return ``sampling_rate_hz`` as float, or raise if it is not finite, positive and >= minimum."""
    try:
        rate = float(sampling_rate_hz)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"sampling_rate_hz must be a number, got {sampling_rate_hz!r}"
        ) from None
    if not math.isfinite(rate) or rate <= 0:
        raise InvalidInputError(f"sampling_rate_hz must be positive and finite, got {rate}")
    if rate < minimum_hz:
        raise InvalidInputError(
            f"sampling_rate_hz is {rate:g} Hz but this method needs at least {minimum_hz:g} Hz"
        )
    return rate
