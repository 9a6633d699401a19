"""Non-wear detection (van Hees et al. 2013, PLoS ONE 8:e61691, as GGIR applies it) and valid days.

The recording is summarised per minute (sample count, sum, sum of squares, minimum and maximum of
each axis), so windows of any length have exact SDs and ranges without the raw data.

Rule: an axis is still over a window when its SD is below 13 mg *and* its range below 50 mg (the
per-axis test as GGIR, the reference implementation of van Hees 2013, codes it); a window is
non-wear when at least two of the three axes are still, and every minute of a non-wear window is
non-wear. Minutes without data (charging, lost samples) are non-wear.

Two departures from the published method, both to see sensor-off spells shorter than an hour:

- windows of 30 min (the block length of van Hees et al. 2011, PLoS ONE 6:e22922) instead of
  60 min, slid by 1 min instead of stepped by 15 min: a still spell of at least 31 whole minutes
  is found wherever it falls;
- at the edges of each non-wear episode, the episode is extended minute by minute while the
  minute itself is still by the same test (the published method has 15-min resolution).

A sleeper can lie without moving for half an hour, which acceleration alone cannot tell from a
sensor put down, so the 30-min windows alone would call parts of nights non-wear (shorter windows
trade missed non-wear for wear called non-wear: Syed et al. 2020, Sci Rep 10:5866). So in the
night's lying period an episode counts only where a 60-min window, the published length, finds
it. The lying period takes the block rules of van Hees et al. 2018's HDCZA (Sci Rep 8:12975):
blocks longer than 30 min, gaps shorter than 60 min closed, the longest block of each
noon-to-noon window, here only if it lasts at least 3 h or the recording's start or end cuts
it. HDCZA finds its blocks on the wrist as a z-angle that hardly changes; a lower-back sensor
sees lying directly, so here the blocks are lying (5-s epochs whose gravity is more than 45 deg
from upright), a departure of ours. Non-wear without data (charging) is never re-labelled, and
a sensor-off spell in the day is not in the night's period.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from alsmotion.units import STANDARD_GRAVITY_MPS2

SD_THRESHOLD_MPS2 = 0.013 * STANDARD_GRAVITY_MPS2
RANGE_THRESHOLD_MPS2 = 0.050 * STANDARD_GRAVITY_MPS2
WINDOW_MIN = 30
#: van Hees 2013's window length (min), the only one trusted in the night's lying period.
PUBLISHED_WINDOW_MIN = 60
#: The sleep period (module docstring): epoch (s); lying is the trunk more than this from upright
#: (deg), upright being gravity's mean direction over minutes moving more than this SD (m/s^2,
#: about 50 mg: walking, not shifting in a chair); HDCZA's shortest block and longest gap closed.
EPOCH_S = 5
LYING_FROM_UPRIGHT_DEG = 45.0
UPRIGHT_MOVEMENT_SD_MPS2 = 0.5
HDCZA_MIN_BLOCK_MIN = 30
HDCZA_MAX_GAP_MIN = 60
#: A lying period shorter than this (h) is no night unless the recording's start or end cuts it
#: (a setting of ours: without it, a window with no night recorded, e.g. from noon in a
#: recording that ends at 14:00, took a sensor-off spell lying on a table for its night).
MIN_NIGHT_H = 3.0
#: Mobilise-D's minimum wear per valid day (h).
DEFAULT_MIN_WORN_HOURS = 12.0


class MinuteStats:
    """Per-minute moments of the three acceleration axes, filled chunk by chunk."""

    def __init__(self, n_minutes: int) -> None:
        self.count = np.zeros(n_minutes)
        self.total = np.zeros((n_minutes, 3))
        self.squares = np.zeros((n_minutes, 3))
        self.low = np.full((n_minutes, 3), np.inf)
        self.high = np.full((n_minutes, 3), -np.inf)
        self.epoch_count = np.zeros(n_minutes * 60 // EPOCH_S)
        self.epoch_total = np.zeros((n_minutes * 60 // EPOCH_S, 3))

    def add(self, first_sample: int, accel_mps2: np.ndarray, *, sampling_rate_hz: float) -> None:
        """Fold a chunk starting at ``first_sample`` into the minutes it covers."""
        minute_samples = round(60 * sampling_rate_hz)
        epoch_samples = round(EPOCH_S * sampling_rate_hz)
        # whole minutes without missing samples (most of a chunk) are reduced as one block, the
        # rest sample by sample
        head = min(-first_sample % minute_samples, len(accel_mps2))
        n_whole = (len(accel_mps2) - head) // minute_samples
        stop = head + n_whole * minute_samples
        body = accel_mps2[head:stop]
        if n_whole and minute_samples % epoch_samples == 0 and not np.isnan(body.sum()):
            self._add_whole((first_sample + head) // minute_samples, body, minute_samples)
            ends = [(0, head), (stop, len(accel_mps2))]
        else:
            ends = [(0, len(accel_mps2))]
        for begin, end in ends:
            if end > begin:
                self._add_samples(first_sample + begin, accel_mps2[begin:end], sampling_rate_hz)

    def _add_whole(self, first_minute: int, body: np.ndarray, minute_samples: int) -> None:
        """Whole minutes from ``first_minute`` on, without missing samples."""
        n = len(body) // minute_samples
        where = slice(first_minute, first_minute + n)
        # (minute, axis, sample): every reduction runs over contiguous memory
        block = np.ascontiguousarray(body.reshape(n, minute_samples, 3).transpose(0, 2, 1))
        self.count[where] += minute_samples
        self.total[where] += block.sum(axis=2)
        self.squares[where] += np.einsum("ijk,ijk->ij", block, block)
        self.low[where] = np.minimum(self.low[where], block.min(axis=2))
        self.high[where] = np.maximum(self.high[where], block.max(axis=2))
        per_minute = len(self.epoch_count) // len(self.count)
        epochs = slice(first_minute * per_minute, (first_minute + n) * per_minute)
        sums = block.reshape(n, 3, per_minute, -1).sum(axis=3)
        self.epoch_count[epochs] += minute_samples // per_minute
        self.epoch_total[epochs] += sums.transpose(0, 2, 1).reshape(-1, 3)

    def _add_samples(self, first_sample: int, accel_mps2: np.ndarray, rate_hz: float) -> None:
        """Any stretch of samples (the ends of a chunk), run by run of minute and epoch."""
        sample = np.arange(len(accel_mps2)) + first_sample
        finite = ~np.isnan(accel_mps2).any(axis=1)
        sample, values = sample[finite], accel_mps2[finite]
        if len(sample) == 0:
            return
        epoch = np.minimum(sample // round(EPOCH_S * rate_hz), len(self.epoch_count) - 1)
        starts = np.flatnonzero(np.concatenate(([True], epoch[1:] != epoch[:-1])))
        self.epoch_count[epoch[starts]] += np.diff(np.append(starts, len(epoch)))
        self.epoch_total[epoch[starts]] += np.add.reduceat(values, starts, axis=0)
        minute = np.minimum(sample // round(60 * rate_hz), len(self.count) - 1)
        starts = np.flatnonzero(np.concatenate(([True], minute[1:] != minute[:-1])))
        where = minute[starts]
        self.count[where] += np.diff(np.append(starts, len(minute)))
        self.total[where] += np.add.reduceat(values, starts, axis=0)
        self.squares[where] += np.add.reduceat(values * values, starts, axis=0)
        self.low[where] = np.minimum(self.low[where], np.minimum.reduceat(values, starts, axis=0))
        self.high[where] = np.maximum(self.high[where], np.maximum.reduceat(values, starts, axis=0))


def _still_windows(stats: MinuteStats, window_min: int) -> tuple[np.ndarray, np.ndarray]:
    """For every window of ``window_min`` minutes starting at minute i: whether at least two axes
    are still (SD and range below the thresholds), and the samples behind it."""
    n = len(stats.count)
    if n < window_min:
        return np.zeros(0, bool), np.zeros(0)

    def sums(values: np.ndarray) -> np.ndarray:
        cumulative = np.concatenate((np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)))
        return cumulative[window_min:] - cumulative[:-window_min]

    samples = sums(stats.count)
    mean = sums(stats.total) / np.maximum(samples, 1)[:, None]
    var = sums(stats.squares) / np.maximum(samples, 1)[:, None] - mean**2
    sd = np.sqrt(np.maximum(var, 0.0) * (samples / np.maximum(samples - 1, 1))[:, None])
    high = sliding_window_view(stats.high, window_min, axis=0).max(axis=-1)
    low = sliding_window_view(stats.low, window_min, axis=0).min(axis=-1)
    axis_still = (sd < SD_THRESHOLD_MPS2) & (high - low < RANGE_THRESHOLD_MPS2)
    return axis_still.sum(axis=1) >= 2, samples


def _runs(mask: np.ndarray) -> np.ndarray:
    """(k, 2) start and stop (exclusive) of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.column_stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def upright_direction(stats: MinuteStats) -> np.ndarray | None:
    """Unit vector (sensor axes) of gravity when upright: the mean direction over the minutes of
    walking-like movement (SD above :data:`UPRIGHT_MOVEMENT_SD_MPS2`); None without any."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = stats.total / stats.count[:, None]
        sd = np.sqrt(np.maximum(stats.squares / stats.count[:, None] - mean**2, 0.0))
    moving = np.linalg.norm(sd, axis=1) > UPRIGHT_MOVEMENT_SD_MPS2
    if not moving.any():
        return None
    direction = (mean[moving] / np.linalg.norm(mean[moving], axis=1)[:, None]).sum(axis=0)
    return direction / np.linalg.norm(direction)


def sleep_periods(stats: MinuteStats, *, start: pd.Timestamp) -> np.ndarray:
    """(k, 2) first and stop minute of the sleep period of each noon-to-noon window that has one
    (module docstring); ``start``: local clock time of the first sample."""
    upright = upright_direction(stats)
    if upright is None:
        return np.zeros((0, 2), dtype=int)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = stats.epoch_total / stats.epoch_count[:, None]
        cosine = mean @ upright / np.linalg.norm(mean, axis=1)
    lying = np.nan_to_num(cosine, nan=1.0) < np.cos(np.radians(LYING_FROM_UPRIGHT_DEG))
    times = pd.DatetimeIndex(
        pd.Timestamp(start) + pd.to_timedelta(np.arange(len(lying)) * EPOCH_S, unit="s")
    )
    window = np.asarray((times - pd.Timedelta(hours=12)).normalize().asi8)
    epochs_per_min = 60 // EPOCH_S
    periods = []
    bounds = np.flatnonzero(np.concatenate(([True], window[1:] != window[:-1], [True])))
    for first, stop in itertools.pairwise(bounds):
        blocks = _runs(lying[first:stop])
        blocks = blocks[blocks[:, 1] - blocks[:, 0] > HDCZA_MIN_BLOCK_MIN * epochs_per_min]
        if not len(blocks):
            continue
        gaps = blocks[1:, 0] - blocks[:-1, 1]
        joined = np.concatenate(([True], gaps >= HDCZA_MAX_GAP_MIN * epochs_per_min))
        merged = np.column_stack(
            (blocks[joined, 0], np.maximum.reduceat(blocks[:, 1], np.flatnonzero(joined)))
        )
        longest = merged[np.argmax(merged[:, 1] - merged[:, 0])] + first
        cut = longest[0] <= epochs_per_min or longest[1] >= len(lying) - epochs_per_min
        if longest[1] - longest[0] < MIN_NIGHT_H * 3600 / EPOCH_S and not cut:
            continue
        periods.append((longest[0] // epochs_per_min, -(-longest[1] // epochs_per_min)))
    return np.array(periods, dtype=int).reshape(-1, 2)


def _covered(stats: MinuteStats, window_min: int, expected_per_min: float) -> np.ndarray:
    """Minutes held by any non-wear window of ``window_min`` minutes (with data for at least
    half of it)."""
    n = len(stats.count)
    still, samples = _still_windows(stats, window_min)
    starts = np.flatnonzero(still & (samples >= 0.5 * expected_per_min * window_min))
    cover = np.zeros(n + 1)
    np.add.at(cover, starts, 1)
    np.add.at(cover, starts + window_min, -1)
    return np.cumsum(cover)[:n] > 0


def non_wear_minutes(
    stats: MinuteStats,
    *,
    sampling_rate_hz: float,
    start: pd.Timestamp,
    window_min: int = WINDOW_MIN,
) -> np.ndarray:
    """Boolean per minute: not worn (module docstring); ``start``: local clock time of the first
    sample (it places the noon-to-noon windows of the sleep period)."""
    n = len(stats.count)
    expected = 60 * sampling_rate_hz
    no_data = stats.count < 0.5 * expected
    off = _covered(stats, window_min, expected)
    if window_min < PUBLISHED_WINDOW_MIN:  # in the night's lying period: 60-min windows only
        published = _covered(stats, PUBLISHED_WINDOW_MIN, expected)
        sleep = sleep_periods(stats, start=start)
        for first, stop in _runs(off):
            in_sleep = ((sleep[:, 0] < stop) & (sleep[:, 1] > first)).any()
            if in_sleep and not published[first:stop].any():
                off[first:stop] = False
    off |= no_data
    minute_still = np.zeros(n, bool)
    if n:
        minute_still, _ = _still_windows(stats, 1)
    minute_still |= no_data
    detected = off & ~no_data
    for m in np.flatnonzero(np.diff(detected.astype(int)) == -1) + 1:  # extend forwards
        while m < n and minute_still[m] and not off[m]:
            off[m] = True
            m += 1
    for m in np.flatnonzero(np.diff(detected.astype(int)) == 1):  # extend backwards
        while m >= 0 and minute_still[m] and not off[m]:
            off[m] = True
            m -= 1
    return off | no_data


def wear_by_day(
    non_wear: np.ndarray,
    *,
    minutes: pd.DatetimeIndex,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
) -> pd.DataFrame:
    """One row per calendar day of ``minutes`` (the local start time of each minute of
    ``non_wear``): ``measurement_date, worn_h, recorded_h, valid_day``."""
    frame = pd.DataFrame({"date": minutes.strftime("%Y-%m-%d"), "worn": ~np.asarray(non_wear)})
    grouped = frame.groupby("date")["worn"]
    daily = pd.DataFrame(
        {"worn_h": grouped.sum() / 60.0, "recorded_h": grouped.size() / 60.0}
    ).reset_index(names="measurement_date")
    daily["valid_day"] = daily["worn_h"] >= min_worn_hours
    return daily
