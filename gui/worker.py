"""Run analysis off the GUI thread and hand each result back to the GUI thread.

Jobs run on plain Python threads (:class:`concurrent.futures.ThreadPoolExecutor`); the GUI thread
collects finished jobs with a timer. No Qt object is created, emitted from or deleted on a worker
thread: cross-thread signals carrying Python objects crashed PySide6 6.11 now and then (a
segmentation fault in the visit test while a strength trial was being analysed).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore

#: How often the GUI thread looks for finished jobs while some are pending (ms).
POLL_INTERVAL_MS = 20


@dataclass(frozen=True)
class _Job:
    future: futures.Future[Any]
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None]


class Worker(QtCore.QObject):
    """Submits callables to worker threads; ``on_done``/``on_error`` run on the GUI thread.

    Results are delivered in submission order.

    Parameters
    ----------
    max_threads : worker threads (one keeps analyses in order and leaves a core for the GUI).
    """

    def __init__(self, *, max_threads: int, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = futures.ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="alsmotion-gui-worker"
        )
        self._jobs: deque[_Job] = deque()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self._deliver)

    def submit(
        self,
        function: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._jobs.append(_Job(self._executor.submit(function), on_done, on_error))
        self._timer.start()

    @property
    def busy(self) -> bool:
        return bool(self._jobs)

    def wait(self, timeout_ms: int) -> bool:
        """Block until queued jobs finish and their callbacks have run (shutdown and tests).

        Returns False when jobs are still running after ``timeout_ms``.
        """
        deadline = time.monotonic() + timeout_ms / 1000.0
        while self._jobs:
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                return False
            futures.wait([job.future for job in self._jobs], timeout=remaining_s)
            self._deliver()  # a callback may submit a follow-up job: loop until none is left
        return True

    def close(self) -> None:
        """Stop accepting jobs; running ones finish on their thread (window shutdown)."""
        self._timer.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _deliver(self) -> None:
        while self._jobs and self._jobs[0].future.done():
            job = self._jobs.popleft()
            if job.future.cancelled():
                continue
            error = job.future.exception()
            if error is None:
                job.on_done(job.future.result())
            else:  # delivered to the GUI, which shows it to the operator
                job.on_error(error)
        if not self._jobs:
            self._timer.stop()
