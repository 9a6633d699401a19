"""Accuracy of ``analyze_trial`` on random simulated make tests against their known truth.

600 noise-free curves (10-1000 Hz, rise 0.15-0.8 s, peak 50-500 N, fatigue 1-5 %/s, drift up to
0.2 N/s, tare 12 N): how often time to peak misses by one sample period or more (all curves, and
those whose rise spans at least 4 sample periods), and the worst peak error. Then 100 noisy curves
(1 N SD) per rate and quiet period, for the onset and time-to-peak errors. Run:
``.venv/bin/python benchmarks/strength_accuracy.py``.
"""

from __future__ import annotations

import numpy as np

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import analyze_trial

RATES_HZ = (10.0, 20.0, 37.0, 80.0, 100.0, 250.0, 500.0, 1000.0)


def noise_free_sweep(n_curves: int = 600) -> None:
    rng = np.random.default_rng(0)
    ttp_periods, peak_errors, rise_periods = [], [], []
    for seed in range(n_curves):
        rate_hz = float(rng.choice(RATES_HZ))
        sim = simulate_force_trial(
            sampling_rate_hz=rate_hz,
            drift_n_per_s=rng.uniform(-0.2, 0.2),
            tare_offset_n=12.0,
            seed=seed,
            rise_time_s=rng.uniform(0.15, 0.8),
            peak_force_n=rng.uniform(50.0, 500.0),
            quiet_before_s=rng.uniform(0.8, 1.5),
            fatigue_pct_per_s=rng.uniform(1.0, 5.0),
        )
        result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz)
        assert result.time_to_peak_s is not None and result.peak_force_n is not None
        rise_periods.append(sim.truth.time_to_peak_s * rate_hz)
        ttp_periods.append(abs(result.time_to_peak_s - sim.truth.time_to_peak_s) * rate_hz)
        peak_errors.append(abs(result.peak_force_n / sim.truth.peak_force_n - 1.0) * 100.0)
    periods = np.array(ttp_periods)
    resolved = np.array(rise_periods) >= 4.0
    print(f"noise-free, {n_curves} random curves:")
    for label, chosen in (("all", np.ones_like(resolved)), ("rise >= 4 periods", resolved)):
        print(
            f"  time to peak, {label} ({chosen.sum()}): {np.sum(periods[chosen] >= 1.0)} missed by "
            f">= 1 sample period, worst {periods[chosen].max():.2f} periods, "
            f"median {np.median(periods[chosen]):.2f}"
        )
    print(f"  peak force: worst error {max(peak_errors):.2f} %")


def noisy_onset(n_curves: int = 100) -> None:
    print(f"1 N noise, {n_curves} curves each, errors (s):")
    for rate_hz in (80.0, 1000.0):
        for quiet_before_s in (1.0, 10.0):
            errors, ttp_errors = [], []
            for seed in range(n_curves):
                sim = simulate_force_trial(
                    sampling_rate_hz=rate_hz,
                    noise_sd_n=1.0,
                    quiet_before_s=quiet_before_s,
                    seed=seed,
                )
                result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz)
                assert result.onset_time_s is not None and result.time_to_peak_s is not None
                errors.append(result.onset_time_s - quiet_before_s)
                ttp_errors.append(result.time_to_peak_s - sim.truth.time_to_peak_s)
            print(
                f"  {rate_hz:6.0f} Hz, {quiet_before_s:4.0f} s quiet: onset median "
                f"{np.median(errors):+.3f}, worst {max(errors, key=abs):+.3f}; time to peak median "
                f"{np.median(ttp_errors):+.3f}, worst {max(ttp_errors, key=abs):+.3f}"
            )


if __name__ == "__main__":
    noise_free_sweep()
    noisy_onset()
