"""Cut a trial's samples out of a stream by the host times of its start and stop events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alsmotion.session.reader import StreamData


def trial_mask(sample_time_ns: np.ndarray, start_host_ns: int, stop_host_ns: int) -> np.ndarray:
    """Boolean mask of the samples taken between start and stop (inclusive), from the samples'
    times on the host clock (:meth:`alsmotion.session.reader.Session.sample_time_ns`)."""
    return (sample_time_ns >= int(start_host_ns)) & (sample_time_ns <= int(stop_host_ns))


def channels_in(stream: StreamData, unit: str, mask: np.ndarray, count: int) -> np.ndarray | None:
    """The first ``count`` channels measured in ``unit`` for the masked samples, or None."""
    indices = stream.channel_indices(unit)
    if len(indices) < count:
        return None
    return stream.values[mask][:, indices[:count]]


def sample_times_s(stream: StreamData, mask: np.ndarray) -> np.ndarray:
    """Sample times (s from the first masked sample): the device clock when it sent one, else
    the host arrival times."""
    device = stream.device_time_s[mask]
    if len(device) and np.isfinite(device).all():
        return device - device[0]
    host = stream.host_time_ns[mask]
    return (host - host[0]) / 1e9 if len(host) else np.empty(0)


def on_nominal_grid(
    values: np.ndarray, sample_time_ns: np.ndarray, *, sampling_rate_hz: float
) -> tuple[np.ndarray, int]:
    """A stream's samples placed on its nominal grid from the first sample, and that sample's time
    (ns): row ``i`` is the sample taken nearest ``i / sampling_rate_hz`` after it, NaN where a
    sample was lost (the first of two samples on one row is kept).

    ``sample_time_ns`` is :meth:`alsmotion.session.reader.Session.sample_time_ns`: on the clock
    fits a lost notification leaves a hole, which the gait and force analyses see as NaN."""
    rows = np.asarray(values, dtype=float)
    if len(rows) == 0:
        return np.empty((0, *rows.shape[1:])), 0
    times = np.asarray(sample_time_ns, dtype=np.int64)
    first_ns = int(times.min())
    index = np.rint((times - first_ns) * (sampling_rate_hz / 1e9)).astype(np.int64)
    unique, first = np.unique(index, return_index=True)
    grid = np.full((int(unique[-1]) + 1, *rows.shape[1:]), np.nan)
    grid[unique] = rows[first]
    return grid, first_ns


DATA_GAP = "data_gap"


def overlaps_gap(gaps: pd.DataFrame, stream: str, start_host_ns: int, stop_host_ns: int) -> bool:
    """True when a recorded gap of ``stream`` overlaps the trial (host times, ns)."""
    own = gaps[gaps["stream"] == stream]
    return bool(
        (
            (own["start_host_ns"] <= int(stop_host_ns)) & (own["end_host_ns"] >= int(start_host_ns))
        ).any()
    )
