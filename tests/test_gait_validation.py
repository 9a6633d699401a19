"""Regression of the gait pipeline on the real reference recordings (issue 2 validation targets)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alsmotion.gait import analyze_gait
from alsmotion.readers import read_csv_recording, read_geneactiv_csv

GAITPY_HEIGHT_M = 1.77


@pytest.fixture(scope="module")
def gaitpy_demo(shared_data):
    folder = shared_data / "gaitpy-demo"
    recording = read_geneactiv_csv(folder / "demo_data.csv")
    reference = pd.read_csv(folder / "demo_gait_features.csv")
    # GaitPy wrote the device's local clock as if it were UTC, in ms since the epoch.
    first_sample_ms = pd.Timestamp("2019-08-06 10:25:50.000").value / 1e6
    reference_ic_s = (reference["IC"].to_numpy() - first_sample_ms) / 1000.0
    result = analyze_gait(
        recording.accel_mps2,
        sampling_rate_hz=recording.sampling_rate_hz,
        height_m=GAITPY_HEIGHT_M,
    )
    return result, reference, reference_ic_s


def test_gaitpy_demo_initial_contacts_match(gaitpy_demo):
    result, _, reference_ic_s = gaitpy_demo
    distance_s = np.abs(reference_ic_s[:, None] - result.strides["ic_time_s"].to_numpy()[None, :])
    assert (distance_s.min(axis=1) <= 0.040).mean() >= 0.95


def test_gaitpy_demo_speed_and_stride_time_of_matched_strides(gaitpy_demo):
    result, reference, reference_ic_s = gaitpy_demo
    ours = result.strides
    distance_s = np.abs(reference_ic_s[:, None] - ours["ic_time_s"].to_numpy()[None, :])
    matched = distance_s.min(axis=1) <= 0.040
    nearest = ours.iloc[distance_s.argmin(axis=1)[matched]]
    speed_error = nearest["gait_speed_mps"].mean() - reference["gait_speed"][matched].mean()
    stride_error = nearest["stride_time_s"].mean() - reference["stride_duration"][matched].mean()
    assert abs(speed_error) <= 0.03
    assert abs(stride_error) <= 0.02
    assert "sensor_height_from_body_height" in result.summary.flags
    assert result.sensor_height_m == pytest.approx(0.53 * GAITPY_HEIGHT_M)


@pytest.mark.parametrize(("name", "minimum"), [("Test5_Trial1", 1.0), ("Test11_Trial1", 0.75)])
def test_mobilised_left_right(shared_data, name, minimum):
    folder = shared_data / "mobilised-lab-HA001"
    strides, _ = _mobilised_strides(shared_data, name)
    reference = pd.read_csv(folder / f"{name}_reference_strides.csv")
    distance_s = np.abs(
        strides["ic_time_s"].to_numpy()[:, None] - reference["start"].to_numpy()[None, :] / 100
    )
    matched = distance_s.min(axis=1) < 0.1
    labels = reference["lr_label"].to_numpy()[distance_s.argmin(axis=1)][matched]
    assert matched.sum() >= 7
    assert (strides["foot"].to_numpy()[matched] == labels).mean() >= minimum


def _mobilised_strides(shared_data, name):
    folder = shared_data / "mobilised-lab-HA001"
    participant = json.loads((folder / "participant.json").read_text())
    recording = read_csv_recording(
        folder / f"{name}.csv",
        accel_columns=("acc_x", "acc_y", "acc_z"),
        accel_unit="g",
        gyro_columns=("gyr_x", "gyr_y", "gyr_z"),
        gyro_unit="dps",
        sampling_rate_hz=100,
    )
    result = analyze_gait(
        recording.accel_mps2,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=participant["sensor_height_m"],
        gyro_rads=recording.gyro_rads,
    )
    return result.strides, folder


def _mobilised(shared_data, name):
    strides, folder = _mobilised_strides(shared_data, name)
    bouts = pd.read_csv(folder / f"{name}_reference_walking_bouts.csv")
    errors = []
    for _, bout in bouts.iterrows():
        ic_s = strides["ic_time_s"]
        inside = strides[(ic_s >= bout["start"] / 100) & (ic_s <= bout["end"] / 100)]
        if len(inside):
            errors.append(inside["gait_speed_mps"].mean() - bout["avg_walking_speed_mps"])
    return np.array(errors), len(bouts)


@pytest.mark.parametrize("name", ["Test5_Trial1", "Test5_Trial2"])
def test_mobilised_straight_walk_speed(shared_data, name):
    errors, n_reference = _mobilised(shared_data, name)
    assert n_reference == 1 and len(errors) == 1
    assert abs(errors[0]) <= 0.05


def test_mobilised_daily_activities(shared_data):
    errors, n_reference = _mobilised(shared_data, "Test11_Trial1")
    assert n_reference == 6
    assert len(errors) >= 5
    assert np.abs(errors).mean() <= 0.10
