"""Invariances of the trial analysis (Hypothesis): force unit, sampling rate, time shift."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import ForceTrialResult, analyze_trial
from alsmotion.strength.table import read_force_table
from alsmotion.units import FORCE_FACTORS_TO_N

rates_hz = st.floats(min_value=20.0, max_value=1000.0)
peaks_n = st.floats(min_value=40.0, max_value=600.0)
rises_s = st.floats(min_value=0.2, max_value=0.8)


def assert_same_measures(a: ForceTrialResult, b: ForceTrialResult, *, time_shift_s: float = 0.0):
    for field in dataclasses.fields(ForceTrialResult):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name in ("onset_time_s", "peak_time_s", "end_time_s", "plateau_start_s"):
            assert y == pytest.approx(x + time_shift_s, abs=1e-6), field.name
        elif isinstance(x, float):
            assert y == pytest.approx(x, rel=1e-6, abs=1e-6), field.name
        else:
            assert y == x, field.name


@settings(max_examples=25, deadline=None)
@given(
    unit=st.sampled_from(sorted(FORCE_FACTORS_TO_N)),
    rate_hz=rates_hz,
    peak_n=peaks_n,
    seed=st.integers(0, 2**16),
)
def test_force_unit_is_converted_where_data_enters(unit, rate_hz, peak_n, seed):
    sim = simulate_force_trial(
        sampling_rate_hz=rate_hz, peak_force_n=peak_n, noise_sd_n=0.5, tare_offset_n=3.0, seed=seed
    )
    reading = sim.force_n / FORCE_FACTORS_TO_N[unit]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trial.csv"
        pd.DataFrame({"force": reading}).to_csv(path, index=False, float_format="%.17g")
        table = read_force_table(path, force_column="force", force_unit=unit)
    from_file = analyze_trial(table["force_n"].to_numpy(), sampling_rate_hz=rate_hz)
    assert_same_measures(analyze_trial(sim.force_n, sampling_rate_hz=rate_hz), from_file)


@settings(max_examples=25, deadline=None)
@given(rate_a_hz=rates_hz, rate_b_hz=rates_hz, peak_n=peaks_n, rise_s=rises_s)
def test_measures_do_not_depend_on_the_sampling_rate(rate_a_hz, rate_b_hz, peak_n, rise_s):
    results = []
    for rate_hz in (rate_a_hz, rate_b_hz):
        sim = simulate_force_trial(
            sampling_rate_hz=rate_hz, peak_force_n=peak_n, rise_time_s=rise_s, tare_offset_n=8.0
        )
        results.append(analyze_trial(sim.force_n, sampling_rate_hz=rate_hz))
    a, b = results
    assert a.valid and b.valid
    assert b.peak_force_n == pytest.approx(a.peak_force_n, rel=0.01)
    assert abs(b.time_to_peak_s - a.time_to_peak_s) < 1.0 / rate_a_hz + 1.0 / rate_b_hz
    assert b.impulse_ns == pytest.approx(a.impulse_ns, rel=0.02)
    assert b.plateau_force_n == pytest.approx(a.plateau_force_n, rel=0.01)
    for result, rate_hz in ((a, rate_a_hz), (b, rate_b_hz)):
        assert (result.rfd_0_200ms_n_per_s is None) == (np.floor(0.2 * rate_hz + 1e-6) < 5)
    # Onset is known to half a sample period; moving a 200 ms window by that changes its mean slope
    # by up to (steepest rise slope) x (shift) / (window).
    if a.rfd_0_200ms_n_per_s is not None and b.rfd_0_200ms_n_per_s is not None:
        steepest_n_per_s = np.pi * peak_n / (2 * rise_s)
        shift_s = 0.5 / rate_a_hz + 0.5 / rate_b_hz
        tolerance = 2 * steepest_n_per_s * shift_s / 0.2 + 0.02 * a.rfd_0_200ms_n_per_s
        assert abs(b.rfd_0_200ms_n_per_s - a.rfd_0_200ms_n_per_s) <= tolerance


@settings(max_examples=25, deadline=None)
@given(
    shift_s=st.floats(min_value=-1e4, max_value=1e5),
    rate_hz=rates_hz,
    seed=st.integers(0, 2**16),
)
def test_shifting_the_time_axis_shifts_only_the_times(shift_s, rate_hz, seed):
    sim = simulate_force_trial(
        sampling_rate_hz=rate_hz, noise_sd_n=0.3, timestamp_jitter_fraction=0.2, seed=seed
    )
    base = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz, time_s=sim.time_s)
    shifted = analyze_trial(sim.force_n, sampling_rate_hz=rate_hz, time_s=sim.time_s + shift_s)
    assert_same_measures(base, shifted, time_shift_s=shift_s)


def test_unit_conversion_factors():
    assert FORCE_FACTORS_TO_N["kgf"] == 9.80665
    assert FORCE_FACTORS_TO_N["lbf"] == pytest.approx(4.448222, abs=1e-6)
    assert np.isclose(FORCE_FACTORS_TO_N["n"], 1.0)
