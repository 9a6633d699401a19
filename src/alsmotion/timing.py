"""Device-to-host clock fits: host time = intercept + slope x device time, on the lower envelope.

BLE latency is never negative, so the host arrival time of a packet is an upper bound of the time
its last sample was taken. The best line below every (device time, arrival) point that stays
closest to them (least summed distance, a linear program whose optimum is an edge of the lower
convex hull) estimates both the clock offset and the drift. Devices without timestamps use the
sample index over the nominal rate as their device time, so the slope absorbs their drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alsmotion.errors import InvalidInputError

#: Width (s of device time) of the bins whose minima feed the hull: keeps the hull small.
ENVELOPE_BIN_S = 0.05
#: A device time that steps back to below this (s) starts a new connection's samples.
RESTART_BELOW_S = 1.0


@dataclass(frozen=True)
class ClockFit:
    """``host_ns = intercept_ns + slope * device_time_s * 1e9`` for one connection segment.

    Attributes
    ----------
    intercept_ns : host time (ns since the Unix epoch) at device time 0.
    slope : host seconds per device second (1.01 when the device clock runs 1 % slow).
    n_packets : packets the fit used.
    median_latency_s : median arrival delay above the line (s).
    p99_latency_s : 99th percentile of the arrival delay above the line (s).
    """

    intercept_ns: int
    slope: float
    n_packets: int
    median_latency_s: float
    p99_latency_s: float

    def host_time_ns(self, device_time_s: np.ndarray) -> np.ndarray:
        """Host time (ns since the epoch, int64) of samples taken at ``device_time_s``."""
        offset_ns = np.rint(np.asarray(device_time_s, dtype=float) * self.slope * 1e9)
        return self.intercept_ns + offset_ns.astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "host_ns = intercept_ns + slope * device_time_s * 1e9",
            "intercept_ns": int(self.intercept_ns),
            "slope": float(self.slope),
            "n_packets": int(self.n_packets),
            "median_latency_s": float(self.median_latency_s),
            "p99_latency_s": float(self.p99_latency_s),
        }


def lower_hull(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the lower convex hull of points sorted by ``x`` (Andrew's monotone chain)."""
    hull: list[int] = []
    for i in range(len(x)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
            if cross > 0:
                break
            hull.pop()
        hull.append(i)
    return np.array(hull, dtype=np.int64)


def _binned_minima(device_s: np.ndarray, residual_s: np.ndarray) -> np.ndarray:
    """Index of the smallest residual in each ``ENVELOPE_BIN_S`` bin of device time."""
    bins = np.floor((device_s - device_s.min()) / ENVELOPE_BIN_S).astype(np.int64)
    order = np.lexsort((residual_s, bins))
    first = np.ones(len(order), dtype=bool)
    first[1:] = bins[order][1:] != bins[order][:-1]
    return np.sort(order[first])


def _envelope_line(
    device_s: np.ndarray, host_s: np.ndarray, candidates: np.ndarray
) -> tuple[float, float]:
    """(intercept_s, slope) of the hull edge minimising the summed distance to all points."""
    x, y = device_s[candidates], host_s[candidates]
    order = np.argsort(x, kind="stable")
    hull = candidates[order][lower_hull(x[order], y[order])]
    if len(hull) < 2:
        slope = 1.0
        return float(np.min(host_s - device_s)), slope
    x0, x1 = device_s[hull[:-1]], device_s[hull[1:]]
    y0, y1 = host_s[hull[:-1]], host_s[hull[1:]]
    valid = x1 > x0
    slopes = (y1[valid] - y0[valid]) / (x1[valid] - x0[valid])
    intercepts = y0[valid] - slopes * x0[valid]
    totals = host_s.sum() - len(host_s) * intercepts - slopes * device_s.sum()
    best = int(np.argmin(totals))
    return float(intercepts[best]), float(slopes[best])


def fit_clock(device_time_s: np.ndarray, host_time_ns: np.ndarray) -> ClockFit:
    """Fit host time against device time on the lower envelope of packet arrivals.

    Parameters
    ----------
    device_time_s : (n,) device time (s) of the last sample of each packet.
    host_time_ns : (n,) host arrival time (ns since the epoch) of each packet.
    """
    device_s = np.asarray(device_time_s, dtype=float)
    host_ns = np.asarray(host_time_ns, dtype=np.int64)
    if device_s.shape != host_ns.shape or device_s.ndim != 1 or not len(device_s):
        raise InvalidInputError("a clock fit needs equal-length, non-empty 1-D time arrays")
    origin_ns = int(host_ns[0])
    host_s = (host_ns - origin_ns) / 1e9
    slope = 1.0
    intercept_s = float(np.min(host_s - device_s))
    if np.ptp(device_s) > 0:
        # Two passes: bin minima of the detrended residual, so the hull sees the true envelope.
        for _ in range(2):
            candidates = _binned_minima(device_s, host_s - slope * device_s)
            intercept_s, slope = _envelope_line(device_s, host_s, candidates)
        intercept_s = float(np.min(host_s - slope * device_s))
    latency_s = host_s - intercept_s - slope * device_s
    return ClockFit(
        intercept_ns=origin_ns + round(intercept_s * 1e9),
        slope=slope,
        n_packets=len(device_s),
        median_latency_s=float(np.median(latency_s)),
        p99_latency_s=float(np.percentile(latency_s, 99)),
    )


def connection_starts(device_time_s: np.ndarray) -> np.ndarray:
    """Indices where a new connection's samples start in a stored stream.

    Device time restarts near zero at every connection (a Tindeq restarts its clock with each
    measurement, a WitMotion's index restarts); samples re-ordered late move back only a little.
    """
    device_s = np.asarray(device_time_s, dtype=float)
    if not len(device_s):
        return np.empty(0, dtype=np.int64)
    restarts = np.flatnonzero((np.diff(device_s) < 0) & (device_s[1:] < RESTART_BELOW_S)) + 1
    return np.concatenate([[0], restarts]).astype(np.int64)


def timeline_ns(host_time_ns: np.ndarray, device_time_s: np.ndarray) -> np.ndarray:
    """Sample times (ns since the epoch, UTC) of a stored stream, from its own timing columns.

    Per connection, the lower-envelope fit of arrival time against device time
    (:func:`fit_clock`) is applied to the device times, which removes BLE latency and jitter and
    corrects the device's clock drift. Samples without a device time keep their arrival time.

    Parameters
    ----------
    host_time_ns : (n,) packet arrival times as stored (ns since the epoch).
    device_time_s : (n,) device times as stored (s; NaN where the device gave none).
    """
    host_ns = np.asarray(host_time_ns, dtype=np.int64)
    device_s = np.asarray(device_time_s, dtype=float)
    if host_ns.shape != device_s.shape:
        raise InvalidInputError("host_time_ns and device_time_s must have the same length")
    result = host_ns.copy()
    known = np.isfinite(device_s)
    if not known.any():
        return result
    starts = connection_starts(device_s[known])
    rows = np.flatnonzero(known)
    for part in np.split(rows, starts[1:]):
        fit = fit_clock(device_s[part], host_ns[part])
        result[part] = fit.host_time_ns(device_s[part])
    return result


def clock_fit_from_record(record: Mapping[str, Any]) -> ClockFit | None:
    """The :class:`ClockFit` of a recorded ``timing_fit`` event's ``fit``, or None when the
    record lacks a finite intercept or a positive finite slope (a damaged or foreign event)."""
    intercept, slope = record.get("intercept_ns"), record.get("slope")
    if isinstance(intercept, bool) or not isinstance(intercept, int):
        return None
    if isinstance(slope, bool) or not isinstance(slope, int | float):
        return None
    if not (np.isfinite(slope) and 0.5 < slope < 2.0):
        return None
    return ClockFit(
        intercept_ns=intercept,
        slope=float(slope),
        n_packets=int(record.get("n_packets") or 0),
        median_latency_s=float(record.get("median_latency_s") or 0.0),
        p99_latency_s=float(record.get("p99_latency_s") or 0.0),
    )


def recorded_timeline_ns(
    host_time_ns: np.ndarray, device_time_s: np.ndarray, fits: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """Sample times (ns since the epoch, UTC) of a stored stream from the clock fits the recorder
    logged for it, one ``timing_fit`` per connection in order.

    The recorder fitted each connection on every packet as it arrived; the stored columns hold
    the same information, so when the fits do not pair one-to-one with the stream's connections
    (a session written by other software, a damaged event) every connection is fitted again from
    the stored columns (:func:`timeline_ns`). Samples without a device time keep their arrival.
    """
    host_ns = np.asarray(host_time_ns, dtype=np.int64)
    device_s = np.asarray(device_time_s, dtype=float)
    if host_ns.shape != device_s.shape:
        raise InvalidInputError("host_time_ns and device_time_s must have the same length")
    known = np.isfinite(device_s)
    parsed = [fit for fit in map(clock_fit_from_record, fits) if fit is not None]
    starts = connection_starts(device_s[known])
    if not known.any() or len(parsed) != len(fits) or len(parsed) != len(starts):
        return timeline_ns(host_ns, device_s)
    result = host_ns.copy()
    rows = np.flatnonzero(known)
    for part, fit in zip(np.split(rows, starts[1:]), parsed, strict=True):
        result[part] = fit.host_time_ns(device_s[part])
    return result
