"""The asyncio recorder: connect to several devices, stream, time, store, reconnect.

Notification callbacks only stamp ``time.monotonic_ns()`` and enqueue the bytes. One consumer task
decodes, orders, de-duplicates and times the samples (:mod:`.stream_state`), and hands them to a
writer thread that appends them to the session's streams and flushes (fsync) at least every
``flush_interval_s``, so neither the event loop nor the radio waits for the disk. A link that drops
is re-established with backoff; the gap is marked; a device that stays away longer than
``ReconnectPolicy.give_up_after_s`` is reported as lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from alsmotion.acquisition.devices.base import (
    DEVICE_INFORMATION_CHARACTERISTICS,
    DeviceDriver,
    PacketDecoder,
    device_info_from_reads,
)
from alsmotion.acquisition.ring import SampleRing
from alsmotion.acquisition.sinks import SessionSink, StreamSink
from alsmotion.acquisition.status import DeviceStatus
from alsmotion.acquisition.stream_state import HOLDBACK_S, Gap, SampleBlock, SegmentState
from alsmotion.acquisition.transport.base import Connection, Transport
from alsmotion.acquisition.writer_thread import WriterThread
from alsmotion.errors import DeviceError, InvalidInputError
from alsmotion.recording import DeviceInfo

#: How often (s) the recorder asks connected devices for their battery level.
BATTERY_POLL_S = 30.0
#: How often (s) the consumer releases held-back samples of quiet streams.
RELEASE_TICK_S = 0.1
#: The consumer hands samples to the writer thread in batches at most this old (s).
HANDOFF_S = 0.05
#: Rate marks (time, count) kept per device before old ones are pruned.
MAX_RATE_MARKS = 256


@dataclass(frozen=True)
class DeviceRequest:
    """A device to record: the session stream name, its BLE address and its driver.

    ``tare_on_first_connect`` zeroes a force gauge once, on the session's first connection
    (never on a reconnect: the gauge may be under load mid-trial); the tare is logged as a note.
    """

    stream: str
    address: str
    driver: DeviceDriver
    tare_on_first_connect: bool = False


@dataclass(frozen=True)
class ReconnectPolicy:
    """Reconnect backoff: ``initial_backoff_s`` doubling up to ``max_backoff_s``; give up (and
    report the device lost) when it has been away longer than ``give_up_after_s``."""

    initial_backoff_s: float = 0.5
    max_backoff_s: float = 5.0
    give_up_after_s: float = 60.0
    connect_timeout_s: float = 10.0

    def backoff_s(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.initial_backoff_s * 2**attempt))


@dataclass
class _Device:
    request: DeviceRequest
    ring: SampleRing
    status: DeviceStatus
    sink: StreamSink | None = None
    segment_id: int = 0
    segment: SegmentState | None = None
    consumer_segment_id: int = 0
    segment_ended: bool = False
    decoder: PacketDecoder | None = None
    info: DeviceInfo | None = None
    connection: Connection | None = None
    last_host_ns: int | None = None
    last_device_s: float | None = None
    shown_device_s: float = float("-inf")
    away_since_ns: int | None = None
    rate_marks: list[tuple[int, int]] = field(default_factory=list)
    unwritten: list[SampleBlock] = field(default_factory=list)
    unwritten_arrivals_ns: list[int] = field(default_factory=list)


class Recorder:
    """Records several BLE devices into one session.

    Parameters
    ----------
    transport : how to reach the devices (bleak or in-process twins).
    devices : what to record.
    session : the session to write (``alsmotion.session.SessionWriter``); None records to the
        ring buffers only (live view without storage).
    reconnect : backoff and give-up policy.
    ring_seconds : seconds of samples kept per stream for live plots.
    flush_interval_s : longest time (s) a stored sample stays unflushed; at most 1 s.
    """

    def __init__(
        self,
        transport: Transport,
        devices: Sequence[DeviceRequest],
        *,
        session: SessionSink | None,
        reconnect: ReconnectPolicy | None = None,
        ring_seconds: float = 60.0,
        flush_interval_s: float = 0.25,
    ) -> None:
        if not devices:
            raise InvalidInputError("give at least one device to record")
        names = [d.stream for d in devices]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"stream names must be unique, got {names}")
        if not 0 < flush_interval_s <= 1.0:
            raise InvalidInputError(f"flush_interval_s must be in (0, 1], got {flush_interval_s}")
        self.transport = transport
        self.session = session
        self.reconnect = reconnect or ReconnectPolicy()
        self.flush_interval_s = flush_interval_s
        self.utc_offset_ns = time.time_ns() - time.monotonic_ns()
        self.start_utc_ns = time.time_ns()
        self._devices = {
            d.stream: _Device(
                request=d,
                ring=SampleRing(
                    capacity_samples=max(1, int(ring_seconds * d.driver.sampling_rate_hz)),
                    n_channels=len(d.driver.channels),
                ),
                status=DeviceStatus(d.stream, d.address, d.driver.model, "connecting"),
            )
            for d in devices
        }
        self._status_lock = threading.Lock()
        self._queue: asyncio.Queue[tuple[str, int, int, bytes | None]] = asyncio.Queue()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._writer: WriterThread | None = None

    # --- public API ---------------------------------------------------------------------------

    @property
    def latencies_s(self) -> list[float]:
        """Notification-to-disk latency (s) of every flushed block so far."""
        return [] if self._writer is None else self._writer.latencies_s

    def connected_streams(self) -> list[str]:
        """Streams whose device connected at least once (their stream is in the session)."""
        return [name for name, device in self._devices.items() if device.info is not None]

    def channels(self, stream: str) -> tuple[tuple[str, str], ...]:
        return self._device(stream).request.driver.channels

    def status(self) -> dict[str, DeviceStatus]:
        """Current state of every device."""
        now_ns = time.monotonic_ns()
        with self._status_lock:
            result = {}
            for name, device in self._devices.items():
                marks = [m for m in device.rate_marks if now_ns - m[0] <= 2_000_000_000]
                device.rate_marks = marks
                rate = 0.0
                if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
                    rate = (marks[-1][1] - marks[0][1]) / ((marks[-1][0] - marks[0][0]) / 1e9)
                result[name] = replace(device.status, rate_hz=rate)
            return result

    def latest(self, stream: str, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Recent samples of ``stream``: (time s since the recorder started, values (n, k))."""
        return self._device(stream).ring.latest(seconds)

    def log_event(self, event_type: str, /, **fields: Any) -> None:
        """Log an event in the session (thread-safe; no-op without a session)."""
        if self.session is not None:
            self.session.log_event(event_type, **fields)

    async def run(self, *, duration_s: float | None = None) -> None:
        """Record until :meth:`request_stop` is called or ``duration_s`` seconds have passed."""
        self._stop = asyncio.Event()
        self._writer = WriterThread(flush_interval_s=self.flush_interval_s)
        consumer = asyncio.create_task(self._consume())
        self._tasks = [asyncio.create_task(self._maintain(d)) for d in self._devices.values()]
        try:
            if duration_s is None:
                await self._stop.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=duration_s)
        finally:
            self._stop.set()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._queue.put(("", 0, 0, None))
            await consumer
            self._writer.close()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop streaming and return (call on the recorder's loop)."""
        self._stop.set()

    async def tare(self, stream: str) -> None:
        """Zero the device of ``stream`` (force gauges)."""
        device = self._device(stream)
        connection = device.connection
        if connection is None or not connection.is_connected:
            raise DeviceError("cannot tare: not connected", address=device.request.address)
        for command in device.request.driver.tare_commands():
            await connection.write(device.request.driver.gatt.write_uuid, command)

    async def _tare_at_session_start(self, device: _Device, connection: Connection) -> None:
        """Zero the gauge on the first connection, before streaming, and log it (the GUI logs
        its own tares, made with :meth:`tare`)."""
        driver = device.request.driver
        for command in driver.tare_commands():
            await connection.write(driver.gatt.write_uuid, command)
        stream = device.request.stream
        self._submit_event(
            "note",
            text=f"{stream} tared",
            stream=stream,
            tare=True,
            segment=device.segment_id,
            command_hex=b"".join(driver.tare_commands()).hex(),
        )

    # --- connection management ----------------------------------------------------------------

    def _device(self, stream: str) -> _Device:
        try:
            return self._devices[stream]
        except KeyError:
            raise InvalidInputError(
                f"no stream {stream!r}: recording {', '.join(self._devices)}"
            ) from None

    def _set_status(self, device: _Device, **changes: Any) -> None:
        with self._status_lock:
            device.status = replace(device.status, **changes)

    async def _maintain(self, device: _Device) -> None:
        policy = self.reconnect
        attempt = 0
        while not self._stop.is_set():
            try:
                await self._connect_and_stream(device)
                attempt = 0
            except DeviceError as exc:
                self._set_status(device, message=str(exc))
            except Exception as exc:  # a fault of the host, not the link: report, do not retry
                message = f"recording stopped by an unexpected error: {type(exc).__name__}: {exc}"
                self._set_status(device, state="lost", message=message)
                self._submit_event(
                    "device_disconnected", stream=device.request.stream, lost=True, reason=message
                )
                return
            if self._stop.is_set():
                break
            now_ns = time.monotonic_ns()
            if device.away_since_ns is None:
                device.away_since_ns = now_ns
            if (now_ns - device.away_since_ns) / 1e9 > policy.give_up_after_s:
                self._report_lost(device)
                return
            state = "reconnecting" if device.info is not None else "connecting"
            self._set_status(device, state=state)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=policy.backoff_s(attempt))
            attempt += 1
        self._set_status(device, state="stopped")

    def _report_lost(self, device: _Device) -> None:
        away_s = (time.monotonic_ns() - (device.away_since_ns or 0)) / 1e9
        message = (
            f"{device.request.driver.model} at {device.request.address} did not come back "
            f"within {away_s:.0f} s: check that it is switched on, charged and in range"
        )
        self._set_status(device, state="lost", message=message)
        if device.sink is not None and self._writer is not None:
            end_ns = time.monotonic_ns() + self.utc_offset_ns
            self._submit_event(
                "device_disconnected", stream=device.request.stream, lost=True, reason=message
            )
            if device.last_host_ns is not None:
                self._submit_gap(
                    device,
                    Gap(
                        device.last_host_ns,
                        end_ns,
                        -1,
                        device.last_device_s or 0.0,
                        float("nan"),
                        "device lost: it never came back",
                    ),
                )

    async def _connect_and_stream(self, device: _Device) -> None:
        request = device.request
        driver = request.driver
        dropped = asyncio.Event()
        connection = await self.transport.connect(
            request.address,
            on_disconnect=dropped.set,
            timeout_s=self.reconnect.connect_timeout_s,
        )
        device.connection = connection
        try:
            first_connection = device.info is None
            if first_connection:
                device.info = await self._read_device_info(connection, driver)
                self._open_stream(device)
            info = device.info
            assert info is not None
            device.segment_id += 1
            segment_id = device.segment_id
            stream = request.stream
            put = self._queue.put_nowait

            def on_notify(data: bytes) -> None:
                put((stream, segment_id, time.monotonic_ns(), bytes(data)))

            await connection.start_notify(driver.gatt.notify_uuid, on_notify)
            for command in driver.configure_commands():
                await connection.write(driver.gatt.write_uuid, command)
            if first_connection and request.tare_on_first_connect and driver.tare_commands():
                await self._tare_at_session_start(device, connection)
            for command in driver.start_commands():
                await connection.write(driver.gatt.write_uuid, command)
            reconnected = device.away_since_ns is not None
            device.away_since_ns = None
            self._set_status(
                device,
                state="streaming",
                message="",
                n_reconnects=device.status.n_reconnects + int(reconnected),
            )
            self._submit_event(
                "device_connected",
                stream=stream,
                address=request.address,
                segment=segment_id,
                reconnect=reconnected,
                **info.to_dict(),
            )
            await self._stream_until_dropped(device, connection, dropped)
        finally:
            device.connection = None
            if self._stop.is_set() and connection.is_connected:
                with contextlib.suppress(DeviceError):
                    for command in driver.stop_commands():
                        await connection.write(driver.gatt.write_uuid, command)
            await connection.disconnect()
            self._queue.put_nowait((request.stream, device.segment_id, time.monotonic_ns(), None))

    async def _stream_until_dropped(
        self, device: _Device, connection: Connection, dropped: asyncio.Event
    ) -> None:
        driver = device.request.driver
        while not self._stop.is_set() and not dropped.is_set():
            await connection.write(driver.gatt.write_uuid, driver.battery_request())
            waiters = [asyncio.create_task(self._stop.wait()), asyncio.create_task(dropped.wait())]
            await asyncio.wait(waiters, timeout=BATTERY_POLL_S, return_when="FIRST_COMPLETED")
            for waiter in waiters:
                waiter.cancel()
        if dropped.is_set() and not self._stop.is_set():
            device.away_since_ns = time.monotonic_ns()
            self._set_status(device, state="reconnecting", message="link lost, reconnecting")
            self._submit_event(
                "device_disconnected", stream=device.request.stream, reason="link lost"
            )

    async def _read_device_info(self, connection: Connection, driver: DeviceDriver) -> DeviceInfo:
        reads: dict[str, bytes] = {}
        for name, uuid in DEVICE_INFORMATION_CHARACTERISTICS.items():
            with contextlib.suppress(DeviceError):
                value = await connection.read(uuid)
                if value:
                    reads[name] = value
        return device_info_from_reads(reads, driver.default_device_info())

    def _open_stream(self, device: _Device) -> None:
        if self.session is None or device.info is None:
            return
        driver = device.request.driver
        device_time = (
            "device timestamps (s)"
            if driver.has_device_clock
            else "sample index / nominal rate (the device sends no timestamps)"
        )
        device.sink = self.session.add_stream(
            device.request.stream,
            kind=driver.kind,
            channels=driver.channels,
            sampling_rate_hz=driver.sampling_rate_hz,
            device=device.info,
            extra={
                "address": device.request.address,
                "driver": type(driver).__name__,
                "device_time": device_time,
                "host_time": "packet arrival (UTC ns); see timing_fit events per connection",
            },
        )

    # --- consumer -----------------------------------------------------------------------------

    def _submit_event(self, event_type: str, **fields: Any) -> None:
        session, writer = self.session, self._writer
        if session is not None and writer is not None:
            writer.submit(lambda: session.log_event(event_type, **fields))

    def _submit_gap(self, device: _Device, gap: Gap) -> None:
        with self._status_lock:
            device.status = replace(
                device.status,
                n_gaps=device.status.n_gaps + 1,
                n_missing_samples=device.status.n_missing_samples + max(gap.n_missing_samples, 0),
            )
        fields: dict[str, Any] = {
            "stream": device.request.stream,
            "start_host_ns": int(gap.start_host_ns),
            "end_host_ns": int(max(gap.end_host_ns, gap.start_host_ns)),
            "reason": gap.reason,
            "start_device_time_s": float(gap.start_device_time_s),
            "segment": device.consumer_segment_id,
        }
        if gap.n_missing_samples >= 0:
            fields["n_missing_samples"] = int(gap.n_missing_samples)
        if np.isfinite(gap.end_device_time_s):
            fields["end_device_time_s"] = float(gap.end_device_time_s)
        self._submit_event("device_gap", **fields)

    async def _consume(self) -> None:
        while True:
            try:
                item = await asyncio.wait_for(self._queue.get(), timeout=RELEASE_TICK_S)
            except TimeoutError:
                self._release_all(time.monotonic_ns())
                self._hand_off(force=False)
                continue
            self._hand_off(force=False)
            stream, segment_id, arrival_mono_ns, data = item
            if not stream:
                for device in self._devices.values():
                    self._end_segment(device, device.consumer_segment_id)
                self._hand_off(force=True)
                return
            device = self._devices[stream]
            if data is None:
                self._end_segment(device, segment_id)
                continue
            self._handle_packet(device, segment_id, arrival_mono_ns, data)

    def _release_all(self, now_mono_ns: int) -> None:
        for device in self._devices.values():
            if device.segment is not None:
                blocks, gaps = device.segment.release(now_mono_ns - round(HOLDBACK_S * 1e9))
                self._store(device, blocks, gaps, now_mono_ns)

    def _handle_packet(
        self, device: _Device, segment_id: int, arrival_mono_ns: int, data: bytes
    ) -> None:
        driver = device.request.driver
        if device.segment is None or segment_id != device.consumer_segment_id:
            self._end_segment(device, device.consumer_segment_id)
            self._start_segment(device, segment_id, arrival_mono_ns)
        segment, decoder = device.segment, device.decoder
        assert segment is not None and decoder is not None
        packet = decoder.feed(data)
        changes: dict[str, Any] = {}
        stream = device.request.stream
        if packet.battery_v is not None:
            changes["battery_v"] = packet.battery_v
            if device.status.battery_v is None:
                self._submit_event(
                    "note", text=f"{stream} battery", stream=stream, battery_v=packet.battery_v
                )
        if packet.low_power and not device.status.low_power:
            changes["low_power"] = True
            self._submit_event("note", text=f"{stream} battery low", stream=stream, low_power=True)
        if packet.malformed is not None:
            changes["n_malformed"] = device.status.n_malformed + 1
        if changes:
            self._set_status(device, **changes)
        if not packet.n_samples:
            return
        device_time_s = packet.device_time_s if driver.has_device_clock else None
        blocks, gaps = segment.add_packet(packet.values, device_time_s, arrival_mono_ns)
        if device_time_s is not None:
            self._show_on_arrival(device, segment, packet.values, device_time_s)
        self._store(device, blocks, gaps, arrival_mono_ns)
        if device.segment_ended:
            self._end_segment(device, segment_id)

    def _start_segment(self, device: _Device, segment_id: int, arrival_mono_ns: int) -> None:
        driver = device.request.driver
        device.segment = SegmentState(
            sampling_rate_hz=driver.sampling_rate_hz,
            has_device_clock=driver.has_device_clock,
            utc_offset_ns=self.utc_offset_ns,
            clock_starts_at_zero=driver.clock_starts_at_zero,
        )
        device.decoder = driver.new_decoder()
        device.shown_device_s = float("-inf")
        device.consumer_segment_id = segment_id
        device.segment_ended = False
        if device.last_host_ns is not None:
            reconnect_ns = arrival_mono_ns + self.utc_offset_ns
            self._submit_gap(
                device,
                Gap(
                    device.last_host_ns,
                    reconnect_ns,
                    -1,
                    device.last_device_s or 0.0,
                    float("nan"),
                    "link lost: samples between disconnect and reconnect were not received",
                ),
            )

    def _end_segment(self, device: _Device, segment_id: int) -> None:
        """Release a connection's held samples and record its clock fit.

        The segment's state stays until the next connection: notifications already on their way
        when the link closed may still arrive, and are stored with the same numbering.
        """
        segment = device.segment
        if segment is None or segment_id != device.consumer_segment_id:
            return
        blocks, gaps = segment.release(None)
        self._store(device, blocks, gaps, time.monotonic_ns())
        if device.segment_ended:
            return
        device.segment_ended = True
        fit = segment.final_fit()
        if fit is not None and device.sink is not None and self.session is not None:
            session = self.session
            record = {**fit.to_dict(), "segment": segment_id, "n_late_samples": segment.n_late}
            if self._writer is not None:
                self._writer.submit(
                    lambda: session.record_timing_fit(device.request.stream, record)
                )
        self._set_status(device, n_duplicates=device.status.n_duplicates + segment.n_duplicates)

    def _store(
        self, device: _Device, blocks: list[SampleBlock], gaps: list[Gap], arrival_mono_ns: int
    ) -> None:
        for gap in gaps:
            self._submit_gap(device, gap)
        segment = device.segment
        for block in blocks:
            if device.sink is not None:
                device.unwritten.append(block)
                device.unwritten_arrivals_ns.append(arrival_mono_ns)
            host_ns = segment.host_ns(block.device_time_s) if segment else block.arrival_ns
            if not device.request.driver.has_device_clock:
                device.ring.extend((host_ns - self.start_utc_ns) / 1e9, block.values)
            device.last_host_ns = int(host_ns[-1])
            device.last_device_s = float(block.device_time_s[-1])
            with self._status_lock:
                n_samples = device.status.n_samples + len(block.values)
                device.status = replace(device.status, n_samples=n_samples)
                device.rate_marks.append((time.monotonic_ns(), n_samples))
                if len(device.rate_marks) > MAX_RATE_MARKS:
                    del device.rate_marks[: MAX_RATE_MARKS // 2]

    def _show_on_arrival(
        self,
        device: _Device,
        segment: SegmentState,
        values: np.ndarray,
        device_time_s: np.ndarray,
    ) -> None:
        """Put timestamped samples in the live ring as they arrive, not after the reordering
        hold-back that orders them for storage, so plots lag by the link alone. The ring keeps
        device-time order: a duplicate or late (reordered) sample is left out of the live view;
        the session stores it all the same."""
        newer = device_time_s > device.shown_device_s
        if not newer.any():
            return
        host_ns = segment.host_ns(device_time_s[newer])
        device.ring.extend((host_ns - self.start_utc_ns) / 1e9, values[newer])
        device.shown_device_s = float(device_time_s[newer][-1])

    def _hand_off(self, *, force: bool) -> None:
        """Pass the samples stored since the last hand-off to the writer thread, one block
        per device, when the oldest waited ``HANDOFF_S`` (or ``force``)."""
        now_ns = time.monotonic_ns()
        for device in self._devices.values():
            if not device.unwritten or device.sink is None or self._writer is None:
                continue
            if not force and now_ns - device.unwritten_arrivals_ns[0] < HANDOFF_S * 1e9:
                continue
            blocks = device.unwritten
            merged = SampleBlock(
                np.concatenate([b.values for b in blocks]),
                np.concatenate([b.arrival_ns for b in blocks]),
                np.concatenate([b.device_time_s for b in blocks]),
            )
            self._writer.append(device.sink, merged, device.unwritten_arrivals_ns)
            device.unwritten, device.unwritten_arrivals_ns = [], []
