"""The driver interface: what the recorder needs to know about a BLE device model.

A driver names its GATT service and characteristics (the service UUID filters scans), the commands
that configure, start and stop streaming and ask for the battery level, and makes a per-connection
:class:`PacketDecoder` that turns notification bytes into SI samples. Adding a device model
(Movesense, Xsens DOT, a Bluetooth SIG force sensor) is one new module with one subclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.recording import DeviceInfo
from alsmotion.units import validate_sampling_rate_hz

#: Bluetooth SIG Device Information characteristics (16-bit UUIDs in the base UUID).
DEVICE_INFORMATION_SERVICE = "0000180a-0000-1000-8000-00805f9b34fb"
DEVICE_INFORMATION_CHARACTERISTICS = {
    "manufacturer": "00002a29-0000-1000-8000-00805f9b34fb",
    "model": "00002a24-0000-1000-8000-00805f9b34fb",
    "serial": "00002a25-0000-1000-8000-00805f9b34fb",
    "firmware": "00002a26-0000-1000-8000-00805f9b34fb",
    "hardware": "00002a27-0000-1000-8000-00805f9b34fb",
}


@dataclass(frozen=True)
class DecodedPacket:
    """What one notification held, in SI units.

    Attributes
    ----------
    values : (n_samples, n_channels) samples in the units of the driver's ``channels``.
    device_time_s : (n_samples,) device clock in seconds, unwrapped, or None when the device
        sends no timestamps or counters.
    battery_v : battery voltage (V) when the notification reported it.
    low_power : the device warned that its battery is nearly empty.
    garbage_bytes : bytes skipped while re-synchronising the frame stream.
    malformed : why the notification could not be decoded, or None.
    """

    values: np.ndarray
    device_time_s: np.ndarray | None = None
    battery_v: float | None = None
    low_power: bool = False
    garbage_bytes: int = 0
    malformed: str | None = None

    @property
    def n_samples(self) -> int:
        return len(self.values)


class PacketDecoder(ABC):
    """Decodes the notifications of one connection, in arrival order (it may buffer bytes)."""

    @abstractmethod
    def feed(self, data: bytes) -> DecodedPacket:
        """Decode one notification's bytes."""


@dataclass(frozen=True)
class GattLayout:
    """The GATT service and characteristics a driver uses."""

    service_uuid: str
    notify_uuid: str
    write_uuid: str
    extra_services: tuple[str, ...] = field(default=(DEVICE_INFORMATION_SERVICE,))


class DeviceDriver(ABC):
    """One BLE device model.

    Parameters
    ----------
    sampling_rate_hz : the rate to configure on the device (Hz); must be one it supports.
    """

    #: Stream kind stored in the session ("imu", "force").
    kind: str
    manufacturer: str
    model: str
    gatt: GattLayout
    channels: tuple[tuple[str, str], ...]
    #: True when notifications carry device timestamps or counters.
    has_device_clock: bool
    #: True when the device clock restarts at 0 each time streaming starts, so samples lost
    #: before the first one received on a connection can be counted.
    clock_starts_at_zero: bool = False
    #: Rate (Hz) alsmotion records at unless told otherwise (one of the supported rates).
    recording_rate_hz: float

    def __init__(self, *, sampling_rate_hz: float) -> None:
        self.sampling_rate_hz = self.check_rate(validate_sampling_rate_hz(sampling_rate_hz))

    @classmethod
    @abstractmethod
    def supported_rates_hz(cls) -> tuple[float, ...]:
        """Sampling rates (Hz) the device can be configured to, highest last."""

    @classmethod
    def check_rate(cls, sampling_rate_hz: float) -> float:
        rates = cls.supported_rates_hz()
        if sampling_rate_hz not in rates:
            choices = ", ".join(f"{r:g}" for r in rates)
            raise InvalidInputError(
                f"{cls.model} cannot sample at {sampling_rate_hz:g} Hz: choose one of {choices}"
            )
        return sampling_rate_hz

    @abstractmethod
    def configure_commands(self) -> list[bytes]:
        """Commands written after connecting, before streaming (rate, tare, ...)."""

    @abstractmethod
    def start_commands(self) -> list[bytes]:
        """Commands that start streaming (written after notifications are enabled)."""

    @abstractmethod
    def stop_commands(self) -> list[bytes]:
        """Commands that stop streaming."""

    def tare_commands(self) -> list[bytes]:
        """Commands that zero the sensor (force gauges); empty when the device has none."""
        return []

    @abstractmethod
    def battery_request(self) -> bytes:
        """The command after which the device reports its battery level in a notification."""

    @abstractmethod
    def new_decoder(self) -> PacketDecoder:
        """A decoder for one connection's notification stream."""

    def default_device_info(self) -> DeviceInfo:
        """Identity used where the device has no Device Information service."""
        return DeviceInfo(manufacturer=self.manufacturer, model=self.model)


def device_info_from_reads(reads: dict[str, bytes], fallback: DeviceInfo) -> DeviceInfo:
    """Build a :class:`DeviceInfo` from Device Information reads (field name -> raw UTF-8 bytes).

    Fields the device did not provide keep the ``fallback`` value.
    """
    values = fallback.to_dict()
    for name, raw in reads.items():
        text = raw.decode("utf-8", errors="replace").strip("\x00 ")
        if text:
            values[name] = text
    return DeviceInfo(**values)
