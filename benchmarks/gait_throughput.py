"""Gait pipeline throughput and memory: alsmotion vs scikit-digital-health's GaitLumbar.

Both tools get the same 100 Hz lower-back recordings: by default real daily activities, the
Mobilise-D HA001 Test11 recording (138 s, from ../shared/data) tiled to 1 h; with ``--source
simulated``, simulated walking bouts between rests (1 h and 24 h). Prints hours of recording
processed per second of CPU time (``time.process_time``, all threads of the process; best of 10
alsmotion and 3 skdh runs up to 2 h, one run beyond: the machine may be shared), the speed ratio,
and alsmotion's peak traced memory against the raw acceleration array's size.

skdh runs in three modes: its own gait classifier followed by GaitLumbar (the peer pipeline on
daily-activity data), given the true walking bouts (simulated data only: its fastest path), and
with the whole recording taken as gait. Each skdh run has a time limit; a run that exceeds it is
reported as such. Run with ``make bench`` (installs skdh) or ``python benchmarks/gait_throughput.py``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import tracemalloc
import warnings
from typing import Any

import numpy as np

from alsmotion.gait import analyze_gait
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import STANDARD_GRAVITY_MPS2
from alsmotion.validation import find_shared_data, load_ha001

RATE_HZ = 100.0
SENSOR_HEIGHT_M = 0.95


def recording(source: str, hours: float) -> tuple[np.ndarray, np.ndarray | None]:
    """(acceleration in m/s^2, true walking bouts as (k, 2) sample indices or None).

    ``simulated``: walking bouts of 60 strides (about a minute) separated by 2 minutes of rest.
    ``ha001``: HA001 Test11 (daily activities) repeated end to end to ``hours``.
    """
    if source == "simulated":
        walk = simulate_walk(
            sampling_rate_hz=RATE_HZ,
            duration_s=hours * 3600.0,
            bout_strides=60,
            rest_s=120.0,
            speed_mps=1.1,
            cadence_spm=108.0,
            seed=1,
        )
        return walk.accel_mps2, np.round(walk.truth.bout_spans_s * RATE_HZ).astype(int)
    daily = load_ha001(find_shared_data(), "Test11_Trial1").accel_mps2
    n_samples = round(hours * 3600.0 * RATE_HZ)
    return np.tile(daily, (n_samples // len(daily) + 1, 1))[:n_samples], None


def run_alsmotion(accel_mps2: np.ndarray, *, repeats: int) -> tuple[float, int]:
    """Best CPU time (s) of ``repeats`` runs (the machine is shared) and the stride count."""
    best_s = np.inf
    for _ in range(repeats):
        start = time.process_time()
        result = analyze_gait(accel_mps2, sampling_rate_hz=RATE_HZ, sensor_height_m=SENSOR_HEIGHT_M)
        best_s = min(best_s, time.process_time() - start)
    return best_s, result.summary.n_strides


def alsmotion_peak_bytes(accel_mps2: np.ndarray) -> int:
    tracemalloc.start()
    analyze_gait(accel_mps2, sampling_rate_hz=RATE_HZ, sensor_height_m=SENSOR_HEIGHT_M)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _skdh_worker(source: str, hours: float, mode: str, repeats: int, queue: mp.Queue) -> None:
    from skdh.context import PredictGaitLumbarLgbm
    from skdh.gait import GaitLumbar

    accel_mps2, bouts = recording(source, hours)
    time_s = 1.7e9 + np.arange(len(accel_mps2)) / RATE_HZ
    accel_g = accel_mps2 / STANDARD_GRAVITY_MPS2
    kwargs: dict = {"gait_bouts": bouts} if mode == "bouts" else {"gait_pred": True}
    best_s = np.inf
    for _ in range(repeats):
        gait = GaitLumbar()
        start = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if mode == "classifier":
                found = PredictGaitLumbarLgbm().predict(time=time_s, accel=accel_g, fs=RATE_HZ)
                kwargs = {
                    "gait_bouts": np.column_stack(
                        (found["Gait Bout Start Index"], found["Gait Bout Stop Index"])
                    ).astype(int)
                }
            out = gait.predict(
                time=time_s, accel=accel_g, fs=RATE_HZ, leg_length=SENSOR_HEIGHT_M, **kwargs
            )
        best_s = min(best_s, time.process_time() - start)
    n_strides = int(np.isfinite(np.asarray(out.get("stride time", []), dtype=float)).sum())
    queue.put((best_s, n_strides))


def skdh_in_child(worker: Any, args: tuple, timeout_s: float) -> Any:
    """``worker(*args, queue)`` run in a child process (skdh's threads and memory stay there):
    what it put on the queue, or why there is nothing (a sentence)."""
    try:
        import skdh  # noqa: F401
    except ImportError:
        return "skdh not installed (pip install -e '.[bench]')"
    queue: mp.Queue = mp.Queue()
    child = mp.Process(target=worker, args=(*args, queue))
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.terminate()
        child.join()
        return f"did not finish within {timeout_s:.0f} s"
    if child.exitcode != 0 or queue.empty():
        return f"failed (exit code {child.exitcode})"
    return queue.get()


def run_skdh(
    source: str, hours: float, *, mode: str, repeats: int, timeout_s: float
) -> tuple[float, int] | str:
    """skdh's processing time (s) and stride count in a child process, or why there is none."""
    return skdh_in_child(_skdh_worker, (source, hours, mode, repeats), timeout_s)


SKDH_MODES = (
    ("classifier", "skdh (classifier)"),
    ("bouts", "skdh (true bouts)"),
    ("all", "skdh (all as gait)"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("ha001", "simulated"), default="ha001")
    parser.add_argument("--hours", type=float, nargs="+", default=None)
    parser.add_argument("--skdh-timeout-s", type=float, default=600.0)
    args = parser.parse_args()
    hours_list = args.hours or ([1.0] if args.source == "ha001" else [1.0, 24.0])
    for hours in hours_list:
        accel, bouts = recording(args.source, hours)
        raw_mb = accel.nbytes / 1e6
        repeats = 10 if hours <= 2 else 1
        elapsed_s, n_strides = run_alsmotion(accel, repeats=repeats)
        peak_mb = alsmotion_peak_bytes(accel) / 1e6
        print(
            f"--- {args.source}, {hours:g} h at {RATE_HZ:g} Hz: {len(accel):,} samples, "
            f"raw array {raw_mb:.0f} MB"
        )
        print(
            f"alsmotion            {elapsed_s:8.2f} s  {hours / elapsed_s:10.1f} h/s  "
            f"{n_strides} strides; peak traced memory {peak_mb:.0f} MB = "
            f"{peak_mb / raw_mb:.2f} x raw array"
        )
        del accel
        for mode, label in SKDH_MODES:
            if mode == "bouts" and bouts is None:
                continue
            outcome = run_skdh(
                args.source,
                hours,
                mode=mode,
                repeats=min(repeats, 3),
                timeout_s=args.skdh_timeout_s,
            )
            if isinstance(outcome, str):
                print(f"{label:<20} {outcome}")
                continue
            skdh_s, skdh_strides = outcome
            print(
                f"{label:<20} {skdh_s:8.2f} s  {hours / skdh_s:10.1f} h/s  {skdh_strides} strides; "
                f"alsmotion is {skdh_s / elapsed_s:.1f} x faster"
            )


if __name__ == "__main__":
    main()
