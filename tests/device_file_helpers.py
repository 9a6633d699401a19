"""Known acceleration for the device-file reader tests (.cwa, .gt3x, .bin writer twins)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from alsmotion.units import STANDARD_GRAVITY_MPS2


def noisy_accel(n: int, *, gap: slice, seed: int = 0) -> np.ndarray:
    """Noisy acceleration (m/s^2, SD 6 m/s^2 so up to about 3 g) with gravity on z, and the
    samples of ``gap`` NaN (not recorded)."""
    rng = np.random.default_rng(seed)
    accel = rng.normal(0.0, 6.0, (n, 3))
    accel[:, 2] += STANDARD_GRAVITY_MPS2
    accel[gap] = np.nan
    return accel


def chunks(accel: np.ndarray, size: int) -> Iterator[tuple[int, np.ndarray]]:
    """``(first sample, samples)`` blocks of ``size``, as the writer twins take them."""
    for first in range(0, len(accel), size):
        yield first, accel[first : first + size]


def walk_between_rests(sampling_rate_hz: float) -> np.ndarray:
    """4 min standing still, a simulated walk of 60 strides, 8 min still (m/s^2): a recording
    whose one walking bout ``alsmotion home`` must find."""
    from alsmotion.simulate.gait import simulate_walk

    rng = np.random.default_rng(5)

    def still(seconds: float) -> np.ndarray:
        n = round(seconds * sampling_rate_hz)
        return np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + rng.normal(0, 0.15, (n, 3))

    walk = simulate_walk(
        sampling_rate_hz=sampling_rate_hz, n_strides=60, sensor_height_m=0.95, seed=1
    )
    return np.vstack([still(240), walk.accel_mps2, still(480)])
