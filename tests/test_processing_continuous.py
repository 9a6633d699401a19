"""A session with no trial events (``alsmotion record`` without ``--trial``) is processed as a
continuous recording: gait over the whole IMU stream, efforts found in the force stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from session_helpers import START, metadata

from alsmotion.errors import InvalidInputError
from alsmotion.export.sdtm import data_dictionary
from alsmotion.processing import process_session
from alsmotion.session import SessionWriter
from alsmotion.simulate.force import effort_force_n
from alsmotion.simulate.gait import simulate_walk
from alsmotion.simulate.trial import FORCE_DEVICE, IMU_CHANNELS, IMU_DEVICE
from alsmotion.strength import find_efforts

IMU_RATE_HZ = 100.0
FORCE_RATE_HZ = 80.0
#: (onset s, peak N) of the simulated efforts.
EFFORTS = ((4.0, 180.0), (15.0, 240.0), (27.0, 95.0))
FORCE_DURATION_S = 36.0
#: IMU samples withheld (a lost run of notifications) and force samples withheld at rest.
IMU_LOST = slice(2500, 2520)
FORCE_LOST = slice(900, 905)


def _force_n(rng: np.random.Generator) -> np.ndarray:
    time_s = np.arange(int(FORCE_DURATION_S * FORCE_RATE_HZ)) / FORCE_RATE_HZ
    force = 3.0 + rng.normal(0.0, 0.4, time_s.size)  # rig offset (untared) and noise
    for onset_s, peak_n in EFFORTS:
        force += effort_force_n(
            time_s,
            onset_s=onset_s,
            peak_force_n=peak_n,
            rise_time_s=0.5,
            overshoot_fraction=0.01,
            hold_s=3.0,
            release_time_s=0.4,
            fatigue_pct_per_s=2.0,
        )
    return force


def _write(parent: Path, *, with_trial: bool = False):
    walk = simulate_walk(sampling_rate_hz=IMU_RATE_HZ, n_strides=60, bout_strides=30, seed=3)
    force = _force_n(np.random.default_rng(5))
    t0_ns = int(START.timestamp() * 1e9)
    with SessionWriter.create(parent, metadata(sensor_height_m=0.95)) as writer:
        imu = writer.add_stream(
            "imu",
            kind="imu",
            channels=IMU_CHANNELS,
            sampling_rate_hz=IMU_RATE_HZ,
            device=IMU_DEVICE,
        )
        values = np.hstack([walk.accel_mps2, walk.gyro_rads])
        keep = np.ones(len(values), dtype=bool)
        keep[IMU_LOST] = False
        index = np.flatnonzero(keep)
        imu.append(values[index], host_time_ns=t0_ns + index * 10_000_000)
        stream = writer.add_stream(
            "force",
            kind="force",
            channels=[("force", "N")],
            sampling_rate_hz=FORCE_RATE_HZ,
            device=FORCE_DEVICE,
        )
        keep = np.ones(len(force), dtype=bool)
        keep[FORCE_LOST] = False
        index = np.flatnonzero(keep)
        stream.append(force[index, None], host_time_ns=t0_ns + index * 12_500_000)
        if with_trial:
            writer.log_event(
                "trial_started",
                test="HHD",
                trial=1,
                muscle="knee_extension",
                side="left",
                host_time_ns=t0_ns + 3_000_000_000,
            )
            writer.log_event(
                "trial_stopped",
                test="HHD",
                trial=1,
                muscle="knee_extension",
                side="left",
                host_time_ns=t0_ns + 10_000_000_000,
            )
    return writer.path, walk


@pytest.fixture(scope="module")
def continuous(tmp_path_factory):
    path, walk = _write(tmp_path_factory.mktemp("continuous"))
    return process_session(path), walk


def _row(frame, domain: str, measure: str) -> dict:
    rows = frame[(frame["domain"] == domain) & (frame["measure"] == measure)]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def test_gait_over_the_whole_stream_matches_the_truth(continuous):
    result, walk = continuous
    truth = walk.truth
    speed = _row(result.measures, "gait", "gait_speed_mps")
    assert speed["test"] == "continuous"
    assert speed["value"] == pytest.approx(truth.gait_speed_mps, abs=0.05)
    assert speed["n"] > 40
    cadence = _row(result.measures, "gait", "cadence_spm")
    assert cadence["value"] == pytest.approx(truth.cadence_spm, rel=0.02)
    stride = _row(result.measures, "gait", "stride_time_s")
    assert stride["value"] == pytest.approx(float(np.mean(truth.stride_times_s)), rel=0.02)
    gait = result.measures[result.measures["domain"] == "gait"]
    assert not {"walk_speed_mps", "walk_time_s", "distance_m"} & set(gait["measure"])


def test_each_effort_is_found_once_with_its_peak(continuous):
    result, _ = continuous
    peaks = result.trials[result.trials["measure"] == "peak_force_n"]
    assert list(peaks["trial"]) == [1, 2, 3]
    assert set(peaks["status"]) == {"accepted"}
    assert set(peaks["muscle"]) == {""}
    for (_, peak_n), found in zip(EFFORTS, peaks["value"], strict=True):
        assert found == pytest.approx(peak_n, rel=0.01)
    assert all("muscle_not_recorded" in reason for reason in peaks["reason"])
    best = _row(result.measures, "strength", "peak_force_n")
    assert best["value"] == pytest.approx(max(p for _, p in EFFORTS), rel=0.01)
    assert best["n"] == 3
    mean = _row(result.measures, "strength", "peak_force_mean_n")
    assert mean["value"] == pytest.approx(np.mean([p for _, p in EFFORTS]), rel=0.01)


def test_every_measure_is_flagged_continuous(continuous):
    result, _ = continuous
    assert set(result.measures["test"]) == {"continuous"}
    for flags in result.measures["flags"]:
        assert "continuous_recording" in flags.split(";")
    strength = result.measures[result.measures["domain"] == "strength"]
    assert all("muscle_not_recorded" in f.split(";") for f in strength["flags"])
    assert not {"megascore_z", "asymmetry_pct", "pct_predicted"} & set(strength["measure"])


def test_a_session_with_trials_is_not_continuous(tmp_path):
    path, _ = _write(tmp_path, with_trial=True)
    result = process_session(path)
    assert "continuous" not in set(result.measures["test"])
    assert set(result.trials["test"]) == {"HHD"}
    row = result.measures[
        (result.measures["measure"] == "peak_force_n") & (result.measures["side"] == "left")
    ]
    assert row["value"].iloc[0] == pytest.approx(180.0, rel=0.01)


def test_find_efforts_windows_hold_quiet_margins():
    force = _force_n(np.random.default_rng(1))
    windows = find_efforts(force, sampling_rate_hz=FORCE_RATE_HZ, margin_s=1.5)
    assert windows.shape == (3, 2)
    for (start, stop), (onset_s, _) in zip(windows, EFFORTS, strict=True):
        assert start / FORCE_RATE_HZ == pytest.approx(onset_s - 1.5, abs=0.3)
        assert stop > start
    assert np.all(windows[1:, 0] >= windows[:-1, 1])


def test_find_efforts_bridges_lost_samples_and_finds_nothing_at_rest():
    force = _force_n(np.random.default_rng(2))
    force[int(16.5 * FORCE_RATE_HZ) : int(16.6 * FORCE_RATE_HZ)] = np.nan  # inside effort 2
    assert len(find_efforts(force, sampling_rate_hz=FORCE_RATE_HZ)) == 3
    rest = np.random.default_rng(3).normal(2.0, 0.4, 2000)
    assert find_efforts(rest, sampling_rate_hz=FORCE_RATE_HZ).shape == (0, 2)


def test_find_efforts_refuses_a_margin_without_room_for_the_baseline():
    with pytest.raises(InvalidInputError, match="margin_s"):
        find_efforts(np.zeros(100), sampling_rate_hz=FORCE_RATE_HZ, margin_s=0.2)


def test_the_data_dictionary_names_the_continuous_gait_codes():
    codes = data_dictionary()
    continuous = codes[codes["description"].str.startswith("continuous ")]
    assert len(continuous) == 5
