"""Tindeq Progressor byte format (vendor API page and Python sample).

Commands written to the control characteristic are tag-length-value: ``[opcode][length][payload]``
(tare ``0x64``, start weight ``0x65``, stop ``0x66``, start peak RFD ``0x67``, app version ``0x6B``,
sleep ``0x6E``, battery ``0x6F``). Notifications on the data characteristic are
``[code][length][payload]``: code 0 a command response, 1 weight samples (repeated float32 LE kg +
uint32 LE microseconds since measurement start), 2 RFD peak, 3 RFD series, 4 low-power warning.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from alsmotion.acquisition.decoders.counters import UINT32_WRAP, unwrap_uint32
from alsmotion.units import NEWTONS_PER_KGF

CMD_TARE = 0x64
CMD_START_WEIGHT = 0x65
CMD_STOP_WEIGHT = 0x66
CMD_START_PEAK_RFD = 0x67
CMD_APP_VERSION = 0x6B
CMD_SLEEP = 0x6E
CMD_BATTERY = 0x6F

RES_CMD_RESPONSE = 0
RES_WEIGHT = 1
RES_RFD_PEAK = 2
RES_RFD_SERIES = 3
RES_LOW_POWER = 4

SAMPLE_BYTES = 8
SAMPLE_FORMAT = np.dtype([("kg", "<f4"), ("us", "<u4")])
#: The microsecond timestamp wraps after 2**32 us (about 71.6 min).
TIMESTAMP_WRAP_US = UINT32_WRAP

CHANNELS: tuple[tuple[str, str], ...] = (("force", "N"),)


@dataclass(frozen=True)
class WeightSamples:
    """Weight samples of one notification, in SI: force (N) and device time (raw uint32 us)."""

    force_n: np.ndarray
    device_time_us: np.ndarray


@dataclass(frozen=True)
class CommandResponse:
    """A code-0 response; its meaning depends on the command it answers (``payload`` raw)."""

    payload: bytes


@dataclass(frozen=True)
class LowPowerWarning:
    """Code 4: the battery is nearly empty."""


@dataclass(frozen=True)
class RfdData:
    """Codes 2 and 3 (peak-RFD mode), kept raw: alsmotion computes RFD from the force samples."""

    code: int
    payload: bytes


@dataclass(frozen=True)
class Malformed:
    """A notification that does not follow the TLV format (e.g. corrupted in transit)."""

    payload: bytes
    reason: str


Message = WeightSamples | CommandResponse | LowPowerWarning | RfdData | Malformed


def parse_notification(data: bytes) -> Message:
    """Decode one data-characteristic notification.

    Weight samples are converted from kg to N at the door; timestamps stay raw uint32 us so the
    caller can unwrap them across notifications.
    """
    if len(data) < 2:
        return Malformed(bytes(data), "shorter than the 2-byte code and length header")
    code, length = data[0], data[1]
    payload = bytes(data[2:])
    if length != len(payload):
        return Malformed(bytes(data), f"length byte says {length} but {len(payload)} bytes follow")
    if code == RES_WEIGHT:
        if length % SAMPLE_BYTES:
            return Malformed(bytes(data), f"weight payload of {length} bytes is not 8-byte samples")
        samples = np.frombuffer(payload, dtype=SAMPLE_FORMAT)
        force_n = samples["kg"].astype(float) * NEWTONS_PER_KGF
        if not np.all(np.isfinite(force_n)):
            return Malformed(bytes(data), "weight sample is not a finite number")
        return WeightSamples(force_n, samples["us"].astype(np.int64))
    if code == RES_CMD_RESPONSE:
        return CommandResponse(payload)
    if code == RES_LOW_POWER:
        return LowPowerWarning()
    if code in (RES_RFD_PEAK, RES_RFD_SERIES):
        return RfdData(code, payload)
    return Malformed(bytes(data), f"unknown response code {code}")


def encode_weight(force_n: np.ndarray, device_time_us: np.ndarray) -> bytes:
    """Encode weight samples (N, uint32 us) as a code-1 notification."""
    samples = np.empty(len(force_n), dtype=SAMPLE_FORMAT)
    samples["kg"] = np.asarray(force_n, dtype=float) / NEWTONS_PER_KGF
    samples["us"] = np.asarray(device_time_us, dtype=np.int64) % TIMESTAMP_WRAP_US
    payload = samples.tobytes()
    return bytes([RES_WEIGHT, len(payload)]) + payload


def encode_response(code: int, payload: bytes) -> bytes:
    """Encode a notification ``[code][length][payload]``."""
    return bytes([code, len(payload)]) + payload


def command(opcode: int, payload: bytes = b"") -> bytes:
    """Encode a control command ``[opcode][length][payload]``."""
    return bytes([opcode, len(payload)]) + payload


def parse_command(data: bytes) -> tuple[int, bytes] | None:
    """Parse a control write into (opcode, payload); None if it is not a TLV command."""
    if len(data) < 2 or data[1] != len(data) - 2:
        return None
    return data[0], bytes(data[2:])


def battery_mv(response: CommandResponse) -> int | None:
    """Read a battery response (uint32 LE mV); None if the payload has another shape."""
    if len(response.payload) != 4:
        return None
    return int(struct.unpack("<I", response.payload)[0])


#: Unwraps the microsecond stamps of one connection (see :func:`.counters.unwrap_uint32`).
unwrap_us = unwrap_uint32
