"""Machinery shared by the simulated peripherals: GATT surface, clock, radio link and faults.

A twin keeps its own device clock (nominal rate times ``1 + clock_drift``), generates samples as
host time passes, packs them into notifications with the device's own byte format, and hands them
to the link at BLE connection events (every ``connection_interval_s``, some events missed), so
notifications arrive late, bunched and in order, as over a real radio. The fault plan then drops,
duplicates, reorders or corrupts notifications and can drop the link. What happened to every
sample is kept in :attr:`SimulatedPeripheral.truth` for tests.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from alsmotion.acquisition.clock import Clock, SystemClock
from alsmotion.acquisition.devices.base import DEVICE_INFORMATION_CHARACTERISTICS, DeviceDriver
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.errors import InvalidInputError
from alsmotion.recording import DeviceInfo
from alsmotion.units import validate_sampling_rate_hz

NS_PER_S = 1_000_000_000


class TwinLink(Protocol):
    """What a twin needs from whoever serves it (in-process transport or GATT server)."""

    def notify(self, char_uuid: str, data: bytes) -> None:
        """Deliver a notification to the connected central."""

    def drop(self) -> None:
        """Drop the connection from the peripheral's side."""


@dataclass
class Packet:
    """One notification in flight: its bytes and the truth rows of the samples it carries.

    A message split over several notifications (``n_parts`` > 1) delivers its samples only
    when its parts arrive intact one right after the other, ``part`` 0 first.
    """

    data: bytes
    truth_rows: np.ndarray
    corrupted: bool = False
    message: int = 0
    part: int = 0
    n_parts: int = 1


@dataclass
class SampleTruth:
    """Ground truth of every sample a twin generated, for tests; one row per sample, in order.

    ``device_index`` counts samples since streaming (re)started; ``device_time_s`` is the time
    the device's clock gave it; ``generated_host_ns`` is the host monotonic time at which the
    device took it; ``delivered`` maps a row to its intact deliveries.
    """

    device_index: list[int] = field(default_factory=list)
    device_time_s: list[float] = field(default_factory=list)
    generated_host_ns: list[int] = field(default_factory=list)
    delivered: dict[int, int] = field(default_factory=dict)
    link_drops_host_ns: list[int] = field(default_factory=list)

    def delivered_indices(self) -> np.ndarray:
        """Rows of samples delivered intact at least once, ascending."""
        return np.array(sorted(i for i, n in self.delivered.items() if n > 0), dtype=np.int64)


class SimulatedPeripheral(ABC):
    """Base of the byte-level twins.

    Parameters
    ----------
    address : the address the twin advertises under.
    name : the name it advertises (default: its model and the end of its address).
    signal_si : (n, k) samples in the driver's SI channels, played in a loop.
    signal_rate_hz : sampling rate of ``signal_si`` (Hz).
    faults : link faults to inject.
    seed : seed of the twin's random number generator (jitter and faults).
    device_info : what the Device Information service reports.
    battery_v : battery voltage (V) the device reports.
    connection_interval_s : BLE connection interval (s).
    time_scale : run the device this many times faster than real time (benchmarks).
    clock : the host clock the device's timing follows (default: the system's; tests pass the
        clock of an event loop whose time is simulated).
    """

    driver: type[DeviceDriver]
    #: Rate (Hz) the device samples at before it is configured.
    power_on_rate_hz: float
    #: Most samples the device packs into one notification.
    samples_per_notification: int
    #: The device streams as soon as notifications are enabled (no start command).
    streams_on_subscribe: bool
    #: The device sends only full messages of ``samples_per_notification`` samples (it batches
    #: them), not whatever was taken by the connection event.
    sends_full_messages: bool = False
    #: The ATT MTU the link negotiates (bytes); a notification's payload is at most 3 less.
    att_mtu: int = 23

    def __init__(
        self,
        *,
        address: str,
        name: str | None = None,
        signal_si: np.ndarray,
        signal_rate_hz: float,
        faults: FaultPlan | None = None,
        seed: int = 0,
        device_info: DeviceInfo | None = None,
        battery_v: float = 3.9,
        connection_interval_s: float = 0.015,
        time_scale: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        signal = np.asarray(signal_si, dtype=float)
        if signal.ndim != 2 or signal.shape[1] != len(self.driver.channels) or not len(signal):
            raise InvalidInputError(
                f"{self.driver.model} twin needs a signal of shape (n, {len(self.driver.channels)})"
                f", got {signal.shape}"
            )
        self.address = address
        self._name = name
        self.signal_si = signal
        self.signal_rate_hz = validate_sampling_rate_hz(signal_rate_hz)
        self.faults = faults or FaultPlan()
        self.device_info = device_info or DeviceInfo(
            manufacturer=self.driver.manufacturer,
            model=self.driver.model,
            serial=f"SIM-{address.replace(':', '')[-6:]}",
            firmware="sim-1.0",
            hardware="twin",
        )
        self.battery_v = battery_v
        self.connection_interval_s = connection_interval_s
        self.time_scale = time_scale
        self.clock: Clock = clock or SystemClock()
        self.rate_hz = self.power_on_rate_hz
        self.advertising = True
        self.truth = SampleTruth()
        self._rng = np.random.default_rng(seed)
        self._link: TwinLink | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self._pending: deque[Packet] = deque()
        self._held: Packet | None = None
        self._next_index = 0
        self._anchor_ns = 0
        self._anchor_index = 0
        self._stream_start_ns: int | None = None
        self._disconnect_fired = False
        self._n_data_packets = 0
        self._n_since_start = 0
        self._n_messages = 0
        self._last_part_sent: tuple[int, int] | None = None

    # --- GATT surface -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        if self._name is not None:
            return self._name
        return f"{self.driver.model}-{self.address[-5:].replace(':', '')}"

    @property
    def service_uuids(self) -> tuple[str, ...]:
        return (self.driver.gatt.service_uuid,)

    def read(self, char_uuid: str) -> bytes | None:
        """Value of a readable characteristic (Device Information), None if there is none."""
        for field_name, uuid in DEVICE_INFORMATION_CHARACTERISTICS.items():
            if uuid == char_uuid.lower():
                return str(getattr(self.device_info, field_name)).encode()
        return None

    def attach(self, link: TwinLink) -> None:
        """A central connected."""
        self._link = link

    def detach(self) -> None:
        """The link is gone (either side closed it): stop streaming."""
        self._link = None
        self._stop_streaming()

    def subscribe(self, char_uuid: str) -> None:
        """The central enabled notifications on ``char_uuid``."""
        if char_uuid.lower() == self.driver.gatt.notify_uuid and self.streams_on_subscribe:
            self.start_streaming(reset_clock=True)

    def write(self, char_uuid: str, data: bytes) -> None:
        """The central wrote ``data`` to ``char_uuid``."""
        if char_uuid.lower() == self.driver.gatt.write_uuid:
            self.handle_command(bytes(data))

    # --- device behaviour (subclasses) --------------------------------------------------------

    @abstractmethod
    def handle_command(self, data: bytes) -> None:
        """Answer a command written to the control characteristic."""

    @abstractmethod
    def encode_samples(self, values_si: np.ndarray, device_time_s: np.ndarray) -> bytes:
        """Bytes of one notification holding these samples."""

    @abstractmethod
    def corrupt(self, data: bytes) -> bytes:
        """A framing-corrupted version of ``data``."""

    def split_message(self, data: bytes) -> list[bytes]:
        """The notifications that carry one message of samples (one, unless the device splits
        messages too long for a notification)."""
        return [data]

    def device_time_s(self, indices: np.ndarray) -> np.ndarray:
        """The device clock's time (s) of the samples numbered ``indices`` since streaming
        started (the sample index over the rate, unless the device's clock runs on)."""
        return indices / self.rate_hz

    # --- streaming ----------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        return self._stream_task is not None and not self._stream_task.done()

    def send_response(self, data: bytes) -> None:
        """Queue a command response behind the data already in flight."""
        self._pending.append(Packet(data, np.empty(0, dtype=np.int64)))
        if not self.streaming:
            self._flush(len(self._pending))

    def start_streaming(self, *, reset_clock: bool) -> None:
        """Start (or re-anchor) sample generation at the current rate."""
        now_ns = self.clock.monotonic_ns()
        if reset_clock or self._stream_start_ns is None:
            self._next_index = 0
            self._n_since_start = 0
            self._stream_start_ns = now_ns
        self._anchor_ns = now_ns
        self._anchor_index = self._next_index
        if not self.streaming:
            self._stream_task = asyncio.get_running_loop().create_task(self._run())

    def _stop_streaming(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None
        self._pending.clear()
        self._held = None

    def stop_streaming(self) -> None:
        """Stop generating samples (what is in flight is still delivered)."""
        if self._stream_task is not None:
            self._stream_task.cancel()
            self._stream_task = None
        self._flush(len(self._pending))

    def _period_host_ns(self) -> float:
        return NS_PER_S / (self.rate_hz * (1.0 + self.faults.clock_drift) * self.time_scale)

    def _generate_due(self, now_ns: int) -> None:
        due = self._anchor_index + int((now_ns - self._anchor_ns) / self._period_host_ns()) + 1
        if self.sends_full_messages:
            batch = self.samples_per_notification
            due = self._next_index + (due - self._next_index) // batch * batch
        if due <= self._next_index:
            return
        indices = np.arange(self._next_index, due, dtype=np.int64)
        self._next_index = due
        generated_ns = self._anchor_ns + (indices - self._anchor_index) * self._period_host_ns()
        first_row = len(self.truth.device_index)
        self.truth.device_index.extend(indices.tolist())
        self.truth.generated_host_ns.extend(np.rint(generated_ns).astype(np.int64).tolist())
        rows = first_row + np.arange(len(indices), dtype=np.int64)
        signal_rows = (indices * self.signal_rate_hz / self.rate_hz).astype(np.int64)
        values = self.signal_si[signal_rows % len(self.signal_si)]
        device_time_s = self.device_time_s(indices)
        self.truth.device_time_s.extend(device_time_s.tolist())
        for start in range(0, len(indices), self.samples_per_notification):
            part = slice(start, start + self.samples_per_notification)
            data = self.encode_samples(values[part], device_time_s[part])
            notifications = self.split_message(data)
            self._n_messages += 1
            for k, notification in enumerate(notifications):
                self._enqueue_with_faults(
                    Packet(notification, rows[part], False, self._n_messages, k, len(notifications))
                )

    def _enqueue_with_faults(self, packet: Packet) -> None:
        faults = self.faults
        draws = self._rng.random(4)
        self._n_data_packets += 1
        self._n_since_start += 1
        if faults.drop_every is not None and self._n_data_packets % faults.drop_every == 0:
            return
        if self._n_since_start <= faults.drop_first:
            return
        if draws[0] < faults.drop_probability:
            return
        if draws[1] < faults.corrupt_probability:
            packet = replace(packet, data=self.corrupt(packet.data), corrupted=True)
        copies = 2 if draws[2] < faults.duplicate_probability else 1
        if self._held is None and draws[3] < faults.reorder_probability:
            self._held = packet
            return
        for _ in range(copies):
            self._pending.append(packet)
        if self._held is not None:
            self._pending.append(self._held)
            self._held = None

    def _flush(self, n_packets: int) -> None:
        link = self._link
        for _ in range(min(n_packets, len(self._pending))):
            packet = self._pending.popleft()
            if link is None:
                return
            if not packet.corrupted and self._completes_message(packet):
                for index in packet.truth_rows.tolist():
                    self.truth.delivered[index] = self.truth.delivered.get(index, 0) + 1
            if len(packet.truth_rows):
                self._last_part_sent = None if packet.corrupted else (packet.message, packet.part)
            link.notify(self.driver.gatt.notify_uuid, packet.data)

    def _completes_message(self, packet: Packet) -> bool:
        """Whether delivering ``packet`` hands the central a whole message of samples."""
        if packet.part != packet.n_parts - 1:
            return False
        return packet.part == 0 or self._last_part_sent == (packet.message, packet.part - 1)

    async def _run(self) -> None:
        interval_ns = int(self.connection_interval_s * NS_PER_S / self.time_scale)
        next_event_ns = self.clock.monotonic_ns() + interval_ns
        while self._link is not None:
            await asyncio.sleep(max(0.0, (next_event_ns - self.clock.monotonic_ns()) / NS_PER_S))
            now_ns = self.clock.monotonic_ns()
            next_event_ns += interval_ns
            if self._disconnect_due(now_ns):
                self._fault_disconnect()
                return
            self._generate_due(now_ns)
            if self._rng.random() >= self.faults.missed_event_probability:
                self._flush(len(self._pending))

    def _disconnect_due(self, now_ns: int) -> bool:
        after_s = self.faults.disconnect_after_s
        if after_s is None or self._disconnect_fired or self._stream_start_ns is None:
            return False
        return (now_ns - self._stream_start_ns) * self.time_scale >= after_s * NS_PER_S

    def _fault_disconnect(self) -> None:
        self._disconnect_fired = True
        self.advertising = False
        self.truth.link_drops_host_ns.append(self.clock.monotonic_ns())
        link = self._link
        self._stream_task = None
        self.detach()
        if link is not None:
            link.drop()
        if self.faults.offline_s is not None:
            asyncio.get_running_loop().call_later(
                self.faults.offline_s / self.time_scale, self._come_back
            )

    def _come_back(self) -> None:
        self.advertising = True
