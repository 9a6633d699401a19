"""Simulated Movesense: GSP commands answered, IMU9 data messages after a SUBSCRIBE.

The sensor's clock counts ms from its boot (``uptime_s`` before the twin was made) and runs on
across subscriptions and reconnects; each data message carries the timestamp of its first
sample, truncated to whole ms. A message longer than a notification (eight IMU9 samples are 294
bytes) is sent as a part 1 that fills the notification and a part 2 with the rest.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from alsmotion.acquisition.decoders import movesense as wire
from alsmotion.acquisition.devices.movesense import MovesenseImu
from alsmotion.acquisition.twins.base import NS_PER_S, SimulatedPeripheral

#: Bytes of a notification that are ATT header, not value.
ATT_HEADER_BYTES = 3
#: IMU9 samples per data message (the vendor's Python client reads eight at 104 Hz).
SAMPLES_PER_MESSAGE = 8
#: The ATT MTU the sensor's firmware negotiates (its GSP sample sizes buffers for 161).
DEFAULT_ATT_MTU = 161


class MovesenseTwin(SimulatedPeripheral):
    """Answers HELLO, SUBSCRIBE ``/Meas/IMU9/{rate}`` and UNSUBSCRIBE; streams after SUBSCRIBE.

    Parameters
    ----------
    att_mtu : the negotiated ATT MTU; data messages longer than a notification are split in two.
    uptime_s : how long (s) the sensor had been on when the twin was made (its clock's value;
        near 2**32 ms the timestamps wrap).
    **kwargs : see :class:`SimulatedPeripheral`; ``signal_si`` holds the nine IMU9 channels.

    A subscription to another resource or rate is answered with status 404 and streams nothing.
    """

    driver = MovesenseImu
    power_on_rate_hz = MovesenseImu.recording_rate_hz
    samples_per_notification = SAMPLES_PER_MESSAGE
    streams_on_subscribe = False
    sends_full_messages = True

    def __init__(
        self, *, att_mtu: int = DEFAULT_ATT_MTU, uptime_s: float = 3600.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.att_mtu = att_mtu
        message_bytes = wire.TIMESTAMP_BYTES + SAMPLES_PER_MESSAGE * wire.IMU9_SAMPLE_BYTES
        # Refuses an MTU whose split the protocol cannot carry, before anything streams.
        wire.data_notifications(1, bytes(message_bytes), att_mtu - ATT_HEADER_BYTES)
        self.uptime_s = float(uptime_s)
        self._booted_ns = self.clock.monotonic_ns()
        self._reference: int | None = None
        self._stream_origin_s = 0.0
        self.n_subscribes = 0

    def clock_s(self, now_ns: int) -> float:
        """The sensor's clock (s since boot) at host monotonic time ``now_ns``."""
        elapsed_s = (now_ns - self._booted_ns) / NS_PER_S
        return self.uptime_s + elapsed_s * (1.0 + self.faults.clock_drift) * self.time_scale

    def handle_command(self, data: bytes) -> None:
        command = wire.parse_command(data)
        if command is None:
            return
        if command.code == wire.CMD_HELLO:
            self.send_response(wire.hello_result(command.reference))
        elif command.code == wire.CMD_SUBSCRIBE:
            rate_hz = wire.imu9_rate_hz(command.path)
            if rate_hz is None:
                self.send_response(wire.command_result(command.reference, wire.STATUS_NOT_FOUND))
                return
            self.send_response(wire.command_result(command.reference, wire.STATUS_OK))
            self.rate_hz = rate_hz
            self._reference = command.reference
            self._stream_origin_s = self.clock_s(self.clock.monotonic_ns())
            self.n_subscribes += 1
            self.start_streaming(reset_clock=True)
        elif command.code == wire.CMD_UNSUBSCRIBE and command.reference == self._reference:
            self.stop_streaming()
            self._reference = None
            self.send_response(wire.command_result(command.reference, wire.STATUS_OK))

    def detach(self) -> None:
        # The firmware drops every subscription when the central goes.
        super().detach()
        self._reference = None

    def device_time_s(self, indices: np.ndarray) -> np.ndarray:
        return self._stream_origin_s + indices / self.rate_hz

    def encode_samples(self, values_si: np.ndarray, device_time_s: np.ndarray) -> bytes:
        timestamp_ms = math.floor(device_time_s[0] * wire.MS_PER_S)
        reference = self._reference or 0
        return bytes([wire.RESP_DATA, reference]) + wire.encode_imu9(values_si, timestamp_ms)

    def split_message(self, data: bytes) -> list[bytes]:
        payload = data[wire.HEADER_BYTES :]
        return wire.data_notifications(data[1], payload, self.att_mtu - ATT_HEADER_BYTES)

    def corrupt(self, data: bytes) -> bytes:
        garbage = self._rng.integers(0, 256, size=3, dtype=np.uint8).tobytes()
        return bytes([0xE0]) + data[1:] + garbage
