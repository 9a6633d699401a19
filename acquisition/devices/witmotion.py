"""Driver for the WitMotion WT901BLECL / BWT901BLE5.0 IMU (nine-axis, up to 200 Hz).

The sensor streams ``55 61`` frames as soon as notifications are enabled; frames carry no counter
or timestamp, so the recorder times them from host arrival and the nominal rate.
"""

from __future__ import annotations

from alsmotion.acquisition.decoders import witmotion as wire
from alsmotion.acquisition.devices.base import (
    DecodedPacket,
    DeviceDriver,
    GattLayout,
    PacketDecoder,
)

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"
BATTERY_CENTIVOLTS_PER_V = 100.0


class WitMotionDecoder(PacketDecoder):
    """Buffers bytes across notifications and cuts ``55 61`` / ``55 71`` frames out of them."""

    def __init__(self) -> None:
        self._remainder = b""

    def feed(self, data: bytes) -> DecodedPacket:
        split = wire.split_frames(self._remainder + bytes(data))
        self._remainder = split.remainder
        battery_v = None
        for frame in split.register_frames:
            register, values = wire.decode_register_frame(frame)
            if register == wire.REGISTER_BATTERY:
                battery_v = values[0] / BATTERY_CENTIVOLTS_PER_V
        return DecodedPacket(
            values=wire.decode_data_frames(split.data_frames),
            battery_v=battery_v,
            garbage_bytes=split.garbage_bytes,
        )


class WitMotionImu(DeviceDriver):
    """WitMotion BLE IMU: acceleration (m/s^2), angular velocity (rad/s), Euler angles (rad)."""

    kind = "imu"
    manufacturer = "WitMotion"
    model = "WT901BLECL"
    gatt = GattLayout(SERVICE_UUID, NOTIFY_UUID, WRITE_UUID)
    channels = wire.CHANNELS
    #: Rate (Hz) alsmotion records at unless told otherwise.
    recording_rate_hz = 100.0
    has_device_clock = False

    @classmethod
    def supported_rates_hz(cls) -> tuple[float, ...]:
        return tuple(wire.RATE_CODES_HZ.values())

    def configure_commands(self) -> list[bytes]:
        return [
            wire.UNLOCK,
            wire.command(wire.REGISTER_RATE, wire.rate_code(self.sampling_rate_hz)),
        ]

    def start_commands(self) -> list[bytes]:
        return []

    def stop_commands(self) -> list[bytes]:
        return []

    def battery_request(self) -> bytes:
        return wire.read_register_command(wire.REGISTER_BATTERY)

    def new_decoder(self) -> PacketDecoder:
        return WitMotionDecoder()
