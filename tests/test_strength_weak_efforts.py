"""Weak efforts (10-20 N, the norm in ALS) at low device rates: the noise SD of a short quiet
window must not collapse, so the onset stays within max(one sample period, 50 ms) of the truth and
no trial is rejected for a baseline that was quiet."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import TrialSettings, analyze_trial
from alsmotion.strength.curve import difference_noise_sd_n, noise_sd_upper_n

PHASES = (0.0, 0.25, 0.5, 0.75)


@pytest.mark.parametrize("rate_hz", [10.0, 20.0, 40.0, 80.0])
def test_weak_efforts_keep_their_onset_and_are_not_rejected(rate_hz):
    tolerance_s = max(1.0 / rate_hz, 0.05)
    worst_s = 0.0
    for peak_n in (10.0, 15.0, 20.0):
        for rise_s in (0.4, 0.8):
            for seed in range(100, 120):
                for phase in PHASES:
                    sim = simulate_force_trial(
                        sampling_rate_hz=rate_hz,
                        peak_force_n=peak_n,
                        rise_time_s=rise_s,
                        noise_sd_n=0.03,
                        tare_offset_n=2.0,
                        quiet_before_s=1.0 + phase / rate_hz,
                        seed=seed,
                    )
                    result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz, time_s=sim.time_s)
                    assert result.valid, (peak_n, rise_s, seed, phase, result.reasons)
                    error_s = abs(result.onset_time_s - sim.truth.onset_time_s)
                    worst_s = max(worst_s, error_s)
                    assert result.peak_force_n == pytest.approx(peak_n, abs=0.3)
    assert worst_s <= tolerance_s, worst_s


def test_the_reported_case_15_n_at_10_hz():
    """15 N at 10 Hz with 0.03 N noise: the onset was up to 0.9 s early, or the trial rejected
    as ``no_quiet_baseline``. Over 200 noise draws none is rejected; two noise samples in a row
    near 2.5 SD just before the effort can still move the onset by slightly more than a period
    (seed 137: 0.108 s), so the bound here is 99 % within one period and all within 1.5."""
    errors = []
    for seed in range(200):
        sim = simulate_force_trial(
            sampling_rate_hz=10.0, peak_force_n=15.0, noise_sd_n=0.03, seed=seed
        )
        result = analyze_trial(sim.force_n, sampling_rate_hz=10.0, time_s=sim.time_s)
        assert result.valid, (seed, result.reasons)
        errors.append(abs(result.onset_time_s - sim.truth.onset_time_s))
    assert np.mean(np.array(errors) <= 0.1) >= 0.99
    assert max(errors) <= 0.15


def test_noise_floor_functions():
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.5, 20_000)
    # the robust SD of differences recovers the SD, with drift and a few large steps added
    drifting = noise + 0.01 * np.arange(noise.size)
    drifting[100:110] += 50.0
    assert difference_noise_sd_n(drifting) == pytest.approx(0.5, rel=0.03)
    assert difference_noise_sd_n(np.ones(2)) == 0.0
    # the upper bound covers the true SD in about 95 % of 5-sample windows (3 degrees of freedom)
    windows = rng.normal(0.0, 1.0, (4000, 5))
    t = np.arange(5.0)
    slope, intercept = np.polyfit(t, windows.T, 1)
    residual = windows - (slope[:, None] * t + intercept[:, None])
    sd = np.sqrt((residual**2).sum(axis=1) / 3)
    upper = np.array([noise_sd_upper_n(value, 5, confidence=0.95) for value in sd])
    assert np.mean(upper >= 1.0) == pytest.approx(0.95, abs=0.015)


def test_device_resolution_sets_a_floor():
    sim = simulate_force_trial(sampling_rate_hz=20.0, peak_force_n=15.0, seed=1)
    floored = analyze_trial(
        sim.force_n, sampling_rate_hz=20.0, settings=TrialSettings(resolution_n=0.05)
    )
    plain = analyze_trial(sim.force_n, sampling_rate_hz=20.0)
    assert floored.noise_sd_n == pytest.approx(0.05)
    assert plain.noise_sd_n is not None and plain.noise_sd_n < 1e-6
    assert floored.valid and plain.valid
