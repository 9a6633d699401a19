"""Collect the samples of one running trial from repeated pulls of overlapping recent windows.

The acquisition keeps ring buffers of the last seconds; each GUI tick pulls a window that overlaps
the previous one. :class:`TrialTrace` keeps each sample once (by host arrival time) in preallocated
arrays that grow by doubling, so a 6-minute walk at 100 Hz is collected without copying per tick.
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
    start_host_ns : host time (ns) from which samples belong to the trial.
    """

    def __init__(self, *, n_channels: int, start_host_ns: int) -> None:
        if n_channels < 1:
            raise InvalidInputError(f"n_channels must be at least 1, got {n_channels}")
        self.start_host_ns = int(start_host_ns)
        self._host_ns = np.empty(_INITIAL_CAPACITY, dtype=np.int64)
        self._values = np.empty((_INITIAL_CAPACITY, n_channels), dtype=float)
        self._n = 0
        self._last_host_ns = self.start_host_ns - 1

    def __len__(self) -> int:
        return self._n

    def add(self, host_time_ns: np.ndarray, values: np.ndarray) -> int:
        """Append the samples newer than any seen so far; return how many were new."""
        host_time_ns = np.asarray(host_time_ns, dtype=np.int64)
        values = np.asarray(values, dtype=float).reshape(len(host_time_ns), -1)
        new = host_time_ns > self._last_host_ns
        n_new = int(new.sum())
        if n_new == 0:
            return 0
        needed = self._n + n_new
        if needed > len(self._host_ns):
            capacity = max(needed, 2 * len(self._host_ns))
            self._host_ns = np.resize(self._host_ns, capacity)
            self._values = np.resize(self._values, (capacity, self._values.shape[1]))
        self._host_ns[self._n : needed] = host_time_ns[new]
        self._values[self._n : needed] = values[new]
        self._n = needed
        self._last_host_ns = int(host_time_ns[new][-1])
        return n_new

    @property
    def host_time_ns(self) -> np.ndarray:
        return self._host_ns[: self._n]

    @property
    def values(self) -> np.ndarray:
        return self._values[: self._n]

    @property
    def time_s(self) -> np.ndarray:
        """Seconds since the trial's start, per sample."""
        return (self.host_time_ns - self.start_host_ns) / 1e9
