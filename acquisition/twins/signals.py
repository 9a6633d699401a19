"""The IMU twin's signal: a simulated lumbar walk in the WitMotion's nine SI channels."""

from __future__ import annotations

import numpy as np

from alsmotion.simulate.gait import SimulatedWalk


def imu_channels_from_walk(walk: SimulatedWalk) -> np.ndarray:
    """(n, 9) acceleration (m/s^2), angular velocity (rad/s) and roll/pitch/yaw (rad) of ``walk``.

    The angles stand in for the sensor's own attitude estimate: roll and pitch from the gravity
    direction of the acceleration, yaw from the integrated vertical angular velocity.
    """
    accel = walk.accel_mps2
    gyro = walk.gyro_rads
    roll = np.arctan2(accel[:, 1], accel[:, 2])
    pitch = np.arctan2(-accel[:, 0], np.hypot(accel[:, 1], accel[:, 2]))
    yaw_unwrapped = np.cumsum(gyro[:, 2]) / walk.sampling_rate_hz
    yaw = np.angle(np.exp(1j * yaw_unwrapped))
    return np.column_stack([accel, gyro, roll, pitch, yaw])
