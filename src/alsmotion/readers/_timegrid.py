"""Put samples with their own timestamps onto the uniform grid the analysis pipelines expect."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from alsmotion.errors import InvalidRecordingError

#: A step between timestamps longer than this many nominal periods is a gap, filled with NaN.
GAP_PERIODS = 2.0
#: A grid point this close (in periods) to a sample at a gap's edge takes that sample's value.
ON_SAMPLE_PERIODS = 0.01


def nominal_rate_hz(time_s: np.ndarray, *, path, first_line: int) -> float:
    """Sampling rate from the median step of strictly increasing timestamps."""
    steps = np.diff(time_s)
    if len(steps) == 0:
        raise InvalidRecordingError("fewer than two samples", path=path)
    bad = np.flatnonzero(~(steps > 0))
    if len(bad):
        raise InvalidRecordingError(
            "timestamps must increase strictly; this one does not follow the previous",
            path=path,
            line=first_line + int(bad[0]) + 1,
        )
    return float(1.0 / np.median(steps))


#: Longest analysis grid a reader builds, in samples (a week at 100 Hz is 60 million).
MAX_GRID_SAMPLES = 200_000_000


def check_time_span(time_s: np.ndarray, sampling_rate_hz: float, *, path, first_line: int) -> None:
    """Refuse timestamps whose span would need an absurd grid (a wrong date in one row)."""
    span_s = float(time_s[-1] - time_s[0])
    if not np.isfinite(span_s) or span_s * sampling_rate_hz > MAX_GRID_SAMPLES:
        jump = int(np.argmax(np.diff(time_s)))
        raise InvalidRecordingError(
            f"timestamps span {span_s:.4g} s, more than {MAX_GRID_SAMPLES} samples at "
            f"{sampling_rate_hz:g} Hz; the time jumps most after this row",
            path=path,
            line=first_line + jump,
        )


def to_uniform_grid(
    time_s: np.ndarray, values: np.ndarray, sampling_rate_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate ``values`` (n, k) sampled at ``time_s`` onto a uniform grid from time_s[0].

    Jitter is absorbed by linear interpolation; grid points inside a gap longer than
    :data:`GAP_PERIODS` sample periods are NaN, so a gap is never bridged by invented data.
    """
    period_s = 1.0 / sampling_rate_hz
    steps = np.diff(time_s)
    if np.all(np.abs(steps - period_s) < 1e-6 * period_s + 1e-9):
        return np.arange(len(time_s)) * period_s, values
    n_grid = int(np.floor((time_s[-1] - time_s[0]) * sampling_rate_hz + 1e-6)) + 1
    grid_s = np.arange(n_grid) * period_s
    return grid_s, interpolate_on_grid(time_s - time_s[0], values, grid_s, sampling_rate_hz)


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
