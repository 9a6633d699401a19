"""Simulated Tindeq Progressor: weight notifications after ``0x65``, TLV command responses."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from alsmotion.acquisition.decoders import tindeq as wire
from alsmotion.acquisition.devices.tindeq import MV_PER_V, NOMINAL_RATE_HZ, TindeqProgressor
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.errors import InvalidInputError

APP_VERSION = b"1.2.3"
LOW_POWER_V = 3.4
US_PER_S = 1_000_000


#: Bytes of a notification that are not payload: 3 of ATT, 2 of the Tindeq code and length.
NOTIFICATION_OVERHEAD_BYTES = 5


class TindeqTwin(SimulatedPeripheral):
    """Answers tare, start/stop weight, battery, app version and sleep.

    Parameters
    ----------
    offset_n : what the load cell reads with nothing on it (N), the rig offset a tare removes.
    att_mtu : the negotiated ATT MTU; a notification carries as many 8-byte samples as fit
        (two at the default 23 bytes).
    **kwargs : see :class:`SimulatedPeripheral`; ``signal_si`` is the true force (N).

    The gauge reports ``signal + offset_n - tare``. A tare (``0x64``) takes the load cell's
    reading at that instant (the signal at the sample the device would take now, plus the
    offset) as the new zero, whether or not the gauge is streaming, as the device does.
    """

    driver = TindeqProgressor
    power_on_rate_hz = NOMINAL_RATE_HZ
    streams_on_subscribe = False

    def __init__(self, *, offset_n: float = 0.0, att_mtu: int = 23, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        per_notification = (att_mtu - NOTIFICATION_OVERHEAD_BYTES) // wire.SAMPLE_BYTES
        if per_notification < 1 or per_notification * wire.SAMPLE_BYTES > 255:
            raise InvalidInputError(
                f"an ATT MTU of {att_mtu} bytes does not fit Tindeq notifications: use 23-255"
            )
        self.samples_per_notification = per_notification
        self.offset_n = float(offset_n)
        self.att_mtu = att_mtu
        self.tare_n = 0.0
        self.n_tares = 0

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
            self.tare_n = self._reading_now_n()
            self.n_tares += 1
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

    def _reading_now_n(self) -> float:
        """The load cell's untared reading (N) at this instant."""
        if self.streaming:  # samples taken before the tare keep the old zero
            self._generate_due(self.clock.monotonic_ns())
        index = max(self._next_index - 1, 0)
        row = int(index * self.signal_rate_hz / self.rate_hz) % len(self.signal_si)
        return float(self.signal_si[row, 0]) + self.offset_n

    def encode_samples(self, values_si: np.ndarray, device_time_s: np.ndarray) -> bytes:
        force_n = values_si[:, 0] + self.offset_n - self.tare_n
        device_time_us = np.rint(device_time_s * US_PER_S).astype(np.int64)
        return wire.encode_weight(force_n, device_time_us)

    def corrupt(self, data: bytes) -> bytes:
        return data[:1] + bytes([(data[1] + 3) % 256]) + data[2:]
