"""Gait validation on the shared reference recordings, through :mod:`alsmotion.validation`.

Unit tests of the metric functions with exact expectations, then the pipeline's figures on the real
recordings (left-out figures: constants fitted to data are re-fitted without the participant).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from alsmotion.gait import GaitSettings
from alsmotion.validation import (
    CLOSING_IMPACT_RATIO,
    DATA_FITTED_SETTINGS,
    FALSE_CONTACT_MARGIN_S,
    PENDULUM_CORRECTION,
    REFERENCE_STRIDE_COLUMNS,
    bout_speed_errors,
    evaluate_runs,
    fit_turn_felt_fraction,
    foot_label_accuracy,
    kept_speed_bias_pct,
    load_ha001,
    load_ipol_trial,
    match_events,
    match_strides,
    records_frame,
    run_recording,
    turn_flag_rates,
    validate_gait,
    validation_table,
)
from alsmotion.validation.gait_metrics import detected_steps, walked_distance_m


def test_match_events_is_one_to_one_and_nearest_first():
    # Detected 1.05 is nearest to reference 1.0; 1.12 may then only take 1.2 (0.08 away).
    match = match_events(np.array([1.0, 1.2, 3.0]), np.array([1.05, 1.12, 5.0]), tolerance_s=0.15)
    assert match.reference_index.tolist() == [0, 1]
    assert match.detected_index.tolist() == [0, 1]
    assert match.errors_s == pytest.approx([0.05, -0.08])
    assert match.recall == pytest.approx(2 / 3)
    assert match.precision == pytest.approx(2 / 3)
    assert match.median_bias_s == pytest.approx(-0.015)


def test_match_events_one_detection_cannot_serve_two_references():
    match = match_events(np.array([1.0, 1.1]), np.array([1.06]), tolerance_s=0.15)
    assert match.n_matched == 1 and match.reference_index.tolist() == [1]
    empty = match_events(np.array([1.0]), np.zeros(0), tolerance_s=0.1)
    assert empty.recall == 0.0 and np.isnan(empty.precision)


def _reference(**columns):
    base = {name: np.nan for name in REFERENCE_STRIDE_COLUMNS}
    base.update(foot="left", in_turn=False, is_first_or_last=False)
    base.update(columns)
    return pd.DataFrame(base, columns=list(REFERENCE_STRIDE_COLUMNS))


def test_stride_pairs_turn_rates_and_feet():
    reference = _reference(
        ic_time_s=[1.0, 2.0, 3.0, 4.0],
        stride_time_s=[1.0, 1.0, 1.0, 1.0],
        turn_fraction=[0.0, 0.2, 0.8, 0.0],
        in_turn=[False, True, True, False],
        foot=["left", "right", "left", "right"],
    )
    detected = pd.DataFrame(
        {
            "ic_time_s": [1.02, 2.01, 3.0, 9.0],
            "stride_time_s": [1.1, 1.0, 0.9, 1.0],
            "is_turn": [False, True, True, False],
            "is_steady": [True, True, False, True],
            "foot": ["left", "left", "left", "right"],
        }
    )
    pairs = match_strides(reference, detected, tolerance_s=0.15)
    assert len(pairs) == 3
    rates = turn_flag_rates(pairs)
    assert (rates.turning_flagged, rates.n_turning) == (1.0, 1)
    assert (rates.straight_flagged, rates.n_straight) == (0.0, 1)
    assert (rates.touching_steady, rates.n_touching) == (0.5, 2)
    assert foot_label_accuracy(pairs) == (pytest.approx(2 / 3), 3)


def test_bout_speed_errors_mean_of_strides_inside():
    bouts = pd.DataFrame({"start_s": [0.0, 10.0], "end_s": [5.0, 12.0], "speed_mps": [1.0, 0.5]})
    strides = pd.DataFrame({"ic_time_s": [1.0, 2.0, 20.0], "gait_speed_mps": [0.9, 1.3, 0.4]})
    errors = bout_speed_errors(bouts, strides)
    assert errors["error_mps"].iloc[0] == pytest.approx(0.1)
    assert errors["n_strides"].tolist() == [2, 0]
    assert np.isnan(errors["speed_mps"].iloc[1])


def test_kept_speed_bias_is_the_selection_of_strides_alone():
    # Keeping the 1.0 and 0.8 m/s strides of a bout whose slow 0.3 m/s stride is missed: the kept
    # strides are 0.9 / 0.7 - 1 = +28.6 % faster than the bout's, whatever they are measured as.
    bias, n = kept_speed_bias_pct(np.array([1.0, 0.8, np.nan]), np.array([1.0, 0.8, 0.3, np.nan]))
    assert bias == pytest.approx(100 * (0.9 / 0.7 - 1)) and n == 2
    assert kept_speed_bias_pct(np.array([0.5, 0.7]), np.array([0.7, 0.5]))[0] == pytest.approx(0)
    assert np.isnan(kept_speed_bias_pct(np.zeros(0), np.array([1.0]))[0])


def test_walked_distance_counts_missed_steps_as_the_median_step():
    # Two bouts: steps 0-1, 1-2 (one stride) and 3-4, 4-5, 5-6 (two strides).
    strides = pd.DataFrame(
        {
            "bout_id": [0, 1, 1],
            "ic_time_s": [0.0, 3.0, 4.0],
            "step_time_s": [1.0, 1.0, 1.0],
            "stride_time_s": [2.0, 2.0, 2.0],
            "step_length_m": [0.5, 0.6, 0.7],
            "stride_length_m": [1.1, 1.3, 1.5],
        }
    )
    steps = detected_steps(strides)
    assert steps["start_s"].tolist() == [0.0, 1.0, 3.0, 4.0, 5.0]
    assert steps["length_m"].to_numpy() == pytest.approx([0.5, 0.6, 0.6, 0.7, 0.8])
    # Reference contacts 0..6 s: the step 2-3 s was not detected (median 0.6 m stands in for it);
    # a contact 0.2 s off does not match.
    walked, missing = walked_distance_m(np.arange(7.0), strides, tolerance_s=0.15)
    assert (walked, missing) == (pytest.approx(3.8), 1)
    walked, missing = walked_distance_m(np.array([0.0, 1.2, 2.0]), strides, tolerance_s=0.15)
    assert np.isnan(walked) and missing == 2


def test_ipol_loader_uses_the_packet_clock(shared_data):
    # Trial 7-3 loses 64 packets in one gap: the rows are fewer than the samples of the clock.
    trial = load_ipol_trial(shared_data, "7-3")
    raw = pd.read_csv(shared_data / "ipol-healthy-L5" / "7-3_lowerback.csv")
    assert len(trial.accel_mps2) == raw["sample"].iloc[-1] - raw["sample"].iloc[0] + 1
    assert np.isnan(trial.accel_mps2).any(axis=1).sum() >= 64
    assert trial.participant == "ipol-7" and trial.sampling_rate_hz == 100
    first = raw["time_s"].iloc[0]
    reference = pd.read_csv(shared_data / "ipol-healthy-L5" / "7-3_reference_strides.csv")
    assert trial.strides["ic_time_s"].to_numpy() == pytest.approx(reference["ic_time_s"] - first)


@pytest.fixture(scope="module")
def records(shared_data):
    return records_frame(validate_gait(shared_data))


def _figure(records, recording, measure, metric, *, sensors="accel+gyro", evaluation="left-out"):
    chosen = records[
        (records["recording"] == recording)
        & (records["sensors"] == sensors)
        & (records["measure"] == measure)
        & (records["metric"] == metric)
        & (records["evaluation"] == evaluation)
    ]
    assert len(chosen) == 1, (recording, measure, metric)
    return float(chosen["value"].iloc[0])


def test_every_recording_is_scored_in_sample_and_left_out(records):
    names = set(records["recording"])
    assert "gaitpy-demo/demo_data" in names
    assert {
        f"mobilised-lab-HA001/{t}" for t in ("Test5_Trial1", "Test5_Trial2", "Test11_Trial1")
    } <= names
    assert sum(name.startswith("ipol-healthy-L5/") for name in names) == 58 + 1
    assert set(records["evaluation"]) == {"in-sample", "left-out"}


def test_gaitpy_demo_agreement(records):
    demo = "gaitpy-demo/free_walking"
    assert _figure(records, demo, "initial_contacts", "recall", sensors="accel") >= 0.95
    assert _figure(records, demo, "stride_time", "mae_s", sensors="accel") <= 0.02
    assert _figure(records, demo, "gait_speed", "bout_mae_mps", sensors="accel") <= 0.05


@pytest.mark.parametrize("sensors", ["accel+gyro", "accel"])
def test_ha001_straight_walk_speed_left_out(records, sensors):
    straight = "mobilised-lab-HA001/straight_walk"
    assert _figure(records, straight, "gait_speed", "bouts_with_strides", sensors=sensors) == 2
    assert _figure(records, straight, "gait_speed", "bout_mae_mps", sensors=sensors) <= 0.05


def test_ha001_daily_activities_left_out(records):
    daily = "mobilised-lab-HA001/daily_activities"
    # Acceptance targets met (6 of 6 bouts, 0.092 m/s measured).
    assert _figure(records, daily, "gait_speed", "bouts_with_strides") >= 5
    assert _figure(records, daily, "gait_speed", "bout_mae_mps") <= 0.10
    # Of the 51 reference strides, the 5 not found average 0.28 m/s (a stop-and-sit stride, the
    # opening strides of a turn on the spot, two contacts the CWT misses): the strides kept read
    # +6.5 % faster than the bout's, in the reference's own speeds. A guard, not the target (0).
    assert 0 <= _figure(records, daily, "gait_speed", "kept_reference_speed_pct") <= 8


def test_ipol_walkway_distance_is_a_loose_length_check(records):
    ipol = "ipol-healthy-L5/walk_turn_walk"
    # The distance walked between the first and last heel strike is 0.92 of the protocol's 20 m
    # (the first half-step from standing and the U-turn's path are unknowns of the protocol),
    # with 4.9 % SD over trials and 3.7 % over participants: too loose to fit K at a 3 % level.
    assert 0.88 <= _figure(records, ipol, "walkway_distance", "detected_over_protocol") <= 0.96
    assert _figure(records, ipol, "walkway_distance", "participant_sd") > 0.02
    # Not for subject 10 (no body height, so no sensor height) nor recordings without a protocol.
    walkway = records[records["measure"] == "walkway_distance"]
    assert not walkway["recording"].str.match(r"ipol-healthy-L5/10-|mobilised|gaitpy").any()
    assert walkway["recording"].str.startswith("ipol-healthy-L5/").sum() == 2 * 2 * (52 + 3)


@pytest.mark.parametrize("sensors", ["accel+gyro", "accel"])
def test_ha001_left_right(records, sensors):
    straight = "mobilised-lab-HA001/straight_walk"
    daily = "mobilised-lab-HA001/daily_activities"
    assert _figure(records, straight, "foot_labels", "accuracy", sensors=sensors) == 1.0
    # 0.978 measured with and without the gyroscope (was 0.935 from the trunk's yaw, none without).
    assert _figure(records, daily, "foot_labels", "accuracy", sensors=sensors) >= 0.95


def test_validation_table_puts_left_out_next_to_in_sample(shared_data):
    records = validate_gait(shared_data, datasets=("gaitpy-demo",))
    table = validation_table(records, pooled_only=True)
    assert list(table.columns[-3:]) == ["in-sample", "left-out", "n"]
    assert (table["recording"] == "gaitpy-demo/free_walking").all()


def test_a_fitted_constant_is_refitted_without_the_participant(shared_data):
    datasets = ("gaitpy-demo", "mobilised-lab-HA001")
    frame = records_frame(
        validate_gait(shared_data, datasets=datasets, fitted=(PENDULUM_CORRECTION,))
    )
    speed = frame[(frame["metric"] == "bout_mae_mps") & (frame["participant"] == "HA001")]
    values = speed.set_index(["recording", "sensors", "evaluation"])["value"].unstack()
    # K fitted on HA001 itself differs from K fitted on the GaitPy demo only.
    assert (values["in-sample"] != values["left-out"]).all()


def test_pendulum_correction_fit_takes_each_participants_walkway_ratio(shared_data):
    settings = GaitSettings()
    runs = {
        trial: run_recording(load_ipol_trial(shared_data, trial), settings, sensors="accel+gyro")
        for trial in ("1-1", "1-2", "2-1", "10-1")
    }
    ratio = {
        trial: 20.0
        / walked_distance_m(run.recording.initial_contacts_s, run.result.strides, tolerance_s=0.15)[
            0
        ]
        for trial, run in runs.items()
    }
    # The median of the participants' medians: (1-1, 1-2) for participant 1, 2-1 for participant 2.
    expected = np.median([np.median([ratio["1-1"], ratio["1-2"]]), ratio["2-1"]])
    fitted = PENDULUM_CORRECTION.fit(list(runs.values()), settings)
    assert fitted == pytest.approx(settings.pendulum_correction * expected)
    # Subject 10 has no body height, so no length: alone it leaves K as it was.
    assert PENDULUM_CORRECTION.fit([runs["10-1"]], settings) == settings.pendulum_correction


IPOL = "ipol-healthy-L5/walk_turn_walk"


def test_ipol_events_at_the_heel_strike(records):
    # Acceptance target met: IC timing within 20 ms.
    assert abs(_figure(records, IPOL, "initial_contacts", "timing_bias_s")) <= 0.02
    # Acceptance target met (0.956, the closing steps that end walks found).
    assert _figure(records, IPOL, "initial_contacts", "recall") >= 0.95
    # Acceptance target 0.95 met (0.961; false contacts up to 0.4 s outside the trial counted).
    assert _figure(records, IPOL, "initial_contacts", "precision") >= 0.96


@pytest.mark.xfail(
    strict=True,
    reason="acceptance target 20 ms missed: IPOL straight-stride time MAE 20.01 ms left-out (and "
    "in-sample) over 1573 strides. The 0.15 closing-step impact ratio chosen by every fold adds "
    "two strides far off: one closed by a false contact 0.26 s after trial 1-3's last heel "
    "strike (0.26 s off), one across trial 2-3's pause (0.61 s off); 19.4 ms at the 0.2 shipped "
    "before. Not tuned away",
)
def test_ipol_stride_time_mae_target(records):
    assert _figure(records, IPOL, "stride_time", "mae_s") <= 0.02


@pytest.mark.parametrize("sensors", ["accel+gyro", "accel"])
def test_ipol_turns_are_kept_out_of_variability(records, sensors):
    # Acceptance targets met with and without the gyroscope (left-out: 0.992 / 0.008 with it,
    # 0.858 / 0.022 from the acceleration alone).
    assert _figure(records, IPOL, "turn_flags", "turning_flagged", sensors=sensors) >= 0.8
    assert _figure(records, IPOL, "turn_flags", "straight_flagged", sensors=sensors) <= 0.05
    touching = _figure(records, IPOL, "turn_flags", "touching_turn_steady", sensors=sensors)
    assert touching <= (0.01 if sensors == "accel+gyro" else 0.03)
    # Acceptance target 1.0 pp met (left-out 0.822 pp with the gyroscope, 0.890 pp without).
    assert _figure(records, IPOL, "stride_time_cv", "abs_difference_pp", sensors=sensors) <= 1.0


def test_fitted_steady_rules_are_refitted_without_the_participant(records):
    # The constants of DATA_FITTED_SETTINGS are re-fitted per fold: the left-out CVs are not all
    # the in-sample ones (the fold without IPOL subject 10 chose a 0.2 stride-time deviation).
    chosen = records[
        records["recording"].str.startswith("ipol-healthy-L5/")
        & (records["participant"] != "all")
        & (records["metric"] == "detected_pct")
    ]
    wide = chosen.pivot_table(
        index=["recording", "sensors"], columns="evaluation", values="value", aggfunc="first"
    )
    assert (wide["in-sample"] != wide["left-out"]).any()


def test_closing_impact_ratio_is_fitted_on_missed_and_false_contacts(shared_data):
    # The ratio is chosen on these recordings; it must stay re-fitted per fold.
    assert CLOSING_IMPACT_RATIO in DATA_FITTED_SETTINGS
    assert GaitSettings().closing_impact_ratio in CLOSING_IMPACT_RATIO.candidates
    run = run_recording(load_ha001(shared_data, "Test5_Trial1"), GaitSettings(), sensors="accel")
    reference = run.recording.initial_contacts_s
    assert len(reference) == 9

    def loss(detected_s, *, truth=True):
        result = dataclasses.replace(run.result, initial_contacts_s=np.asarray(detected_s))
        recording = dataclasses.replace(run.recording, reference_is_truth=truth)
        return CLOSING_IMPACT_RATIO.loss(
            [dataclasses.replace(run, recording=recording, result=result)]
        )

    assert loss(reference + 0.1) == 0  # matched within the 0.15 s tolerance
    assert loss(reference[:-1]) == pytest.approx(1 / 9)  # a missed closing contact
    # A false closing contact half a step after the walk's last one counts (the 0.15 s tolerance
    # alone as span margin would not see it), as does a false contact inside the walk.
    assert loss(np.append(reference, reference[-1] + 0.3)) == pytest.approx(1 / 9)
    middle = (reference[3] + reference[4]) / 2
    assert loss(np.sort(np.append(reference[:-1], middle))) == pytest.approx(2 / 9)
    # GaitPy's contacts (another algorithm's) are no truth to fit to.
    assert loss(reference, truth=False) == float("inf")


def test_false_contacts_outside_a_true_reference_span_count_for_precision(shared_data):
    run = run_recording(load_ha001(shared_data, "Test5_Trial1"), GaitSettings(), sensors="accel")
    reference = run.recording.initial_contacts_s
    start_s, end_s = run.recording.evaluation_spans_s[0]
    assert (start_s, end_s) == (reference[0], reference[-1])  # the INDIP bout's first and last IC

    def precision(detected_s, *, truth=True):
        result = dataclasses.replace(run.result, initial_contacts_s=np.asarray(detected_s))
        recording = dataclasses.replace(run.recording, reference_is_truth=truth)
        records = records_frame(
            evaluate_runs(
                [dataclasses.replace(run, recording=recording, result=result)],
                evaluation="left-out",
            )
        )
        return _figure(records, recording.name, "initial_contacts", "precision", sensors="accel")

    margin_s = FALSE_CONTACT_MARGIN_S
    # False contacts up to the margin before the first and after the last reference contact count.
    early, late = reference[0] - 0.9 * margin_s, reference[-1] + 0.9 * margin_s
    assert precision(np.concatenate(([early], reference, [late]))) == pytest.approx(9 / 11)
    assert precision(np.append(reference, reference[-1] + 1.1 * margin_s)) == 1.0
    # GaitPy's bout spans are no heel strikes: only the matching tolerance widens them.
    assert precision(np.append(reference, late), truth=False) == 1.0


def test_turn_felt_fraction_fit_does_not_depend_on_its_start(shared_data):
    # The acceleration estimate is divided by the current fraction, so the fit gives the same
    # fraction from any start; HA001's daily activities hold turns seen by the gyroscope.
    recording = load_ha001(shared_data, "Test11_Trial1")
    fits = []
    for start in (0.3, 0.9):
        settings = GaitSettings(turn_felt_fraction=start)
        runs = [run_recording(recording, settings, sensors=s) for s in ("accel+gyro", "accel")]
        fits.append(fit_turn_felt_fraction(runs, settings))
    assert fits[0] == pytest.approx(fits[1], rel=1e-9)
    assert 0.2 < fits[0] < 0.8


def test_stride_time_cv_without_gyroscope_on_short_straight_walks(records):
    for trial in ("Test5_Trial1", "Test5_Trial2"):
        cv = _figure(
            records,
            f"mobilised-lab-HA001/{trial}",
            "stride_time_cv",
            "detected_pct",
            sensors="accel",
        )
        assert 0.0 < cv < 10.0


def test_ipol_left_right(records):
    # Acceptance target 0.95 met with the gyroscope (0.958 left-out, was 0.762 from the trunk's
    # yaw). Nearly all the misses are trials 4-1 and 4-2, whose reference labels look swapped: the
    # tilt-corrected sway calls nearly every contact there the other foot, and so does the trunk's
    # yaw, whose sign holds in subject 4's other trials (0.994 on the other 56 trials).
    assert _figure(records, IPOL, "foot_labels", "accuracy") >= 0.95
    # Across the U-turn (strides touching it): 0.914 measured.
    assert _figure(records, IPOL, "foot_labels", "accuracy_touching_turn") >= 0.9


def test_ipol_left_right_without_gyroscope_floor(records):
    # Regression floor below the 0.95 target (0.844 measured, was 0.000: no labels). Without the
    # gyroscope the trunk's tilt reads as sway, and subject 6's sideways tilt swaps nearly all of
    # that subject's labels (0.06); the summary carries the flag feet_from_acceleration.
    assert _figure(records, IPOL, "foot_labels", "accuracy", sensors="accel") >= 0.84
