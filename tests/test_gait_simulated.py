"""Property tests of the gait pipeline on simulated walking with known truth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.gait import analyze_gait
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import accel_to_mps2

angles = st.tuples(*(st.floats(-180, 180, allow_nan=False) for _ in range(3)))


def _analyze(sim, **kwargs):
    return analyze_gait(
        sim.accel_mps2,
        sampling_rate_hz=sim.sampling_rate_hz,
        sensor_height_m=sim.truth.sensor_height_m,
        gyro_rads=sim.gyro_rads,
        **kwargs,
    )


@settings(max_examples=12, deadline=None)
@given(
    step_length_m=st.floats(0.35, 0.8),
    cadence_spm=st.floats(80, 125),
    cv_pct=st.floats(1.0, 5.0),
    rate_hz=st.floats(50, 200),
    orientation_deg=angles,
    seed=st.integers(0, 10_000),
)
def test_recovers_truth(step_length_m, cadence_spm, cv_pct, rate_hz, orientation_deg, seed):
    # Speed follows from a physiological step length and cadence (0.47-1.67 m/s).
    sim = simulate_walk(
        sampling_rate_hz=rate_hz,
        n_strides=80,
        speed_mps=step_length_m * cadence_spm / 60.0,
        cadence_spm=cadence_spm,
        stride_time_cv_pct=cv_pct,
        orientation_deg=orientation_deg,
        seed=seed,
    )
    summary = _analyze(sim).summary
    truth = sim.truth
    assert summary.n_bouts == 1
    assert summary.n_strides >= len(truth.stride_times_s) - 4
    assert summary.cadence_spm == pytest.approx(truth.cadence_spm, abs=1.0)
    # The simulator's trunk excursion is a modelling assumption of its own (not the pipeline's), so
    # speed here checks the measurement of the excursion, within the slack of that model.
    assert summary.gait_speed_mps == pytest.approx(truth.gait_speed_mps, rel=0.06)
    assert summary.stride_time_cv_pct == pytest.approx(truth.stride_time_cv_pct, rel=0.25, abs=0.3)
    assert "fewer_than_20_strides" not in summary.flags


def test_initial_contacts_at_the_heel_strike():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=40, speed_mps=0.5, cadence_spm=85, seed=6)
    detected = _analyze(sim).initial_contacts_s
    errors_s = detected[:, None] - sim.truth.ic_times_s[None, :]
    nearest = errors_s[np.arange(len(detected)), np.abs(errors_s).argmin(axis=1)]
    assert len(detected) >= len(sim.truth.ic_times_s) - 4
    assert abs(np.median(nearest)) <= 0.02


def _foot_accuracy(sim, strides):
    distance_s = np.abs(strides["ic_time_s"].to_numpy()[:, None] - sim.truth.ic_times_s[None, :])
    matched = distance_s.min(axis=1) <= 0.04
    expected = sim.truth.ic_feet[distance_s.argmin(axis=1)][matched]
    return int(matched.sum()), float((strides["foot"].to_numpy()[matched] == expected).mean())


@pytest.mark.parametrize("orientation_deg", [(0.0, 0.0, 0.0), (30.0, -50.0, 120.0)])
def test_feet_alternate_and_match_truth(orientation_deg):
    sim = simulate_walk(
        sampling_rate_hz=100, n_strides=40, bout_strides=20, seed=4, orientation_deg=orientation_deg
    )
    result = _analyze(sim)
    matched, accuracy = _foot_accuracy(sim, result.strides)
    assert matched > 70
    assert accuracy == 1.0
    assert "feet_from_acceleration" not in result.summary.flags
    # The cue is sideways velocity in a right-handed frame, so it holds without the gyroscope.
    no_gyro = analyze_gait(sim.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95)
    assert _foot_accuracy(sim, no_gyro.strides)[1] == 1.0
    assert "feet_from_acceleration" in no_gyro.summary.flags


def test_feet_survive_a_pelvic_drop_with_the_gyroscope():
    # An 8-degree drop of the swing side makes the accelerometer read more gravity towards the
    # stance foot than the sway accelerates the trunk away from it: only the gyroscope's tilt
    # tells them apart (IPOL subject 6 walks like this).
    sim = simulate_walk(
        sampling_rate_hz=100,
        n_strides=40,
        bout_strides=20,
        seed=5,
        orientation_deg=(10.0, 70.0, -30.0),
        pelvic_drop_deg=8.0,
    )
    assert _foot_accuracy(sim, _analyze(sim).strides)[1] == 1.0
    no_gyro = analyze_gait(sim.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95)
    assert _foot_accuracy(sim, no_gyro.strides)[1] == 0.0


@settings(max_examples=8, deadline=None)
@given(orientation_deg=angles, seed=st.integers(0, 10_000))
def test_invariant_to_orientation(orientation_deg, seed):
    upright = simulate_walk(sampling_rate_hz=100, n_strides=40, seed=seed)
    rotated = simulate_walk(
        sampling_rate_hz=100, n_strides=40, seed=seed, orientation_deg=orientation_deg
    )
    a, b = _analyze(upright), _analyze(rotated)
    np.testing.assert_allclose(a.initial_contacts_s, b.initial_contacts_s)
    assert a.summary.gait_speed_mps == pytest.approx(b.summary.gait_speed_mps, rel=1e-6)


@settings(max_examples=8, deadline=None)
@given(rate_hz=st.floats(50, 200), seed=st.integers(0, 10_000))
def test_invariant_to_sampling_rate(rate_hz, seed):
    reference = _analyze(simulate_walk(sampling_rate_hz=100, n_strides=40, seed=seed)).summary
    other = _analyze(simulate_walk(sampling_rate_hz=rate_hz, n_strides=40, seed=seed)).summary
    assert other.n_strides == reference.n_strides
    assert other.cadence_spm == pytest.approx(reference.cadence_spm, abs=0.5)
    assert other.gait_speed_mps == pytest.approx(reference.gait_speed_mps, rel=0.02)


@pytest.mark.parametrize("rate_hz", [20, 30])
def test_low_rates_down_to_20_hz(rate_hz):
    sim = simulate_walk(sampling_rate_hz=rate_hz, n_strides=40, seed=3)
    summary = _analyze(sim).summary
    assert summary.cadence_spm == pytest.approx(sim.truth.cadence_spm, abs=1.0)
    assert summary.gait_speed_mps == pytest.approx(sim.truth.gait_speed_mps, rel=0.03)


def test_invariant_to_units():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=30, seed=3)
    from_g = accel_to_mps2(sim.accel_in("g"), "g")
    a = _analyze(sim).summary
    b = analyze_gait(
        from_g,
        sampling_rate_hz=100,
        sensor_height_m=sim.truth.sensor_height_m,
        gyro_rads=sim.gyro_rads,
    ).summary
    assert a.n_strides == b.n_strides
    assert a.gait_speed_mps == pytest.approx(b.gait_speed_mps, rel=1e-9)


@pytest.mark.parametrize("with_gyro", [True, False])
def test_turns_and_rest_are_excluded_from_variability(with_gyro):
    sim = simulate_walk(
        sampling_rate_hz=100,
        n_strides=90,
        bout_strides=30,
        turn_every_strides=10,
        rest_s=8.0,
        seed=5,
    )
    result = analyze_gait(
        sim.accel_mps2,
        sampling_rate_hz=100,
        sensor_height_m=sim.truth.sensor_height_m,
        gyro_rads=sim.gyro_rads if with_gyro else None,
    )
    strides = result.strides
    assert result.summary.n_bouts == 3
    turns = sim.truth.turn_spans_s
    in_turn = (
        (strides["ic_time_s"].to_numpy()[:, None] < turns[:, 1])
        & (
            strides["ic_time_s"].to_numpy()[:, None] + strides["stride_time_s"].to_numpy()[:, None]
            > turns[:, 0]
        )
    ).any(axis=1)
    flagged = strides["is_turn"].to_numpy()
    # Strides mostly inside a turn are flagged; straight strides are not.
    assert flagged[in_turn].mean() > 0.5
    assert not flagged[~in_turn].any()
    assert not strides["is_steady"][flagged].any()
    assert ("turns_from_acceleration" in result.summary.flags) is not with_gyro
    # Straight strides keep their speed; how far a turning stride carries the body is a model.
    straight = strides[~in_turn]
    truth_straight = np.median(2.0 * sim.truth.step_length_m / sim.truth.stride_times_s)
    assert straight["gait_speed_mps"].median() == pytest.approx(truth_straight, rel=0.06)


def test_short_walk_is_flagged_for_variability():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=8, seed=1)
    summary = _analyze(sim).summary
    assert summary.n_steady_strides < 20
    assert "fewer_than_20_strides" in summary.flags
    assert summary.n_strides > 0


def test_simulator_is_deterministic():
    a = simulate_walk(sampling_rate_hz=60, n_strides=10, seed=9)
    b = simulate_walk(sampling_rate_hz=60, n_strides=10, seed=9)
    np.testing.assert_array_equal(a.accel_mps2, b.accel_mps2)
    assert len(a.truth.stride_times_s) == 2 * 10 - 1


@pytest.mark.parametrize("pitch_deg", [40.0, 90.0])
def test_sitting_or_lying_between_bouts_adds_no_strides(pitch_deg):
    sim = simulate_walk(
        sampling_rate_hz=100,
        n_strides=60,
        bout_strides=30,
        rest_s=15.0,
        rest_trunk_pitch_deg=pitch_deg,
        seed=2,
    )
    result = analyze_gait(sim.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95)
    spans = sim.truth.bout_spans_s
    ic_s = result.strides["ic_time_s"].to_numpy()
    inside = ((ic_s[:, None] >= spans[:, 0] - 0.1) & (ic_s[:, None] <= spans[:, 1])).any(axis=1)
    assert result.summary.n_bouts == 2
    assert inside.all()
    assert result.summary.n_strides >= len(sim.truth.stride_times_s) - 4


@pytest.mark.parametrize(("speed_mps", "cadence_spm"), [(0.3, 70.0), (0.45, 80.0), (0.6, 90.0)])
def test_slow_shuffling_gait_is_found(speed_mps, cadence_spm):
    sim = simulate_walk(
        sampling_rate_hz=100,
        n_strides=40,
        speed_mps=speed_mps,
        cadence_spm=cadence_spm,
        stride_time_cv_pct=5.0,
        seed=3,
    )
    result = _analyze(sim)
    summary = result.summary
    assert summary.n_bouts == 1
    assert summary.n_strides >= len(sim.truth.stride_times_s) - 4
    assert _foot_accuracy(sim, result.strides)[1] == 1.0
    assert summary.cadence_spm == pytest.approx(sim.truth.cadence_spm, abs=1.0)
    # Measured +7.1 / +3.1 / +1.9 %: the heel-strike transient moves the step boundaries off the
    # trunk's lowest point, which the per-step integration reads as a larger excursion of a small
    # step (it was +19 % at 0.3 m/s while the simulator's transient left an upward velocity).
    assert summary.gait_speed_mps == pytest.approx(sim.truth.gait_speed_mps, rel=0.09)


def test_very_slow_walk_keeps_its_small_steps():
    # 0.2 m/s at 60 steps/min: the pendulum excursion is 4 mm, measured 0.9-2 times that. The
    # excursion floor (2 mm) keeps those steps; at 4 mm it dropped 12 of the 79 strides, the ones
    # measured smallest, which pulled the mean speed up. (Other strides here are lost to the CWT,
    # whose loading peaks at this speed are near its prominence threshold.)
    sim = simulate_walk(
        sampling_rate_hz=100,
        n_strides=40,
        speed_mps=0.2,
        cadence_spm=60.0,
        stride_time_cv_pct=5.0,
        seed=3,
    )
    summary = _analyze(sim).summary
    assert summary.n_strides >= 74
    # Measured +14.6 % (+15.2 % with the 4 mm floor): the per-step integration's small-step bias.
    assert summary.gait_speed_mps == pytest.approx(sim.truth.gait_speed_mps, rel=0.17)


def _walker_walk():
    # A rollator user: slow, a regular arm-driven rhythm, and a trunk that shows 60 % of a free
    # walker's vertical excursion and sway at the same step length.
    return simulate_walk(
        sampling_rate_hz=100,
        n_strides=40,
        speed_mps=0.6,
        cadence_spm=85.0,
        stride_time_cv_pct=1.5,
        trunk_motion_fraction=0.6,
        seed=4,
    )


def test_walking_aid_steps_are_found():
    sim = _walker_walk()
    summary = _analyze(sim).summary
    assert summary.n_bouts == 1
    assert summary.n_strides >= len(sim.truth.stride_times_s) - 4
    assert summary.cadence_spm == pytest.approx(sim.truth.cadence_spm, abs=1.0)
    assert summary.stride_time_cv_pct == pytest.approx(sim.truth.stride_time_cv_pct, abs=0.5)


@pytest.mark.xfail(
    strict=True,
    reason="a walker's steadied trunk reads as shorter steps: speed -21 % here, with no flag "
    "(the pendulum cannot tell; issue 10)",
)
def test_walking_aid_speed_is_right_or_flagged():
    sim = _walker_walk()
    summary = _analyze(sim).summary
    flagged = any("aid" in flag for flag in summary.flags)
    assert flagged or summary.gait_speed_mps == pytest.approx(sim.truth.gait_speed_mps, rel=0.1)


def test_a_declared_walking_aid_flags_the_speed():
    sim = _walker_walk()
    summary = _analyze(sim, walking_aid=True).summary
    assert "walking_aid" in summary.flags
    assert "walking_aid" not in _analyze(sim).summary.flags


def _starting_and_stopping_walk(speed_mps=0.3, cadence_spm=70.0, seed=3):
    # Three walks of 10 strides from and to standing; the first and last step of each are half
    # steps (start_stop_steps=1), so its first and last strides are slower than the rest.
    return simulate_walk(
        sampling_rate_hz=100,
        n_strides=30,
        bout_strides=10,
        rest_s=6.0,
        speed_mps=speed_mps,
        cadence_spm=cadence_spm,
        stride_time_cv_pct=5.0,
        start_stop_steps=1,
        seed=seed,
    )


def test_simulated_start_and_stop_slow_the_end_strides():
    sim = _starting_and_stopping_walk()
    plain = simulate_walk(
        sampling_rate_hz=100,
        n_strides=30,
        bout_strides=10,
        rest_s=6.0,
        speed_mps=0.3,
        cadence_spm=70.0,
        stride_time_cv_pct=5.0,
        seed=3,
    )
    # Same contacts; the end strides carry a half step (0.75 of the stride), the others are plain.
    np.testing.assert_array_equal(sim.truth.ic_times_s, plain.truth.ic_times_s)
    ratio = sim.truth.stride_speeds_mps / plain.truth.stride_speeds_mps
    assert ratio[[0, 18, 19, 37, 38, 56]] == pytest.approx(0.75)
    assert np.delete(ratio, [0, 18, 19, 37, 38, 56]) == pytest.approx(1.0)
    # The trunk falls into the first contact from standing: vertical acceleration over the half
    # step before it (up to 0.05 m/s^2 here), where the plain walk is still standing.
    quiet = {"noise_mps2": 0.0, "speed_mps": 0.3, "cadence_spm": 70.0, "seed": 3}
    falling = simulate_walk(sampling_rate_hz=100, n_strides=10, start_stop_steps=1, **quiet)
    standing = simulate_walk(sampling_rate_hz=100, n_strides=10, **quiet)
    first_sample = round(falling.truth.ic_times_s[0] * 100)
    before = slice(first_sample - 30, first_sample - 8)
    assert np.abs(falling.accel_mps2[before, 2] - 9.80665).max() > 0.03
    assert np.abs(standing.accel_mps2[before, 2] - 9.80665).max() < 1e-6


def _end_steps_found_and_kept_speed(sim):
    """(first contacts found, last contacts found, truth speed of the strides kept / of all)."""
    result = _analyze(sim)
    detected = result.initial_contacts_s
    spans = sim.truth.bout_spans_s

    def found(times_s):
        return int((np.abs(detected[:, None] - times_s[None, :]).min(axis=0) <= 0.1).sum())

    ic_s = sim.truth.ic_times_s
    starts_s = np.concatenate([ic_s[(ic_s >= a) & (ic_s <= b)][:-2] for a, b in spans])
    kept = np.abs(result.strides["ic_time_s"].to_numpy()[:, None] - starts_s).min(axis=0) <= 0.1
    speeds = sim.truth.stride_speeds_mps
    return found(spans[:, 0]), found(spans[:, 1]), speeds[kept].mean() / speeds.mean()


def test_first_and_final_steps_of_a_walk_that_starts_and_stops_are_found():
    first, last, kept_speed = _end_steps_found_and_kept_speed(
        _starting_and_stopping_walk(speed_mps=0.6, cadence_spm=90.0)
    )
    assert (first, last) == (3, 3)
    assert kept_speed == pytest.approx(1.0, abs=0.002)


@pytest.mark.xfail(
    strict=True,
    reason="the contacts bounding a slow walk's half steps from and to standing have loading "
    "peaks below the CWT's prominence; the closing rule recovers one of the two at the end (0.3 "
    "m/s: the first and the last contact missed in 3 of 3 walks, the strides kept +2.8 % faster "
    "than all). Found by their impact instead, the first finds the push-off before the first "
    "step on IPOL (33 of 36 false), a second closing contact the turn before sitting down on "
    "HA001 (issue 10)",
)
@pytest.mark.parametrize(("speed_mps", "cadence_spm"), [(0.3, 70.0)])
def test_slow_walk_that_starts_and_stops_keeps_its_end_steps(speed_mps, cadence_spm):
    first, last, kept_speed = _end_steps_found_and_kept_speed(
        _starting_and_stopping_walk(speed_mps, cadence_spm)
    )
    assert (first, last) == (3, 3)
    assert kept_speed == pytest.approx(1.0, abs=0.005)
