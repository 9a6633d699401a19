"""Put samples with their own timestamps onto the uniform grid the analysis pipelines expect."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from alsmotion.errors import InvalidRecordingError

#: A step between timestamps longer than this many nominal periods is a gap, filled with NaN.
GAP_PERIODS = 2.0
#: A grid point this close (in periods) to a sample at a gap's edge takes that sample's value.
ON_SAMPLE_PERIODS = 0.01


#: Longest analysis grid a reader builds, in samples (a week at 100 Hz is 60 million).
MAX_GRID_SAMPLES = 200_000_000


class TimeSteps:
    """Sample times (s) checked chunk by chunk, keeping only what the grid needs.

    Feed every chunk's times and file lines in order with :meth:`add`; then
    :meth:`median_rate_hz`, :meth:`check_increasing` and :meth:`check_span` refuse what a
    whole-column check would, naming the same line, and :meth:`grid_samples` says how long the
    uniform grid is. The median step is taken to the nanosecond (from counts of the distinct
    steps), so its memory does not grow with the recording's length.
    """

    def __init__(self, path) -> None:
        self.path = path
        self.n = 0
        self.first_s = self.last_s = float("nan")
        self._last_line = 0
        self._min_step_s = float("inf")
        self._max_step_s = -float("inf")
        self._max_step_line = 0
        self._bad_line: int | None = None
        self._step_ns = np.empty(0, np.int64)
        self._step_counts = np.empty(0, np.int64)

    def add(self, time_s: np.ndarray, lines: np.ndarray) -> None:
        """The next chunk's finite times (s) and the file line of each."""
        if not len(time_s):
            return
        if self.n:
            time_s = np.concatenate([[self.last_s], time_s])
            lines = np.concatenate([[self._last_line], lines])
        else:
            self.first_s = float(time_s[0])
        self.n += len(time_s) - (self.n > 0)
        self.last_s, self._last_line = float(time_s[-1]), int(lines[-1])
        steps = np.diff(time_s)
        if not len(steps):
            return
        bad = np.flatnonzero(~(steps > 0))
        if len(bad) and self._bad_line is None:
            self._bad_line = int(lines[bad[0] + 1])  # the sample that does not follow
        jump = int(np.argmax(steps))
        if steps[jump] > self._max_step_s:
            self._max_step_s, self._max_step_line = float(steps[jump]), int(lines[jump])
        self._min_step_s = min(self._min_step_s, float(steps.min()))
        positive = steps[steps > 0]
        step_ns = np.round(np.minimum(positive, 1e9) * 1e9).astype(np.int64)
        values, inverse = np.unique(np.concatenate([self._step_ns, step_ns]), return_inverse=True)
        weights = np.concatenate([self._step_counts, np.ones(len(step_ns), np.int64)])
        self._step_ns, self._step_counts = values, np.bincount(inverse, weights).astype(np.int64)

    def check_increasing(self) -> None:
        if self.n < 2:
            raise InvalidRecordingError("fewer than two samples", path=self.path)
        if self._bad_line is not None:
            raise InvalidRecordingError(
                "timestamps must increase strictly; this one does not follow the previous",
                path=self.path,
                line=self._bad_line,
            )

    def median_rate_hz(self) -> float:
        """Sampling rate from the median step of the strictly increasing times."""
        self.check_increasing()
        below = np.cumsum(self._step_counts)
        n_steps = int(below[-1])
        low, high = np.searchsorted(below, [(n_steps - 1) // 2, n_steps // 2], side="right")
        return float(2e9 / (self._step_ns[low] + self._step_ns[high]))

    def check_span(self, sampling_rate_hz: float) -> None:
        """Refuse times whose span would need an absurd grid (a wrong date in one row)."""
        span_s = self.last_s - self.first_s
        if not np.isfinite(span_s) or span_s * sampling_rate_hz > MAX_GRID_SAMPLES:
            raise InvalidRecordingError(
                f"timestamps span {span_s:.4g} s, more than {MAX_GRID_SAMPLES} samples at "
                f"{sampling_rate_hz:g} Hz; the time jumps most after this row",
                path=self.path,
                line=self._max_step_line,
            )

    def on_grid(self, sampling_rate_hz: float) -> bool:
        """True when every step is one period (to 1 ppm): the samples are the grid."""
        period_s = 1.0 / sampling_rate_hz
        tolerance_s = 1e-6 * period_s + 1e-9
        return self.n < 2 or (
            abs(self._min_step_s - period_s) < tolerance_s
            and abs(self._max_step_s - period_s) < tolerance_s
        )

    def grid_samples(self, sampling_rate_hz: float) -> int:
        """Samples of the uniform grid from the first time to the last."""
        if self.on_grid(sampling_rate_hz):
            return self.n
        return int(np.floor((self.last_s - self.first_s) * sampling_rate_hz + 1e-6)) + 1


def interpolate_on_grid(
    time_s: np.ndarray, values: np.ndarray, grid_s: np.ndarray, sampling_rate_hz: float
) -> np.ndarray:
    """``values`` (n, k) at increasing ``time_s`` (s), linearly interpolated at ``grid_s`` (s,
    within time_s[0]..time_s[-1]); NaN at grid points inside a gap longer than
    :data:`GAP_PERIODS` periods of ``sampling_rate_hz``."""
    period_s = 1.0 / sampling_rate_hz
    out = np.empty((len(grid_s), values.shape[1]))
    for k in range(values.shape[1]):
        out[:, k] = np.interp(grid_s, time_s, values[:, k])
    # grid points between two samples further apart than the gap limit, and on neither (within
    # 1 % of a period: device time stamps are quantized, e.g. to 1/32768 s in CWA blocks)
    tolerance_s = ON_SAMPLE_PERIODS * period_s
    gaps = np.flatnonzero(np.diff(time_s) > GAP_PERIODS * period_s)
    if len(gaps):
        first = np.searchsorted(grid_s, time_s[gaps] + tolerance_s, side="left")
        stop = np.searchsorted(grid_s, time_s[gaps + 1] - tolerance_s, side="left")
        edges = np.zeros(len(grid_s) + 1, dtype=np.int64)
        np.add.at(edges, first, 1)
        np.add.at(edges, stop, -1)
        out[np.cumsum(edges[:-1]) > 0] = np.nan
    return out


def stream_to_grid(
    pieces: Iterable[tuple[np.ndarray, np.ndarray]],
    *,
    start_s: float,
    n_samples: int,
    sampling_rate_hz: float,
    chunk_samples: int,
    n_columns: int,
) -> Iterator[tuple[int, np.ndarray]]:
    """Samples with their own times, piece by piece, as chunks of the uniform grid.

    ``pieces`` yields (time_s (n,), values (n, k)) in increasing time; grid point i is at
    ``start_s + i / sampling_rate_hz`` for i < ``n_samples``. Yields (first grid index,
    (m, ``n_columns``) values) with m = ``chunk_samples`` (fewer at the end), interpolated as
    :func:`interpolate_on_grid` does; only one chunk's samples are held at a time. Grid points
    after the last sample, or before the first, are NaN.
    """
    period_s = 1.0 / sampling_rate_hz
    held_t: list[np.ndarray] = []
    held_v: list[np.ndarray] = []
    held_until = -np.inf
    pieces = iter(pieces)
    exhausted = False
    for first in range(0, n_samples, chunk_samples):
        count = min(chunk_samples, n_samples - first)
        grid_s = start_s + (first + np.arange(count)) * period_s
        while not exhausted and held_until < grid_s[-1]:
            try:
                time_s, values = next(pieces)
            except StopIteration:
                exhausted = True
                break
            if len(time_s):
                held_t.append(np.asarray(time_s, float))
                held_v.append(np.asarray(values, float))
                held_until = float(time_s[-1])
        if not held_t:
            yield first, np.full((count, n_columns), np.nan)
            continue
        time_s = np.concatenate(held_t)
        values = np.concatenate(held_v)
        out = interpolate_on_grid(time_s, values, grid_s, sampling_rate_hz)
        outside = (grid_s < time_s[0] - 1e-6 * period_s) | (grid_s > time_s[-1] + 1e-6 * period_s)
        out[outside] = np.nan
        yield first, out
        keep = max(int(np.searchsorted(time_s, grid_s[-1], side="right")) - 1, 0)
        held_t, held_v = [time_s[keep:]], [values[keep:]]
