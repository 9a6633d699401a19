"""Sub-sample onset and peak times: the acceptance point "peak within 1 % and time to peak within
one sample period" on noise-free curves at any sampling phase, and stated tolerances with noise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import analyze_trial
from alsmotion.strength.curve import parabolic_peak_s, rising_edge_onset_s, stands_out

RATES_HZ = (10.0, 20.0, 37.0, 80.0, 100.0, 250.0, 500.0, 1000.0)
RISES_S = (0.15, 0.25, 0.4, 0.8)
PHASES = np.arange(8) / 8.0

#: The bound needs the rise to span this many sample periods (0.4 s at 10 Hz): a faster rise
#: leaves a peak narrower than the sampling resolves (see README, Strength).
MIN_RISE_PERIODS = 4.0


def timing_errors(rate_hz, *, rise_s, phase, fatigue_pct_per_s, jitter=0.0, seed=0, **kwargs):
    """(time-to-peak error in sample periods, relative peak error) of one simulated trial."""
    sim = simulate_force_trial(
        sampling_rate_hz=rate_hz,
        rise_time_s=rise_s,
        quiet_before_s=1.0 + phase / rate_hz,
        fatigue_pct_per_s=fatigue_pct_per_s,
        timestamp_jitter_fraction=jitter,
        seed=seed,
        **kwargs,
    )
    result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz, time_s=sim.time_s)
    assert result.valid, result.reasons
    ttp_periods = (result.time_to_peak_s - sim.truth.time_to_peak_s) * rate_hz
    return ttp_periods, result.peak_force_n / sim.truth.peak_force_n - 1.0


@pytest.mark.parametrize("rate_hz", RATES_HZ)
def test_time_to_peak_within_one_period_at_every_phase(rate_hz):
    worst = 0.0
    for rise_s in RISES_S:
        if rise_s * rate_hz < MIN_RISE_PERIODS:
            continue
        for phase in PHASES:
            for fatigue_pct_per_s in (1.0, 5.0):
                ttp_periods, peak_error = timing_errors(
                    rate_hz,
                    rise_s=rise_s,
                    phase=phase,
                    fatigue_pct_per_s=fatigue_pct_per_s,
                    peak_force_n=150.0,
                    tare_offset_n=12.0,
                    drift_n_per_s=-0.15,
                )
                assert abs(peak_error) < 0.01
                worst = max(worst, abs(ttp_periods))
    assert worst < 1.0


@settings(max_examples=60, deadline=None)
@given(
    rate_hz=st.floats(min_value=10.0, max_value=1000.0),
    rise_fraction=st.floats(min_value=0.0, max_value=1.0),
    phase=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    peak_n=st.floats(min_value=50.0, max_value=500.0),
    fatigue_pct_per_s=st.floats(min_value=1.0, max_value=5.0),
    drift_n_per_s=st.floats(min_value=-0.2, max_value=0.2),
)
def test_time_to_peak_within_one_period_noise_free(
    rate_hz, rise_fraction, phase, peak_n, fatigue_pct_per_s, drift_n_per_s
):
    shortest_s = max(0.15, MIN_RISE_PERIODS / rate_hz)
    ttp_periods, peak_error = timing_errors(
        rate_hz,
        rise_s=shortest_s + rise_fraction * (0.8 - shortest_s),
        phase=phase,
        fatigue_pct_per_s=fatigue_pct_per_s,
        peak_force_n=peak_n,
        drift_n_per_s=drift_n_per_s,
        tare_offset_n=-7.0,
    )
    assert abs(ttp_periods) < 1.0
    assert abs(peak_error) < 0.01


@pytest.mark.parametrize("rate_hz", [10.0, 37.0, 100.0, 1000.0])
def test_jittered_timestamps_keep_time_to_peak_within_one_and_a_half_periods(rate_hz):
    # Samples up to 0.3 periods off their nominal times leave gaps of up to 1.6 periods, so a
    # sharp peak can fall up to that far from the nearest sample.
    for seed, phase in enumerate(PHASES):
        for rise_s in RISES_S:
            if rise_s * rate_hz < MIN_RISE_PERIODS:
                continue
            ttp_periods, peak_error = timing_errors(
                rate_hz,
                rise_s=rise_s,
                phase=phase,
                fatigue_pct_per_s=3.0,
                jitter=0.3,
                seed=seed,
            )
            assert abs(ttp_periods) < 1.5
            assert abs(peak_error) < 0.01


@pytest.mark.parametrize("rate_hz", [80.0, 1000.0])
def test_onset_with_noise_is_not_delayed_by_the_quiet_band(rate_hz):
    # 1 N noise: the 2 SD quiet band used to delay the onset by a median 25-31 ms.
    onset_errors_s, ttp_errors_s = [], []
    for seed in range(30):
        sim = simulate_force_trial(
            sampling_rate_hz=rate_hz,
            noise_sd_n=1.0,
            rise_time_s=(0.25, 0.6)[seed % 2],
            quiet_before_s=1.0 + (seed % 7) / (7 * rate_hz),
            drift_n_per_s=0.1,
            seed=seed,
        )
        result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz)
        assert result.valid, result.reasons
        onset_errors_s.append(result.onset_time_s - sim.truth.onset_time_s)
        ttp_errors_s.append(result.time_to_peak_s - sim.truth.time_to_peak_s)
    assert abs(np.median(onset_errors_s)) < 0.01
    assert np.max(np.abs(onset_errors_s)) < 0.05
    # The top of the curve is flat within the noise for about 0.2 s after the peak.
    assert abs(np.median(ttp_errors_s)) < 0.02
    assert np.max(np.abs(ttp_errors_s)) < 0.25


@pytest.mark.parametrize("first_offset", [0.05, 0.3, 0.77, 1.0])
def test_onset_of_a_quadratic_start_is_exact_at_any_spacing(first_offset):
    rng = np.random.default_rng(3)
    time_s = np.cumsum(rng.uniform(0.5, 1.5, 60)) * 0.01
    onset_s = time_s[20] - first_offset * (time_s[20] - time_s[19])
    excess_n = 900.0 * np.clip(time_s - onset_s, 0.0, None) ** 2
    first = int(np.flatnonzero(excess_n > 0)[0])
    estimate_s = rising_edge_onset_s(
        time_s, excess_n, first, 50, quiet_level_n=1e-9, fit_level_n=5.0
    )
    assert estimate_s == pytest.approx(onset_s, abs=1e-6)


def test_onset_without_two_rising_samples_is_halfway():
    time_s = np.array([0.0, 0.1, 0.2, 0.3])
    excess_n = np.array([0.0, 0.0, 80.0, 100.0])
    assert rising_edge_onset_s(
        time_s, excess_n, 2, 2, quiet_level_n=0.1, fit_level_n=10.0
    ) == pytest.approx(0.15)
    assert rising_edge_onset_s(time_s, excess_n, 0, 3, quiet_level_n=0.1, fit_level_n=10.0) == 0.0


def test_parabolic_peak_on_irregular_samples():
    time_s = np.array([0.0, 0.013, 0.021, 0.036, 0.044, 0.061])
    force_n = 100.0 - 2e4 * (time_s - 0.027) ** 2
    assert parabolic_peak_s(time_s, force_n, 2) == pytest.approx(0.027, abs=1e-9)


def test_unresolved_peak_falls_back_to_the_sample():
    # A steep rise into a flat hold: a parabola through the top three samples would put the peak
    # inside the hold.
    time_s = np.arange(7) * 0.1
    force_n = np.array([0.0, 40.0, 95.0, 99.0, 98.8, 98.6, 98.4])
    assert parabolic_peak_s(time_s, force_n, 3) == pytest.approx(0.3)


def test_a_maximum_within_noise_does_not_stand_out():
    force_n = np.array([1.0, 5.0, 5.2, 5.1, 2.0])
    assert not stands_out(force_n, 2, noise_n=0.5)
    assert stands_out(force_n, 2, noise_n=0.05)
