"""Driver for the Tindeq Progressor force gauge (float32 kg + uint32 us per sample, ~80 Hz)."""

from __future__ import annotations

import numpy as np

from alsmotion.acquisition.decoders import tindeq as wire
from alsmotion.acquisition.devices.base import (
    DecodedPacket,
    DeviceDriver,
    GattLayout,
    PacketDecoder,
)

SERVICE_UUID = "7e4e1701-1ea6-40c9-9dcc-13d34ffead57"
NOTIFY_UUID = "7e4e1702-1ea6-40c9-9dcc-13d34ffead57"
WRITE_UUID = "7e4e1703-1ea6-40c9-9dcc-13d34ffead57"
#: Sampling rate of the HX711 in its 80 SPS mode (DOMAIN.md: unverified on the device).
NOMINAL_RATE_HZ = 80.0
MV_PER_V = 1000.0
US_PER_S = 1e6


class TindeqDecoder(PacketDecoder):
    """Decodes TLV notifications and unwraps the microsecond timestamps of one connection."""

    def __init__(self) -> None:
        self._last_us: int | None = None

    def feed(self, data: bytes) -> DecodedPacket:
        message = wire.parse_notification(bytes(data))
        empty = np.empty((0, 1))
        if isinstance(message, wire.WeightSamples):
            unwrapped = wire.unwrap_us(message.device_time_us, self._last_us)
            if len(unwrapped):
                self._last_us = max(int(unwrapped.max()), self._last_us or 0)
            return DecodedPacket(
                values=message.force_n[:, None], device_time_s=unwrapped / US_PER_S
            )
        if isinstance(message, wire.CommandResponse):
            millivolts = wire.battery_mv(message)
            battery_v = None if millivolts is None else millivolts / MV_PER_V
            return DecodedPacket(values=empty, battery_v=battery_v)
        if isinstance(message, wire.LowPowerWarning):
            return DecodedPacket(values=empty, low_power=True)
        if isinstance(message, wire.Malformed):
            return DecodedPacket(values=empty, malformed=message.reason, garbage_bytes=len(data))
        return DecodedPacket(values=empty)


class TindeqProgressor(DeviceDriver):
    """Tindeq Progressor handheld force gauge: force (N) with device timestamps."""

    kind = "force"
    manufacturer = "Tindeq"
    model = "Progressor"
    gatt = GattLayout(SERVICE_UUID, NOTIFY_UUID, WRITE_UUID)
    channels = wire.CHANNELS
    #: Rate (Hz) alsmotion records at unless told otherwise.
    recording_rate_hz = NOMINAL_RATE_HZ
    has_device_clock = True
    #: Weight timestamps count microseconds since the start command (vendor API).
    clock_starts_at_zero = True

    @classmethod
    def supported_rates_hz(cls) -> tuple[float, ...]:
        return (NOMINAL_RATE_HZ,)

    def configure_commands(self) -> list[bytes]:
        # No tare here: a reconnect mid-trial must not re-zero the gauge under load.
        return []

    def tare_commands(self) -> list[bytes]:
        return [wire.command(wire.CMD_TARE)]

    def start_commands(self) -> list[bytes]:
        return [wire.command(wire.CMD_START_WEIGHT)]

    def stop_commands(self) -> list[bytes]:
        return [wire.command(wire.CMD_STOP_WEIGHT)]

    def battery_request(self) -> bytes:
        return wire.command(wire.CMD_BATTERY)

    def new_decoder(self) -> PacketDecoder:
        return TindeqDecoder()
