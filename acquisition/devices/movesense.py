"""Driver for the Movesense sensor over its GATT SensorData Protocol (IMU9, up to 208 Hz).

Streaming starts with a SUBSCRIBE to ``/Meas/IMU9/{rate}`` and stops with an UNSUBSCRIBE. Every
data message carries the sensor's ms timestamp of its first sample, so a lost notification is a
jump of the timestamps and its samples are counted, not estimated. The clock counts from the
sensor's boot and goes on across reconnects (it does not restart at 0 on subscribe).
"""

from __future__ import annotations

import numpy as np

from alsmotion.acquisition.decoders import movesense as wire
from alsmotion.acquisition.decoders.counters import unwrap_uint32
from alsmotion.acquisition.devices.base import (
    DecodedPacket,
    DeviceDriver,
    GattLayout,
    PacketDecoder,
)

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
#: Reference byte tagging the IMU9 subscription's data.
IMU9_REFERENCE = 99
#: Reference byte of the periodic HELLO (the protocol has no battery command).
HELLO_REFERENCE = 100


class MovesenseDecoder(PacketDecoder):
    """Joins two-part data messages of one subscription and unwraps their ms timestamps.

    A part 1 that is not a whole message waits for its part 2; when the next data notification
    is another part 1 (its part 2 was lost), or a part 2 comes without its part 1, the lone part
    is reported as malformed and its samples are lost; the timestamps of the next message count
    them.
    """

    def __init__(self, *, sampling_rate_hz: float, reference: int) -> None:
        self.sampling_rate_hz = sampling_rate_hz
        self.reference = reference
        self._first_part: bytes | None = None
        self._last_ms: int | None = None

    def feed(self, data: bytes) -> DecodedPacket:
        message = wire.parse_notification(bytes(data))
        empty = np.empty((0, len(wire.CHANNELS)))
        if isinstance(message, wire.Malformed):
            self._first_part = None
            return DecodedPacket(values=empty, malformed=message.reason, garbage_bytes=len(data))
        if isinstance(message, wire.CommandResult):
            status = wire.result_status(message)
            refused = message.reference == self.reference and status is not None and status >= 400
            reason = f"the sensor refused the subscription: status {status}" if refused else None
            return DecodedPacket(values=empty, malformed=reason)
        if message.reference != self.reference:
            return DecodedPacket(values=empty)
        if message.part == 2:
            first, self._first_part = self._first_part, None
            if first is None:
                reason = "second part of a data message without its first part"
                return DecodedPacket(values=empty, malformed=reason, garbage_bytes=len(data))
            return self._decode(first + message.payload, lost=None)
        lost = None
        if self._first_part is not None:
            lost = "first part of a data message without its second part"
        if wire.is_whole_imu9(message.payload):
            self._first_part = None
            return self._decode(message.payload, lost=lost)
        self._first_part = message.payload
        return DecodedPacket(values=empty, malformed=lost)

    def _decode(self, payload: bytes, *, lost: str | None) -> DecodedPacket:
        samples = wire.decode_imu9(payload)
        if isinstance(samples, wire.Malformed):
            empty = np.empty((0, len(wire.CHANNELS)))
            return DecodedPacket(values=empty, malformed=samples.reason, garbage_bytes=len(payload))
        unwrapped = int(unwrap_uint32(np.array([samples.timestamp_ms]), self._last_ms)[0])
        self._last_ms = max(unwrapped, self._last_ms or 0)
        device_time_s = wire.sample_times_s(
            unwrapped, len(samples.values_si), sampling_rate_hz=self.sampling_rate_hz
        )
        return DecodedPacket(values=samples.values_si, device_time_s=device_time_s, malformed=lost)


class MovesenseImu(DeviceDriver):
    """Movesense sensor: acceleration (m/s^2), angular velocity (rad/s), magnetic field (T),
    with the sensor's ms timestamps."""

    kind = "imu"
    manufacturer = "Movesense"
    model = "Movesense"
    gatt = GattLayout(SERVICE_UUID, NOTIFY_UUID, WRITE_UUID)
    channels = wire.CHANNELS
    #: Rate (Hz) alsmotion records at unless told otherwise.
    recording_rate_hz = 104.0
    has_device_clock = True
    #: The timestamps count from the sensor's boot, not from the subscription.
    clock_starts_at_zero = False

    @classmethod
    def supported_rates_hz(cls) -> tuple[float, ...]:
        return wire.IMU9_RATES_HZ

    def configure_commands(self) -> list[bytes]:
        return []

    def start_commands(self) -> list[bytes]:
        return [wire.subscribe(IMU9_REFERENCE, wire.imu9_path(self.sampling_rate_hz))]

    def stop_commands(self) -> list[bytes]:
        return [wire.unsubscribe(IMU9_REFERENCE)]

    def battery_request(self) -> bytes:
        # GSP has no battery command (the sensor's level is a percentage, not a voltage):
        # the periodic request is a HELLO, which checks the link both ways.
        return wire.hello(HELLO_REFERENCE)

    def new_decoder(self) -> PacketDecoder:
        return MovesenseDecoder(sampling_rate_hz=self.sampling_rate_hz, reference=IMU9_REFERENCE)
