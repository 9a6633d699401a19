"""Per-connection bookkeeping of one device's samples: order, duplicates, gaps, clock fit.

Pure Python state without I/O: the recorder feeds decoded packets in and gets back blocks to store
and gaps to mark. Devices with timestamps are held back briefly and released in device-time
order, so duplicates are dropped and reordered packets put back in place; a jump of more than
half a period beyond the next expected timestamp is a gap of a known number of samples. Devices
without timestamps get the sample index over the nominal rate as device time. Their arrivals late
by more than ``TIMING_GAP_PERIODS`` samples against the clock fit are held for ``CONFIRM_S``: a host
that stalled (a busy laptop) delivers the queued notifications in a burst and catches up, so
nothing was lost; samples that never arrived leave every later arrival late by their duration, and
that persistent lateness is the gap, its size estimated from the clock fit.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from alsmotion.timing import ClockFit, fit_clock

#: How long (s) samples with timestamps wait for late (reordered) packets before release.
HOLDBACK_S = 0.25
#: Refit the clock after this many seconds of new data ...
REFIT_INTERVAL_S = 2.0
#: ... over the packets of this many most recent seconds (the final fit uses all of them).
REFIT_WINDOW_S = 120.0
#: A clockless device whose arrivals stay this many sample periods beyond the fit has lost data ...
TIMING_GAP_PERIODS = 10
#: ... when they are still that late after this long (s); earlier, the host was only late.
CONFIRM_S = 1.0
#: Device times remembered to recognise duplicates that arrive after release.
RECENT_TIMES = 4096


@dataclass(frozen=True)
class SampleBlock:
    """Samples ready to store: values (n, k), arrival host ns (n,), device time s (n,)."""

    values: np.ndarray
    arrival_ns: np.ndarray
    device_time_s: np.ndarray


@dataclass(frozen=True)
class Gap:
    """Samples that never arrived between two stored samples (or up to a disconnect)."""

    start_host_ns: int
    end_host_ns: int
    n_missing_samples: int
    start_device_time_s: float
    end_device_time_s: float
    reason: str


@dataclass
class _Pending:
    device_time_s: float
    arrival_ns: int
    values: np.ndarray


@dataclass
class SegmentState:
    """One connection's stream of samples.

    Parameters
    ----------
    sampling_rate_hz : the nominal rate configured on the device (Hz).
    has_device_clock : whether packets carry device timestamps.
    utc_offset_ns : add to ``time.monotonic_ns()`` to get ns since the Unix epoch.
    clock_starts_at_zero : the device clock restarts at 0 when streaming starts, so samples
        withheld before the first one received are counted (a gap from device time
        ``-period`` to the first stored sample: the "sample before" the stream's first).
    """

    sampling_rate_hz: float
    has_device_clock: bool
    utc_offset_ns: int
    clock_starts_at_zero: bool = False
    n_samples: int = 0
    n_duplicates: int = 0
    n_late: int = 0
    fit: ClockFit | None = None
    _pending: list[_Pending] = field(default_factory=list)
    _recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_TIMES))
    _recent_set: set[float] = field(default_factory=set)
    _last_device_s: float | None = None
    _last_host_ns: int | None = None
    _fit_device_s: list[float] = field(default_factory=list)
    _fit_arrival_ns: list[int] = field(default_factory=list)
    _fit_until_s: float = 0.0
    _held: list[tuple[np.ndarray, int]] = field(default_factory=list)

    @property
    def period_s(self) -> float:
        return 1.0 / self.sampling_rate_hz

    def host_ns(self, device_time_s: np.ndarray) -> np.ndarray:
        """Reconstructed host time (ns since the epoch) from the current clock fit."""
        if self.fit is None:
            return np.zeros(len(device_time_s), dtype=np.int64)
        return self.fit.host_time_ns(device_time_s)

    def add_packet(
        self, values: np.ndarray, device_time_s: np.ndarray | None, arrival_mono_ns: int
    ) -> tuple[list[SampleBlock], list[Gap]]:
        """Take one decoded packet; return the blocks now ready to store and any gaps found."""
        arrival_ns = arrival_mono_ns + self.utc_offset_ns
        if device_time_s is None:
            return self._add_clockless(values, arrival_ns)
        self._update_fit(float(device_time_s[-1]), arrival_ns)
        for row, d in zip(values, device_time_s, strict=True):
            self._pending.append(_Pending(float(d), arrival_ns, row))
        return self.release(arrival_mono_ns - round(HOLDBACK_S * 1e9))

    def release(self, before_mono_ns: int | None) -> tuple[list[SampleBlock], list[Gap]]:
        """Release held samples that arrived before ``before_mono_ns`` (None: all)."""
        if self._held:
            limit_ns = None if before_mono_ns is None else before_mono_ns + self.utc_offset_ns
            if limit_ns is None or limit_ns - self._held[0][1] >= CONFIRM_S * 1e9:
                return self._release_held()
            return [], []
        if not self._pending:
            return [], []
        limit = None if before_mono_ns is None else before_mono_ns + self.utc_offset_ns
        ready = [p for p in self._pending if limit is None or p.arrival_ns <= limit]
        if not ready:
            return [], []
        self._pending = [p for p in self._pending if limit is not None and p.arrival_ns > limit]
        ready.sort(key=lambda p: p.device_time_s)
        kept: list[_Pending] = []
        gaps: list[Gap] = []
        for sample in ready:
            d = sample.device_time_s
            if d in self._recent_set or (kept and kept[-1].device_time_s == d):
                self.n_duplicates += 1
                continue
            last = kept[-1].device_time_s if kept else self._last_device_s
            if last is None and self.clock_starts_at_zero and d > 0.5 * self.period_s:
                gaps.append(self._leading_gap(d, sample))
            if last is not None and d < last:
                self.n_late += 1
            elif last is not None and d - last > 1.5 * self.period_s:
                last_host = kept[-1].arrival_ns if kept else self._last_host_ns
                gaps.append(self._counter_gap(last, d, last_host or sample.arrival_ns, sample))
            kept.append(sample)
        if not kept:
            return [], gaps
        block = SampleBlock(
            np.array([p.values for p in kept]),
            np.array([p.arrival_ns for p in kept], dtype=np.int64),
            np.array([p.device_time_s for p in kept]),
        )
        self._note_stored(block)
        return [block], gaps

    def _counter_gap(self, last_s: float, next_s: float, last_host_ns: int, after: _Pending) -> Gap:
        missing = round((next_s - last_s) / self.period_s) - 1
        host = self.host_ns(np.array([last_s, next_s]))
        start_ns, end_ns = (
            (int(host[0]), int(host[1])) if self.fit else (last_host_ns, after.arrival_ns)
        )
        return Gap(
            start_host_ns=start_ns,
            end_host_ns=max(end_ns, start_ns),
            n_missing_samples=int(missing),
            start_device_time_s=last_s,
            end_device_time_s=next_s,
            reason=f"device timestamps jump: {missing} sample(s) missing",
        )

    def _leading_gap(self, first_s: float, first: _Pending) -> Gap:
        missing = round(first_s / self.period_s)
        host = self.host_ns(np.array([0.0, first_s]))
        start_ns, end_ns = (int(host[0]), int(host[1])) if self.fit else (first.arrival_ns,) * 2
        return Gap(
            start_host_ns=start_ns,
            end_host_ns=max(end_ns, start_ns),
            n_missing_samples=int(missing),
            start_device_time_s=-self.period_s,
            end_device_time_s=first_s,
            reason=f"first {missing} sample(s) after the device started streaming not received",
        )

    def _lateness_periods(self, first_index: int, arrival_ns: int) -> float:
        """How many sample periods after the fit's expected arrival sample ``first_index`` came."""
        if self.fit is None or self._last_device_s is None:
            return 0.0
        expected_ns = int(self.fit.host_time_ns(np.array([first_index * self.period_s]))[0])
        return (arrival_ns - expected_ns) / 1e9 / self.period_s

    def _late_limit_periods(self) -> float:
        p99_s = self.fit.p99_latency_s if self.fit is not None else 0.0
        return TIMING_GAP_PERIODS + p99_s / self.period_s

    def _add_clockless(
        self, values: np.ndarray, arrival_ns: int
    ) -> tuple[list[SampleBlock], list[Gap]]:
        if not self._held and self._lateness_periods(self.n_samples, arrival_ns) <= (
            self._late_limit_periods()
        ):
            return self._store_clockless([(values, arrival_ns)]), []
        self._held.append((values, arrival_ns))
        if arrival_ns - self._held[0][1] < CONFIRM_S * 1e9:
            return [], []
        return self._release_held()

    def _release_held(self) -> tuple[list[SampleBlock], list[Gap]]:
        """Number the held clockless packets: after a gap if they all stayed late, else on."""
        held, self._held = self._held, []
        first_index = self.n_samples
        lateness = []
        for values, arrival_ns in held:
            lateness.append(self._lateness_periods(first_index, arrival_ns))
            first_index += len(values)
        least_late = min(lateness)
        if least_late <= self._late_limit_periods() or self.fit is None:
            return self._store_clockless(held), []
        missing = int(np.floor(least_late - self.fit.median_latency_s / self.period_s))
        start_s = float(self._last_device_s if self._last_device_s is not None else 0.0)
        end_s = (self.n_samples + missing) * self.period_s
        host = self.fit.host_time_ns(np.array([start_s, end_s]))
        gap = Gap(
            int(host[0]),
            int(host[1]),
            missing,
            start_s,
            end_s,
            f"arrivals stayed late: about {missing} sample(s) missing (no device clock)",
        )
        self.n_samples += missing
        return self._store_clockless(held), [gap]

    def _store_clockless(self, packets: list[tuple[np.ndarray, int]]) -> list[SampleBlock]:
        blocks = []
        for values, arrival_ns in packets:
            device_time_s = (self.n_samples + np.arange(len(values))) * self.period_s
            self._update_fit(float(device_time_s[-1]), arrival_ns)
            block = SampleBlock(values, np.full(len(values), arrival_ns), device_time_s)
            self._note_stored(block)
            blocks.append(block)
        return blocks

    def _note_stored(self, block: SampleBlock) -> None:
        self.n_samples += len(block.values)
        for d in block.device_time_s.tolist():
            if len(self._recent) == self._recent.maxlen:
                self._recent_set.discard(self._recent[0])
            self._recent.append(d)
            self._recent_set.add(d)
        self._last_device_s = float(block.device_time_s[-1])
        self._last_host_ns = int(block.arrival_ns[-1])

    def _update_fit(self, device_s: float, arrival_ns: int) -> None:
        self._fit_device_s.append(device_s)
        self._fit_arrival_ns.append(arrival_ns)
        if self.fit is None or device_s >= self._fit_until_s:
            first = bisect.bisect_left(self._fit_device_s, device_s - REFIT_WINDOW_S)
            self.fit = fit_clock(
                np.array(self._fit_device_s[first:]), np.array(self._fit_arrival_ns[first:])
            )
            # Refit early and often at first (0.25, 0.5, 1, 2 s ...) while the slope is unknown.
            self._fit_until_s = device_s + min(REFIT_INTERVAL_S, max(0.25, device_s))
            return
        predicted = int(self.fit.host_time_ns(np.array([device_s]))[0])
        if arrival_ns < predicted:
            # The envelope must stay below every arrival: shift the line down at once.
            shift = predicted - arrival_ns
            self.fit = ClockFit(
                self.fit.intercept_ns - shift,
                self.fit.slope,
                self.fit.n_packets,
                self.fit.median_latency_s,
                self.fit.p99_latency_s,
            )

    def final_fit(self) -> ClockFit | None:
        """The clock fit over every packet of the segment (None if it had none)."""
        if not self._fit_device_s:
            return None
        self.fit = fit_clock(np.array(self._fit_device_s), np.array(self._fit_arrival_ns))
        return self.fit
