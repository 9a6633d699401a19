"""The IMU twins' signals: a simulated lumbar walk in the channels each sensor reports (SI)."""

from __future__ import annotations

import numpy as np

from alsmotion.simulate.gait import SimulatedWalk

#: Horizontal and vertical components (T) of the Earth's field the simulated sensor sees.
EARTH_FIELD_HORIZONTAL_T = 20e-6
EARTH_FIELD_VERTICAL_T = -45e-6


def _yaw_rad(walk: SimulatedWalk) -> np.ndarray:
    """Heading (rad, wrapped to +-pi) from the integrated vertical angular velocity."""
    yaw_unwrapped = np.cumsum(walk.gyro_rads[:, 2]) / walk.sampling_rate_hz
    return np.angle(np.exp(1j * yaw_unwrapped))


def imu_channels_from_walk(walk: SimulatedWalk) -> np.ndarray:
    """(n, 9) acceleration (m/s^2), angular velocity (rad/s) and roll/pitch/yaw (rad) of ``walk``.

    The angles stand in for the sensor's own attitude estimate: roll and pitch from the gravity
    direction of the acceleration, yaw from the integrated vertical angular velocity.
    """
    accel = walk.accel_mps2
    roll = np.arctan2(accel[:, 1], accel[:, 2])
    pitch = np.arctan2(-accel[:, 0], np.hypot(accel[:, 1], accel[:, 2]))
    return np.column_stack([accel, walk.gyro_rads, roll, pitch, _yaw_rad(walk)])


def imu9_channels_from_walk(walk: SimulatedWalk) -> np.ndarray:
    """(n, 9) acceleration (m/s^2), angular velocity (rad/s) and magnetic field (T) of ``walk``:
    the Earth's field turning with the walker's heading."""
    yaw = _yaw_rad(walk)
    field_t = np.column_stack(
        [
            EARTH_FIELD_HORIZONTAL_T * np.cos(yaw),
            -EARTH_FIELD_HORIZONTAL_T * np.sin(yaw),
            np.full(len(yaw), EARTH_FIELD_VERTICAL_T),
        ]
    )
    return np.column_stack([walk.accel_mps2, walk.gyro_rads, field_t])
