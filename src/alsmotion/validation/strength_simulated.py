"""Strength analysis against simulated make tests with known truth (no clinical reference
exists in the shared data): peak force, time to peak and impulse per trial.

The curves come from :mod:`alsmotion.simulate.force`, which builds force from its own
parameters (rise time, hold, fatigue, noise) and never imports the analysis or its settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import analyze_trial

#: Device rates (Hz) drawn for the simulated trials: slow BLE dynamometers to lab rates.
RATES_HZ = (40.0, 80.0, 100.0, 250.0)
N_TRIALS = 80
SEED = 16

#: (measure, unit, truth attribute, result attribute)
MEASURES = (
    ("peak_force_n", "N", "peak_force_n", "peak_force_n"),
    ("time_to_peak_s", "s", "time_to_peak_s", "time_to_peak_s"),
    ("impulse_ns", "N s", "impulse_ns", "impulse_ns"),
)


def strength_pairs(n_trials: int = N_TRIALS, *, seed: int = SEED) -> pd.DataFrame:
    """One row per simulated trial and measure: ``measure, unit, recording, measured,
    reference`` (reference = simulated truth)."""
    rng = np.random.default_rng(seed)
    rows = []
    for index in range(n_trials):
        rate_hz = float(rng.choice(RATES_HZ))
        simulated = simulate_force_trial(
            sampling_rate_hz=rate_hz,
            peak_force_n=float(rng.uniform(50.0, 450.0)),
            rise_time_s=float(rng.uniform(0.2, 0.8)),
            fatigue_pct_per_s=float(rng.uniform(1.0, 5.0)),
            noise_sd_n=float(rng.uniform(0.2, 2.0)),
            seed=int(rng.integers(0, 2**31)),
        )
        result = analyze_trial(simulated.force_n, sampling_rate_hz=rate_hz)
        for measure, unit, truth_name, result_name in MEASURES:
            measured = getattr(result, result_name)
            rows.append(
                {
                    "measure": measure,
                    "unit": unit,
                    "recording": f"simulated make test {index + 1} ({rate_hz:g} Hz)",
                    "measured": float("nan") if measured is None else float(measured),
                    "reference": float(getattr(simulated.truth, truth_name)),
                }
            )
    return pd.DataFrame(rows)
