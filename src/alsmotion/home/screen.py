"""A cheap walking pre-screen for long recordings: the gait pipeline runs only where the trunk
moves.

Per 1-s window of a signal decimated to about :data:`SCREEN_RATE_HZ` (every k-th sample, no
filter: only a spread is needed), the SD of the acceleration magnitude. Windows above
:data:`ACTIVE_SD_MPS2` are active; runs of at least :data:`MIN_ACTIVE_WINDOWS` active windows,
widened by :data:`MARGIN_S` on each side and joined where they meet, are the candidate spans.
Lying, sitting and standing still (most of a day) are skipped; everything that moves, walking
or not, goes on to the gait pipeline, which decides.

The threshold is set on the shared reference recordings only: over the 1,166 whole 1-s windows
inside reference strides of the 62 shared recordings (HA001, IPOL, GaitPy demo), the magnitude
SD is 2.0 m/s^2 in the median, 0.38 m/s^2 at the 1st centile and 0.14 m/s^2 at the lowest (a
0.41 m/s bout of HA001's daily activities); the threshold is about a third of that lowest value,
for walkers slower than any in the shared data (a still sensor reads about 0.005 m/s^2). A
walking bout of the Mobilise-D minimum (4 strides, at least about 3 s) spans at least two whole
windows.

The margin is what most of the gait pipeline's work is spent on: a home day's spans are mostly
movements at rest with 1-3 s of activity. Chosen leave-one-participant-out on the same
recordings, each embedded in 30 s of a still sensor (``benchmarks/home_screen_margin.py``): with
every margin from 1 to 5 s every reference stride lies in a span, and the home path matches as
many reference strides, with no more unmatched ones, as with 5 s (1,928-1,930 of 2,027 matched,
77-78 unmatched); every fold chose 1 s. It is 2 s, half the gait pipeline's 4-s window for the
vertical, so that the vertical at a walk's first and last steps is averaged within its own span.
"""

from __future__ import annotations

import numpy as np

from alsmotion.gait.preprocess import row_norms

SCREEN_RATE_HZ = 25.0
WINDOW_S = 1.0
ACTIVE_SD_MPS2 = 0.05
MIN_ACTIVE_WINDOWS = 2
MARGIN_S = 2.0


def window_activity(accel_mps2: np.ndarray, *, sampling_rate_hz: float) -> np.ndarray:
    """SD (m/s^2) of the acceleration magnitude per whole 1-s window over its samples that
    arrived (NaN: fewer than two), on every k-th sample for about :data:`SCREEN_RATE_HZ`."""
    step = max(round(sampling_rate_hz / SCREEN_RATE_HZ), 1)
    per_window = max(round(WINDOW_S * sampling_rate_hz / step), 2)
    sub = accel_mps2[::step]
    n_windows = len(sub) // per_window
    magnitude = row_norms(sub)[: n_windows * per_window]
    windows = magnitude.reshape(n_windows, per_window)
    if not np.isnan(magnitude.sum()):
        return windows.std(axis=1, ddof=1)
    arrived = np.isfinite(windows)
    n = arrived.sum(axis=1)
    values = np.where(arrived, windows, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = values.sum(axis=1) / n
        spread = np.where(arrived, windows - mean[:, None], 0.0)
        return np.where(n >= 2, np.sqrt((spread**2).sum(axis=1) / (n - 1)), np.nan)


def candidate_spans(
    accel_mps2: np.ndarray, *, sampling_rate_hz: float, margin_s: float = MARGIN_S
) -> np.ndarray:
    """(k, 2) start and stop samples of the stretches that may hold walking (module docstring),
    each widened by ``margin_s`` (s) on both sides."""
    activity = window_activity(accel_mps2, sampling_rate_hz=sampling_rate_hz)
    active = np.nan_to_num(activity, nan=0.0) > ACTIVE_SD_MPS2
    edges = np.diff(np.concatenate(([0], active.astype(np.int8), [0])))
    runs = np.column_stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
    runs = runs[runs[:, 1] - runs[:, 0] >= MIN_ACTIVE_WINDOWS]
    if not len(runs):
        return np.zeros((0, 2), dtype=int)
    step = max(round(sampling_rate_hz / SCREEN_RATE_HZ), 1)
    window_samples = max(round(WINDOW_S * sampling_rate_hz / step), 2) * step
    margin = round(margin_s * sampling_rate_hz)
    spans = np.clip(runs * window_samples + [-margin, margin], 0, len(accel_mps2))
    joined = np.concatenate(([True], spans[1:, 0] > spans[:-1, 1]))
    return np.column_stack(
        (spans[joined, 0], np.maximum.reduceat(spans[:, 1], np.flatnonzero(joined)))
    )
