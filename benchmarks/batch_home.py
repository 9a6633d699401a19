"""Home recordings through ``alsmotion process``: hours of recording per second on 1 and 2 local
worker processes and on Dask LocalClusters of 1 and 2 workers.

Writes ``--days`` simulated home days (``SimulatedHomeWeek``, one day each, 50 Hz, a participant
each, no charging gap or long sensor-off spell) as native home sessions (protocol ``home-v1``)
into a temporary folder, then processes them from scratch (``force=True``, no progress bar, no
reports) ``--repeats`` times per executor and prints the fastest run (the machine may be shared).
The Dask clusters (1, then 2 single-thread worker processes on 127.0.0.1) are started before
the clock; each executor's speed-up is given on its own 1-worker run and on 1 local worker.
The parent's hashing of the sessions (SHA-256 of every raw file) is inside the timing. Beside the
wall time it prints the CPU time of the process tree during that run (``ProcessTreeCpu`` of
``batch_throughput.py``: the parent and every worker), which a busy machine changes much less
than wall time: a worker that does the same work for more CPU shows up there.

Run: ``.venv/bin/python benchmarks/batch_home.py [--days N] [--repeats N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from batch_throughput import ProcessTreeCpu

from alsmotion.batch import BatchProcessor
from alsmotion.processing import ProcessingSettings
from alsmotion.session import SessionMetadata
from alsmotion.simulate.home import SimulatedHomeWeek

RATE_HZ = 50.0


def write_days(root: Path, n_days: int) -> float:
    """Write the home sessions; returns the hours recorded."""
    hours = 0.0
    for index in range(n_days):
        week = SimulatedHomeWeek(
            sampling_rate_hz=RATE_HZ, n_days=1, long_off_day=None, charge_days=(), seed=index
        )
        metadata = SessionMetadata(
            participant_id=f"ALS-{index + 1:03d}",
            visit="baseline",
            protocol="home-v1",
            operator="OP1",
            start_utc=datetime(2026, 1, 6, tzinfo=UTC) + timedelta(days=index),
            host="benchmark",
            extra={"sensor_height_m": week.sensor_height_m},
        )
        week.write_session(root, metadata)
        hours += week.n_samples_ / RATE_HZ / 3600
    return hours


def fastest(run, repeats: int) -> tuple[float, float]:
    """Wall time (s) and process-tree CPU time (s) of the fastest of ``repeats`` runs."""
    runs = []
    for _ in range(repeats):
        with ProcessTreeCpu() as cpu:
            started = time.perf_counter()
            run()
            wall_s = time.perf_counter() - started
        runs.append((wall_s, cpu.cpu_s))
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root, out = Path(folder) / "raw", Path(folder) / "out"
        hours = write_days(root, args.days)

        def process(**executor) -> None:
            BatchProcessor(
                ProcessingSettings(), force=True, progress=False, reports=False, **executor
            ).run(root, out)

        rows = [
            ("local processes", 1, fastest(lambda: process(workers=1), args.repeats)),
            ("local processes", 2, fastest(lambda: process(workers=2), args.repeats)),
        ]
        import distributed

        # After the local runs: a LocalCluster leaves its nanny's malloc setting in this
        # process's environment, which local pools started later would inherit.
        for n_workers in (1, 2):
            with distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=":0"
            ) as cluster:
                best = fastest(
                    lambda at=cluster.scheduler_address: process(scheduler=at), args.repeats
                )
                rows.append(("Dask LocalCluster", n_workers, best))
    one_worker = {name: wall_s for name, workers, (wall_s, _) in rows if workers == 1}
    print(f"{args.days} home days, {hours:.1f} h of recording at {RATE_HZ:g} Hz")
    print(
        "| executor | workers | wall s | h of recording/s | speed-up on its own 1 worker | "
        "against 1 local worker | CPU s | h/CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, workers, (wall_s, cpu_s) in rows:
        print(
            f"| {name} | {workers} | {wall_s:.2f} | {hours / wall_s:.1f} | "
            f"{one_worker[name] / wall_s:.2f} | {rows[0][2][0] / wall_s:.2f} | {cpu_s:.1f} | "
            f"{hours / cpu_s:.1f} |"
        )


if __name__ == "__main__":
    main()
