"""The force-curve simulator: its truth matches its samples; seeds reproduce; bad options refused."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.errors import InvalidInputError
from alsmotion.simulate.force import simulate_force_trial


def test_truth_matches_a_dense_noise_free_curve():
    sim = simulate_force_trial(sampling_rate_hz=20000.0, peak_force_n=220.0, tare_offset_n=5.0)
    force = sim.force_n - 5.0
    assert np.max(force) == pytest.approx(sim.truth.peak_force_n, rel=1e-6)
    assert sim.time_s[np.argmax(force)] == pytest.approx(sim.truth.peak_time_s, abs=1e-4)
    impulse = np.sum(0.5 * (force[1:] + force[:-1]) * np.diff(sim.time_s))
    assert impulse == pytest.approx(sim.truth.impulse_ns, rel=1e-5)
    moving = sim.time_s[force > 1e-9]
    assert moving[0] == pytest.approx(sim.truth.onset_time_s, abs=1e-4)
    assert moving[-1] == pytest.approx(sim.truth.end_time_s, abs=1e-4)


def test_seed_reproduces_and_jitter_keeps_order():
    a = simulate_force_trial(
        sampling_rate_hz=80.0, noise_sd_n=1.0, timestamp_jitter_fraction=0.45, seed=5
    )
    b = simulate_force_trial(
        sampling_rate_hz=80.0, noise_sd_n=1.0, timestamp_jitter_fraction=0.45, seed=5
    )
    assert np.array_equal(a.force_n, b.force_n) and np.array_equal(a.time_s, b.time_s)
    assert np.all(np.diff(a.time_s) > 0)
    assert not np.allclose(np.diff(a.time_s), 1 / 80.0)


def test_failures_change_the_samples_as_documented():
    clipped = simulate_force_trial(sampling_rate_hz=100.0, failure="saturation", tare_offset_n=2.0)
    assert clipped.truth.device_limit_n == pytest.approx(2.0 + 0.85 * 200.0)
    assert clipped.force_n.max() == clipped.truth.device_limit_n
    dropped = simulate_force_trial(sampling_rate_hz=100.0, failure="signal_dropout")
    assert np.max(np.diff(dropped.time_s)) == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure": "fainted"},
        {"timestamp_jitter_fraction": 0.5},
        {"overshoot_fraction": 1.0},
        {"sampling_rate_hz": -3.0},
    ],
)
def test_bad_options_are_refused(kwargs):
    with pytest.raises(InvalidInputError):
        simulate_force_trial(**{"sampling_rate_hz": 100.0, **kwargs})
