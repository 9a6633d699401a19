"""Start-up time and peak RSS of ``alsmotion --help`` and each ``alsmotion COMMAND --help``.

Runs each command 5 times in a fresh interpreter and prints the median wall time and the peak
resident set size of the child (``ru_maxrss``); ``python -c pass`` is printed beside it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from alsmotion.cli import COMMAND_MODULES

RUNS = 5


def measure(argv: list[str]) -> tuple[float, float]:
    """Median wall time (s) and the largest peak RSS (MB) of ``argv`` over ``RUNS`` runs."""
    times_s, peaks_mb = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        with subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as child:
            _, _, usage = os.wait4(child.pid, 0)  # ru_maxrss: KiB on Linux
            child.returncode = 0
        times_s.append(time.perf_counter() - start)
        peaks_mb.append(usage.ru_maxrss / 1024)
    return statistics.median(times_s), max(peaks_mb)


def main() -> None:
    rows = [("python -c pass", [sys.executable, "-c", "pass"])]
    cli = [str(Path(sys.executable).with_name("alsmotion"))]
    rows.append(("alsmotion --help", [*cli, "--help"]))
    rows += [(f"alsmotion {name} --help", [*cli, name, "--help"]) for name in COMMAND_MODULES]
    print(f"{'command':<36} {'median s':>9} {'peak RSS MB':>12}")
    for label, argv in rows:
        seconds, peak_mb = measure(argv)
        print(f"{label:<36} {seconds:>9.3f} {peak_mb:>12.1f}")


if __name__ == "__main__":
    main()
