"""A thread-safe ring buffer of recent samples, for live plots."""

from __future__ import annotations

import threading

import numpy as np

from alsmotion.errors import InvalidInputError


class SampleRing:
    """The last ``capacity_samples`` samples of one stream: time (s) and (k,) values.

    Written from the acquisition thread, read from the GUI thread; reads return copies.
    """

    def __init__(self, *, capacity_samples: int, n_channels: int) -> None:
        if capacity_samples < 1:
            raise InvalidInputError(f"ring capacity must be >= 1 sample, got {capacity_samples}")
        self._time_s = np.zeros(capacity_samples)
        self._values = np.zeros((capacity_samples, n_channels))
        self._lock = threading.Lock()
        self._end = 0
        self._count = 0

    @property
    def capacity_samples(self) -> int:
        return len(self._time_s)

    def extend(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Append samples (oldest dropped when full)."""
        n = len(time_s)
        capacity = self.capacity_samples
        if n >= capacity:
            time_s, values, n = time_s[-capacity:], values[-capacity:], capacity
        with self._lock:
            slots = (self._end + np.arange(n)) % capacity
            self._time_s[slots] = time_s
            self._values[slots] = values
            self._end = (self._end + n) % capacity
            self._count = min(self._count + n, capacity)

    def latest(self, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Samples of the last ``seconds`` (by sample time), oldest first: (time_s, values)."""
        with self._lock:
            slots = (self._end - self._count + np.arange(self._count)) % self.capacity_samples
            time_s = self._time_s[slots]
            values = self._values[slots]
        if len(time_s):
            keep = time_s >= time_s[-1] - seconds
            time_s, values = time_s[keep], values[keep]
        return time_s, values
