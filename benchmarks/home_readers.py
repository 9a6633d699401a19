"""Peak memory and speed of reading a week of 100 Hz home recording from a device or CSV file.

Writes the simulated week (``alsmotion.simulate.home.SimulatedHomeWeek``: sleep, sitting, walks,
sensor off, two charging gaps) as a device file with its writer twin (by the path's suffix:
Axivity ``.cwa``, ActiGraph ``.gt3x``, GENEActiv ``.bin``, GENEActiv CSV export ``.csv``), then
reads it back as ``alsmotion home`` does (``read_home_device_file``, or ``open_geneactiv_csv``
and ``home_recording_from`` for ``.csv``: the file checked block by block or a chunk of rows at
a time, then 1 h chunks of m/s^2 on the nominal grid) in a separate step, so its peak memory is
the reader's alone. ``--days`` (default 7) shortens the week. Run:

    python benchmarks/home_readers.py                       # all three on a week of .cwa (make bench)
    python benchmarks/home_readers.py write week.cwa          # about a minute (or .gt3x, .bin)
    /usr/bin/time -v python benchmarks/home_readers.py read week.cwa
    /usr/bin/time -v python benchmarks/home_readers.py analyze week.cwa   # + the home pipeline

``read`` and ``analyze`` print the figures and the peak resident memory (``ru_maxrss``), which
``/usr/bin/time -v`` reports too ("Maximum resident set size").
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from alsmotion.home.sources import HomeRecording, home_recording_from, read_home_device_file
from alsmotion.readers.geneactiv import open_geneactiv_csv
from alsmotion.simulate.cwa import write_cwa
from alsmotion.simulate.geneactiv_bin import write_geneactiv_bin
from alsmotion.simulate.geneactiv_csv import write_geneactiv_csv
from alsmotion.simulate.gt3x import write_gt3x
from alsmotion.simulate.home import SimulatedHomeWeek

RATE_HZ = 100.0
WRITERS = {".gt3x": write_gt3x, ".bin": write_geneactiv_bin, ".csv": write_geneactiv_csv}


def _week(n_days: int) -> SimulatedHomeWeek:
    return SimulatedHomeWeek(sampling_rate_hz=RATE_HZ, n_days=n_days, seed=1)


def _open(path: Path, sensor_height_m: float | None = None) -> HomeRecording:
    if path.suffix.lower() == ".csv":
        source = open_geneactiv_csv(path)
        return home_recording_from(source, participant_id="P01", sensor_height_m=sensor_height_m)
    return read_home_device_file(path, participant_id="P01", sensor_height_m=sensor_height_m)


def write(path: Path, n_days: int) -> None:
    week = _week(n_days)
    started = time.perf_counter()
    writer = WRITERS.get(path.suffix.lower(), write_cwa)
    writer(path, week.chunks(), sampling_rate_hz=RATE_HZ, start_utc=week.start)
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB, {week.n_samples_ / 1e6:.1f} M grid "
        f"samples, {n_days} days at {RATE_HZ:g} Hz) in {time.perf_counter() - started:.1f} s"
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def read(path: Path, n_days: int) -> None:
    started = time.perf_counter()
    recording = _open(path)
    checked_s = time.perf_counter() - started
    n_missing = 0
    for _, accel in recording.chunks():
        n_missing += int(np.isnan(accel).any(axis=1).sum())
    total_s = time.perf_counter() - started
    print(
        f"read {recording.n_samples / 1e6:.1f} M samples ({recording.duration_h:.1f} h; "
        f"{n_missing / RATE_HZ / 3600:.2f} h without data): checked in {checked_s:.1f} s, read "
        f"in {total_s:.1f} s ({recording.duration_h / total_s:.0f} h of recording per s); peak "
        f"RSS {_peak_mb():.0f} MB"
    )


def analyze(path: Path, n_days: int) -> None:
    from alsmotion.home.study import analyze_recordings

    started = time.perf_counter()
    recording = _open(path, sensor_height_m=0.95)
    tables = analyze_recordings([recording])
    elapsed_s = time.perf_counter() - started
    truth = _week(n_days).truth_.daily
    days = tables.daily
    print(
        days[["measurement_date", "worn_h", "valid_day", "walking_min"]]
        .assign(true_worn_h=truth["worn_h"].to_numpy(), true_walking_min=truth["walking_min"])
        .round(2)
        .to_string(index=False)
    )
    print(
        f"analysed {recording.duration_h:.1f} h in {elapsed_s:.1f} s "
        f"({recording.duration_h / elapsed_s:.1f} h/s); peak RSS {_peak_mb():.0f} MB"
    )


def all_steps(path: Path, n_days: int) -> None:
    """Write ``path``, then read and analyse it, each in its own process (its own peak RSS)."""
    write(path, n_days)
    for step in ("read", "analyze"):
        subprocess.run(
            [sys.executable, __file__, step, str(path), "--days", str(n_days)], check=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "step",
        nargs="?",
        choices=("write", "read", "analyze", "all"),
        default="all",
        help="one step, or all three in turn (default: all, on a .cwa file in a temporary folder)",
    )
    parser.add_argument("path", type=Path, nargs="?", help="the device file (.cwa/.gt3x/.bin/.csv)")
    parser.add_argument("--days", type=int, default=7, help="days of recording (default 7)")
    args = parser.parse_args(argv)
    if args.path is None:
        if args.step != "all":
            parser.error("give the device file's path")
        with tempfile.TemporaryDirectory() as folder:
            all_steps(Path(folder) / "week.cwa", args.days)
        return 0
    steps = {"write": write, "read": read, "analyze": analyze, "all": all_steps}
    steps[args.step](args.path, args.days)
    return 0


if __name__ == "__main__":
    sys.exit(main())
