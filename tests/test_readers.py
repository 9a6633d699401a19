from datetime import UTC, datetime

import numpy as np
import pytest

from alsmotion.cli import main
from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers import read_csv_recording, read_geneactiv_csv
from alsmotion.units import STANDARD_GRAVITY_MPS2


def test_geneactiv_demo(shared_data):
    rec = read_geneactiv_csv(shared_data / "gaitpy-demo" / "demo_data.csv")
    assert rec.sampling_rate_hz == 50.0
    # 8400 rows; one 0.52 s jump in the device's timestamps is kept as a NaN gap, not bridged
    assert rec.n_samples == 8400 + 25
    assert np.isnan(rec.accel_mps2[:, 0]).sum() == 25
    assert rec.device.serial == "046164"
    # local 10:25:50 at GMT-04 is 14:25:50 UTC
    assert rec.start_utc == datetime(2019, 8, 6, 14, 25, 50, tzinfo=UTC)
    np.testing.assert_allclose(
        rec.accel_mps2[0], np.array([-0.4264, 0.7279, 0.5089]) * STANDARD_GRAVITY_MPS2
    )
    assert rec.time_s[1] == pytest.approx(0.02)


def test_geneactiv_bad_row_names_line(tmp_path, shared_data):
    lines = (shared_data / "gaitpy-demo" / "demo_data.csv").read_bytes().splitlines()
    lines[150] = b"2019-08-06 10:25:51:000,0.1,oops,0.3,0,0,31.6"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\r\n".join(lines[:300]))
    with pytest.raises(InvalidRecordingError) as err:
        read_geneactiv_csv(bad)
    assert err.value.line == 151
    assert "bad.csv, line 151" in str(err.value)


def test_mobilised_csv_needs_rate(shared_data):
    path = shared_data / "mobilised-lab-HA001" / "Test5_Trial1.csv"
    with pytest.raises(InvalidInputError, match="sampling-rate-hz"):
        read_csv_recording(path, accel_columns=("acc_x", "acc_y", "acc_z"), accel_unit="g")
    rec = read_csv_recording(
        path,
        accel_columns=("acc_x", "acc_y", "acc_z"),
        accel_unit="g",
        gyro_columns=("gyr_x", "gyr_y", "gyr_z"),
        gyro_unit="dps",
        sampling_rate_hz=100,
    )
    assert rec.accel_mps2.shape[1] == 3
    assert np.median(rec.accel_mps2[:, 0]) == pytest.approx(STANDARD_GRAVITY_MPS2, rel=0.05)
    assert np.abs(rec.gyro_rads).max() < 20  # rad/s, not deg/s


def test_csv_time_column_with_jitter_and_gap(tmp_path):
    t = np.arange(200) / 100.0
    t[50] += 0.003  # jitter
    t = np.delete(t, np.arange(100, 110))  # 100 ms gap
    csv = tmp_path / "imu.csv"
    rows = ["time,x,y,z"] + [f"{v:.4f},0,1,0" for v in t]
    csv.write_text("\n".join(rows))
    rec = read_csv_recording(csv, accel_columns=("x", "y", "z"), accel_unit="g", time_column="time")
    assert rec.sampling_rate_hz == pytest.approx(100.0)
    assert rec.n_samples == 200
    missing = np.isnan(rec.accel_mps2[:, 0])
    assert np.flatnonzero(missing).tolist() == list(range(100, 110))
    with pytest.raises(InvalidInputError, match="positive"):  # not silently the measured rate
        read_csv_recording(
            csv,
            accel_columns=("x", "y", "z"),
            accel_unit="g",
            time_column="time",
            sampling_rate_hz=0,
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n", "no column named 'x'"),
        ("x,y,z\n1,2,3\n4,five,6\n", "line 3"),
        ("", "empty"),
    ],
)
def test_csv_errors(tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_text(content)
    with pytest.raises(InvalidRecordingError, match=message):
        read_csv_recording(path, accel_columns=("x", "y", "z"), accel_unit="g", sampling_rate_hz=50)


def test_cli_info_bad_file_exits_2(tmp_path, capsys):
    path = tmp_path / "f.csv"
    path.write_text("x,y,z\n1,2,3\n4,five,6\n")
    assert main(["info", str(path), "--sampling-rate-hz", "50"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 3" in err[0]


def test_cli_info_geneactiv(shared_data, capsys):
    assert main(["info", str(shared_data / "gaitpy-demo" / "demo_data.csv")]) == 0
    assert "50 Hz" in capsys.readouterr().out
