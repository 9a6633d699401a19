"""Non-wear detection (van Hees et al. 2013, PLoS ONE 8:e61691) and valid days.

The recording is summarised per minute (sample count, sum, sum of squares, minimum and maximum of
each axis), so windows of any length have exact SDs and ranges without the raw data. A 60-min
window, stepped by 15 min, is non-wear when at least two of the three axes have SD < 13 mg or at
least two have a range < 50 mg; every minute of a non-wear window is non-wear. Minutes without
data (charging, lost samples) are non-wear. At the edges of each non-wear episode, a refinement
of ours extends it minute by minute while the minute itself is still by the same thresholds
(the published method has 15-min resolution).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alsmotion.units import STANDARD_GRAVITY_MPS2

SD_THRESHOLD_MPS2 = 0.013 * STANDARD_GRAVITY_MPS2
RANGE_THRESHOLD_MPS2 = 0.050 * STANDARD_GRAVITY_MPS2
WINDOW_MIN = 60
STEP_MIN = 15
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

    def add(self, first_sample: int, accel_mps2: np.ndarray, *, sampling_rate_hz: float) -> None:
        """Fold a chunk starting at ``first_sample`` into the minutes it covers."""
        minute = (np.arange(len(accel_mps2)) + first_sample) // round(60 * sampling_rate_hz)
        finite = ~np.isnan(accel_mps2).any(axis=1)
        minute, values = minute[finite], accel_mps2[finite]
        minute = np.minimum(minute, len(self.count) - 1)
        np.add.at(self.count, minute, 1)
        for axis in range(3):
            column = values[:, axis]
            self.total[:, axis] += np.bincount(minute, column, len(self.count))
            self.squares[:, axis] += np.bincount(minute, column * column, len(self.count))
            np.minimum.at(self.low[:, axis], minute, column)
            np.maximum.at(self.high[:, axis], minute, column)

    def window(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, float]:
        """SD and range per axis (m/s^2) over minutes [start, stop), and the samples behind them."""
        n = self.count[start:stop].sum()
        if n < 2:
            return np.zeros(3), np.zeros(3), float(n)
        mean = self.total[start:stop].sum(axis=0) / n
        var = self.squares[start:stop].sum(axis=0) / n - mean**2
        sd = np.sqrt(np.maximum(var, 0.0) * n / (n - 1))
        value_range = self.high[start:stop].max(axis=0) - self.low[start:stop].min(axis=0)
        return sd, value_range, float(n)


def _still(sd: np.ndarray, value_range: np.ndarray) -> bool:
    return bool(
        (sd < SD_THRESHOLD_MPS2).sum() >= 2 or (value_range < RANGE_THRESHOLD_MPS2).sum() >= 2
    )


def non_wear_minutes(stats: MinuteStats, *, sampling_rate_hz: float) -> np.ndarray:
    """Boolean per minute: not worn (van Hees 2013, with minute refinement; module docstring)."""
    n = len(stats.count)
    expected = 60 * sampling_rate_hz
    no_data = stats.count < 0.5 * expected
    off = no_data.copy()
    for start in range(0, max(n - WINDOW_MIN, 0) + 1, STEP_MIN):
        stop = min(start + WINDOW_MIN, n)
        sd, value_range, samples = stats.window(start, stop)
        if samples >= 0.5 * expected * (stop - start) and _still(sd, value_range):
            off[start:stop] = True
    minute_still = np.array([_still(*stats.window(m, m + 1)[:2]) for m in range(n)]) | no_data
    detected = off & ~no_data
    for m in np.flatnonzero(np.diff(detected.astype(int)) == -1) + 1:  # extend forwards
        while m < n and minute_still[m] and not off[m]:
            off[m] = True
            m += 1
    for m in np.flatnonzero(np.diff(detected.astype(int)) == 1):  # extend backwards
        while m >= 0 and minute_still[m] and not off[m]:
            off[m] = True
            m -= 1
    return off


def wear_by_day(
    non_wear: np.ndarray, *, start: pd.Timestamp, min_worn_hours: float = DEFAULT_MIN_WORN_HOURS
) -> pd.DataFrame:
    """One row per calendar day: ``measurement_date, worn_h, recorded_h, valid_day``."""
    times = start + pd.to_timedelta(np.arange(len(non_wear)), unit="min")
    frame = pd.DataFrame({"date": times.strftime("%Y-%m-%d"), "worn": ~non_wear})
    grouped = frame.groupby("date")["worn"]
    daily = pd.DataFrame(
        {"worn_h": grouped.sum() / 60.0, "recorded_h": grouped.size() / 60.0}
    ).reset_index(names="measurement_date")
    daily["valid_day"] = daily["worn_h"] >= min_worn_hours
    return daily
