"""``alsmotion home``: native sessions and CSV files end to end, the chunked session reader, and
bad input (exit 2, one line)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.home.sources import read_home_session
from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionMetadata, SessionWriter
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 100.0
START = datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
#: Samples that never arrive (a radio drop of 30 s), as counter values.
LOST = slice(150_000, 153_000)


def _recording() -> tuple[np.ndarray, list[int]]:
    """30 min of lumbar acceleration: standing, a 60-stride and a 30-stride walk, sitting."""
    rng = np.random.default_rng(4)

    def still(minutes: float) -> np.ndarray:
        n = round(minutes * 60 * RATE_HZ)
        return np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + rng.normal(0, 0.15, (n, 3))

    parts, strides = [still(5)], []
    for n_strides, seed in ((60, 1), (30, 2)):
        walk = simulate_walk(
            sampling_rate_hz=RATE_HZ, n_strides=n_strides, sensor_height_m=0.95, seed=seed
        )
        parts += [walk.accel_mps2, still(8)]
        strides.append(n_strides)
    accel = np.vstack(parts)
    accel = np.vstack([accel, still(30 - len(accel) / RATE_HZ / 60)])
    return accel, strides


def _write_session(parent, accel: np.ndarray, *, visit: str = "baseline", start=START, extra=None):
    metadata = SessionMetadata(
        participant_id="P07",
        visit=visit,
        protocol="home-v1",
        operator="OP1",
        start_utc=start,
        host="test",
        extra={"sensor_height_m": 0.95} if extra is None else extra,
    )
    counter = np.arange(len(accel), dtype=np.int64)
    arrived = np.ones(len(accel), dtype=bool)
    arrived[LOST] = False
    with SessionWriter.create(parent, metadata) as writer:
        imu = writer.add_stream(
            "imu",
            kind="imu",
            channels=[("acc_x", "m/s^2"), ("acc_y", "m/s^2"), ("acc_z", "m/s^2")],
            sampling_rate_hz=RATE_HZ,
            device=DeviceInfo(model="test"),
        )
        for first in range(0, len(accel), 40_000):
            part = slice(first, first + 40_000)
            keep = arrived[part]
            imu.append(
                accel[part][keep],
                host_time_ns=int(start.timestamp() * 1e9)
                + counter[part][keep] * 10_000_000
                + 3_000_000,  # arrival latency
                counter=counter[part][keep],
            )
            imu.flush()
    return writer.path


@pytest.fixture(scope="module")
def home_session(tmp_path_factory):
    accel, strides = _recording()
    return _write_session(tmp_path_factory.mktemp("home"), accel), accel, strides


def _run(capsys, *args):
    code = main(["home", *map(str, args), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_session_chunks_place_samples_by_counter_and_leave_lost_ones_nan(home_session):
    path, accel, _ = home_session
    recording = read_home_session(path)
    assert recording.participant_id == "P07" and recording.visit == "baseline"
    assert recording.n_samples == len(accel) and recording.sensor_height_m == 0.95
    assert recording.start_utc == pd.Timestamp(START) + pd.Timedelta(milliseconds=3)
    chunks = list(recording.chunks(chunk_s=600.0))
    assert [first for first, _ in chunks] == [0, 60_000, 120_000]
    read = np.vstack([part for _, part in chunks])
    expected = accel.copy()
    expected[LOST] = np.nan
    np.testing.assert_array_equal(read, expected)
    assert recording.flags == ()


def test_home_session_end_to_end(home_session, tmp_path, capsys):
    path, _, strides = home_session
    code, out, err = _run(capsys, path, "--out", tmp_path, "--min-worn-hours", 0.4)
    assert code == 0, err
    daily = pd.read_csv(tmp_path / "daily.csv")
    assert len(daily) == 1 and bool(daily["valid_day"].iloc[0])
    # 30 min recorded, 30 s of it lost (no data is non-wear)
    assert daily["recorded_h"].iloc[0] == pytest.approx(0.5)
    assert daily["worn_h"].iloc[0] == pytest.approx(29 / 60, abs=1 / 60)
    bouts = pd.read_csv(tmp_path / "bouts.csv")
    assert len(bouts) == 2
    # a simulated stride is two steps; the bout's steps are its initial contacts
    np.testing.assert_allclose(bouts["n_steps"], 2 * np.array(strides), atol=3)
    windows = pd.read_csv(tmp_path / "visit_windows.csv", keep_default_na=False)
    assert set(windows["visit"]) == {"baseline"}
    assert windows["n"].eq(1).all()
    row = windows.set_index("measure").loc["wb_all_sum"]
    assert float(row["value"]) == 2.0 and row["unit"] == "count (walking bouts) per valid day"
    assert "fewer_than_3_valid_days" in row["flags"] and "valid_days:1" in row["flags"]
    png = (tmp_path / "plots" / "P07.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert "1 valid of 1 days, 2 walking bouts, 1 visit window(s)" in out


def test_days_are_local_calendar_days(home_session, tmp_path, capsys):
    path, _, _ = home_session
    # 09:00-09:30 UTC is 23:00-23:30 of the day before at UTC-10 (Etc/GMT+10 in IANA's sign)
    code, _, err = _run(
        capsys, path, "--out", tmp_path, "--min-worn-hours", 0.4, "--timezone", "Etc/GMT+10"
    )
    assert code == 0, err
    daily = pd.read_csv(tmp_path / "daily.csv")
    assert list(daily["measurement_date"]) == ["2026-02-02"]
    assert set(pd.read_csv(tmp_path / "bouts.csv")["measurement_date"]) == {"2026-02-02"}


def test_unknown_time_zone_exits_2(home_session, tmp_path, capsys):
    code, _, err = _run(capsys, home_session[0], "--out", tmp_path, "--timezone", "Mars/Olympus")
    assert code == 2 and "unknown time zone 'Mars/Olympus'" in err and len(err.splitlines()) == 1


def test_two_recordings_of_one_date_give_one_daily_row(home_session, tmp_path, capsys):
    path, accel, _ = home_session
    later = _write_session(tmp_path / "later", accel, start=datetime(2026, 2, 3, 12, 0, tzinfo=UTC))
    code, _, err = _run(capsys, path, later, "--out", tmp_path / "out", "--min-worn-hours", 0.9)
    assert code == 0, err
    daily = pd.read_csv(tmp_path / "out" / "daily.csv")
    assert len(daily) == 1
    day = daily.iloc[0]
    assert day["recorded_h"] == pytest.approx(1.0)
    assert day["worn_h"] == pytest.approx(58 / 60, abs=2 / 60) and bool(day["valid_day"])
    assert day["wb_all_sum"] == 4 and len(day["source"].split(";")) == 2
    # the same recording twice: its minutes count once
    code, _, err = _run(capsys, path, path, "--out", tmp_path / "twice", "--min-worn-hours", 0.4)
    assert code == 0, err
    assert pd.read_csv(tmp_path / "twice" / "daily.csv")["recorded_h"].tolist() == [0.5]


def test_visits_table_sets_the_windows(home_session, tmp_path, capsys):
    path, _, _ = home_session
    visits = tmp_path / "visits.csv"
    pd.DataFrame(
        {
            "participant_id": ["P07", "P07", "P07"],
            "visit": ["baseline", "day30", "day30"],
            "visit_date": ["2026-01-31", "2026-02-02", "2026-03-01"],
            "primary": [True, True, False],  # the non-primary row is left out
        }
    ).to_csv(visits, index=False)
    code, _, err = _run(
        capsys, path, "--out", tmp_path / "out", "--visits", visits, "--min-worn-hours", 0.4
    )
    assert code == 0, err
    windows = pd.read_csv(tmp_path / "out" / "visit_windows.csv")
    # 2026-02-03 is in both the baseline window (Feb 1-7) and day30's (Feb 3-9): the later visit's
    assert set(windows["visit"]) == {"day30"}
    assert set(windows["window_start"]) == {"2026-02-03"}
    assert set(windows["window_end"]) == {"2026-02-09"}


def test_csv_file_needs_participant_and_start(home_session, tmp_path, capsys):
    _, accel, _ = home_session
    csv = tmp_path / "week.csv"
    pd.DataFrame(accel[::2] / STANDARD_GRAVITY_MPS2, columns=["x", "y", "z"]).to_csv(
        csv, index=False, float_format="%.5f"
    )
    common = ["--sampling-rate-hz", 50, "--sensor-height-m", 0.95, "--min-worn-hours", 0.4]
    code, _, err = _run(capsys, csv, "--out", tmp_path / "a", *common)
    assert code == 2 and "--participant" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, csv, "--out", tmp_path / "a", "--participant", "P07", *common)
    assert code == 2 and "--start-utc" in err
    code, _, err = _run(
        capsys,
        csv,
        "--out",
        tmp_path / "a",
        "--participant",
        "P07",
        "--start-utc",
        "2026-02-03T09:00:00Z",
        *common,
    )
    assert code == 0, err
    bouts = pd.read_csv(tmp_path / "a" / "bouts.csv")
    assert len(bouts) == 2 and set(bouts["measurement_date"]) == {"2026-02-03"}


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing", "no such file or session folder"),
        (lambda tmp: tmp, "session.json"),
    ],
)
def test_bad_recordings_exit_2_with_one_line(tmp_path, capsys, make, expected):
    code, _, err = _run(capsys, make(tmp_path), "--out", tmp_path / "out")
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1


def test_bad_visits_table_exits_2(home_session, tmp_path, capsys):
    path, _, _ = home_session
    visits = tmp_path / "visits.csv"
    visits.write_text("participant_id,visit\nP07,baseline\n")
    code, _, err = _run(capsys, path, "--out", tmp_path / "out", "--visits", visits)
    assert code == 2 and "visit_date" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_simulated_day_written_as_a_session_matches_its_truth(tmp_path, capsys):
    """A day of living with a charging gap (no samples arrive), written through the session
    writer and read back by ``alsmotion home``: wear within 5 min, walking time within 10 %."""
    from alsmotion.simulate.home import SimulatedHomeWeek

    week = SimulatedHomeWeek(
        sampling_rate_hz=RATE_HZ, n_days=1, long_off_day=None, charge_days=(0,), seed=3
    )
    metadata = SessionMetadata(
        participant_id="P08",
        visit="baseline",
        protocol="home-v1",
        operator="OP1",
        start_utc=datetime(2026, 1, 6, tzinfo=UTC),
        host="test",
        extra={"sensor_height_m": week.sensor_height_m},
    )
    session = week.write_session(tmp_path / "raw", metadata)
    code, _, err = _run(capsys, session, "--out", tmp_path / "out")
    assert code == 0, err
    day = pd.read_csv(tmp_path / "out" / "daily.csv").iloc[0]
    truth = week.truth_.daily.iloc[0]
    assert day["measurement_date"] == "2026-01-06"
    assert day["worn_h"] == pytest.approx(truth["worn_h"], abs=5 / 60)
    assert day["walking_min"] == pytest.approx(truth["walking_min"], rel=0.10)


def test_a_counter_jump_beyond_any_recording_is_refused(tmp_path, capsys):
    metadata = SessionMetadata(
        participant_id="P09", visit="baseline", protocol="home-v1", operator="OP1", host="t"
    )
    with SessionWriter.create(tmp_path, metadata) as writer:
        imu = writer.add_stream(
            "imu",
            kind="imu",
            channels=[("acc_x", "m/s^2"), ("acc_y", "m/s^2"), ("acc_z", "m/s^2")],
            sampling_rate_hz=RATE_HZ,
            device=DeviceInfo(model="test"),
        )
        counter = np.array([0, 1, 2, 300_000_000], dtype=np.int64)
        imu.append(
            np.zeros((4, 3)),
            host_time_ns=int(metadata.start_utc.timestamp() * 1e9) + np.arange(4) * 10_000_000,
            counter=counter,
        )
    code, _, err = _run(capsys, writer.path, "--out", tmp_path / "out")
    assert code == 2 and "counter" in err and len(err.strip().splitlines()) == 1


def test_a_declared_walking_aid_flags_the_home_recording(tmp_path):
    accel = np.tile([0.0, 0.0, STANDARD_GRAVITY_MPS2], (6000, 1))
    path = _write_session(tmp_path, accel, extra={"sensor_height_m": 0.95, "walking_aid": True})
    assert "walking_aid" in read_home_session(path).flags
