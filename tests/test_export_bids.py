import json
import re
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from session_helpers import IMU_CHANNELS, START, WITMOTION, metadata

from alsmotion.export.bids import CHANNEL_COLUMNS, export_bids
from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionWriter

TINDEQ = DeviceInfo(manufacturer="Tindeq", model="Progressor 200", serial="T9", firmware="1.2")
MOTION_NAME = re.compile(
    r"^sub-[A-Za-z0-9]+(_ses-[A-Za-z0-9]+)?_task-[A-Za-z0-9]+_tracksys-[A-Za-z0-9]+"
    r"(_run-\d+)?_motion\.tsv$"
)
MOTION_TYPES = {
    "ACCEL",
    "ANGACCEL",
    "GYRO",
    "JNTANG",
    "LATENCY",
    "MAGN",
    "MISC",
    "ORNT",
    "POS",
    "VEL",
}


def _session(parent, visit, day, seconds=3):
    start = START + timedelta(days=day)
    with SessionWriter.create(parent, metadata(visit=visit, start_utc=start)) as writer:
        t0 = int(start.timestamp() * 1e9)
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=100.0, device=WITMOTION
        )
        n = 100 * seconds
        host = t0 + np.arange(n, dtype=np.int64) * 10_000_000 + 2_000_000 * (np.arange(n) % 3)
        values = np.column_stack([np.full(n, 9.81), np.zeros((n, 5))])
        values[5, 1] = np.nan
        imu.append(values, host_time_ns=host)
        force = writer.add_stream(
            "force", kind="force", channels=[("force", "N")], sampling_rate_hz=80.0, device=TINDEQ
        )
        force.append(
            np.linspace(0, 100, 80),
            host_time_ns=t0 + np.arange(80) * 12_500_000,
            device_time_s=np.arange(80) / 80,
        )
        writer.log_event("trial_started", test="10MWT", trial=1, host_time_ns=t0 + 500_000_000)
        writer.log_event("trial_stopped", test="10MWT", trial=1, host_time_ns=t0 + 2_500_000_000)
    return writer.path


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    paths = [_session(raw, "baseline", 0), _session(raw, "day30", 30), _session(raw, "day30", 31)]
    out = tmp_path_factory.mktemp("bids")
    return out, export_bids(paths, out)


def _tsv(path):
    return pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)


def test_dataset_level_files(dataset):
    out, _files = dataset
    description = json.loads((out / "dataset_description.json").read_text())
    assert description["BIDSVersion"] == "1.9.0" and description["Name"]
    assert description["DatasetType"] == "raw"
    assert _tsv(out / "participants.tsv")["participant_id"].tolist() == ["sub-ALS001"]


def test_file_names_follow_the_motion_entity_order(dataset):
    _, files = dataset
    motion = [name.rsplit("/", 1)[1] for name in files if name.endswith("_motion.tsv")]
    assert len(motion) == 6
    assert all(MOTION_NAME.match(name) for name in motion), motion
    assert "sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-imu_motion.tsv" in motion
    assert "sub-ALS001_ses-day30_task-gaithhdv1_tracksys-force_run-2_motion.tsv" in motion
    assert all(name.split("/")[2] == "motion" for name in files if name.endswith("_motion.tsv"))


def test_motion_tsv_has_no_header_and_one_column_per_channel(dataset):
    _out, files = dataset
    for name in (n for n in files if n.endswith("_motion.tsv")):
        channels = _tsv(files[name.replace("_motion.tsv", "_channels.tsv")])
        lines = files[name].read_text().splitlines()
        first = lines[0].split("\t")
        assert len(first) == len(channels)
        assert all(re.fullmatch(r"-?[0-9.e+-]+|n/a", cell) for cell in first)
        assert all(len(line.split("\t")) == len(channels) for line in lines)
    imu = files[
        "sub-ALS001/ses-baseline/motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-imu_motion.tsv"
    ]
    rows = imu.read_text().splitlines()
    assert len(rows) == 300
    assert rows[5].split("\t")[1] == "n/a"  # a missing sample is written as MissingValues
    assert rows[1].split("\t")[-1] == "0.012"  # latency column: host arrival time, s


def test_channels_tsv_fields(dataset):
    out, files = dataset
    imu = _tsv(
        out
        / "sub-ALS001/ses-baseline/motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-imu_channels.tsv"
    )
    assert list(imu.columns) == CHANNEL_COLUMNS
    assert imu["type"].tolist() == ["ACCEL"] * 3 + ["GYRO"] * 3 + ["LATENCY"]
    assert imu["component"].tolist() == ["x", "y", "z", "x", "y", "z", "n/a"]
    assert imu["units"].tolist() == ["m/s^2"] * 3 + ["rad/s"] * 3 + ["s"]
    assert imu["tracked_point"].tolist()[:6] == ["LowerBack"] * 6
    force = _tsv(
        out
        / "sub-ALS001/ses-baseline/motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-force_channels.tsv"
    )
    assert force.to_dict("records")[0] == {
        "name": "force",
        "component": "n/a",
        "type": "MISC",
        "tracked_point": "n/a",
        "units": "N",
    }
    for name in (n for n in files if n.endswith("_channels.tsv")):
        assert set(_tsv(files[name])["type"]) <= MOTION_TYPES


def test_motion_json_required_and_recommended_fields(dataset):
    _, files = dataset
    name = "sub-ALS001/ses-baseline/motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-imu_motion.json"
    sidecar = json.loads(files[name].read_text())
    assert sidecar["TaskName"] == "gaithhdv1" and sidecar["SamplingFrequency"] == 100.0
    assert (
        sidecar["Manufacturer"] == "WitMotion" and sidecar["ManufacturersModelName"] == "WT901BLECL"
    )
    assert sidecar["DeviceSerialNumber"] == "A1" and sidecar["SoftwareVersions"] == "3.1"
    assert sidecar["ACCELChannelCount"] == 3 and sidecar["GYROChannelCount"] == 3
    assert sidecar["MotionChannelCount"] == 7 and sidecar["MissingValues"] == "n/a"
    assert sidecar["TrackingSystemName"] == "imu"
    force = json.loads(files[name.replace("tracksys-imu", "tracksys-force")].read_text())
    assert force["MISCChannelCount"] == 1 and "ACCELChannelCount" not in force
    assert "LATENCYChannelCount" not in sidecar


def test_scans_tsv_gives_the_recording_onset(dataset):
    out, _files = dataset
    scans = _tsv(out / "sub-ALS001/ses-baseline/sub-ALS001_ses-baseline_scans.tsv")
    assert list(scans.columns) == ["filename", "acq_time"]
    assert scans["filename"].tolist() == [
        "motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-force_motion.tsv",
        "motion/sub-ALS001_ses-baseline_task-gaithhdv1_tracksys-imu_motion.tsv",
    ]
    assert scans["acq_time"].tolist() == ["2026-01-05T09:30:00.000000"] * 2
    for name in scans["filename"]:
        assert (out / "sub-ALS001/ses-baseline" / name).is_file()


def test_events_tsv_lists_trials(dataset):
    out, _ = dataset
    events = _tsv(
        out / "sub-ALS001/ses-baseline/motion/sub-ALS001_ses-baseline_task-gaithhdv1_events.tsv"
    )
    assert events.to_dict("records") == [
        {"onset": "0.5", "duration": "2", "trial_type": "10MWT", "trial": "1", "status": "accepted"}
    ]


def test_a_recorded_session_exports(tmp_path):
    from alsmotion.cli import main

    arguments = [
        "record",
        "--simulate",
        "--device",
        "imu=C4:00:00:00:00:01",
        "--device",
        "force=C4:00:00:00:00:02",
        "--participant",
        "ALS-005",
        "--visit",
        "baseline",
        "--out",
        str(tmp_path / "raw"),
        "--duration-s",
        "1.5",
    ]
    assert main(arguments) == 0
    (session,) = (tmp_path / "raw").iterdir()
    files = export_bids([session], tmp_path / "bids")
    name = next(n for n in files if n.endswith("tracksys-imu_channels.tsv"))
    channels = _tsv(files[name])
    assert channels["type"].tolist() == ["ACCEL"] * 3 + ["GYRO"] * 3 + ["ORNT"] * 3 + ["LATENCY"]
    assert channels["component"].tolist()[6:9] == ["x", "y", "z"]
    motion = files[name.replace("_channels.tsv", "_motion.tsv")].read_text().splitlines()
    assert len(motion) > 100 and all(len(row.split("\t")) == 10 for row in motion)
