"""Validation figures of the gait pipeline on the real reference recordings in ../shared/data.

GaitPy demo: share of GaitPy's stride ICs matched within 40 ms, and the mean gait speed and stride
time differences of the matched strides. Mobilise-D HA001: per reference walking bout, the error of
the mean speed of the strides whose IC falls inside it, with and without the gyroscope.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.gait import analyze_gait
from alsmotion.readers import read_csv_recording, read_geneactiv_csv

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def gaitpy_demo() -> None:
    folder = DATA / "gaitpy-demo"
    recording = read_geneactiv_csv(folder / "demo_data.csv")
    reference = pd.read_csv(folder / "demo_gait_features.csv")
    first_sample_ms = pd.Timestamp("2019-08-06 10:25:50.000").value / 1e6
    reference_ic_s = (reference["IC"].to_numpy() - first_sample_ms) / 1000.0
    result = analyze_gait(recording.accel_mps2, sampling_rate_hz=50, height_m=1.77)
    ours = result.strides
    distance_s = np.abs(reference_ic_s[:, None] - ours["ic_time_s"].to_numpy()[None, :])
    matched = distance_s.min(axis=1) <= 0.040
    nearest = ours.iloc[distance_s.argmin(axis=1)[matched]]
    speed = nearest["gait_speed_mps"].mean() - reference["gait_speed"][matched].mean()
    stride = nearest["stride_time_s"].mean() - reference["stride_duration"][matched].mean()
    print(
        f"GaitPy demo: {matched.mean():.1%} of {len(reference)} GaitPy ICs matched within 40 ms; "
        f"matched strides: gait speed {speed:+.3f} m/s, stride time {stride:+.3f} s; "
        f"{len(ours)} strides in {len(result.bouts)} bouts"
    )


def mobilised(name: str, *, use_gyro: bool) -> None:
    folder = DATA / "mobilised-lab-HA001"
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
        sampling_rate_hz=100,
        sensor_height_m=participant["sensor_height_m"],
        gyro_rads=recording.gyro_rads if use_gyro else None,
    )
    bouts = pd.read_csv(folder / f"{name}_reference_walking_bouts.csv")
    ic_s = result.strides["ic_time_s"]
    errors, shown = [], []
    for _, bout in bouts.iterrows():
        inside = result.strides[(ic_s >= bout["start"] / 100) & (ic_s <= bout["end"] / 100)]
        if len(inside):
            errors.append(inside["gait_speed_mps"].mean() - bout["avg_walking_speed_mps"])
            shown.append(f"{bout['avg_walking_speed_mps']:.2f}:{errors[-1]:+.2f}")
        else:
            shown.append(f"{bout['avg_walking_speed_mps']:.2f}:none")
    reference = pd.read_csv(folder / f"{name}_reference_strides.csv")
    distance_s = np.abs(ic_s.to_numpy()[:, None] - reference["start"].to_numpy()[None, :] / 100)
    matched = distance_s.min(axis=1) < 0.1
    labels = reference["lr_label"].to_numpy()[distance_s.argmin(axis=1)][matched]
    feet = result.strides["foot"].to_numpy()[matched]
    side = (
        f"left/right agrees with the reference on {(feet == labels).mean():.0%} of "
        f"{matched.sum()} matched strides"
        if use_gyro
        else "left/right needs the gyroscope"
    )
    print(
        f"HA001 {name} ({'with' if use_gyro else 'without'} gyro): strides in {len(errors)} of "
        f"{len(bouts)} reference bouts, MAE {np.mean(np.abs(errors)):.3f} m/s "
        f"[reference speed:error {' '.join(shown)}]; {side}"
    )


if __name__ == "__main__":
    gaitpy_demo()
    for trial in ("Test5_Trial1", "Test5_Trial2", "Test11_Trial1"):
        for gyro in (True, False):
            mobilised(trial, use_gyro=gyro)
