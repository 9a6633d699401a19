"""``alsmotion process`` end to end on a simulated trial through the real processing and exports:
corrupt sessions, GENEActiv recordings, local processes and a real Dask cluster, Ctrl-C and resume,
the cache, and exit codes."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from alsmotion._version import __version__
from alsmotion.batch import BatchProcessor, discover_sessions
from alsmotion.batch.cache import CACHE_DIR_NAME
from alsmotion.batch.report import ERRORS_FILE, RUN_FILE
from alsmotion.cli import main
from alsmotion.processing import ALGORITHM_VERSION, ProcessingSettings


def _garbage_stream(session: Path) -> None:
    (session / "streams" / "imu.arrows").write_bytes(os.urandom(4096))


def _metadata_not_json(session: Path) -> None:
    (session / "session.json").write_text('{"format": "alsmotion-session", "metadata": ')


def _event_line_damaged(session: Path) -> None:
    lines = (session / "events.jsonl").read_text().splitlines()
    lines[3] = lines[3][:20]
    (session / "events.jsonl").write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, simulated_trial):
    """The 12 sessions of the shared simulated trial (three made corrupt, one per participant)
    and two GENEActiv recordings (one with a broken row). Returns the root, and per corrupt file
    its participant, visit and a phrase its reason must hold."""
    root = tmp_path_factory.mktemp("trial") / "raw"
    sessions = []
    for path in simulated_trial.session_paths:
        sessions.append(root / "site1" / path.name)
        shutil.copytree(path, sessions[-1])
    corrupt = {}
    damages = (
        (_garbage_stream, "not an Arrow IPC stream"),
        (_metadata_not_json, "session.json is not valid JSON"),
        (_event_line_damaged, "events.jsonl, line 4: not valid JSON"),
    )
    for session, (damage, phrase) in zip(sessions[1::5], damages, strict=True):
        for item in (session, *session.rglob("*")):
            item.chmod(0o755 if item.is_dir() else 0o644)
        participant, visit, _ = session.name.split("_")
        damage(session)
        corrupt[session.relative_to(root).as_posix()] = (participant, visit, phrase)
    assert len({participant for participant, _, _ in corrupt.values()}) == 3
    demo = shared_data / "gaitpy-demo" / "demo_data.csv"
    (root / "geneactiv" / "ALS-900" / "baseline").mkdir(parents=True)
    (root / "geneactiv" / "ALS-900" / "baseline" / "lumbar.csv").symlink_to(demo)
    broken = root / "geneactiv" / "lumbar-901.csv"
    lines = demo.read_text(encoding="latin-1").splitlines()[:150]
    broken.write_text("\n".join([*lines, "2019-08-06 14:25:53:000,not a number"]) + "\n")
    (root / "geneactiv" / "lumbar-901.json").write_text(
        '{"participant_id": "ALS-901", "visit": "baseline", "height_m": 1.77}'
    )
    corrupt["geneactiv/lumbar-901.csv"] = ("ALS-901", "baseline", "line 151")
    return root, corrupt


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output file but the cache and run.json, by relative path."""
    return {
        file.relative_to(out).as_posix(): file.read_bytes()
        for file in sorted(out.rglob("*"))
        if file.is_file() and CACHE_DIR_NAME not in file.parts and file.name != RUN_FILE
    }


def _cache_entries(out: Path) -> list[Path]:
    return sorted((out / CACHE_DIR_NAME).rglob("*.pkl"))


@pytest.fixture(scope="module")
def serial_run(trial, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = trial
    out = tmp_path_factory.mktemp("serial") / "out"
    assert main(["process", str(root), "--out", str(out), "--workers", "1", "--no-reports"]) == 1
    return out


def test_corrupt_sessions_go_to_errors_csv_and_the_rest_is_exported(trial, serial_run):
    root, corrupt = trial
    with (serial_run / ERRORS_FILE).open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["file"]: (row["participant"], row["visit"]) for row in rows} == {
        file: (participant, visit) for file, (participant, visit, _) in corrupt.items()
    }
    for row in rows:
        assert corrupt[row["file"]][2] in row["reason"]
    run = json.loads((serial_run / RUN_FILE).read_text())
    n_sessions = len(discover_sessions(root))
    assert n_sessions == 12 + 2
    assert (run["n_sessions"], run["n_failed"], run["n_computed"], run["n_cached"]) == (
        n_sessions,
        len(corrupt),
        n_sessions - len(corrupt),
        0,
    )
    assert run["settings"] == ProcessingSettings().to_dict()
    assert (run["software_version"], run["algorithm_version"]) == (__version__, ALGORITHM_VERSION)
    with (serial_run / "visit_measures.csv").open(newline="") as handle:
        measures = list(csv.DictReader(handle))
    exported = {(row["participant_id"], row["visit"]) for row in measures}
    assert len(exported) == n_sessions - len(corrupt)
    assert ("ALS-900", "baseline") in exported
    assert not exported & {(participant, visit) for participant, visit, _ in corrupt.values()}
    assert not (serial_run / "reports").exists()  # --no-reports


@pytest.mark.slow
def test_two_workers_and_a_dask_cluster_give_byte_identical_exports(
    trial, serial_run, tmp_path: Path, dask_scheduler: str
):
    root, _ = trial
    expected = _outputs(serial_run)
    two = tmp_path / "two"
    assert main(["process", str(root), "--out", str(two), "--workers", "2", "--no-reports"]) == 1
    assert _outputs(two) == expected
    dask = tmp_path / "dask"
    command = ["process", str(root), "--out", str(dask), "--scheduler", dask_scheduler]
    assert main([*command, "--no-reports"]) == 1
    assert _outputs(dask) == expected
    assert json.loads((dask / RUN_FILE).read_text())["executor"]["kind"] == "dask"


def test_the_cache_skips_unchanged_sessions_until_settings_change_or_force(
    trial, serial_run, tmp_path: Path, capsys
):
    root, corrupt = trial
    out = tmp_path / "out"
    shutil.copytree(serial_run, out)
    n_ok = len(discover_sessions(root)) - len(corrupt)
    rerun = BatchProcessor(ProcessingSettings(), workers=2, reports=False, progress=False)
    assert (rerun.run(root, out).summary_.n_cached, rerun.summary_.n_computed) == (n_ok, 0)
    assert _outputs(out) == _outputs(serial_run)

    changed = ProcessingSettings(strength_summary="mean")
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(changed.to_json())
    command = ["process", str(root), "--out", str(out), "--settings", str(settings_file)]
    assert main([*command, "--workers", "2", "--no-reports"]) == 1
    assert f"writing the exports into {out}" in capsys.readouterr().err  # after the bar
    run = json.loads((out / RUN_FILE).read_text())
    assert (run["n_cached"], run["n_computed"]) == (0, n_ok)
    assert run["settings_hash"] == changed.settings_hash != ProcessingSettings().settings_hash
    assert run["settings"]["strength_summary"] == "mean"
    assert len(_cache_entries(out)) == 2 * n_ok
    assert main([*command, "--workers", "2", "--no-reports", "--force"]) == 1
    run = json.loads((out / RUN_FILE).read_text())
    assert (run["n_cached"], run["n_computed"], run["force"]) == (0, n_ok, True)


def _start_run(root: Path, out: Path) -> subprocess.Popen:
    # A terminal's Ctrl-C reaches a process whose SIGINT has the default action; a suite started
    # in the background by a non-interactive shell inherits SIGINT ignored, which would make the
    # run deaf to it, so the child starts with Python's own handler.
    cli = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from alsmotion.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    command = ["process", str(root), "--out", str(out), "--workers", "1", "--no-reports"]
    return subprocess.Popen(
        [sys.executable, "-c", cli, *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _stop_after_cache_entries(process: subprocess.Popen, out: Path, n_entries: int) -> int:
    """Freeze the run (SIGSTOP to its process group) as soon as it has cached ``n_entries``
    sessions, and return how many it had cached by then. Freezing makes what follows independent
    of how fast the machine runs the remaining sessions."""
    deadline = time.monotonic() + 240  # generous: a loaded machine may take minutes
    while len(_cache_entries(out)) < n_entries and process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f"hung: `{' '.join(map(str, process.args[3:]))}` cached "
                f"{len(_cache_entries(out))} of {n_entries} sessions in 240 s; stderr: "
                f"{process.communicate()[1].decode()[-2000:]}"
            )
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGSTOP)
    assert process.poll() is None, "the run ended before it could be interrupted"
    return len(_cache_entries(out))


@pytest.mark.slow
def test_ctrl_c_and_sigkill_leave_no_torn_output_and_a_rerun_resumes(
    trial, serial_run, tmp_path: Path
):
    root, corrupt = trial
    out = tmp_path / "out"
    n_ok = len(discover_sessions(root)) - len(corrupt)

    process = _start_run(root, out)
    assert _stop_after_cache_entries(process, out, 3) < n_ok
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does, delivered on SIGCONT
    os.killpg(process.pid, signal.SIGCONT)
    _, stderr = process.communicate(timeout=240)
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted" in stderr
    assert b"sessions:" in stderr and b"failed=" in stderr  # the progress bar
    assert [file.name for file in out.iterdir()] == [CACHE_DIR_NAME]  # no export, no run.json
    after_interrupt = len(_cache_entries(out))
    assert 3 <= after_interrupt < n_ok

    process = _start_run(root, out)
    assert _stop_after_cache_entries(process, out, after_interrupt + 3) < n_ok
    workers = psutil.Process(process.pid).children(recursive=True)
    process.kill()  # SIGKILL to the run only: its workers must notice and exit
    process.wait(timeout=60)  # reap it, as a shell would
    for worker in workers:
        worker.send_signal(signal.SIGCONT)
    _, alive = psutil.wait_procs(workers, timeout=60)
    assert not alive, f"workers still running 60 s after the run was killed: {alive}"
    process.communicate(timeout=10)
    assert [file.name for file in out.iterdir()] == [CACHE_DIR_NAME]
    assert not list(out.rglob("*.tmp"))
    finished = len(_cache_entries(out))
    assert after_interrupt + 3 <= finished < n_ok

    resumed = BatchProcessor(ProcessingSettings(), workers=2, reports=False, progress=False)
    summary = resumed.run(root, out).summary_
    assert (summary.n_cached, summary.n_computed) == (finished, n_ok - finished)
    assert _outputs(out) == _outputs(serial_run)


@pytest.mark.parametrize(
    "arguments",
    [
        ["--workers", "0"],
        ["--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"],
        ["--settings", "absent.json"],
    ],
)
def test_bad_arguments_exit_with_2(trial, tmp_path: Path, arguments: list[str]):
    root, _ = trial
    try:
        code = main(["process", str(root), "--out", str(tmp_path / "out"), *arguments])
    except SystemExit as exit_:  # refused by argparse itself
        code = exit_.code
    assert code == 2
    assert not (tmp_path / "out").exists()


def test_a_folder_without_sessions_exits_with_2(tmp_path: Path):
    (tmp_path / "raw").mkdir()
    assert main(["process", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == 2
