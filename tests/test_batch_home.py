"""Home recordings through ``alsmotion process``: per-recording tasks on the batch executors,
the same days and ``home_gait`` rows as ``alsmotion home`` + the exports, the cache, a damaged
recording as one errors.csv row, and a real Dask cluster."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alsmotion.batch import BatchProcessor, discover_sessions
from alsmotion.batch.cache import CACHE_DIR_NAME
from alsmotion.batch.home import HomeSettings
from alsmotion.batch.report import ERRORS_FILE, RUN_FILE
from alsmotion.cli import main
from alsmotion.export import write_exports
from alsmotion.home.sources import read_home_session
from alsmotion.home.study import analyze_recordings
from alsmotion.processing import ProcessingSettings
from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionMetadata, SessionWriter
from alsmotion.session.reader import read_session_metadata
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 50.0
#: Worn hours that make these few-minute days valid.
MIN_WORN_H = "0.03"


def _home_accel(seed: int, n_strides: int) -> np.ndarray:
    """About 4 min at 50 Hz: standing, one walk, standing."""
    rng = np.random.default_rng(seed)

    def still(minutes: float) -> np.ndarray:
        n = round(minutes * 60 * RATE_HZ)
        return np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + rng.normal(0, 0.15, (n, 3))

    walk = simulate_walk(
        sampling_rate_hz=RATE_HZ, n_strides=n_strides, sensor_height_m=0.95, seed=seed
    )
    return np.vstack([still(1.0), walk.accel_mps2, still(2.0)])


def _write_home_session(parent: Path, participant: str, start: datetime, seed: int) -> Path:
    metadata = SessionMetadata(
        participant_id=participant,
        visit="baseline",
        protocol="home-v1",
        operator="OP1",
        start_utc=start,
        host="test",
        extra={"sensor_height_m": 0.95},
    )
    accel = _home_accel(seed, n_strides=30 + 10 * seed)
    counter = np.arange(len(accel), dtype=np.int64)
    with SessionWriter.create(parent, metadata) as writer:
        imu = writer.add_stream(
            "imu",
            kind="imu",
            channels=[("acc_x", "m/s^2"), ("acc_y", "m/s^2"), ("acc_z", "m/s^2")],
            sampling_rate_hz=RATE_HZ,
            device=DeviceInfo(model="test"),
        )
        imu.append(
            accel,
            host_time_ns=int(start.timestamp() * 1e9) + counter * 20_000_000,
            counter=counter,
        )
    return writer.path


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory, simulated_trial):
    """Two participants' baseline sessions and their home recordings after it: three of the
    first (two on one date), one of the second, and a damaged one of the second. Returns the
    root, the good home sessions in path order and the damaged one."""
    root = tmp_path_factory.mktemp("home-batch") / "raw"
    baselines = sorted(p for p in simulated_trial.session_paths if "_baseline_" in p.name)[:2]
    home: list[Path] = []
    for index, session in enumerate(baselines):
        shutil.copytree(session, root / "clinic" / session.name)
        metadata = read_session_metadata(session)
        day = datetime.combine(metadata.start_utc.date(), datetime.min.time(), UTC)
        starts = ((1, 9), (1, 15), (2, 9)) if index == 0 else ((1, 10),)
        for n, (days, hour) in enumerate(starts):
            start = day + timedelta(days=days, hours=hour)
            home.append(_write_home_session(root / "home", metadata.participant_id, start, n + 1))
    damaged = _write_home_session(
        root / "home", metadata.participant_id, day + timedelta(days=3, hours=9), 1
    )
    (damaged / "streams" / "imu.arrows").chmod(0o644)
    (damaged / "streams" / "imu.arrows").write_bytes(b"\0" * 4096)
    return root, sorted(home), damaged


def _run(root: Path, out: Path, *extra: str) -> int:
    command = ["process", str(root), "--out", str(out), "--no-reports"]
    return main([*command, "--min-worn-hours", MIN_WORN_H, *extra])


def _outputs(out: Path) -> dict[str, bytes]:
    return {
        file.relative_to(out).as_posix(): file.read_bytes()
        for file in sorted(out.rglob("*"))
        if file.is_file() and CACHE_DIR_NAME not in file.parts and file.name != RUN_FILE
    }


@pytest.fixture(scope="module")
def local_run(study, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _, _ = study
    out = tmp_path_factory.mktemp("local") / "out"
    assert _run(root, out, "--workers", "2") == 1  # the damaged home recording failed
    return out


def test_home_sessions_are_found_as_home_recordings(study):
    root, home, damaged = study
    kinds = {source.path: source.kind for source in discover_sessions(root)}
    assert {path for path, kind in kinds.items() if kind == "home"} == {*home, damaged}
    assert sum(kind == "native" for kind in kinds.values()) == 2


def test_process_gives_the_days_and_home_rows_of_alsmotion_home(study, local_run, tmp_path):
    root, home, _ = study
    # the days: alsmotion home on the same recordings (it adds the window columns)
    assert (
        main(
            [
                "home",
                *map(str, home),
                "--out",
                str(tmp_path / "home"),
                "--no-progress",
                "--min-worn-hours",
                MIN_WORN_H,
            ]
        )
        == 0
    )
    by_home = pd.read_csv(tmp_path / "home" / "daily.csv", keep_default_na=False, dtype=str)
    by_process = pd.read_csv(local_run / "home" / "daily.csv", keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(by_process, by_home[list(by_process.columns)])
    assert len(by_process) == 3 and by_process["valid_day"].eq("True").all()
    assert "2" in set(by_process["wb_all_sum"])  # two recordings of one date, merged
    assert (tmp_path / "home" / "bouts.csv").read_bytes() == (
        local_run / "home" / "bouts.csv"
    ).read_bytes()

    # the home_gait rows: the exports given alsmotion home's tables
    sessions = [source.path for source in discover_sessions(root) if source.kind == "native"]
    from alsmotion.processing import process_session

    expected = tmp_path / "exports"
    tables = analyze_recordings(
        [read_home_session(path) for path in home], min_worn_hours=float(MIN_WORN_H)
    )
    write_exports(
        [process_session(path) for path in sessions], expected, reports=False, home=tables
    )
    rows = {}
    for out in (expected, local_run):
        measures = pd.read_csv(out / "visit_measures.csv", keep_default_na=False, dtype=str)
        rows[out] = measures[measures["domain"] == "home_gait"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows[local_run], rows[expected])
    clinic = pd.read_csv(local_run / "visit_measures.csv", keep_default_na=False, dtype=str)
    # no home session taken for a clinic one (a continuous recording, before)
    assert not clinic["flags"].str.contains("continuous_recording").any()
    baseline = rows[local_run][rows[local_run]["visit"] == "baseline"]
    assert set(baseline["n"]) == {"1", "2"}  # valid days in each participant's window
    walking = baseline[baseline["measure"] == "HOME_walking_min_per_day"]
    assert (walking["value"].astype(float) > 0.3).all()


def test_a_damaged_home_recording_is_one_errors_row(study, local_run):
    root, _, damaged = study
    with (local_run / ERRORS_FILE).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    assert rows[0]["file"] == damaged.relative_to(root).as_posix()
    participant = read_session_metadata(damaged).participant_id
    assert (rows[0]["participant"], rows[0]["visit"]) == (participant, "baseline")
    assert "arrow" in rows[0]["reason"].lower() or "stream" in rows[0]["reason"].lower()


def test_a_rerun_is_served_from_the_cache_until_the_home_settings_change(
    study, local_run, tmp_path
):
    root, home, _ = study
    out = tmp_path / "out"
    shutil.copytree(local_run, out)
    rerun = BatchProcessor(
        ProcessingSettings(),
        workers=1,
        reports=False,
        progress=False,
        home=HomeSettings(min_worn_hours=float(MIN_WORN_H)),
    ).run(root, out)
    n_ok = 2 + len(home)
    assert (rerun.summary_.n_cached, rerun.summary_.n_computed, rerun.summary_.n_home) == (
        n_ok,
        0,
        len(home) + 1,
    )
    assert _outputs(out) == _outputs(local_run)
    changed = BatchProcessor(
        ProcessingSettings(),
        workers=1,
        reports=False,
        progress=False,
        home=HomeSettings(min_worn_hours=12.0),
    ).run(root, out)
    # only the home recordings depend on the home settings
    assert (changed.summary_.n_cached, changed.summary_.n_computed) == (2, len(home))
    assert not pd.read_csv(out / "home" / "daily.csv")["valid_day"].any()


@pytest.mark.slow
def test_a_dask_cluster_gives_byte_identical_exports(study, local_run, tmp_path, dask_scheduler):
    root, _, _ = study
    out = tmp_path / "dask"
    assert _run(root, out, "--scheduler", dask_scheduler) == 1
    assert _outputs(out) == _outputs(local_run)


def test_home_device_files_are_labelled_by_folders_or_sidecar(tmp_path, capsys):
    from alsmotion.simulate.cwa import write_cwa

    start = pd.Timestamp("2026-02-03T09:00:00")
    devices = tmp_path / "devices"

    def cwa(path: Path, seed: int) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        accel = _home_accel(seed, n_strides=40)
        return write_cwa(path, [(0, accel)], sampling_rate_hz=RATE_HZ, start_utc=start)

    by_folders = cwa(devices / "P21" / "day30" / "AX3.cwa", 1)
    cwa(devices / "second.cwa", 2).with_suffix(".json").write_text(
        '{"participant_id": "P22", "visit": "day90", "sensor_height_m": 0.95}'
    )
    unlabelled = cwa(devices / "other" / "third.cwa", 3)
    (tmp_path / "raw").mkdir()
    run = BatchProcessor(
        ProcessingSettings(),
        workers=1,
        reports=False,
        progress=False,
        home=HomeSettings(min_worn_hours=float(MIN_WORN_H), timezone="Europe/Amsterdam"),
        home_paths=[devices],
    ).run(tmp_path / "raw", tmp_path / "out")
    assert (run.summary_.n_home, run.summary_.n_failed) == (3, 1)
    assert run.summary_.failures[0].file == unlabelled.as_posix()
    assert "participant unknown" in run.summary_.failures[0].reason
    daily = pd.read_csv(tmp_path / "out" / "home" / "daily.csv", keep_default_na=False)
    assert list(zip(daily["participant_id"], daily["recorded_visit"], strict=True)) == [
        ("P21", "day30"),
        ("P22", "day90"),
    ]
    # the same day as alsmotion home gives for the file (which has no visit label)
    command = ["home", str(by_folders), "--participant", "P21", "--timezone", "Europe/Amsterdam"]
    out = tmp_path / "home"
    assert main([*command, "--min-worn-hours", MIN_WORN_H, "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    expected = pd.read_csv(out / "daily.csv", keep_default_na=False)
    columns = [name for name in daily.columns if name != "recorded_visit"]
    pd.testing.assert_frame_equal(daily[columns].iloc[:1], expected[columns])


@pytest.mark.parametrize(
    ("option", "phrase"),
    [
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
        (["--home", "no-such-folder"], "no such file or folder"),
        (["--min-worn-hours", "25"], "(0, 24]"),
    ],
)
def test_bad_home_options_exit_with_2(tmp_path, capsys, option, phrase):
    (tmp_path / "raw").mkdir()
    try:
        code = main(["process", str(tmp_path / "raw"), "--out", str(tmp_path / "out"), *option])
    except SystemExit as exit_:  # refused by argparse itself
        code = exit_.code
    assert code == 2 and phrase in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
