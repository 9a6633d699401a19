"""Gait speed bias of the pipeline on simulated walking from 0.3 to 1.4 m/s.

The walks come from :func:`alsmotion.simulate.gait.simulate_walk` (its truth is built without the
pipeline's settings or models), at cadences that rise with speed as in healthy and slow walkers.
For each speed the table gives the bias (%) of the recording's mean speed and of the median
stride, over ``--seeds`` walks of 40 strides at 100 Hz with a 5 % stride-time CV, with and
without the gyroscope. Because the simulator's trunk excursion follows a pendulum model of its
own, this checks the measurement of the excursion and of the events, not the step-length model.

    python benchmarks/gait_simulated_sweep.py [--seeds N]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from alsmotion.gait import analyze_gait
from alsmotion.simulate.gait import simulate_walk

#: (speed m/s, cadence steps/min) of the sweep: shuffling (0.3-0.6 m/s) to brisk walking.
SPEEDS = (
    (0.3, 70.0),
    (0.45, 80.0),
    (0.6, 90.0),
    (0.8, 100.0),
    (1.0, 105.0),
    (1.2, 110.0),
    (1.4, 118.0),
)


def sweep(seeds: int) -> pd.DataFrame:
    """One row per speed and sensor set: mean and worst bias (%) over the seeds."""
    rows = []
    for speed_mps, cadence_spm in SPEEDS:
        for sensors in ("accel+gyro", "accel"):
            biases, stride_biases = [], []
            for seed in range(seeds):
                sim = simulate_walk(
                    sampling_rate_hz=100,
                    n_strides=40,
                    speed_mps=speed_mps,
                    cadence_spm=cadence_spm,
                    stride_time_cv_pct=5.0,
                    seed=seed,
                )
                result = analyze_gait(
                    sim.accel_mps2,
                    sampling_rate_hz=sim.sampling_rate_hz,
                    sensor_height_m=sim.truth.sensor_height_m,
                    gyro_rads=sim.gyro_rads if sensors == "accel+gyro" else None,
                )
                truth = sim.truth.gait_speed_mps
                biases.append(100.0 * (result.summary.gait_speed_mps / truth - 1.0))
                median = float(np.median(result.strides["gait_speed_mps"]))
                stride_biases.append(
                    100.0 * (median / np.median(sim.truth.stride_speeds_mps) - 1.0)
                )
            rows.append(
                {
                    "speed_mps": speed_mps,
                    "cadence_spm": cadence_spm,
                    "sensors": sensors,
                    "bias_pct": float(np.mean(biases)),
                    "worst_bias_pct": float(np.max(np.abs(biases))),
                    "median_stride_bias_pct": float(np.mean(stride_biases)),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="simulated walks per speed (5)")
    args = parser.parse_args()
    print(sweep(args.seeds).to_string(index=False, float_format="%.2f"))


if __name__ == "__main__":
    main()
