"""``alsmotion gait`` and ``alsmotion info`` on a session folder: the lumbar IMU stream, placed on
its grid by when each sample was taken, lost packets as missing samples."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from session_helpers import START, WITMOTION, metadata

from alsmotion.cli import main
from alsmotion.readers.session_imu import read_session_imu
from alsmotion.session import SessionWriter
from alsmotion.simulate.gait import simulate_walk
from alsmotion.simulate.trial import IMU_CHANNELS

RATE_HZ = 100.0
PACKET = 10
LOST_PACKETS = (150, 151, 300)  # 0.3 s of samples that never arrived, inside the walking


@pytest.fixture(scope="module")
def walk_session(tmp_path_factory):
    walk = simulate_walk(sampling_rate_hz=RATE_HZ, n_strides=30, speed_mps=0.9, rest_s=3.0, seed=11)
    n = len(walk.accel_mps2) // PACKET * PACKET
    values = np.column_stack([walk.accel_mps2, walk.gyro_rads])[:n]
    index = np.arange(n)
    t0 = int(START.timestamp() * 1e9)
    arrival_ns = t0 + ((index // PACKET) * PACKET + PACKET - 1) * 10_000_000 + 15_000_000
    kept = ~np.isin(index // PACKET, LOST_PACKETS)
    parent = tmp_path_factory.mktemp("sessions")
    with SessionWriter.create(parent, metadata(sensor_height_m=walk.truth.sensor_height_m)) as w:
        imu = w.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=RATE_HZ, device=WITMOTION
        )
        imu.append(
            values[kept],
            host_time_ns=arrival_ns[kept],
            device_time_s=index[kept] / RATE_HZ,
            counter=index[kept],
        )
    return walk, w.path, n


def test_the_session_imu_is_read_on_its_grid_with_lost_samples_missing(walk_session):
    walk, path, n = walk_session
    recording = read_session_imu(path)
    assert recording.sampling_rate_hz == RATE_HZ and recording.n_samples == n
    accel = recording.streams["accel"].values
    missing = np.isnan(accel).any(axis=1)
    assert missing.sum() == len(LOST_PACKETS) * PACKET
    assert np.flatnonzero(missing)[0] == LOST_PACKETS[0] * PACKET
    assert np.allclose(accel[~missing], walk.accel_mps2[:n][~missing])
    assert np.allclose(recording.streams["gyro"].values[~missing], walk.gyro_rads[:n][~missing])


def test_gait_and_info_take_a_session_folder(walk_session, tmp_path, capsys):
    walk, path, _ = walk_session
    out = tmp_path / "gait"
    code = main(
        ["gait", str(path), "--sensor-height-m", str(walk.truth.sensor_height_m), "--out", str(out)]
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["gait_speed_mps"] == pytest.approx(walk.truth.gait_speed_mps, rel=0.1)
    strides = pd.read_csv(out / "strides.csv")
    assert len(strides) >= len(walk.truth.stride_times_s) - 6  # the lost packets are bridged
    assert strides["gap_bridged"].any()
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "100 Hz" in printed and f"{len(LOST_PACKETS) * PACKET} samples missing" in printed


def test_a_session_without_an_imu_stream_is_a_one_line_error(tmp_path, capsys):
    with SessionWriter.create(tmp_path, metadata()) as writer:
        force = writer.add_stream(
            "force",
            kind="force",
            channels=(("force", "N"),),
            sampling_rate_hz=80.0,
            device=WITMOTION,
        )
        force.append(np.zeros(10), host_time_ns=np.arange(10, dtype=np.int64) * 12_500_000)
    assert main(["info", str(writer.path)]) == 2
    err = capsys.readouterr().err
    assert "no stream with three acceleration channels" in err and "Traceback" not in err
