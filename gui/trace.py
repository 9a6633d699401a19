"""Collect the samples of one running trial from repeated pulls of overlapping recent windows.

The acquisition keeps ring buffers of the last seconds; each GUI tick pulls a window that overlaps
the previous one. :class:`TrialTrace` keeps each sample once (by its time on the acquisition clock)
in preallocated arrays that grow by doubling, so a 6-minute walk at 100 Hz is collected without
copying per tick.
"""

from __future__ import annotations

import numpy as np

from alsmotion.errors import InvalidInputError

_INITIAL_CAPACITY = 4096


class TrialTrace:
    """Samples of one stream since a start time, without duplicates.

    Parameters
    ----------
    n_channels : values per sample.
    start_s : time (s, on the acquisition clock) from which samples belong to the trial.
    """

    def __init__(self, *, n_channels: int, start_s: float) -> None:
        if n_channels < 1:
            raise InvalidInputError(f"n_channels must be at least 1, got {n_channels}")
        self.start_s = float(start_s)
        self._clock_s = np.empty(_INITIAL_CAPACITY)
        self._values = np.empty((_INITIAL_CAPACITY, n_channels), dtype=float)
        self._n = 0
        self._last_s = -np.inf

    def __len__(self) -> int:
        return self._n

    def add(self, clock_s: np.ndarray, values: np.ndarray) -> int:
        """Append the samples at or after the start and newer than any seen so far.

        Parameters
        ----------
        clock_s : (n,) sample times (s) on the acquisition clock, ascending.
        values : (n, k) samples.

        Returns
        -------
        How many samples were new.
        """
        clock_s = np.asarray(clock_s, dtype=float)
        values = np.asarray(values, dtype=float).reshape(len(clock_s), -1)
        new = (clock_s > self._last_s) & (clock_s >= self.start_s)
        n_new = int(new.sum())
        if n_new == 0:
            return 0
        needed = self._n + n_new
        if needed > len(self._clock_s):
            capacity = max(needed, 2 * len(self._clock_s))
            self._clock_s = np.resize(self._clock_s, capacity)
            self._values = np.resize(self._values, (capacity, self._values.shape[1]))
        self._clock_s[self._n : needed] = clock_s[new]
        self._values[self._n : needed] = values[new]
        self._n = needed
        self._last_s = float(clock_s[new][-1])
        return n_new

    @property
    def clock_s(self) -> np.ndarray:
        """Sample times (s) on the acquisition clock."""
        return self._clock_s[: self._n]

    @property
    def values(self) -> np.ndarray:
        return self._values[: self._n]

    @property
    def time_s(self) -> np.ndarray:
        """Seconds since the trial's start, per sample."""
        return self.clock_s - self.start_s
