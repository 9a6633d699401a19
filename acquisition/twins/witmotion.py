"""Simulated WitMotion WT901BLECL: ``55 61`` frames, one per notification, from subscription on."""

from __future__ import annotations

from typing import Any

import numpy as np

from alsmotion.acquisition.decoders import witmotion as wire
from alsmotion.acquisition.devices.witmotion import BATTERY_CENTIVOLTS_PER_V, WitMotionImu
from alsmotion.acquisition.twins.base import SimulatedPeripheral


class WitMotionTwin(SimulatedPeripheral):
    """Streams as soon as notifications are enabled; answers unlock, rate and register reads.

    The rate register only takes effect after the unlock command, as on the device.
    """

    driver = WitMotionImu
    power_on_rate_hz = 10.0
    samples_per_notification = 1
    streams_on_subscribe = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._unlocked = False
        self._registers: dict[int, int] = {wire.REGISTER_RATE: wire.rate_code(self.rate_hz)}

    def handle_command(self, data: bytes) -> None:
        parsed = wire.parse_command(data)
        if parsed is None:
            return
        register, value = parsed
        if data == wire.UNLOCK:
            self._unlocked = True
        elif register == wire.REGISTER_READ:
            self.send_response(wire.encode_register_frame(value, self._register_block(value)))
        elif register == wire.REGISTER_RATE and self._unlocked and value in wire.RATE_CODES_HZ:
            self._registers[register] = value
            self.rate_hz = wire.RATE_CODES_HZ[value]
            if self.streaming:
                self.start_streaming(reset_clock=False)

    def _register_block(self, first: int) -> tuple[int, ...]:
        battery = round(self.battery_v * BATTERY_CENTIVOLTS_PER_V)
        values = {**self._registers, wire.REGISTER_BATTERY: battery}
        return tuple(values.get(first + k, 0) for k in range(8))

    def encode_samples(self, values_si: np.ndarray, device_time_s: np.ndarray) -> bytes:
        return b"".join(wire.encode_data_frames(values_si))

    def corrupt(self, data: bytes) -> bytes:
        garbage = self._rng.integers(0, 256, size=3, dtype=np.uint8).tobytes()
        return bytes([0x55, 0x00]) + data[2:] + garbage.replace(b"\x55", b"\x00")
