"""The asyncio recorder: connect to several devices, stream, time, store, reconnect.

Three parts, each in its own module: the connection lifecycle (here: connect, configure, tare
on the first connection, stream, reconnect with backoff, give up), the stream consumer
(:mod:`.consumer`: decode, order, store) and the status board (:class:`.status.StatusBoard`).
Notification callbacks only stamp the clock's monotonic ns and enqueue a typed
:class:`.messages.Notification`; the consumer hands samples to a writer thread that appends them
to the session's streams and flushes (fsync) at least every ``flush_interval_s``, so neither the
event loop nor the radio waits for the disk. A link that drops is re-established with backoff;
the gap is marked; a device that stays away longer than ``ReconnectPolicy.give_up_after_s`` is
reported as lost. The clocks are injectable (:mod:`.clock`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alsmotion.acquisition.clock import Clock, SystemClock
from alsmotion.acquisition.consumer import SessionEvents, StreamConsumer
from alsmotion.acquisition.devices.base import (
    DEVICE_INFORMATION_CHARACTERISTICS,
    DeviceDriver,
    device_info_from_reads,
)
from alsmotion.acquisition.messages import LinkClosed, Notification, Shutdown
from alsmotion.acquisition.ring import SampleRing
from alsmotion.acquisition.sinks import SessionSink, StreamSink
from alsmotion.acquisition.status import DeviceStatus, StatusBoard
from alsmotion.acquisition.stream_state import Gap
from alsmotion.acquisition.transport.base import Connection, Transport
from alsmotion.acquisition.writer_thread import WriterThread
from alsmotion.errors import DeviceError, InvalidInputError
from alsmotion.recording import DeviceInfo

#: How often (s) the recorder asks connected devices for their battery level.
BATTERY_POLL_S = 30.0


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
    report the device lost) when it has been away longer than ``give_up_after_s``, or, for a
    device that has not connected once in this recording, after ``first_connect_within_s``
    (it was just found by the scan, so a device that accepts no connection is held by another
    host or app: waiting the whole recording for it helps nobody)."""

    initial_backoff_s: float = 0.5
    max_backoff_s: float = 5.0
    give_up_after_s: float = 60.0
    first_connect_within_s: float = 20.0
    connect_timeout_s: float = 10.0

    def backoff_s(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.initial_backoff_s * 2**attempt))


@dataclass
class _Device:
    """The connection side's state of one device."""

    request: DeviceRequest
    segment_id: int = 0
    info: DeviceInfo | None = None
    connection: Connection | None = None
    away_since_ns: int | None = None


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
    clock : the host clocks to stamp and time with (default: the system's).
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
        clock: Clock | None = None,
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
        self.clock: Clock = clock or SystemClock()
        self.utc_offset_ns = self.clock.time_ns() - self.clock.monotonic_ns()
        self.start_utc_ns = self.clock.time_ns()
        self._devices = {d.stream: _Device(request=d) for d in devices}
        self._rings = {
            d.stream: SampleRing(
                capacity_samples=max(1, int(ring_seconds * d.driver.sampling_rate_hz)),
                n_channels=len(d.driver.channels),
            )
            for d in devices
        }
        self.board = StatusBoard(
            [DeviceStatus(d.stream, d.address, d.driver.model, "connecting") for d in devices]
        )
        self._events = SessionEvents(session)
        self._consumer = StreamConsumer(
            [(d.stream, d.driver, self._rings[d.stream]) for d in devices],
            board=self.board,
            events=self._events,
            clock=self.clock,
            utc_offset_ns=self.utc_offset_ns,
            start_utc_ns=self.start_utc_ns,
        )
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
        return self.board.snapshot(self.clock.monotonic_ns())

    def latest(self, stream: str, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """Recent samples of ``stream``: (time s since the recorder started, values (n, k))."""
        self._device(stream)
        return self._rings[stream].latest(seconds)

    def log_event(self, event_type: str, /, **fields: Any) -> None:
        """Log an event in the session (thread-safe; no-op without a session)."""
        if self.session is not None:
            self.session.log_event(event_type, **fields)

    async def run(self, *, duration_s: float | None = None) -> None:
        """Record until :meth:`request_stop` is called or ``duration_s`` seconds have passed."""
        self._stop = asyncio.Event()
        self._writer = WriterThread(flush_interval_s=self.flush_interval_s)
        self._events.writer = self._writer
        consumer = asyncio.create_task(self._consumer.run(self._writer))
        self._tasks = [asyncio.create_task(self._maintain(d)) for d in self._devices.values()]
        try:
            await self._until_done(duration_s)
        finally:
            self._stop.set()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._consumer.queue.put_nowait(Shutdown())
            await consumer
            self._writer.close()

    async def _until_done(self, duration_s: float | None) -> None:
        """Wait until asked to stop, ``duration_s`` has passed, or every device was given up."""
        loop = asyncio.get_running_loop()
        deadline = None if duration_s is None else loop.time() + duration_s
        stopped = asyncio.create_task(self._stop.wait())
        try:
            while not stopped.done():
                running = [task for task in self._tasks if not task.done()]
                remaining = None if deadline is None else deadline - loop.time()
                if not running or (remaining is not None and remaining <= 0):
                    return
                await asyncio.wait(
                    [stopped, *running], timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
        finally:
            stopped.cancel()

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

    # --- connection lifecycle -----------------------------------------------------------------

    def _device(self, stream: str) -> _Device:
        try:
            return self._devices[stream]
        except KeyError:
            raise InvalidInputError(
                f"no stream {stream!r}: recording {', '.join(self._devices)}"
            ) from None

    async def _maintain(self, device: _Device) -> None:
        policy = self.reconnect
        stream = device.request.stream
        attempt = 0
        while not self._stop.is_set():
            try:
                await self._connect_and_stream(device)
                attempt = 0
            except DeviceError as exc:
                self.board.set(stream, message=str(exc))
            except Exception as exc:  # a fault of the host, not the link: report, do not retry
                message = f"recording stopped by an unexpected error: {type(exc).__name__}: {exc}"
                self.board.set(stream, state="lost", message=message)
                self._events.event("device_disconnected", stream=stream, lost=True, reason=message)
                return
            if self._stop.is_set():
                break
            now_ns = self.clock.monotonic_ns()
            if device.away_since_ns is None:
                device.away_since_ns = now_ns
            limit_s = policy.give_up_after_s if device.info else policy.first_connect_within_s
            if (now_ns - device.away_since_ns) / 1e9 > limit_s:
                self._report_lost(device)
                return
            state = "reconnecting" if device.info is not None else "connecting"
            self.board.set(stream, state=state)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=policy.backoff_s(attempt))
            attempt += 1
        self.board.set(stream, state="stopped")

    def _report_lost(self, device: _Device) -> None:
        stream = device.request.stream
        now_ns = self.clock.monotonic_ns()
        away_s = (now_ns - (device.away_since_ns or 0)) / 1e9
        name = f"{device.request.driver.model} at {device.request.address}"
        if device.info is None:
            message = (
                f"{name} was found but accepted no connection within {away_s:.0f} s: disconnect "
                "it from any other phone, tablet or app (the maker's app holds it), then record "
                "again"
            )
        else:
            message = (
                f"{name} did not come back within {away_s:.0f} s: check that it is switched on, "
                "charged and in range"
            )
        self.board.set(stream, state="lost", message=message)
        if device.info is None or self.session is None:
            return
        self._events.event("device_disconnected", stream=stream, lost=True, reason=message)
        last_host_ns, last_device_s = self._consumer.last_stored(stream)
        if last_host_ns is not None:
            reason = "device lost: it never came back"
            gap = Gap(
                last_host_ns, now_ns + self.utc_offset_ns, -1, last_device_s or 0.0, np.nan, reason
            )
            self._consumer.mark_gap(stream, gap)

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
        stream = request.stream
        try:
            first_connection = device.info is None
            if first_connection:
                device.info = await self._read_device_info(connection, driver)
                self._consumer.attach_sink(stream, self._open_stream(device))
            info = device.info
            assert info is not None
            device.segment_id += 1
            segment_id = device.segment_id
            put = self._consumer.queue.put_nowait
            stamp = self.clock.monotonic_ns

            def on_notify(data: bytes) -> None:
                put(Notification(stream, segment_id, stamp(), bytes(data)))

            await connection.start_notify(driver.gatt.notify_uuid, on_notify)
            for command in driver.configure_commands():
                await connection.write(driver.gatt.write_uuid, command)
            if first_connection and request.tare_on_first_connect and driver.tare_commands():
                await self._tare_at_session_start(device, connection)
            for command in driver.start_commands():
                await connection.write(driver.gatt.write_uuid, command)
            reconnected = device.away_since_ns is not None
            device.away_since_ns = None
            self.board.set(stream, state="streaming", message="")
            self.board.add(stream, n_reconnects=int(reconnected))
            self._events.event(
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
            self._consumer.queue.put_nowait(LinkClosed(stream, device.segment_id))

    async def _tare_at_session_start(self, device: _Device, connection: Connection) -> None:
        """Zero the gauge on the first connection, before streaming, and log it (the GUI logs
        its own tares, made with :meth:`tare`)."""
        driver = device.request.driver
        for command in driver.tare_commands():
            await connection.write(driver.gatt.write_uuid, command)
        stream = device.request.stream
        self._events.event(
            "note",
            text=f"{stream} tared",
            stream=stream,
            tare=True,
            segment=device.segment_id,
            command_hex=b"".join(driver.tare_commands()).hex(),
        )

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
            device.away_since_ns = self.clock.monotonic_ns()
            stream = device.request.stream
            self.board.set(stream, state="reconnecting", message="link lost, reconnecting")
            self._events.event("device_disconnected", stream=stream, reason="link lost")

    async def _read_device_info(self, connection: Connection, driver: DeviceDriver) -> DeviceInfo:
        reads: dict[str, bytes] = {}
        for name, uuid in DEVICE_INFORMATION_CHARACTERISTICS.items():
            with contextlib.suppress(DeviceError):
                value = await connection.read(uuid)
                if value:
                    reads[name] = value
        return device_info_from_reads(reads, driver.default_device_info())

    def _open_stream(self, device: _Device) -> StreamSink | None:
        if self.session is None or device.info is None:
            return None
        driver = device.request.driver
        device_time = (
            "device timestamps (s)"
            if driver.has_device_clock
            else "sample index / nominal rate (the device sends no timestamps)"
        )
        sink: StreamSink = self.session.add_stream(
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
        return sink
