"""``alsmotion gait``: end to end through the CLI, and bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.gait import STRIDE_COLUMNS
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import STANDARD_GRAVITY_MPS2


def _write_csv(path, accel):
    table = pd.DataFrame(accel, columns=["x", "y", "z"])
    table.to_csv(path, index=False, float_format="%.6f")
    return path


def _run(capsys, *args):
    code = main(["gait", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run_50hz_mps2(capsys, path, out, *options):
    """Analyse a 50 Hz CSV of m/s^2 (participant 1.7 m tall) into ``out``; the exit code."""
    code, _, _ = _run(
        capsys,
        path,
        *options,
        "--sampling-rate-hz",
        50,
        "--accel-unit",
        "mps2",
        "--height-m",
        1.7,
        "--out",
        out,
    )
    return code


def test_gaitpy_demo_end_to_end(tmp_path, capsys, shared_data):
    out = tmp_path / "out"
    code, stdout, _ = _run(
        capsys, shared_data / "gaitpy-demo" / "demo_data.csv", "--height-m", 1.77, "--out", out
    )
    assert code == 0
    strides = pd.read_csv(out / "strides.csv")
    assert tuple(strides.columns) == STRIDE_COLUMNS
    assert len(strides) > 100
    summary = json.loads((out / "summary.json").read_text())
    for name in ("gait_speed_mps", "cadence_spm", "stride_time_s", "stride_time_sd_s"):
        assert summary[name] > 0
    assert summary["n_strides"] == len(strides)
    assert len(summary["settings_hash"]) == 64
    # The GENEActiv file misses a few samples: short gaps are bridged, not split at.
    assert "gaps_bridged" in summary["flags"]
    assert "strides" in stdout


def test_csv_with_gyro_and_timed_walk(tmp_path, capsys):
    sim = simulate_walk(sampling_rate_hz=100, n_strides=12, rest_s=2.0, seed=2)
    table = pd.DataFrame(
        np.column_stack((sim.accel_in("g"), np.degrees(sim.gyro_rads))),
        columns=["ax", "ay", "az", "gx", "gy", "gz"],
    )
    path = tmp_path / "walk.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    code, _, _ = _run(
        capsys,
        path,
        "--accel-columns",
        "ax,ay,az",
        "--gyro-columns",
        "gx,gy,gz",
        "--sampling-rate-hz",
        100,
        "--sensor-height-m",
        sim.truth.sensor_height_m,
        "--timed-walk",
        "10MWT",
        "--walk-time-s",
        8.0,
        "--out",
        out,
    )
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["timed_walk"]["clinical_speed_mps"] == pytest.approx(10.0 / 8.0)
    assert summary["timed_walk"]["imu_speed_mps"] == pytest.approx(sim.truth.gait_speed_mps, 0.05)
    assert "fewer_than_20_strides" in summary["flags"]
    assert "turns_from_acceleration" not in summary["flags"]


def _walk_mps2(seed=4):
    return simulate_walk(sampling_rate_hz=50, n_strides=20, rest_s=3.0, seed=seed).accel_mps2


@pytest.mark.parametrize(
    ("accel", "unit", "message"),
    [
        (np.full((600, 3), np.nan), "mps2", "no finite samples"),
        (np.tile([0.0, 0.0, 9.81], (600, 1)), "mps2", "constant"),
        (_walk_mps2()[:100], "mps2", "at least 3 s"),
        (_walk_mps2(), "mps2", "looks like g"),  # declared m/s^2 but written in g below
        (_walk_mps2(), "g", "far from gravity"),  # m/s^2 data declared as g
    ],
    ids=["all-nan", "constant", "too-short", "g-declared-mps2", "mps2-declared-g"],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, accel, unit, message):
    values = accel / STANDARD_GRAVITY_MPS2 if message == "looks like g" else accel
    path = _write_csv(tmp_path / "bad.csv", values)
    code, _, err = _run(
        capsys,
        path,
        "--sampling-rate-hz",
        50,
        "--accel-unit",
        unit,
        "--sensor-height-m",
        0.95,
        "--out",
        tmp_path / "out",
    )
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_no_walking_gives_empty_tables_and_flag(tmp_path, capsys):
    rng = np.random.default_rng(0)
    still = np.array([0.3, 0.2, 9.7]) + rng.normal(0, 0.02, (3000, 3))
    path = _write_csv(tmp_path / "still.csv", still)
    out = tmp_path / "out"
    code = _run_50hz_mps2(capsys, path, out)
    assert code == 0
    assert len(pd.read_csv(out / "strides.csv")) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_strides"] == 0
    assert summary["gait_speed_mps"] is None
    assert "no_walking" in summary["flags"]


def test_gap_splits_bout_and_is_flagged(tmp_path, capsys):
    accel = simulate_walk(sampling_rate_hz=50, n_strides=40, rest_s=3.0, seed=1).accel_mps2
    accel[1500:1530] = np.nan  # 0.6 s gap in the middle of walking
    path = _write_csv(tmp_path / "gap.csv", accel)
    out = tmp_path / "out"
    code = _run_50hz_mps2(capsys, path, out)
    assert code == 0
    strides = pd.read_csv(out / "strides.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_bouts"] == 2
    assert "gaps_split_recording" in summary["flags"]
    end_s = strides["ic_time_s"] + strides["stride_time_s"]
    spans_gap = (strides["ic_time_s"] < 1530 / 50) & (end_s > 1500 / 50)
    assert not spans_gap.any()


def test_short_gaps_are_bridged_and_flagged(tmp_path, capsys):
    accel = simulate_walk(sampling_rate_hz=50, n_strides=40, rest_s=3.0, seed=1).accel_mps2
    for start in (900, 1500, 2100):
        accel[start : start + 5] = np.nan  # 0.1 s of lost packets, three times while walking
    path = _write_csv(tmp_path / "gaps.csv", accel)
    out = tmp_path / "out"
    assert _run_50hz_mps2(capsys, path, out) == 0
    strides = pd.read_csv(out / "strides.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_bouts"] == 1
    assert "gaps_bridged" in summary["flags"]
    assert "gaps_split_recording" not in summary["flags"]
    first = np.round(strides["ic_time_s"] * 50)
    last = np.round((strides["ic_time_s"] + strides["stride_time_s"]) * 50)
    touches = np.zeros(len(strides), dtype=bool)
    for start in (900, 1500, 2100):
        touches |= (first <= start + 4) & (last >= start)
    assert (strides["gap_bridged"] == touches).all()
    assert len(strides) >= 36


def test_height_is_required(tmp_path, capsys):
    path = _write_csv(tmp_path / "w.csv", _walk_mps2())
    with pytest.raises(SystemExit) as exit_info:
        main(["gait", str(path), "--sampling-rate-hz", "50", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert "--sensor-height-m" in capsys.readouterr().err


def test_walk_time_without_a_timed_walk_is_refused(tmp_path, capsys):
    path = _write_csv(tmp_path / "w.csv", _walk_mps2())
    code, _, err = _run(
        capsys,
        path,
        "--sampling-rate-hz",
        50,
        "--height-m",
        1.7,
        "--walk-time-s",
        0,
        "--out",
        tmp_path,
    )
    assert code == 2 and "need --timed-walk" in err


def test_walking_aid_option_flags_the_summary(tmp_path, capsys):
    accel = simulate_walk(sampling_rate_hz=50, n_strides=12, rest_s=3.0, seed=1).accel_mps2
    path = _write_csv(tmp_path / "walk.csv", accel)
    assert _run_50hz_mps2(capsys, path, tmp_path / "aid", "--walking-aid") == 0
    assert _run_50hz_mps2(capsys, path, tmp_path / "free") == 0
    aid = json.loads((tmp_path / "aid" / "summary.json").read_text())
    free = json.loads((tmp_path / "free" / "summary.json").read_text())
    assert "walking_aid" in aid["flags"] and "walking_aid" not in free["flags"]
    assert aid["gait_speed_mps"] == free["gait_speed_mps"]
