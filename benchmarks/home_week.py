"""Home pipeline throughput and memory, side by side with scikit-digital-health.

Prints hours of 100 Hz recording processed per second of CPU time on one core:

- a simulated 7-day week (:class:`alsmotion.simulate.home.SimulatedHomeWeek`, seed 1): the whole
  home pipeline (wear, pre-screen, gait, bouts, daily table), the time spent simulating the
  chunks left out; its peak traced memory (the 1-h chunks the simulator hands over included);
- the same, first day only, for the gait part (pre-screen + gait pipeline) against skdh's gait
  classifier + GaitLumbar on the same array;
- real daily activities, the Mobilise-D HA001 Test11 recording (138 s, walking about 30 % of
  it) tiled to ``--ha001-hours``, as ``benchmarks/gait_throughput.py`` tiles it: home
  pipeline, gait part, and skdh.

CPU time (``time.process_time``) is used because the machine may be shared; each alsmotion
figure is the best of ``--repeats`` runs, skdh's of one run in a child process with a time limit.
Run ``python benchmarks/home_week.py`` (skdh: ``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import tracemalloc
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
from gait_throughput import skdh_in_child

from alsmotion.home.pipeline import _strides_in_spans, analyze_home_recording
from alsmotion.home.screen import candidate_spans
from alsmotion.simulate.home import SimulatedHomeWeek
from alsmotion.units import STANDARD_GRAVITY_MPS2
from alsmotion.validation import find_shared_data, load_ha001

RATE_HZ = 100.0
SENSOR_HEIGHT_M = 0.95
CHUNK_SAMPLES = round(3600 * RATE_HZ)


def ha001_tiled(hours: float) -> np.ndarray:
    daily = load_ha001(find_shared_data(), "Test11_Trial1").accel_mps2
    n = round(hours * 3600 * RATE_HZ)
    return np.tile(daily, (n // len(daily) + 1, 1))[:n]


def sim_day() -> np.ndarray:
    week = SimulatedHomeWeek(sampling_rate_hz=RATE_HZ, n_days=1, seed=1)
    return np.vstack([accel for _, accel in week.chunks()])


def chunked(accel: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    for first in range(0, len(accel), CHUNK_SAMPLES):
        yield first, accel[first : first + CHUNK_SAMPLES]


class TimedSource:
    """Chunks of a simulated week, with the CPU time spent producing them."""

    def __init__(self, week: SimulatedHomeWeek) -> None:
        self.week = week
        self.spent_s = 0.0

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        chunks = self.week.chunks()
        while True:
            start = time.process_time()
            try:
                item = next(chunks)
            except StopIteration:
                return
            finally:
                self.spent_s += time.process_time() - start
            yield item


def home_cpu_s(chunks, n_samples: int) -> float:
    start = time.process_time()
    analyze_home_recording(
        chunks,
        sampling_rate_hz=RATE_HZ,
        n_samples=n_samples,
        start=pd.Timestamp("2024-01-01"),
        participant_id="P01",
        sensor_height_m=SENSOR_HEIGHT_M,
    )
    return time.process_time() - start


def gait_part_cpu_s(accel: np.ndarray) -> tuple[float, int, float]:
    """CPU s of pre-screen + gait pipeline over 1-h chunks, strides, and hours screened in."""
    start = time.process_time()
    n_strides, screened = 0, 0
    for _, chunk in chunked(accel):
        spans = candidate_spans(chunk, sampling_rate_hz=RATE_HZ)
        screened += int((spans[:, 1] - spans[:, 0]).sum())
        found = _strides_in_spans(
            chunk, spans, sampling_rate_hz=RATE_HZ, sensor_height_m=SENSOR_HEIGHT_M, height_m=None
        )
        n_strides += 0 if found is None else len(found[0])
    return time.process_time() - start, n_strides, screened / RATE_HZ / 3600


def _skdh_worker(source: str, hours: float, queue: mp.Queue) -> None:
    from skdh.context import PredictGaitLumbarLgbm
    from skdh.gait import GaitLumbar

    accel = ha001_tiled(hours) if source == "ha001" else sim_day()
    time_s = 1.7e9 + np.arange(len(accel)) / RATE_HZ
    accel_g = np.nan_to_num(accel) / STANDARD_GRAVITY_MPS2
    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = PredictGaitLumbarLgbm().predict(time=time_s, accel=accel_g, fs=RATE_HZ)
        bouts = np.column_stack(
            (found["Gait Bout Start Index"], found["Gait Bout Stop Index"])
        ).astype(int)
        out = GaitLumbar().predict(
            time=time_s, accel=accel_g, fs=RATE_HZ, leg_length=SENSOR_HEIGHT_M, gait_bouts=bouts
        )
    elapsed = time.process_time() - start
    queue.put((elapsed, int(np.isfinite(np.asarray(out.get("stride time", []), float)).sum())))


def skdh_cpu_s(source: str, hours: float, timeout_s: float) -> tuple[float, int] | str:
    """skdh's CPU time (s) and stride count in a child process, or why there is none."""
    return skdh_in_child(_skdh_worker, (source, hours), timeout_s)


def side_by_side(label: str, accel: np.ndarray, source: str, hours: float, args) -> None:
    best = min(gait_part_cpu_s(accel) for _ in range(args.repeats))
    cpu_s, n_strides, screened_h = best
    print(
        f"{label}: gait part (pre-screen + gait) {cpu_s:7.2f} s  {hours / cpu_s:7.1f} h/s  "
        f"{n_strides} strides; {screened_h:.2f} of {hours:g} h screened in"
    )
    outcome = skdh_cpu_s(source, hours, args.skdh_timeout_s)
    if isinstance(outcome, str):
        print(f"{label}: skdh (classifier + GaitLumbar) {outcome}")
        return
    skdh_s, skdh_strides = outcome
    print(
        f"{label}: skdh (classifier + GaitLumbar) {skdh_s:7.2f} s  {hours / skdh_s:7.1f} h/s  "
        f"{skdh_strides} strides; alsmotion's gait part is {skdh_s / cpu_s:.1f} x faster"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ha001-hours", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skdh-timeout-s", type=float, default=900.0)
    args = parser.parse_args()

    week = SimulatedHomeWeek(sampling_rate_hz=RATE_HZ, n_days=7, seed=1)
    week_h = week.n_samples_ / RATE_HZ / 3600
    runs = []
    for _ in range(args.repeats):
        source = TimedSource(week)
        runs.append(home_cpu_s(iter(source), week.n_samples_) - source.spent_s)
    cpu_s = min(runs)
    print(f"simulated week ({week_h:g} h): home pipeline {cpu_s:7.2f} s  {week_h / cpu_s:7.1f} h/s")
    tracemalloc.start()
    home_cpu_s(iter(TimedSource(week)), week.n_samples_)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"simulated week: peak traced memory {peak / 1e6:.0f} MB (simulator's chunks included)")

    side_by_side("simulated day 1", sim_day(), "simday", 24.0, args)

    accel = ha001_tiled(args.ha001_hours)
    runs = [home_cpu_s(chunked(accel), len(accel)) for _ in range(args.repeats)]
    hours = args.ha001_hours
    print(
        f"HA001 Test11 tiled to {hours:g} h: home pipeline {min(runs):7.2f} s  "
        f"{hours / min(runs):7.1f} h/s"
    )
    side_by_side(f"HA001 Test11 tiled to {hours:g} h", accel, "ha001", hours, args)


if __name__ == "__main__":
    main()
