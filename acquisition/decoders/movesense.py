"""Movesense GATT SensorData Protocol (GSP) byte format, for the nine-axis IMU stream.

Commands written to the write characteristic are ``[command][reference][data]``: ``0`` HELLO,
``1`` SUBSCRIBE (data: the ASCII resource path, e.g. ``/Meas/IMU9/104``), ``2`` UNSUBSCRIBE (the
reference given at SUBSCRIBE). The reference is a non-zero byte the client chooses; the sensor
tags every answer with it. Notifications are ``[response][reference][data]``: ``1`` a command
result (uint16 LE status, an HTTP code, then any result data; the HELLO answer carries text
instead), ``2`` data, ``3`` the second part of a data message too long for one notification
(its bytes continue those of the ``2`` before it).

An ``IMU9`` data message holds a uint32 LE timestamp (ms on the sensor's clock) of its first
sample, then n float32 LE acceleration triplets (m/s^2), n angular-velocity triplets (deg/s) and
n magnetic-field triplets (uT), each array whole before the next. Samples follow the first at
the subscribed rate. Sources: DOMAIN.md (UUIDs, paths, ms timestamp) and the public Movesense
GSP page, firmware sample and its Python client (codes, layout, the two-part split).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from alsmotion.errors import InvalidInputError

CMD_HELLO = 0
CMD_SUBSCRIBE = 1
CMD_UNSUBSCRIBE = 2

RESP_COMMAND_RESULT = 1
RESP_DATA = 2
RESP_DATA_PART2 = 3

HEADER_BYTES = 2
TIMESTAMP_BYTES = 4
#: One IMU9 sample: nine float32 values.
IMU9_SAMPLE_BYTES = 36
STATUS_OK = 200
STATUS_NOT_FOUND = 404
#: Rates (Hz) the sensor offers for ``/Meas/IMU9/{rate}``.
IMU9_RATES_HZ: tuple[float, ...] = (13.0, 26.0, 52.0, 104.0, 208.0)
IMU9_PATH_PREFIX = "/Meas/IMU9/"
MS_PER_S = 1000.0
TESLA_PER_MICROTESLA = 1e-6

#: Channel names and SI units of a decoded IMU9 sample, in column order.
CHANNELS: tuple[tuple[str, str], ...] = (
    ("accel_x", "m/s^2"),
    ("accel_y", "m/s^2"),
    ("accel_z", "m/s^2"),
    ("gyro_x", "rad/s"),
    ("gyro_y", "rad/s"),
    ("gyro_z", "rad/s"),
    ("magn_x", "T"),
    ("magn_y", "T"),
    ("magn_z", "T"),
)

#: Scale from the wire's units (m/s^2, deg/s, uT) to SI, per column.
WIRE_TO_SI = np.array([1.0] * 3 + [np.deg2rad(1.0)] * 3 + [TESLA_PER_MICROTESLA] * 3)


@dataclass(frozen=True)
class Command:
    """A command as the sensor reads it; ``path`` is the resource of a SUBSCRIBE, else ''."""

    code: int
    reference: int
    path: str


@dataclass(frozen=True)
class CommandResult:
    """A command result, kept raw: its meaning depends on the command it answers (the HELLO
    answer is the sensor's self-description, other results start with a status)."""

    reference: int
    payload: bytes


@dataclass(frozen=True)
class DataPart:
    """A data notification: ``part`` 1 (a whole message or its first part) or 2."""

    reference: int
    part: int
    payload: bytes


@dataclass(frozen=True)
class Malformed:
    """A notification that does not follow the protocol (e.g. corrupted in transit)."""

    payload: bytes
    reason: str


@dataclass(frozen=True)
class Imu9Samples:
    """The samples of one IMU9 message: raw uint32 ms timestamp of the first, (n, 9) SI values."""

    timestamp_ms: int
    values_si: np.ndarray


Message = CommandResult | DataPart | Malformed


def hello(reference: int) -> bytes:
    """HELLO: the sensor answers with a command result (a liveness check)."""
    return bytes([CMD_HELLO, _reference(reference)])


def subscribe(reference: int, path: str) -> bytes:
    """SUBSCRIBE to the resource ``path`` (e.g. ``/Meas/IMU9/104``); data comes tagged
    ``reference``."""
    return bytes([CMD_SUBSCRIBE, _reference(reference)]) + path.encode("ascii")


def unsubscribe(reference: int) -> bytes:
    """UNSUBSCRIBE the stream started with ``reference``."""
    return bytes([CMD_UNSUBSCRIBE, _reference(reference)])


def imu9_path(sampling_rate_hz: float) -> str:
    """``/Meas/IMU9/{rate}`` for one of :data:`IMU9_RATES_HZ`."""
    if sampling_rate_hz not in IMU9_RATES_HZ:
        rates = ", ".join(f"{r:g}" for r in IMU9_RATES_HZ)
        raise InvalidInputError(
            f"Movesense IMU9 cannot sample at {sampling_rate_hz:g} Hz: choose one of {rates}"
        )
    return f"{IMU9_PATH_PREFIX}{sampling_rate_hz:g}"


def imu9_rate_hz(path: str) -> float | None:
    """The rate (Hz) of an IMU9 resource path (with or without the leading ``/``), or None."""
    text = "/" + path.lstrip("/")
    if not text.startswith(IMU9_PATH_PREFIX):
        return None
    rate = text[len(IMU9_PATH_PREFIX) :]
    if not rate.isdigit() or float(rate) not in IMU9_RATES_HZ:
        return None
    return float(rate)


def parse_command(data: bytes) -> Command | None:
    """Read a write to the command characteristic; None if it is not a GSP command."""
    if len(data) < HEADER_BYTES or data[1] == 0:
        return None
    code, reference = data[0], data[1]
    if code == CMD_SUBSCRIBE:
        try:
            path = bytes(data[HEADER_BYTES:]).decode("ascii").rstrip("\x00")
        except UnicodeDecodeError:
            return None
        return Command(code, reference, path)
    if code in (CMD_HELLO, CMD_UNSUBSCRIBE) and len(data) == HEADER_BYTES:
        return Command(code, reference, "")
    return None


def command_result(reference: int, status: int, payload: bytes = b"") -> bytes:
    """A command-result notification with a uint16 LE status."""
    return bytes([RESP_COMMAND_RESULT, reference]) + struct.pack("<H", status) + payload


def hello_result(reference: int, description: bytes = b"Hello") -> bytes:
    """The sensor's answer to HELLO: a description of itself, no status."""
    return bytes([RESP_COMMAND_RESULT, reference]) + description


def result_status(result: CommandResult) -> int | None:
    """The uint16 LE status of a command result (not of the HELLO answer); None if too short."""
    if len(result.payload) < 2:
        return None
    return int(struct.unpack("<H", result.payload[:2])[0])


def parse_notification(data: bytes) -> Message:
    """Decode the header of one notification of the data characteristic."""
    if len(data) < HEADER_BYTES:
        return Malformed(bytes(data), "shorter than the 2-byte response and reference header")
    code, reference = data[0], data[1]
    payload = bytes(data[HEADER_BYTES:])
    if code in (RESP_DATA, RESP_DATA_PART2):
        return DataPart(reference, 1 if code == RESP_DATA else 2, payload)
    if code == RESP_COMMAND_RESULT:
        return CommandResult(reference, payload)
    return Malformed(bytes(data), f"unknown response code {code}")


def is_whole_imu9(payload: bytes) -> bool:
    """True when ``payload`` has the length of a whole IMU9 message (timestamp + n samples)."""
    body = len(payload) - TIMESTAMP_BYTES
    return body > 0 and body % IMU9_SAMPLE_BYTES == 0


def decode_imu9(payload: bytes) -> Imu9Samples | Malformed:
    """Decode a whole IMU9 message (the data after the header, both parts joined)."""
    if not is_whole_imu9(payload):
        return Malformed(
            payload, f"{len(payload)} bytes are not a timestamp and whole IMU9 samples"
        )
    n = (len(payload) - TIMESTAMP_BYTES) // IMU9_SAMPLE_BYTES
    (timestamp_ms,) = struct.unpack("<I", payload[:TIMESTAMP_BYTES])
    arrays = np.frombuffer(payload, dtype="<f4", offset=TIMESTAMP_BYTES).reshape(3, n, 3)
    values = np.concatenate(list(arrays), axis=1).astype(float) * WIRE_TO_SI
    if not np.all(np.isfinite(values)):
        return Malformed(payload, "an IMU9 value is not a finite number")
    return Imu9Samples(int(timestamp_ms), values)


def encode_imu9(values_si: np.ndarray, timestamp_ms: int) -> bytes:
    """Encode (n, 9) SI samples (columns of :data:`CHANNELS`) as an IMU9 message body."""
    values = np.atleast_2d(np.asarray(values_si, dtype=float)) / WIRE_TO_SI
    arrays = [values[:, 0:3], values[:, 3:6], values[:, 6:9]]
    body = np.concatenate(arrays).astype("<f4").tobytes()
    return struct.pack("<I", int(timestamp_ms) % 2**32) + body


def data_notifications(reference: int, payload: bytes, max_notification_bytes: int) -> list[bytes]:
    """The notifications carrying one data message: whole, or split into a part 1 that fills a
    notification and a part 2 with the rest.

    Raises :class:`InvalidInputError` when the message needs more than two notifications, or
    when the split would leave a part 1 that reads as a whole message (a receiver could not
    tell that a part 2 follows).
    """
    room = max_notification_bytes - HEADER_BYTES
    if len(payload) <= room:
        return [bytes([RESP_DATA, reference]) + payload]
    first, rest = payload[:room], payload[room:]
    if len(rest) > room:
        raise InvalidInputError(
            f"a {len(payload)}-byte data message needs more than two "
            f"{max_notification_bytes}-byte notifications: use a larger ATT MTU"
        )
    if is_whole_imu9(first):
        raise InvalidInputError(
            f"{max_notification_bytes}-byte notifications split an IMU9 message into a first "
            "part that reads as a whole message: use another ATT MTU"
        )
    return [bytes([RESP_DATA, reference]) + first, bytes([RESP_DATA_PART2, reference]) + rest]


def sample_times_s(timestamp_ms: int, n_samples: int, *, sampling_rate_hz: float) -> np.ndarray:
    """Device times (s) of a message's samples: its (unwrapped) ms timestamp for the first, the
    others at the subscribed rate after it."""
    return timestamp_ms / MS_PER_S + np.arange(n_samples) / sampling_rate_hz


def _reference(reference: int) -> int:
    if not 1 <= reference <= 255:
        raise InvalidInputError(f"a GSP reference is a byte from 1 to 255, got {reference}")
    return reference
