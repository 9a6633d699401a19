"""The GUI's pure parts: visit flow, strength sequence, guidance rules, trial traces."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.errors import InvalidInputError
from alsmotion.gui.analysis import force_released
from alsmotion.gui.flags import flag_words
from alsmotion.gui.flow import (
    ACCEPTED,
    CANNOT_PERFORM,
    REJECTED,
    Stage,
    StrengthFlow,
    VisitFlow,
    strength_sequence,
)
from alsmotion.gui.guidance import device_guidance, placement_guidance, vertical_axis
from alsmotion.gui.trace import TrialTrace

G = 9.80665


def test_strength_sequence_alternates_sides_within_a_muscle():
    steps = strength_sequence(("knee_extension", "grip"), ("left", "right"), 2)
    assert [(s.muscle, s.side, s.trial) for s in steps] == [
        ("knee_extension", "left", 1),
        ("knee_extension", "right", 1),
        ("knee_extension", "left", 2),
        ("knee_extension", "right", 2),
        ("grip", "left", 1),
        ("grip", "right", 1),
        ("grip", "left", 2),
        ("grip", "right", 2),
    ]
    assert steps[0].label == "Knee extension, left, trial 1 of 2"
    with pytest.raises(InvalidInputError):
        strength_sequence(("grip",), ("left",), 0)


def test_strength_flow_rest_reject_repeat_and_cannot_perform():
    flow = StrengthFlow(
        strength_sequence(("knee_extension", "grip"), ("left", "right"), 2), rest_s=60
    )
    assert flow.rest_remaining_s(0.0) == 0.0
    flow.accept({"peak_force_n": 200.0}, now_s=10.0)
    assert flow.rest_remaining_s(40.0) == pytest.approx(30.0)
    assert (flow.current.muscle, flow.current.side) == ("knee_extension", "right")

    with pytest.raises(InvalidInputError, match="reason"):
        flow.reject("  ", {"peak_force_n": 90.0}, now_s=80.0)
    flow.reject("submaximal effort", {"peak_force_n": 90.0}, now_s=80.0)
    assert flow.attempt == 2 and flow.current.side == "right"
    flow.accept({"peak_force_n": 210.0}, now_s=150.0)
    assert flow.attempt == 1

    # knee_extension left 2 is current; cannot perform skips the rest of that muscle and side
    flow.cannot_perform("pain", now_s=160.0)
    assert flow.rest_remaining_s(160.0) == 0.0
    assert (flow.current.muscle, flow.current.side, flow.current.trial) == (
        "knee_extension",
        "right",
        2,
    )
    flow.accept({"peak_force_n": 205.0}, now_s=170.0)
    assert flow.current.muscle == "grip"
    assert [d.status for d in flow.previous_trials("knee_extension", "right")] == [
        REJECTED,
        ACCEPTED,
        ACCEPTED,
    ]
    assert [d.status for d in flow.previous_trials("knee_extension", "left")] == [
        ACCEPTED,
        CANNOT_PERFORM,
    ]
    for _ in range(4):
        flow.accept({"peak_force_n": 300.0}, now_s=200.0)
    assert flow.done and flow.current is None
    with pytest.raises(InvalidInputError, match="complete"):
        flow.accept({}, now_s=300.0)


def test_visit_flow_needs_start_and_devices_before_tests():
    flow = VisitFlow()
    assert not flow.can_enter(Stage.DEVICES)
    with pytest.raises(InvalidInputError, match="Start"):
        flow.go(Stage.WALK)
    flow.complete(Stage.START)
    assert flow.go(Stage.DEVICES) is Stage.DEVICES
    with pytest.raises(InvalidInputError, match="Devices"):
        flow.go(Stage.STRENGTH)
    flow.complete(Stage.DEVICES)
    assert flow.go(Stage.STRENGTH) is Stage.STRENGTH


@pytest.mark.parametrize(
    ("gravity", "expected"),
    [((0, G, 0), (1, 1.0)), ((-G, 0, 0), (0, -1.0)), ((0, 0.3 * G, 0.95 * G), (2, 1.0))],
)
def test_vertical_axis_found_for_upright_sensor(gravity, expected):
    rng = np.random.default_rng(0)
    accel = np.asarray(gravity) + 0.05 * rng.standard_normal((150, 3))
    assert vertical_axis(accel) == expected
    assert placement_guidance(accel) is None


def test_vertical_axis_not_found_when_tilted_or_moving():
    tilted = np.tile([G * np.sin(np.radians(45)), G * np.cos(np.radians(45)), 0.0], (100, 1))
    assert vertical_axis(tilted) is None
    assert "Vertical axis not found" in placement_guidance(tilted)
    shaking = np.tile([0.0, 2 * G, 0.0], (100, 1))
    assert vertical_axis(shaking) is None


def test_device_guidance_messages():
    assert device_guidance(state="connected", battery_pct=80, rate_hz=99, nominal_rate_hz=100) == []
    out = device_guidance(state="reconnecting", battery_pct=10, rate_hz=None, nominal_rate_hz=100)
    assert "Out of range" in out[0] and "Low battery (10 %)" in out[1]
    slow = device_guidance(state="connected", battery_pct=None, rate_hz=60, nominal_rate_hz=100)
    assert slow == [
        "Data arrives at 60 of 100 Hz: move the computer closer and keep bodies and metal out of "
        "the line of sight."
    ]


def test_trial_trace_keeps_each_sample_once_across_overlapping_pulls():
    trace = TrialTrace(n_channels=2, start_s=1.0)
    clock_s = np.arange(1000) / 100.0
    values = np.column_stack([clock_s, -clock_s])
    assert trace.add(clock_s[:300], values[:300]) == 200  # samples before the start are left out
    assert trace.add(clock_s[250:700], values[250:700]) == 400
    assert trace.add(clock_s[650:], values[650:]) == 300
    assert trace.add(clock_s[650:], values[650:]) == 0
    assert len(trace) == 900
    np.testing.assert_array_equal(trace.clock_s, clock_s[100:])
    np.testing.assert_array_equal(trace.values, values[100:])
    np.testing.assert_allclose(trace.time_s, clock_s[100:] - 1.0)
    big = TrialTrace(n_channels=1, start_s=0.0)
    assert big.add(np.arange(1, 10_001) / 100, np.ones(10_000)) == 10_000
    assert len(big.values) == 10_000


def test_force_release_and_gaps():
    rising = np.r_[np.zeros(10), np.linspace(0, 150, 20), np.full(10, 150.0)]
    assert not force_released(rising, threshold_n=20, hold_samples=40)
    released = np.r_[rising, np.linspace(150, 0, 10), np.zeros(40)]
    assert force_released(released, threshold_n=20, hold_samples=40)
    assert not force_released(np.zeros(100), threshold_n=20, hold_samples=40)
    # started while pushing: that effort's release does not count, the next full effort does
    pushing = np.r_[np.full(10, 150.0), np.zeros(60)]
    assert not force_released(pushing, threshold_n=20, hold_samples=40)
    assert force_released(np.r_[pushing, released], threshold_n=20, hold_samples=40)


def test_undo_restores_the_trial_its_attempt_rest_and_skips():
    flow = StrengthFlow(strength_sequence(("grip",), ("left", "right"), 2), rest_s=60)
    with pytest.raises(InvalidInputError, match="undo"):
        flow.undo()
    flow.reject("pain", {"peak_force_n": 90.0}, now_s=0.0)
    assert flow.attempt == 2
    assert flow.undo().status == REJECTED
    assert flow.attempt == 1 and flow.rest_remaining_s(0.0) == 0.0 and flow.decisions == []
    flow.accept({"peak_force_n": 200.0}, now_s=0.0)
    flow.cannot_perform("pain", now_s=1.0)  # right: both its trials are skipped
    assert [flow.is_skipped(step) for step in flow.sequence] == [False, True, False, True]
    assert flow.undo().status == CANNOT_PERFORM
    assert flow.current.side == "right" and not any(map(flow.is_skipped, flow.sequence))
    assert flow.rest_remaining_s(1.0) == pytest.approx(59.0)  # the rest after the accept


def test_flags_in_plain_words_and_only_where_they_apply():
    flags = ("fewer_than_20_strides", "data_gap", "gait_failed:too short", "new_flag_code")
    assert flag_words(flags, test="2MWT") == (
        "fewer than 20 strides: stride-time variability is not reliable",
        "samples were lost during the trial (device dropout)",
        "gait analysis failed (too short)",
        "new flag code",
    )
    assert "fewer than 20" not in " ".join(flag_words(flags, test="10MWT"))


def test_device_timeline_spans_reconnections_and_breaks_at_gaps():
    from alsmotion.processing.session_trials import TrialSamples
    from alsmotion.timing import recorded_timeline_ns

    # 100 Hz; the device restarts its clock after a 1.5 s dropout; 20 ms latency throughout
    device_s = np.r_[np.arange(300) / 100, np.arange(200) / 100]
    host_ns = np.r_[np.arange(300) * 10_000_000, 4_500_000_000 + np.arange(200) * 10_000_000]
    taken_ns = recorded_timeline_ns(host_ns + 20_000_000, device_s, fits=[])
    timeline = (taken_ns - taken_ns[0]) / 1e9
    assert timeline[299] == pytest.approx(2.99) and timeline[300] == pytest.approx(4.5)
    assert np.all(np.diff(timeline) > 0)
    samples = TrialSamples(timeline, np.ones((500, 1)), (("f", "N"),), 100.0)
    assert samples.n_missing == 150
    time_s, values = samples.with_breaks()
    assert len(time_s) == 501 and np.isnan(values[300, 0])
    # an event timed by sample count (index / rate) lands on its sample's device time
    assert samples.sample_time_s(np.array([3.5])) == pytest.approx([5.0])
    # without a device clock the arrival times are the timeline
    arrivals_ns = np.array([0, 10, 30]) * 1_000_000
    assert recorded_timeline_ns(arrivals_ns, np.full(3, np.nan), fits=[]).tolist() == [
        0,
        10_000_000,
        30_000_000,
    ]


def test_strength_comparison_asymmetry_and_percent_predicted():
    from alsmotion.gui.flow import TrialDecision
    from alsmotion.gui.visit_summary import strength_comparison

    steps = strength_sequence(("knee_extension",), ("left", "right"), 1)
    decisions = [
        TrialDecision(steps[0], 1, ACCEPTED, "", {"peak_force_n": 300.0}),
        TrialDecision(steps[1], 1, ACCEPTED, "", {"peak_force_n": 240.0}),
    ]
    facts = {
        "sex": "female",
        "age_years": 60.0,
        "height_m": 1.65,
        "body_mass_kg": 70.0,
        "lever_arms_m": {"knee_extension": 0.4},
    }
    # Harbo 2012, knee extension, women: -201 - 0.96 x age + 216 x height + 0.88 x mass (N m)
    predicted_nm = -201 - 0.96 * 60 + 216 * 1.65 + 0.88 * 70
    text = strength_comparison(decisions, "knee_extension", "left", facts)
    assert "left/right asymmetry 20 % (300 / 240 N)" in text  # |300 - 240| / 300
    assert f"{300 * 0.4 / predicted_nm * 100:.0f} % of predicted (left" in text
    missing = strength_comparison(decisions, "knee_extension", "left", {})
    assert "enter lever arm" in missing
