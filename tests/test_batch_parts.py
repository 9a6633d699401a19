"""The batch parts that need no processing: discovery, fingerprints, cache, reports, executors."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from alsmotion.batch.cache import CacheKey, ResultCache
from alsmotion.batch.executors import open_executor
from alsmotion.batch.fingerprint import source_sha256
from alsmotion.batch.report import SessionFailure, write_errors_csv
from alsmotion.batch.sources import SessionSource, discover_sessions
from alsmotion.batch.tasks import TaskOutcome
from alsmotion.errors import InvalidInputError
from alsmotion.session.layout import METADATA_FILE


def _native(folder: Path, participant: str | None, visit: str | None) -> Path:
    folder.mkdir(parents=True)
    document = {
        "format": "alsmotion-session",
        "metadata": {"participant_id": participant, "visit": visit},
    }
    (folder / METADATA_FILE).write_text(json.dumps(document))
    (folder / "streams").mkdir()
    (folder / "streams" / "imu.arrows").write_bytes(b"raw bytes")
    return folder


@pytest.fixture()
def raw_tree(tmp_path: Path, shared_data: Path) -> Path:
    root = tmp_path / "raw"
    geneactiv = shared_data / "gaitpy-demo" / "demo_data.csv"
    _native(root / "site1" / "P001_baseline_20260105T093000Z", "P001", "baseline")
    broken = root / "site1" / "P002_day30_20260204T093000Z"
    broken.mkdir(parents=True)
    (broken / METADATA_FILE).write_text("{not json")
    by_path = root / "sub-P003" / "ses-day90"
    by_path.mkdir(parents=True)
    (by_path / "lumbar.csv").symlink_to(geneactiv)
    with_sidecar = root / "loose"
    with_sidecar.mkdir()
    (with_sidecar / "walk.csv").symlink_to(geneactiv)
    (with_sidecar / "walk.json").write_text('{"participant_id": "P004", "visit": "day180"}')
    (with_sidecar / "notes.csv").write_text("a,b\n1,2\n")
    hidden = root / ".cache" / "P005" / "baseline"
    hidden.mkdir(parents=True)
    (hidden / "lumbar.csv").symlink_to(geneactiv)
    _native(root / "site1" / "P001_baseline_20260105T093000Z" / "nested", "P009", "baseline")
    return root


def test_discovery_finds_native_and_foreign_sessions_with_their_labels(raw_tree: Path):
    found = {
        source.path.relative_to(raw_tree).as_posix(): source
        for source in discover_sessions(raw_tree)
    }
    assert sorted(found) == [
        "loose/walk.csv",
        "site1/P001_baseline_20260105T093000Z",
        "site1/P002_day30_20260204T093000Z",
        "sub-P003/ses-day90/lumbar.csv",
    ]
    native = found["site1/P001_baseline_20260105T093000Z"]
    assert (native.kind, native.participant_id, native.visit) == ("native", "P001", "baseline")
    unreadable = found["site1/P002_day30_20260204T093000Z"]
    assert (unreadable.participant_id, unreadable.visit) == ("P002", "day30")
    by_path = found["sub-P003/ses-day90/lumbar.csv"]
    assert (by_path.kind, by_path.participant_id, by_path.visit) == (
        "geneactiv-csv",
        "P003",
        "day90",
    )
    sidecar = found["loose/walk.csv"]
    assert (sidecar.participant_id, sidecar.visit) == ("P004", "day180")
    assert sidecar.sidecar == raw_tree / "loose" / "walk.json"


def test_discovery_refuses_a_missing_root(tmp_path: Path):
    with pytest.raises(InvalidInputError, match="not a directory"):
        discover_sessions(tmp_path / "absent")


def test_fingerprint_changes_with_any_file_of_the_session(tmp_path: Path):
    folder = _native(tmp_path / "s", "P001", "baseline")
    source = SessionSource("native", folder, "P001", "baseline")
    before = source_sha256(source)
    assert source_sha256(source) == before
    (folder / "audit.jsonl").write_text('{"why": "trial 2 rejected"}\n')
    after_addition = source_sha256(source)
    (folder / "streams" / "imu.arrows").write_bytes(b"raw bytez")
    after_edit = source_sha256(source)
    assert len({before, after_addition, after_edit}) == 3


def test_cache_round_trip_misses_on_any_key_change_and_on_torn_entries(tmp_path: Path):
    cache = ResultCache(tmp_path / ".cache")
    key = CacheKey("a" * 64, "settings-1", "1", "0.1.0")
    assert cache.get(key) is None
    cache.put(key, {"gait_speed_mps": 1.2})
    assert cache.get(key) == {"gait_speed_mps": 1.2}
    for changed in (
        CacheKey("b" * 64, "settings-1", "1", "0.1.0"),
        CacheKey("a" * 64, "settings-2", "1", "0.1.0"),
        CacheKey("a" * 64, "settings-1", "2", "0.1.0"),
        CacheKey("a" * 64, "settings-1", "1", "0.2.0"),
    ):
        assert cache.get(changed) is None
    entries = list((tmp_path / ".cache").rglob("*.pkl"))
    assert len(entries) == 1 and not list((tmp_path / ".cache").rglob("*.tmp"))
    entries[0].write_bytes(entries[0].read_bytes()[:10])
    assert cache.get(key) is None


def test_errors_csv_lists_failures_sorted_by_file(tmp_path: Path):
    failures = [
        SessionFailure("P002", "day30", "b/session", "events.jsonl: line 3 is not JSON"),
        SessionFailure("", "", "a/walk.csv", "participant and visit unknown"),
    ]
    path = write_errors_csv(tmp_path, failures)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["file"] for row in rows] == ["a/walk.csv", "b/session"]
    assert rows[1] == {
        "participant": "P002",
        "visit": "day30",
        "file": "b/session",
        "reason": "events.jsonl: line 3 is not JSON",
    }


def test_local_processes_run_batch_functions_like_the_parent(raw_tree: Path):
    sources = discover_sessions(raw_tree)
    with open_executor(workers=2) as handle:
        assert (handle.kind, handle.n_workers) == ("processes", 2)
        digests = [handle.executor.submit(source_sha256, source) for source in sources]
        assert [future.result() for future in digests] == [source_sha256(s) for s in sources]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workers": 0}, "at least 1"),
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "exclude each other"),
        ({"scheduler": "127.0.0.1:8786"}, "no protocol"),
    ],
)
def test_executor_options_are_checked(options: dict, message: str):
    with pytest.raises(InvalidInputError, match=message):
        open_executor(**options)


@pytest.mark.slow
def test_dask_cluster_runs_batch_functions_like_the_parent(raw_tree: Path, dask_scheduler: str):
    sources = discover_sessions(raw_tree)
    with open_executor(scheduler=dask_scheduler) as handle:
        assert (handle.kind, handle.address) == ("dask", dask_scheduler)
        digests = [handle.executor.submit(source_sha256, source) for source in sources]
        assert [future.result() for future in digests] == [source_sha256(s) for s in sources]


#: How long a rendezvous task waits for its partner before reporting that it ran alone (s).
_MEET_TIMEOUT_S = 60.0


def _meet_partner(source: SessionSource, settings: object, home: object) -> TaskOutcome:
    """A stand-in for ``run_task``: say this task started (a file named after ``source``), then
    wait for the other task of its folder to say so. Reports its process and whether it met."""
    folder = source.path.parent
    (folder / f"{source.path.name}.started").touch()
    deadline = time.monotonic() + _MEET_TIMEOUT_S
    met = False
    while not met and time.monotonic() < deadline:
        met = len(list(folder.glob("*.started"))) == 2
        time.sleep(0.01)
    return TaskOutcome(source, None, f"{os.getpid()} {'met' if met else 'alone'}")


@pytest.mark.slow
def test_a_dask_cluster_runs_two_sessions_at_once_on_two_workers(
    tmp_path: Path, dask_scheduler: str, monkeypatch: pytest.MonkeyPatch
):
    """Two tasks that each wait for the other finish only if they run at the same time: a run
    whose tasks go one after another (one worker, or the next submitted only when one is done)
    reports "alone" after the timeout, however busy the machine is."""
    import alsmotion.batch.runner as runner
    from alsmotion.processing import ProcessingSettings

    monkeypatch.setattr(runner, "run_task", _meet_partner)
    pending = [SessionSource("native", tmp_path / name, "P", "baseline") for name in "ab"]
    processor = runner.BatchProcessor(ProcessingSettings(), scheduler=dask_scheduler)
    with open_executor(scheduler=dask_scheduler) as handle:
        reasons = [outcome.reason.split() for outcome in processor._dispatch(handle, pending)]
    assert [met for _, met in reasons] == ["met", "met"]
    assert len({pid for pid, _ in reasons}) == 2, "both tasks ran in one worker process"


_PAGE_FAULTS_SCRIPT = textwrap.dedent(
    """
    import resource, numpy as np
    from alsmotion.batch.allocator import task_allocation

    def faults_of_allocations():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(200):
            np.ones(1 << 17)  # 1 MiB, allocated, written and freed
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    outside = faults_of_allocations()
    with task_allocation():
        inside = faults_of_allocations()
    print(outside, inside, faults_of_allocations())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc settings")
def test_a_task_reuses_freed_memory_where_a_dask_nanny_fixed_the_trim_threshold():
    """With ``MALLOC_TRIM_THRESHOLD_`` set, as a Dask nanny sets it, glibc maps every 1 MiB
    array afresh (256 page faults each); inside a task the freed memory is reused, and after it
    the environment's setting is back. Page faults do not depend on machine load, but about one
    process in three starts with its large allocations already reused (no fault in any of the
    three phases: nothing to show), so up to five processes are tried for one that shows the
    slow case; with the task's setting switched off none passes."""
    environment = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    environment.pop("MALLOC_MMAP_THRESHOLD_", None)
    pages_per_array = (1 << 20) // os.sysconf("SC_PAGE_SIZE")
    seen = []
    for _ in range(5):
        printed = subprocess.run(
            [sys.executable, "-c", _PAGE_FAULTS_SCRIPT],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        outside, inside, after = (int(word) for word in printed.split())
        seen.append((outside, inside, after))
        if outside > 100 * pages_per_array:  # the slow case this guards against
            break
    assert outside > 100 * pages_per_array, seen
    assert inside < 10 * pages_per_array, seen
    assert after > 100 * pages_per_array, seen


def test_an_unreachable_scheduler_is_reported(tmp_path: Path):
    from alsmotion.batch.executors import SchedulerUnreachableError

    with (
        pytest.raises(SchedulerUnreachableError, match="cannot reach"),
        open_executor(scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0),
    ):
        pass


def test_a_foreign_recording_without_participant_and_visit_fails_with_what_to_do(
    tmp_path: Path, shared_data: Path
):
    from alsmotion.batch.home import HomeSettings
    from alsmotion.batch.tasks import run_task
    from alsmotion.processing import ProcessingSettings

    (tmp_path / "lumbar.csv").symlink_to(shared_data / "gaitpy-demo" / "demo_data.csv")
    (source,) = discover_sessions(tmp_path)
    outcome = run_task(source, ProcessingSettings(), HomeSettings())
    assert outcome.result is None
    assert "participant and visit unknown" in outcome.reason
    assert "lumbar.json" in outcome.reason
