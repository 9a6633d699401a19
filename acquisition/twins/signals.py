"""Signals that feed the twins in ``--simulate`` mode: walking for the IMU, make tests for the gauge.

Each returns an (n, k) array in the driver's SI channels, sampled at ``sampling_rate_hz``.
"""

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


def make_test_force_signal(
    *,
    sampling_rate_hz: float,
    peak_force_n: float = 180.0,
    rest_s: float = 2.0,
    rise_s: float = 0.6,
    hold_s: float = 3.0,
    seed: int = 0,
) -> np.ndarray:
    """One make test of a handheld dynamometer, rest to rest: (n, 1) force (N).

    Force rises as a smoothstep to the peak, is held with a slow sag and 8-12 Hz tremor, and falls
    in half the rise time.
    """
    rate = validate_sampling_rate_hz(sampling_rate_hz)
    rng = np.random.default_rng(seed)
    fall_s = rise_s / 2
    t = np.arange(round((2 * rest_s + rise_s + hold_s + fall_s) * rate)) / rate
    u_rise = np.clip((t - rest_s) / rise_s, 0, 1)
    u_fall = np.clip((t - rest_s - rise_s - hold_s) / fall_s, 0, 1)
    smooth = lambda u: u * u * (3 - 2 * u)  # noqa: E731 - local shape function
    held = 1.0 - 0.08 * np.clip((t - rest_s - rise_s) / hold_s, 0, 1)
    force = peak_force_n * smooth(u_rise) * held * (1 - smooth(u_fall))
    tremor = 0.01 * peak_force_n * np.sin(2 * np.pi * rng.uniform(8, 12) * t) * smooth(u_rise)
    noise = rng.normal(0.0, 0.3, len(t))
    return (force + tremor * (1 - smooth(u_fall)) + noise)[:, None]
