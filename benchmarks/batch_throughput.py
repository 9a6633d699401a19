"""Throughput of ``alsmotion process``: sessions/s, hours of IMU data/s and CPU utilisation.

Generates a simulated trial (native sessions, :func:`alsmotion.simulate.trial.simulate_trial`) in a
temporary folder, then processes it from scratch (``force=True``, no progress bar, without the
per-participant reports unless ``--reports``) with 1 and 2 local worker processes and on a local
Dask cluster (2 single-thread worker processes on 127.0.0.1, started before the clock runs), each
``--repeats`` times, and prints the fastest run of each (the machine may be shared: the minimum is
the least disturbed figure).

CPU utilisation = CPU time used during the run by this process and all its descendants (local
workers are forked by the fork server, Dask workers by their nannies), sampled with ``psutil``
every 200 ms (listing the process tree scans /proc, so sampling is not free; a local worker's
last <200 ms before it exits are missed), divided by wall time x workers. The parent's share
(hashing, exports) is included.

Run: ``.venv/bin/python benchmarks/batch_throughput.py [--participants N] [--repeats N]
[--reports]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from alsmotion.batch import BatchProcessor, discover_sessions
from alsmotion.batch.executors import available_cores
from alsmotion.processing import ProcessingSettings
from alsmotion.session import Session
from alsmotion.simulate.trial import simulate_trial

_SAMPLE_INTERVAL_S = 0.2


def imu_hours(raw_root: Path, settings: ProcessingSettings) -> float:
    """Hours of lumbar IMU recording in the native sessions under ``raw_root``."""
    seconds = 0.0
    for source in discover_sessions(raw_root):
        stream = Session.open(source.path).streams.get(settings.imu_stream)
        if stream is not None:
            seconds += stream.n_samples / stream.sampling_rate_hz
    return seconds / 3600.0


class ProcessTreeCpu:
    """CPU seconds used by this process and its descendants while the context is open."""

    def __init__(self) -> None:
        self._me = psutil.Process()
        self._last_s: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()

    def _sample(self) -> None:
        for process in [self._me, *self._me.children(recursive=True)]:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    key = (process.pid, process.create_time())
            except psutil.Error:  # ended between listing and reading
                continue
            self._last_s[key] = times.user + times.system

    def _loop(self) -> None:
        while not self._stop.wait(_SAMPLE_INTERVAL_S):
            self._sample()

    def __enter__(self) -> ProcessTreeCpu:
        self._sample()
        self._start_s = dict(self._last_s)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.cpu_s = sum(
            last_s - self._start_s.get(key, 0.0) for key, last_s in self._last_s.items()
        )


def timed(run: Callable[[], BatchProcessor]) -> tuple[float, float]:
    """Wall time (s) and CPU time of the process tree (s) of ``run``."""
    with ProcessTreeCpu() as cpu:
        wall_start = time.perf_counter()
        processor = run()
        wall_s = time.perf_counter() - wall_start
    if processor.summary_.n_failed:
        raise SystemExit(f"sessions failed: {processor.summary_.failures}")
    return wall_s, cpu.cpu_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=12, help="simulated participants")
    parser.add_argument("--repeats", type=int, default=2, help="runs per executor (fastest kept)")
    parser.add_argument("--reports", action="store_true", help="also write participant reports")
    args = parser.parse_args()
    settings = ProcessingSettings()
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        raw_root = Path(temporary) / "raw"
        simulate_trial(raw_root, n_participants=args.participants, seed=7)
        n_sessions = len(discover_sessions(raw_root))
        hours = imu_hours(raw_root, settings)
        print(
            f"{n_sessions} sessions, {hours:.2f} h of IMU data, {available_cores()} cores, "
            f"load average before: {os.getloadavg()[0]:.1f}, reports: {args.reports}"
        )

        def run_with(label: str, n_workers: int, **executor: object) -> None:
            processor = BatchProcessor(
                settings, force=True, progress=False, reports=args.reports, **executor
            )
            out = Path(temporary) / f"out-{label}-{n_workers}"
            runs = [timed(lambda: processor.run(raw_root, out)) for _ in range(args.repeats)]
            wall_s, cpu_s = min(runs)
            rows.append((label, n_workers, wall_s, cpu_s))

        run_with("local processes", 1, workers=1)
        run_with("local processes", 2, workers=2)

        import distributed

        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster:
            run_with("dask LocalCluster", 2, scheduler=cluster.scheduler_address)

    header = (
        f"{'executor':<18} {'workers':>7} {'wall s':>7} {'sessions/s':>10} {'IMU h/s':>8} "
        f"{'CPU %':>6} {'speed-up':>8}"
    )
    print(header)
    print("-" * len(header))
    for label, n_workers, wall_s, cpu_s in rows:
        print(
            f"{label:<18} {n_workers:>7} {wall_s:>7.2f} {n_sessions / wall_s:>10.2f} "
            f"{hours / wall_s:>8.2f} {100 * cpu_s / (wall_s * n_workers):>6.0f} "
            f"{rows[0][2] / wall_s:>8.2f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
