"""Plain-language guidance for the operator when a device or the sensor placement is wrong.

Pure functions over numbers, so the rules are tested without Qt or devices.
"""

from __future__ import annotations

import numpy as np

from alsmotion.units import STANDARD_GRAVITY_MPS2

#: Below this battery level (percent) the operator is told to charge or swap the device.
LOW_BATTERY_PCT = 20.0
#: A measured rate below this fraction of the nominal rate means packets are being lost.
MIN_RATE_FRACTION = 0.9
#: The gravity axis must lie within this angle (degrees) of one sensor axis.
MAX_TILT_DEG = 35.0
#: The mean acceleration must be within this fraction of 1 g for the sensor to count as still.
STILL_TOLERANCE = 0.15


def vertical_axis(accel_mps2: np.ndarray) -> tuple[int, float] | None:
    """Find the sensor axis that carries gravity while the participant stands still.

    Parameters
    ----------
    accel_mps2 : (n, 3) acceleration in m/s^2 over a quiet period (1-2 s is enough).

    Returns
    -------
    (axis index 0-2, sign +1.0 or -1.0) of the axis closest to vertical, or None when the sensor is
    moving (mean magnitude far from 1 g) or tilted more than ``MAX_TILT_DEG`` from every axis.
    """
    accel = np.asarray(accel_mps2, dtype=float)
    if accel.ndim != 2 or accel.shape[1] != 3 or len(accel) == 0:
        return None
    mean = np.nanmean(accel, axis=0)
    magnitude = float(np.linalg.norm(mean))
    if not np.isfinite(magnitude) or abs(magnitude / STANDARD_GRAVITY_MPS2 - 1) > STILL_TOLERANCE:
        return None
    axis = int(np.argmax(np.abs(mean)))
    tilt_deg = float(np.degrees(np.arccos(min(1.0, abs(mean[axis]) / magnitude))))
    if tilt_deg > MAX_TILT_DEG:
        return None
    return axis, float(np.sign(mean[axis]))


def device_guidance(
    *,
    state: str,
    battery_pct: float | None,
    rate_hz: float | None,
    nominal_rate_hz: float | None,
) -> list[str]:
    """Messages for one device, most urgent first; empty when all is well.

    Parameters
    ----------
    state : connection state, e.g. ``"connected"``, ``"reconnecting"``, ``"disconnected"``.
    battery_pct : battery charge in percent, when known.
    rate_hz : measured sample rate over the last seconds (Hz), when known.
    nominal_rate_hz : the rate the device was configured for (Hz), when known.
    """
    messages = []
    if state in ("reconnecting", "disconnected", "lost"):
        messages.append(
            "Out of range or switched off: bring the device within 2 m of the computer and "
            "check it is on. Reconnecting automatically; data recorded so far is kept."
        )
    if battery_pct is not None and battery_pct < LOW_BATTERY_PCT:
        messages.append(
            f"Low battery ({battery_pct:.0f} %): charge or swap the device before the next test."
        )
    if (
        state == "connected"
        and rate_hz is not None
        and nominal_rate_hz
        and rate_hz < MIN_RATE_FRACTION * nominal_rate_hz
    ):
        messages.append(
            f"Data arrives at {rate_hz:.0f} of {nominal_rate_hz:.0f} Hz: move the computer closer "
            "and keep bodies and metal out of the line of sight."
        )
    return messages


def placement_guidance(accel_mps2: np.ndarray) -> str | None:
    """Message when the lumbar IMU's vertical axis cannot be found, else None.

    Parameters
    ----------
    accel_mps2 : (n, 3) acceleration in m/s^2 over the last 1-2 s while the participant stands.
    """
    if vertical_axis(accel_mps2) is not None:
        return None
    return (
        "Vertical axis not found: ask the participant to stand still, and fix the sensor flat on "
        "the lower back (over L5) with the strap snug."
    )
