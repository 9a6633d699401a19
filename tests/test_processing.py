import json
import pickle

import numpy as np
import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.errors import InvalidInputError
from alsmotion.gait import GaitSettings
from alsmotion.processing import ProcessingSettings, SessionResult, process_session
from alsmotion.processing.strength_trials import StrengthVisitOptions, strength_visit_rows
from alsmotion.session import append_audit, verify_session
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import StrengthTrial, analyze_trial
from alsmotion.strength.participant import ParticipantStrengthInfo


@pytest.fixture()
def trial(simulated_trial):
    return simulated_trial


@pytest.fixture()
def results(simulated_results):
    return simulated_results


def _result(results, participant, visit) -> SessionResult:
    return next(r for r in results.values() if r.participant_id == participant and r.visit == visit)


def _value(result, test, measure, **where):
    rows = result.measures[
        (result.measures["test"] == test) & (result.measures["measure"] == measure)
    ]
    for name, value in where.items():
        rows = rows[rows[name] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_simulated_sessions_verify(trial):
    assert len(trial.session_paths) == 12
    assert all(verify_session(path).ok for path in trial.session_paths)


def test_walk_speeds_match_the_simulated_truth(trial, results):
    walked = trial.truth.dropna(subset=["speed_mps"]).to_dict("records")
    assert len(walked) >= len(trial.truth) // 2
    for truth in walked:
        result = _result(results, truth["participant_id"], truth["visit"])
        timed = _value(result, "10MWT", "walk_speed_mps")
        assert timed["value"] == pytest.approx(truth["speed_mps"], abs=0.005)
        imu = (
            _value(result, "2MWT", "gait_speed_mps")
            if truth["visit"] != "day90" or truth["participant_id"] != "ALS-003"
            else _value(result, "10MWT", "gait_speed_mps")
        )
        assert imu["value"] == pytest.approx(truth["speed_mps"], abs=0.05)
        assert imu["n"] > 5


def test_strength_matches_the_truth_and_skips_rejected_trials(trial, results):
    for truth in trial.truth.to_dict("records"):
        result = _result(results, truth["participant_id"], truth["visit"])
        for muscle in ("knee_extension", "elbow_flexion"):
            for side in ("left", "right"):
                row = _value(result, "HHD", "peak_force_n", muscle=muscle, side=side)
                assert row["value"] == pytest.approx(truth[f"{muscle}_{side}_n"], rel=0.02)
    baseline = _result(results, "ALS-001", "baseline")
    rejected = baseline.trials[baseline.trials["status"] == "rejected"]
    assert set(zip(rejected["test"], rejected["muscle"], rejected["trial"], strict=True)) == {
        ("HHD", "knee_extension", 2),
        ("10MWT", "", 2),
    }
    assert _value(baseline, "HHD", "peak_force_n", muscle="knee_extension", side="left")["n"] == 2
    assert _value(baseline, "HHD", "peak_force_n", muscle="knee_extension", side="right")["n"] == 3


def test_audit_rejection_and_cannot_perform_are_honoured(results):
    baseline = _result(results, "ALS-001", "baseline")
    assert _value(baseline, "10MWT", "walk_speed_mps")["n"] == 1  # trial 2 rejected in the audit
    rejected = baseline.trials[baseline.trials["status"] == "rejected"]
    keys = zip(rejected["test"], rejected["trial"], strict=True)
    reasons = dict(zip(keys, rejected["reason"], strict=True))
    assert reasons == {  # the audit log's reason, and the event log's for the strength trial
        ("10MWT", 2): "video review: participant stopped before the 10 m line",
        ("HHD", 2): "participant moved",
    }
    day180 = _result(results, "ALS-001", "day180")
    for test in ("10MWT", "2MWT"):
        row = _value(day180, test, "walk_speed_mps")
        assert np.isnan(row["value"]) and row["n"] == 0
        assert row["flags"] == "cannot_perform:unable to walk without assistance"


def test_later_audit_entries_change_the_result(trial, tmp_path):
    import shutil

    path = tmp_path / trial.session_paths[4].name
    shutil.copytree(trial.session_paths[4], path)
    before = process_session(path)
    append_audit(
        path,
        who="OP3",
        what="reject_trial",
        why="device slipped",
        change={"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"},
    )
    after = process_session(path)
    assert _value(before, "10MWT", "walk_speed_mps")["n"] == 2
    assert _value(after, "10MWT", "walk_speed_mps")["n"] == 1
    assert after.source_sha256 != before.source_sha256


def test_processing_is_deterministic_and_picklable(trial, results):
    path = trial.session_paths[1]
    again = process_session(path)
    first = results[path.name]
    pd.testing.assert_frame_equal(again.measures, first.measures)
    pd.testing.assert_frame_equal(again.trials, first.trials)
    copy = pickle.loads(pickle.dumps(first))
    pd.testing.assert_frame_equal(copy.measures, first.measures)
    assert copy.source_sha256 == first.source_sha256 and len(copy.source_sha256) == 64
    document = json.loads(json.dumps(first.to_dict(), allow_nan=True))
    assert (document["participant_id"], document["visit"]) == (first.participant_id, first.visit)
    assert document["source_sha256"] == first.source_sha256
    assert len(document["measures"]) == len(first.measures) > 0
    assert len(document["trials"]) == len(first.trials) > 0
    speed = first.measures[first.measures["measure"] == "walk_speed_mps"]["value"].dropna()
    assert speed.iloc[0] in [row["value"] for row in document["measures"]]


def test_settings_round_trip_and_hash(tmp_path):
    settings = ProcessingSettings(gait={"min_bout_steps": 6}, strength_summary="mean")
    path = tmp_path / "settings.json"
    path.write_text(settings.to_json())
    loaded = ProcessingSettings.from_file(path)
    assert loaded == settings and loaded.settings_hash == settings.settings_hash
    assert ProcessingSettings().settings_hash != settings.settings_hash
    with pytest.raises(InvalidInputError, match="unknown processing setting"):
        ProcessingSettings.from_dict({"speed": 1})
    with pytest.raises(InvalidInputError, match="strength_summary"):
        ProcessingSettings(strength_summary="median")
    with pytest.raises(InvalidInputError, match="unknown gait setting"):
        ProcessingSettings(gait={"min_bout_step": 6})
    with pytest.raises(InvalidInputError, match="onset_threshold_n"):
        ProcessingSettings(strength={"onset_threshold_n": -1.0})
    path.write_text("[1]")
    with pytest.raises(InvalidInputError, match="JSON object"):
        ProcessingSettings.from_file(path)


def test_mean_summary_changes_strength_values(trial, results):
    path = trial.session_paths[0]
    mean = process_session(path, ProcessingSettings(strength_summary="mean"))
    best = results[path.name]
    where = {"muscle": "knee_extension", "side": "right"}
    assert (
        _value(mean, "HHD", "peak_force_n", **where)["value"]
        < _value(best, "HHD", "peak_force_n", **where)["value"]
    )
    assert mean.settings_hash != best.settings_hash


def test_export_cli_end_to_end(trial, tmp_path, capsys):
    paths = [str(p) for p in trial.session_paths[:4]]
    assert main(["export", *paths, "--out", str(tmp_path), "--bids"]) == 0
    out = capsys.readouterr().out
    assert "4 sessions processed" in out and "BIDS motion dataset" in out
    table = pd.read_csv(tmp_path / "visit_measures.csv")
    assert set(table["visit"]) == {"baseline", "day30", "day90", "day180"}
    assert (tmp_path / "bids" / "dataset_description.json").is_file()


def test_pooled_stride_time_cv_uses_within_trial_spread_of_steady_strides():
    from alsmotion.processing.walks import pooled_stride_time_cv_pct

    first = pd.DataFrame({"stride_time_s": [1.0, 1.2, 9.0], "is_steady": [True, True, False]})
    second = pd.DataFrame({"stride_time_s": [2.0, 2.2], "is_steady": [True, True]})
    cv_pct, n = pooled_stride_time_cv_pct([first, second])
    assert n == 4
    assert cv_pct == pytest.approx(np.sqrt((0.02 + 0.02) / 2) / 1.6 * 100)
    assert np.isnan(pooled_stride_time_cv_pct([first.iloc[:1]])[0])


def test_clinical_timing_of_fixed_distance_and_fixed_time_walks():
    from alsmotion.processing.walks import clinical_timing

    assert clinical_timing("10MWT", 8.0, None) == (8.0, 10.0, 1.25)
    assert clinical_timing("10MWT", 8.0, 12.0) == (8.0, 10.0, 1.25)  # the 10 m is fixed
    assert clinical_timing("2MWT", 120.0, 150.0) == (120.0, 150.0, 1.25)
    time_s, distance_m, speed_mps = clinical_timing("6MWT", 360.0, None)
    assert time_s == 360.0 and np.isnan(distance_m) and np.isnan(speed_mps)


def test_visit_reassigned_in_the_audit_log_reaches_the_result(trial, tmp_path):
    import shutil

    path = tmp_path / trial.session_paths[5].name
    shutil.copytree(trial.session_paths[5], path)
    append_audit(
        path,
        who="OP2",
        what="reassign_visit",
        why="visit booked as day 30 by mistake",
        change={"before": "day30", "after": "unscheduled"},
    )
    assert process_session(path).visit == "unscheduled"


def test_exports_of_processed_sessions_are_byte_identical(results, tmp_path):
    from alsmotion.export import write_exports

    ordered = list(results.values())
    first = write_exports(ordered, tmp_path / "a", reports=False)
    second = write_exports(ordered[::-1], tmp_path / "b", reports=False)
    for name, path in first.items():
        assert second[name].read_bytes() == path.read_bytes(), name


def test_export_cli_refuses_a_folder_that_is_not_a_session(tmp_path, capsys):
    assert main(["export", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "not an alsmotion session" in capsys.readouterr().err


def test_an_interrupted_session_still_processes_with_flags(trial, tmp_path):
    import os
    import shutil

    path = tmp_path / trial.session_paths[6].name
    shutil.copytree(trial.session_paths[6], path)
    (path / "manifest.json").unlink()
    stream = path / "streams" / "force.arrows"
    os.chmod(stream, 0o644)
    stream.write_bytes(stream.read_bytes()[:-200])  # the last force batch is torn
    result = process_session(path)
    assert {"session_not_closed", "torn_tail_skipped"} <= set(result.flags)
    walk = _value(result, "10MWT", "walk_speed_mps")
    assert walk["n"] == 2 and np.isfinite(walk["value"])


def test_gaps_inside_trials_flag_their_measures(tmp_path):
    from session_helpers import IMU_CHANNELS, START, WITMOTION, metadata

    from alsmotion.recording import DeviceInfo
    from alsmotion.session import SessionWriter
    from alsmotion.simulate.force import simulate_force_trial
    from alsmotion.simulate.gait import simulate_walk

    walk = simulate_walk(sampling_rate_hz=100.0, n_strides=12, rest_s=2.0, seed=3)
    force = simulate_force_trial(sampling_rate_hz=80.0, peak_force_n=250.0, seed=3)
    t0 = int(START.timestamp() * 1e9)
    with SessionWriter.create(tmp_path, metadata(sensor_height_m=0.95)) as writer:
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=100.0, device=WITMOTION
        )
        n = len(walk.accel_mps2)
        imu.append(
            np.column_stack([walk.accel_mps2, walk.gyro_rads]),
            host_time_ns=t0 + np.arange(n, dtype=np.int64) * 10_000_000,
        )
        start_s, stop_s = walk.truth.bout_spans_s[0]
        fields = {"test": "10MWT", "trial": 1}
        writer.log_event("trial_started", host_time_ns=t0 + int(start_s * 1e9), **fields)
        writer.log_event("trial_stopped", host_time_ns=t0 + int(stop_s * 1e9), **fields)
        writer.mark_gap(
            "imu", t0 + int(start_s * 1e9) + 10**9, t0 + int(start_s * 1e9) + 2 * 10**9, "lost"
        )
        dynamometer = writer.add_stream(
            "force",
            kind="force",
            channels=[("force", "N")],
            sampling_rate_hz=80.0,
            device=DeviceInfo(model="Progressor"),
        )
        f0 = t0 + 60 * 10**9
        host = f0 + np.round(force.time_s * 1e9).astype(np.int64)
        dynamometer.append(force.force_n, host_time_ns=host, device_time_s=force.time_s)
        fields = {"test": "HHD", "trial": 1, "muscle": "grip", "side": "left"}
        writer.log_event("trial_started", host_time_ns=int(host[0]), **fields)
        writer.log_event("trial_stopped", host_time_ns=int(host[-1]), **fields)
        writer.mark_gap("force", int(host[10]), int(host[12]), "counter jump")
    result = process_session(writer.path)
    assert "data_gap" in _value(result, "10MWT", "gait_speed_mps")["flags"].split(";")
    assert "data_gap" not in _value(result, "10MWT", "walk_speed_mps")["flags"].split(";")
    peak = _value(result, "HHD", "peak_force_n", muscle="grip", side="left")
    assert "data_gap" in peak["flags"].split(";")
    assert peak["value"] == pytest.approx(250.0, rel=0.02)


def test_export_cli_uses_a_study_schedule_file(trial, tmp_path):
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(
        '[[visit]]\nname = "baseline"\nnumber = 1\nday = 0\n'
        '[[visit]]\nname = "month1"\nnumber = 2\nday = 28\nwindow_days = 0\n'
    )
    paths = [str(p) for p in trial.session_paths[:2]]
    assert (
        main(["export", *paths, "--out", str(tmp_path / "out"), "--schedule", str(schedule)]) == 0
    )
    visits = pd.read_csv(tmp_path / "out" / "visit_assignments.csv", keep_default_na=False)
    assert visits["visit"].tolist() == ["baseline", "month1"]
    assert visits["flags"].tolist() == ["", "out_of_window;recorded_as_day30"]


def test_a_failed_gait_analysis_gives_one_flag_without_the_separator():
    # 1 s of IMU samples is too short for gait analysis; the error text (which holds a ';') must
    # stay one flag in the ';'-joined flags column.
    from alsmotion.processing.walks import analyze_walk_trial
    from alsmotion.session.reader import StreamData
    from alsmotion.simulate.trial import IMU_CHANNELS, IMU_DEVICE

    n = 100
    imu = StreamData(
        name="imu",
        kind="imu",
        channels=IMU_CHANNELS,
        sampling_rate_hz=100.0,
        device=IMU_DEVICE,
        extra={},
        values=np.tile([0.0, 0.0, 9.81, 0.0, 0.0, 0.0], (n, 1)),
        host_time_ns=np.arange(n, dtype=np.int64) * 10_000_000,
        device_time_s=np.arange(n) / 100.0,
        counter=np.arange(n, dtype=float),
        torn_tail=False,
    )
    row = {"test": "10MWT", "trial": 1, "start_host_ns": 0, "stop_host_ns": 8_000_000_000}
    walk = analyze_walk_trial(
        row,
        imu,
        sample_time_ns=None,
        sensor_height_m=0.95,
        height_m=None,
        gait_settings=GaitSettings(),
    )
    failed = [flag for flag in walk.flags if flag.startswith("gait_failed:")]
    assert len(failed) == 1 and ";" not in failed[0] and "needs at least" in failed[0]


def _visit_rows(muscle, side, analysed):
    trials = [StrengthTrial(muscle, side, number, result=result) for number, result in analysed]
    options = StrengthVisitOptions(
        summary_statistic="max", participant=ParticipantStrengthInfo(source="test")
    )
    rows, _ = strength_visit_rows({"make": trials}, options)
    return rows


def test_reasons_of_invalid_strength_trials_stay_one_flag():
    analysed = []
    for trial, failure in enumerate(("no_effort", "effort_too_short"), start=1):
        sim = simulate_force_trial(sampling_rate_hz=80.0, failure=failure, seed=trial)
        analysed.append((trial, analyze_trial(sim.force_n, sampling_rate_hz=80.0)))
    rows = _visit_rows("knee_extension", "left", analysed)
    flags = rows[0].flags.split(";")
    status = [flag for flag in flags if flag.startswith("no_valid_trial")]
    assert status == ["no_valid_trial:no_effort, effort_too_short"], flags


@pytest.mark.parametrize(("sampling_rate_hz", "expect_own_flag"), [(80.0, False), (40.0, True)])
def test_visit_rfd_carries_only_its_own_window_flag(sampling_rate_hz, expect_own_flag):
    analysed = []
    for number in (1, 2, 3):
        sim = simulate_force_trial(sampling_rate_hz=sampling_rate_hz, seed=number)
        analysed.append((number, analyze_trial(sim.force_n, sampling_rate_hz=sampling_rate_hz)))
    assert "rfd_0_50ms_unsupported" in analysed[0][1].flags  # < 5 samples in 50 ms at both rates
    rows = _visit_rows("knee_extension", "right", analysed)
    rfd_flags = next(r.flags for r in rows if r.key.measure == "rfd_0_100ms_n_per_s")
    assert "rfd_0_50ms_unsupported" not in rfd_flags
    assert ("rfd_0_100ms_unsupported" in rfd_flags) == expect_own_flag


def test_a_walk_with_a_walking_aid_is_flagged():
    from alsmotion.processing.walks import analyze_walk_trial
    from alsmotion.session.reader import StreamData
    from alsmotion.simulate.gait import simulate_walk
    from alsmotion.simulate.trial import IMU_CHANNELS, IMU_DEVICE

    sim = simulate_walk(sampling_rate_hz=100, n_strides=12, speed_mps=0.6, cadence_spm=85, seed=2)
    n = len(sim.accel_mps2)
    imu = StreamData(
        name="imu",
        kind="imu",
        channels=IMU_CHANNELS,
        sampling_rate_hz=100.0,
        device=IMU_DEVICE,
        extra={},
        values=np.hstack((sim.accel_mps2, sim.gyro_rads)),
        host_time_ns=np.arange(n, dtype=np.int64) * 10_000_000,
        device_time_s=np.arange(n) / 100.0,
        counter=np.arange(n, dtype=float),
        torn_tail=False,
    )
    row = {"test": "10MWT", "trial": 1, "start_host_ns": 0, "stop_host_ns": n * 10_000_000}
    walks = [
        analyze_walk_trial(
            row,
            imu,
            sample_time_ns=None,
            sensor_height_m=0.95,
            height_m=None,
            gait_settings=GaitSettings(),
            walking_aid=aid,
        )
        for aid in (False, True)
    ]
    assert len(walks[1].strides) > 0
    assert "walking_aid" not in walks[0].flags and "walking_aid" in walks[1].flags
