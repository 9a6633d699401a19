"""The thread that appends samples to the session and flushes them, off the event loop."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from alsmotion.acquisition.sinks import StreamSink
from alsmotion.acquisition.stream_state import SampleBlock


class WriterThread:
    """Runs every session write off the event loop and measures notification-to-disk latency."""

    def __init__(self, *, flush_interval_s: float) -> None:
        self.flush_interval_s = flush_interval_s
        self.latencies_s: list[float] = []
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._unflushed: dict[int, tuple[StreamSink, list[int]]] = {}
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="alsmotion-writer", daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def append(self, sink: StreamSink, block: SampleBlock, arrivals_mono_ns: list[int]) -> None:
        """Append ``block``; ``arrivals_mono_ns`` are the notifications' arrival times."""

        def job() -> None:
            sink.append(
                block.values, host_time_ns=block.arrival_ns, device_time_s=block.device_time_s
            )
            self._unflushed.setdefault(id(sink), (sink, []))[1].extend(arrivals_mono_ns)

        self._jobs.put(job)

    def _flush(self) -> None:
        for sink, arrivals in self._unflushed.values():
            sink.flush()
            done_ns = time.monotonic_ns()
            self.latencies_s.extend((done_ns - a) / 1e9 for a in arrivals)
        self._unflushed.clear()

    def _run(self) -> None:
        next_flush = time.monotonic() + self.flush_interval_s
        while True:
            try:
                job = self._jobs.get(timeout=max(0.0, next_flush - time.monotonic()))
            except queue.Empty:
                job = None
                stop = False
            else:
                stop = job is None
            try:
                if job is not None:
                    job()
                if stop or time.monotonic() >= next_flush:
                    self._flush()
                    next_flush = time.monotonic() + self.flush_interval_s
            except Exception as exc:  # surfaced to the recorder by close()
                self._errors.append(exc)
            if stop:
                return

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()
        if self._errors:
            raise self._errors[0]
