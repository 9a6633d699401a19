"""The stream consumer: decode, order, store.

One task takes the recorder's queue (:mod:`.messages`): it decodes each notification with its
connection's decoder, orders, de-duplicates and times the samples (:mod:`.stream_state`), feeds
the live rings, counts on the status board, and hands the samples to the writer thread in
batches. It knows nothing of connections beyond the segment number each message carries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from alsmotion.acquisition.clock import Clock
from alsmotion.acquisition.messages import LinkClosed, Notification, QueueMessage, Shutdown
from alsmotion.acquisition.ring import SampleRing
from alsmotion.acquisition.sinks import SessionSink, StreamSink
from alsmotion.acquisition.status import StatusBoard
from alsmotion.acquisition.stream_state import HOLDBACK_S, Gap, SampleBlock, SegmentState
from alsmotion.acquisition.writer_thread import WriterThread

if TYPE_CHECKING:
    from alsmotion.acquisition.devices.base import DeviceDriver, PacketDecoder

#: How often (s) the consumer releases held-back samples of quiet streams.
RELEASE_TICK_S = 0.1
#: The consumer hands samples to the writer thread in batches at most this old (s).
HANDOFF_S = 0.05
#: Smallest step (s) between the times of consecutive samples in the live ring.
RING_STEP_S = 1e-6


class SessionEvents:
    """Session writes (events, clock fits) queued on the writer thread; no-ops without a
    session or before the writer starts."""

    def __init__(self, session: SessionSink | None) -> None:
        self.session = session
        self.writer: WriterThread | None = None

    def event(self, event_type: str, **fields: Any) -> None:
        session, writer = self.session, self.writer
        if session is not None and writer is not None:
            writer.submit(lambda: session.log_event(event_type, **fields))

    def timing_fit(self, stream: str, record: dict[str, Any]) -> None:
        session, writer = self.session, self.writer
        if session is not None and writer is not None:
            writer.submit(lambda: session.record_timing_fit(stream, record))


@dataclass
class _Stream:
    """What the consumer keeps about one device's stream."""

    name: str
    driver: DeviceDriver
    ring: SampleRing
    sink: StreamSink | None = None
    segment: SegmentState | None = None
    segment_id: int = 0
    segment_ended: bool = False
    decoder: PacketDecoder | None = None
    last_host_ns: int | None = None
    last_device_s: float | None = None
    shown_device_s: float = float("-inf")
    shown_time_s: float = float("-inf")
    unwritten: list[SampleBlock] = field(default_factory=list)
    unwritten_arrivals_ns: list[int] = field(default_factory=list)


class StreamConsumer:
    """Consumes the recorder's queue into rings, the status board and the session.

    Parameters
    ----------
    streams : ``(name, driver, ring)`` of every device.
    board : where counts and states are reported.
    events : session writes.
    clock : host clocks; ``utc_offset_ns`` turns its monotonic ns into UTC ns and
        ``start_utc_ns`` is time 0 of the live rings.
    """

    def __init__(
        self,
        streams: Sequence[tuple[str, DeviceDriver, SampleRing]],
        *,
        board: StatusBoard,
        events: SessionEvents,
        clock: Clock,
        utc_offset_ns: int,
        start_utc_ns: int,
    ) -> None:
        self._streams = {name: _Stream(name, driver, ring) for name, driver, ring in streams}
        self.board = board
        self.events = events
        self.clock = clock
        self.utc_offset_ns = utc_offset_ns
        self.start_utc_ns = start_utc_ns
        self.queue: asyncio.Queue[QueueMessage] = asyncio.Queue()

    def attach_sink(self, stream: str, sink: StreamSink | None) -> None:
        """Store ``stream``'s samples in ``sink`` (its session stream) from now on."""
        self._streams[stream].sink = sink

    def last_stored(self, stream: str) -> tuple[int | None, float | None]:
        """Host time (UTC ns) and device time (s) of ``stream``'s last stored sample."""
        state = self._streams[stream]
        return state.last_host_ns, state.last_device_s

    def mark_gap(self, stream: str, gap: Gap) -> None:
        """Count ``gap`` on the board and log it."""
        state = self._streams[stream]
        self.board.add(stream, n_gaps=1, n_missing_samples=max(gap.n_missing_samples, 0))
        fields: dict[str, Any] = {
            "stream": stream,
            "start_host_ns": int(gap.start_host_ns),
            "end_host_ns": int(max(gap.end_host_ns, gap.start_host_ns)),
            "reason": gap.reason,
            "start_device_time_s": float(gap.start_device_time_s),
            "segment": state.segment_id,
        }
        if gap.n_missing_samples >= 0:
            fields["n_missing_samples"] = int(gap.n_missing_samples)
        if np.isfinite(gap.end_device_time_s):
            fields["end_device_time_s"] = float(gap.end_device_time_s)
        self.events.event("device_gap", **fields)

    async def run(self, writer: WriterThread) -> None:
        """Consume until a :class:`Shutdown` message, then hand everything to ``writer``."""
        while True:
            try:
                message = await asyncio.wait_for(self.queue.get(), timeout=RELEASE_TICK_S)
            except TimeoutError:
                self._release_all(self.clock.monotonic_ns())
                self._hand_off(writer, force=False)
                continue
            self._hand_off(writer, force=False)
            if isinstance(message, Shutdown):
                for state in self._streams.values():
                    self._end_segment(state, state.segment_id)
                self._hand_off(writer, force=True)
                return
            state = self._streams[message.stream]
            if isinstance(message, LinkClosed):
                self._end_segment(state, message.segment)
            else:
                self._handle(state, message)

    def _release_all(self, now_mono_ns: int) -> None:
        for state in self._streams.values():
            if state.segment is not None:
                blocks, gaps = state.segment.release(now_mono_ns - round(HOLDBACK_S * 1e9))
                self._store(state, blocks, gaps)

    def _handle(self, state: _Stream, message: Notification) -> None:
        driver = state.driver
        if state.segment is None or message.segment != state.segment_id:
            self._end_segment(state, state.segment_id)
            self._start_segment(state, message.segment, message.arrival_mono_ns)
        segment, decoder = state.segment, state.decoder
        assert segment is not None and decoder is not None
        packet = decoder.feed(message.data)
        status = self.board.get(state.name)
        changes: dict[str, Any] = {}
        if packet.battery_v is not None:
            changes["battery_v"] = packet.battery_v
            if status.battery_v is None:
                text = f"{state.name} battery"
                self.events.event("note", text=text, stream=state.name, battery_v=packet.battery_v)
        if packet.low_power and not status.low_power:
            changes["low_power"] = True
            text = f"{state.name} battery low"
            self.events.event("note", text=text, stream=state.name, low_power=True)
        if packet.malformed is not None:
            changes["n_malformed"] = status.n_malformed + 1
        if changes:
            self.board.set(state.name, **changes)
        if not packet.n_samples:
            return
        device_time_s = packet.device_time_s if driver.has_device_clock else None
        blocks, gaps = segment.add_packet(packet.values, device_time_s, message.arrival_mono_ns)
        if device_time_s is not None:
            self._show_on_arrival(state, segment, packet.values, device_time_s)
        self._store(state, blocks, gaps, message.arrival_mono_ns)
        if state.segment_ended:
            self._end_segment(state, message.segment)

    def _start_segment(self, state: _Stream, segment_id: int, arrival_mono_ns: int) -> None:
        driver = state.driver
        state.segment = SegmentState(
            sampling_rate_hz=driver.sampling_rate_hz,
            has_device_clock=driver.has_device_clock,
            utc_offset_ns=self.utc_offset_ns,
            clock_starts_at_zero=driver.clock_starts_at_zero,
        )
        state.decoder = driver.new_decoder()
        state.shown_device_s = float("-inf")
        state.segment_id = segment_id
        state.segment_ended = False
        if state.last_host_ns is not None:
            self.mark_gap(
                state.name,
                Gap(
                    state.last_host_ns,
                    arrival_mono_ns + self.utc_offset_ns,
                    -1,
                    state.last_device_s or 0.0,
                    float("nan"),
                    "link lost: samples between disconnect and reconnect were not received",
                ),
            )

    def _end_segment(self, state: _Stream, segment_id: int) -> None:
        """Release a connection's held samples and record its clock fit.

        The segment's state stays until the next connection: notifications already on their way
        when the link closed may still arrive, and are stored with the same numbering.
        """
        segment = state.segment
        if segment is None or segment_id != state.segment_id:
            return
        blocks, gaps = segment.release(None)
        self._store(state, blocks, gaps)
        if state.segment_ended:
            return
        state.segment_ended = True
        fit = segment.final_fit()
        if fit is not None and state.sink is not None:
            record = {**fit.to_dict(), "segment": segment_id, "n_late_samples": segment.n_late}
            self.events.timing_fit(state.name, record)
        self.board.add(state.name, n_duplicates=segment.n_duplicates)

    def _store(
        self,
        state: _Stream,
        blocks: list[SampleBlock],
        gaps: list[Gap],
        arrival_mono_ns: int | None = None,
    ) -> None:
        for gap in gaps:
            self.mark_gap(state.name, gap)
        now_ns = self.clock.monotonic_ns()
        arrival = now_ns if arrival_mono_ns is None else arrival_mono_ns
        segment = state.segment
        for block in blocks:
            if state.sink is not None:
                state.unwritten.append(block)
                state.unwritten_arrivals_ns.append(arrival)
            host_ns = segment.host_ns(block.device_time_s) if segment else block.arrival_ns
            if not state.driver.has_device_clock:
                state.ring.extend((host_ns - self.start_utc_ns) / 1e9, block.values)
            state.last_host_ns = int(host_ns[-1])
            state.last_device_s = float(block.device_time_s[-1])
            self.board.stored(state.name, len(block.values), now_ns)

    def _show_on_arrival(
        self,
        state: _Stream,
        segment: SegmentState,
        values: np.ndarray,
        device_time_s: np.ndarray,
    ) -> None:
        """Put timestamped samples in the live ring as they arrive, not after the reordering
        hold-back that orders them for storage, so plots lag by the link alone. The ring keeps
        device-time order: a duplicate or late (reordered) sample is left out of the live view;
        the session stores it all the same."""
        newer = device_time_s > state.shown_device_s
        if not newer.any():
            return
        host_ns = segment.host_ns(device_time_s[newer])
        time_s = (host_ns - self.start_utc_ns) / 1e9
        # A refit (or the envelope shifting down on an early arrival) can map a newer sample to
        # an earlier host time than one already shown: keep the plotted times increasing.
        floor_s = state.shown_time_s + RING_STEP_S * (1 + np.arange(len(time_s)))
        time_s = np.maximum(time_s, floor_s)
        state.ring.extend(time_s, values[newer])
        state.shown_device_s = float(device_time_s[newer][-1])
        state.shown_time_s = float(time_s[-1])

    def _hand_off(self, writer: WriterThread, *, force: bool) -> None:
        """Pass the samples stored since the last hand-off to the writer thread, one block
        per stream, when the oldest waited ``HANDOFF_S`` (or ``force``)."""
        now_ns = self.clock.monotonic_ns()
        for state in self._streams.values():
            if not state.unwritten or state.sink is None:
                continue
            if not force and now_ns - state.unwritten_arrivals_ns[0] < HANDOFF_S * 1e9:
                continue
            blocks = state.unwritten
            merged = SampleBlock(
                np.concatenate([b.values for b in blocks]),
                np.concatenate([b.arrival_ns for b in blocks]),
                np.concatenate([b.device_time_s for b in blocks]),
            )
            writer.append(state.sink, merged, state.unwritten_arrivals_ns)
            state.unwritten, state.unwritten_arrivals_ns = [], []
