"""One force trial: measures against simulated truth, validity reasons, RFD support, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.simulate.force import FAILURE_MODES, effort_force_n, simulate_force_trial
from alsmotion.strength import ForceTrialAnalyzer, TrialSettings, analyze_trial
from alsmotion.strength.trial import (
    LOWPASS_NOT_APPLIED,
    NO_QUIET_BASELINE,
    RFD_20_80_UNSUPPORTED,
    rfd_unsupported_flag,
)

RATES_HZ = (10.0, 20.0, 50.0, 80.0, 100.0, 200.0, 500.0, 1000.0)


@pytest.mark.parametrize("rate_hz", RATES_HZ)
@pytest.mark.parametrize("rise_time_s", [0.25, 0.6])
def test_peak_and_time_to_peak_match_truth_across_rates(rate_hz, rise_time_s):
    sim = simulate_force_trial(
        sampling_rate_hz=rate_hz,
        peak_force_n=180.0,
        rise_time_s=rise_time_s,
        tare_offset_n=15.0,
        drift_n_per_s=0.1,
        quiet_before_s=1.013,
    )
    result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz)
    assert result.valid, result.reasons
    assert result.peak_force_n == pytest.approx(sim.truth.peak_force_n, rel=0.01)
    assert abs(result.time_to_peak_s - sim.truth.time_to_peak_s) < 1.0 / rate_hz
    assert abs(result.onset_time_s - sim.truth.onset_time_s) <= 0.5 / rate_hz + 1e-9
    assert result.impulse_ns == pytest.approx(sim.truth.impulse_ns, rel=0.02)
    assert result.baseline_n == pytest.approx(15.0, abs=0.1)


@pytest.mark.parametrize("rate_hz", [80.0, 1000.0])
def test_noisy_jittered_trial_keeps_peak_within_one_percent(rate_hz):
    sim = simulate_force_trial(
        sampling_rate_hz=rate_hz,
        peak_force_n=250.0,
        noise_sd_n=0.5,
        drift_n_per_s=0.2,
        tare_offset_n=-4.0,
        timestamp_jitter_fraction=0.3,
        seed=7,
    )
    result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz, time_s=sim.time_s)
    assert result.valid, result.reasons
    assert result.peak_force_n == pytest.approx(250.0, rel=0.01)
    assert result.peak_force_filtered_n == pytest.approx(250.0, rel=0.01)
    # Noise moves the peak sample within the rounded top: tens of ms, not one sample period.
    assert result.time_to_peak_s == pytest.approx(sim.truth.time_to_peak_s, abs=0.05)
    assert result.plateau_force_n == pytest.approx(0.99 * 250.0, rel=0.02)
    assert result.lowpass_cutoff_hz == 15.0


def test_irregular_timestamps_are_used_as_given():
    # A device whose samples arrive at uneven intervals (0.2 to 1.8 nominal periods).
    rate_hz = 100.0
    rng = np.random.default_rng(4)
    time_s = np.cumsum(rng.uniform(0.2, 1.8, 700)) / rate_hz
    effort = {
        "onset_s": 1.0,
        "peak_force_n": 200.0,
        "rise_time_s": 0.4,
        "overshoot_fraction": 0.005,
        "hold_s": 3.0,
        "release_time_s": 0.3,
        "fatigue_pct_per_s": 3.0,
    }
    force_n = effort_force_n(time_s, **effort)
    dense_s = np.arange(0.0, time_s[-1], 1e-5)
    dense_n = effort_force_n(dense_s, **effort)
    true_impulse_ns = np.sum(0.5 * (dense_n[1:] + dense_n[:-1]) * np.diff(dense_s))
    result = analyze_trial(force_n, sampling_rate_hz=rate_hz, time_s=time_s)
    assert result.valid, result.reasons
    assert result.impulse_ns == pytest.approx(true_impulse_ns, rel=0.002)
    assert result.peak_force_n == pytest.approx(200.0, rel=0.01)
    assert result.plateau_force_n == pytest.approx(0.995 * 200.0 - 200.0 * 0.03 * 0.5, rel=0.005)
    # Treating the same samples as uniform at 100 Hz stretches the effort in time.
    assumed_uniform = analyze_trial(force_n, sampling_rate_hz=rate_hz)
    assert abs(assumed_uniform.impulse_ns - true_impulse_ns) > 0.01 * true_impulse_ns


@pytest.mark.parametrize("failure", FAILURE_MODES)
def test_each_failure_gives_its_reason(failure):
    sim = simulate_force_trial(sampling_rate_hz=80.0, noise_sd_n=0.4, failure=failure, seed=11)
    result = analyze_trial(sim.force_n, sampling_rate_hz=80.0, time_s=sim.time_s)
    assert not result.valid
    assert result.reasons == (failure,)


def test_saturation_at_a_stated_device_limit_without_a_flat_top():
    sim = simulate_force_trial(sampling_rate_hz=100.0, peak_force_n=200.0, noise_sd_n=0.3, seed=2)
    settings = TrialSettings(device_limit_n=150.0)
    result = analyze_trial(sim.force_n, sampling_rate_hz=100.0, settings=settings)
    assert result.reasons == ("saturation",)
    assert analyze_trial(sim.force_n, sampling_rate_hz=100.0).valid


def test_lost_samples_as_nan_are_a_dropout():
    sim = simulate_force_trial(sampling_rate_hz=100.0)
    force = sim.force_n.copy()
    force[200:240] = np.nan
    result = analyze_trial(force, sampling_rate_hz=100.0)
    assert result.reasons == ("signal_dropout",)
    assert result.n_samples == force.size - 40


def test_effort_from_the_first_sample_has_no_quiet_baseline():
    sim = simulate_force_trial(sampling_rate_hz=100.0, quiet_before_s=0.2)
    result = analyze_trial(sim.force_n, sampling_rate_hz=100.0)
    assert NO_QUIET_BASELINE in result.reasons


def test_no_effort_leaves_measures_empty():
    sim = simulate_force_trial(sampling_rate_hz=80.0, failure="no_effort", noise_sd_n=0.3, seed=1)
    result = analyze_trial(sim.force_n, sampling_rate_hz=80.0)
    assert result.n_efforts == 0
    assert result.peak_force_n is None and result.time_to_peak_s is None
    assert result.to_dict()["reasons"] == ["no_effort"]


def test_rfd_windows_with_fewer_than_five_samples_are_not_supported():
    at_80 = analyze_trial(
        simulate_force_trial(sampling_rate_hz=80.0).force_n, sampling_rate_hz=80.0
    )
    at_100 = analyze_trial(
        simulate_force_trial(sampling_rate_hz=100.0).force_n, sampling_rate_hz=100.0
    )
    assert at_80.rfd_0_50ms_n_per_s is None
    assert rfd_unsupported_flag(50) in at_80.flags
    assert at_80.rfd_0_100ms_n_per_s is not None and at_80.valid
    assert at_100.rfd_0_50ms_n_per_s is not None
    assert not any(flag.startswith("rfd") for flag in at_100.flags)


def test_rfd_matches_the_slope_of_the_true_curve():
    rate_hz = 1000.0
    sim = simulate_force_trial(sampling_rate_hz=rate_hz, peak_force_n=200.0, rise_time_s=0.4)
    result = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz)
    # Raised-cosine rise: F(t) = P/2 (1 - cos(pi t / T)); mean slope over 0-200 ms = F(0.2) / 0.2.
    expected = 100.0 * (1 - np.cos(np.pi * 0.2 / 0.4)) / 0.2
    assert result.rfd_0_200ms_n_per_s == pytest.approx(expected, rel=0.03)
    # 20-80 % of the peak: t = T/pi * arccos(1 - 2 f).
    t20, t80 = (0.4 / np.pi * np.arccos(1 - 2 * f) for f in (0.2, 0.8))
    assert result.rfd_20_80pct_n_per_s == pytest.approx(0.6 * 200.0 / (t80 - t20), rel=0.03)


def test_low_rate_skips_the_filter_and_says_so():
    result = analyze_trial(
        simulate_force_trial(sampling_rate_hz=20.0).force_n, sampling_rate_hz=20.0
    )
    assert result.valid
    assert LOWPASS_NOT_APPLIED in result.flags
    assert result.lowpass_cutoff_hz is None
    assert result.peak_force_filtered_n == result.peak_force_n
    assert RFD_20_80_UNSUPPORTED in result.flags


def test_analyzer_class_stores_the_result():
    sim = simulate_force_trial(sampling_rate_hz=100.0)
    analyzer = ForceTrialAnalyzer(TrialSettings(onset_threshold_n=10.0))
    assert analyzer.analyze(sim.force_n, sampling_rate_hz=100.0) is analyzer
    assert analyzer.result_.onset_threshold_n == 10.0
    assert analyzer.result_.settings_hash == TrialSettings(onset_threshold_n=10.0).settings_hash


def test_settings_round_trip_and_refuse_unknown_keys():
    settings = TrialSettings(lowpass_cutoff_hz=None, device_limit_n=400.0)
    assert TrialSettings.from_json(settings.to_json()) == settings
    assert settings.settings_hash != TrialSettings().settings_hash
    with pytest.raises(InvalidInputError, match="onset_threshold"):
        TrialSettings.from_dict({"onset_treshold_n": 3.0})
    with pytest.raises(InvalidInputError):
        TrialSettings(baseline_window_s=-1.0)
    with pytest.raises(InvalidInputError, match="whole number"):
        TrialSettings(lowpass_order=2.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sampling_rate_hz": 0.0}, "positive"),
        ({"sampling_rate_hz": 2.0}, "at least 5"),
        ({"sampling_rate_hz": 100.0, "time_s": np.zeros(3)}, "one time per sample"),
    ],
)
def test_bad_input_is_refused_with_a_reason(kwargs, message):
    with pytest.raises(InvalidInputError, match=message):
        analyze_trial(np.zeros(500), **kwargs)


def test_times_must_increase_and_a_baseline_must_exist():
    force = np.zeros(100)
    times = np.arange(100) / 100.0
    times[50] = times[49]
    with pytest.raises(InvalidInputError, match="increase strictly"):
        analyze_trial(force, sampling_rate_hz=100.0, time_s=times)
    with pytest.raises(InsufficientDataError, match="quiet"):
        analyze_trial(np.zeros(2), sampling_rate_hz=10.0)
    with pytest.raises(InsufficientDataError, match="quiet"):
        analyze_trial(np.full(100, np.nan), sampling_rate_hz=100.0)


@pytest.mark.parametrize("quiet_before_s", [1.0, 10.0])
def test_onset_after_a_long_noisy_quiet_period(quiet_before_s):
    # Noise in the 0.5 s tare window must not be extrapolated as drift over 10 s of waiting.
    for seed in range(20):
        sim = simulate_force_trial(
            sampling_rate_hz=80.0, noise_sd_n=1.0, quiet_before_s=quiet_before_s, seed=seed
        )
        result = analyze_trial(sim.force_n, sampling_rate_hz=80.0)
        assert result.valid, result.reasons
        assert result.onset_time_s == pytest.approx(quiet_before_s, abs=0.06)


def test_filter_can_be_switched_off():
    sim = simulate_force_trial(sampling_rate_hz=1000.0, noise_sd_n=0.5, seed=9)
    raw = analyze_trial(
        sim.force_n, sampling_rate_hz=1000.0, settings=TrialSettings(lowpass_cutoff_hz=None)
    )
    filtered = analyze_trial(sim.force_n, sampling_rate_hz=1000.0)
    assert raw.valid and raw.lowpass_cutoff_hz is None and raw.flags == ()
    assert raw.peak_force_filtered_n == raw.peak_force_n == filtered.peak_force_n
    assert filtered.peak_force_filtered_n < filtered.peak_force_n
