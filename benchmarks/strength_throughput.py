"""Trials analysed per second by ``alsmotion.strength.analyze_trial`` at 80 Hz and 1 kHz.

Each trial is a simulated make test (1 s quiet, 0.4 s rise, 3 s hold, 0.3 s release, 1 s quiet:
about 5.7 s) with noise and drift, analysed once with uniform samples and once with jittered
per-sample timestamps (which adds the resampling step of the low-pass). Run:
``.venv/bin/python benchmarks/strength_throughput.py``.
"""

from __future__ import annotations

import time

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import analyze_trial

N_TRIALS = 200


def trials_per_second(rate_hz: float, *, jittered: bool) -> float:
    trials = [
        simulate_force_trial(
            sampling_rate_hz=rate_hz,
            noise_sd_n=0.5,
            drift_n_per_s=0.1,
            timestamp_jitter_fraction=0.3 if jittered else 0.0,
            seed=seed,
        )
        for seed in range(N_TRIALS)
    ]
    start = time.perf_counter()
    for trial in trials:
        analyze_trial(
            trial.force_n, sampling_rate_hz=rate_hz, time_s=trial.time_s if jittered else None
        )
    return N_TRIALS / (time.perf_counter() - start)


def main() -> None:
    print(f"strength throughput: {N_TRIALS} simulated trials of 5.7 s each, one process")
    for rate_hz in (80.0, 1000.0):
        for jittered in (False, True):
            timing = "jittered time_s" if jittered else "uniform samples"
            rate = trials_per_second(rate_hz, jittered=jittered)
            print(f"  {rate_hz:6.0f} Hz, {timing:<16}: {rate:8.0f} trials/s")


if __name__ == "__main__":
    main()
