"""Walking signal that feeds the IMU twin: an (n, 9) array in the driver's SI channels."""

from __future__ import annotations

import numpy as np

from alsmotion.units import STANDARD_GRAVITY_MPS2, validate_sampling_rate_hz


def walking_imu_signal(
    *,
    sampling_rate_hz: float,
    duration_s: float,
    cadence_spm: float = 105.0,
    seed: int = 0,
) -> np.ndarray:
    """Lower-back IMU while walking: (n, 9) acceleration (m/s^2, z up), angular velocity (rad/s),
    roll/pitch/yaw (rad).

    The vertical acceleration oscillates at the step frequency, the medio-lateral one at the
    stride frequency, with sensor noise; the trunk sways in roll and pitch.
    """
    rate = validate_sampling_rate_hz(sampling_rate_hz)
    rng = np.random.default_rng(seed)
    t = np.arange(round(duration_s * rate)) / rate
    step_hz = cadence_spm / 60.0
    phase = 2 * np.pi * step_hz * t
    accel = np.column_stack(
        [
            1.2 * np.sin(phase + 0.8),  # antero-posterior
            0.6 * np.sin(phase / 2),  # medio-lateral, once per stride
            STANDARD_GRAVITY_MPS2 + 2.0 * np.sin(phase) + 0.5 * np.sin(2 * phase),
        ]
    )
    roll = 0.04 * np.sin(phase / 2)
    pitch = 0.03 * np.sin(phase + 0.3)
    yaw = 0.05 * np.sin(phase / 2 + 1.0)
    angles = np.column_stack([roll, pitch, yaw])
    gyro = np.gradient(angles, 1 / rate, axis=0)
    noise = rng.normal(0.0, [0.05] * 3 + [0.01] * 3 + [0.001] * 3, size=(len(t), 9))
    return np.hstack([accel, gyro, angles]) + noise
