"""Put samples with their own timestamps onto the uniform grid the analysis pipelines expect."""

from __future__ import annotations

import numpy as np

from alsmotion.errors import InvalidRecordingError

#: A step between timestamps longer than this many nominal periods is a gap, filled with NaN.
GAP_PERIODS = 2.0


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
    rel_s = time_s - time_s[0]
    out = np.column_stack([np.interp(grid_s, rel_s, values[:, k]) for k in range(values.shape[1])])
    right = np.clip(np.searchsorted(rel_s, grid_s, side="left"), 1, len(rel_s) - 1)
    tolerance_s = 1e-6 * period_s
    on_sample = (np.abs(rel_s[right] - grid_s) < tolerance_s) | (
        np.abs(rel_s[right - 1] - grid_s) < tolerance_s
    )
    in_gap = ((rel_s[right] - rel_s[right - 1]) > GAP_PERIODS * period_s) & ~on_sample
    out[in_gap] = np.nan
    return grid_s, out
