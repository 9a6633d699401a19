"""The GUI's worker: jobs on another thread, results and errors back on the GUI thread, in order."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")

from alsmotion.gui.worker import Worker


def test_results_and_errors_come_back_on_the_gui_thread_in_submission_order(qtbot):
    worker = Worker(max_threads=2)
    gui_thread = threading.get_ident()
    job_threads: list[int] = []
    delivered: list[tuple[str, object, bool]] = []

    def slow() -> str:
        job_threads.append(threading.get_ident())
        time.sleep(0.2)
        return "slow"

    def fails() -> None:
        raise ValueError("bad trial")

    def record(kind: str):
        return lambda value: delivered.append((kind, value, threading.get_ident() == gui_thread))

    worker.submit(slow, record("done"), record("error"))
    worker.submit(fails, record("done"), record("error"))
    worker.submit(lambda: 3, record("done"), record("error"))
    assert worker.busy
    qtbot.waitUntil(lambda: len(delivered) == 3, timeout=5_000)
    assert job_threads and job_threads[0] != gui_thread
    assert [(kind, str(value)) for kind, value, _ in delivered] == [
        ("done", "slow"),
        ("error", "bad trial"),
        ("done", "3"),
    ]
    assert all(on_gui for _, _, on_gui in delivered)
    assert not worker.busy
    worker.close()


def test_wait_runs_the_callbacks_including_a_follow_up_job(qtbot):
    worker = Worker(max_threads=1)
    delivered: list[int] = []

    def first_done(value: int) -> None:
        delivered.append(value)
        worker.submit(lambda: value + 1, delivered.append, pytest.fail)

    worker.submit(lambda: 1, first_done, pytest.fail)
    assert worker.wait(5_000)  # no event loop turn needed
    assert delivered == [1, 2]
    assert not worker.busy

    release = threading.Event()
    worker.submit(release.wait, delivered.append, pytest.fail)
    assert not worker.wait(50)  # still running: says so instead of blocking
    release.set()
    assert worker.wait(5_000)
    worker.close()
