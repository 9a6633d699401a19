"""Simulated Tindeq Progressor: weight notifications after ``0x65``, TLV command responses."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from alsmotion.acquisition.decoders import tindeq as wire
from alsmotion.acquisition.devices.tindeq import MV_PER_V, NOMINAL_RATE_HZ, TindeqProgressor
from alsmotion.acquisition.twins.base import SimulatedPeripheral

APP_VERSION = b"1.2.3"
LOW_POWER_V = 3.4
US_PER_S = 1_000_000


class TindeqTwin(SimulatedPeripheral):
    """Answers tare, start/stop weight, battery, app version and sleep."""

    driver = TindeqProgressor
    power_on_rate_hz = NOMINAL_RATE_HZ
    #: Two 8-byte samples fit the 20-byte payload of the default 23-byte ATT MTU.
    samples_per_notification = 2
    streams_on_subscribe = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tare_n = 0.0
        self._last_force_n = 0.0

    def handle_command(self, data: bytes) -> None:
        parsed = wire.parse_command(data)
        if parsed is None:
            return
        opcode, _payload = parsed
        if opcode == wire.CMD_START_WEIGHT:
            self.start_streaming(reset_clock=True)
            if self.battery_v < LOW_POWER_V:
                self.send_response(wire.encode_response(wire.RES_LOW_POWER, b""))
        elif opcode == wire.CMD_STOP_WEIGHT:
            self.stop_streaming()
        elif opcode == wire.CMD_TARE:
            self._tare_n = self._last_force_n
        elif opcode == wire.CMD_BATTERY:
            millivolts = round(self.battery_v * MV_PER_V)
            self.send_response(
                wire.encode_response(wire.RES_CMD_RESPONSE, struct.pack("<I", millivolts))
            )
        elif opcode == wire.CMD_APP_VERSION:
            self.send_response(wire.encode_response(wire.RES_CMD_RESPONSE, APP_VERSION))
        elif opcode == wire.CMD_SLEEP and self._link is not None:
            link = self._link
            self.detach()
            link.drop()

    def encode_samples(self, values_si: np.ndarray, device_time_s: np.ndarray) -> bytes:
        force_n = values_si[:, 0] - self._tare_n
        self._last_force_n = float(values_si[-1, 0])
        device_time_us = np.rint(device_time_s * US_PER_S).astype(np.int64)
        return wire.encode_weight(force_n, device_time_us)

    def corrupt(self, data: bytes) -> bytes:
        return data[:1] + bytes([(data[1] + 3) % 256]) + data[2:]
