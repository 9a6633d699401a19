"""WitMotion WT901BLECL / BWT901BLE5.0 byte format.

A notification carries 20-byte frames that start with ``0x55``: ``0x55 0x61`` is a data frame with
nine int16 LE values (acceleration x, y, z in ``/32768*16`` g; angular velocity x, y, z in
``/32768*2000`` deg/s; roll, pitch, yaw in ``/32768*180`` deg), ``0x55 0x71`` is a register reply
(``55 71 reg 00`` + eight int16 LE register values starting at ``reg``). Frames may span
notifications and garbage may sit between frames: :func:`split_frames` buffers and re-synchronises.
Commands are ``FF AA reg L H``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2

FRAME_BYTES = 20
DATA_HEADER = b"\x55\x61"
REGISTER_HEADER = b"\x55\x71"

ACCEL_FULL_SCALE_G = 16.0
GYRO_FULL_SCALE_DPS = 2000.0
ANGLE_FULL_SCALE_DEG = 180.0
INT16_SCALE = 32768.0

REGISTER_RATE = 0x03
REGISTER_BATTERY = 0x64
REGISTER_READ = 0x27

#: Output-rate register value -> rate (Hz), from the vendor's register table.
RATE_CODES_HZ = {
    0x01: 0.2,
    0x02: 0.5,
    0x03: 1.0,
    0x04: 2.0,
    0x05: 5.0,
    0x06: 10.0,
    0x07: 20.0,
    0x08: 50.0,
    0x09: 100.0,
    0x0A: 200.0,
}

#: Channel names and SI units of a decoded data frame, in column order.
CHANNELS: tuple[tuple[str, str], ...] = (
    ("accel_x", "m/s^2"),
    ("accel_y", "m/s^2"),
    ("accel_z", "m/s^2"),
    ("gyro_x", "rad/s"),
    ("gyro_y", "rad/s"),
    ("gyro_z", "rad/s"),
    ("roll", "rad"),
    ("pitch", "rad"),
    ("yaw", "rad"),
)

#: Scale from int16 counts to SI, per column of a data frame.
COUNTS_TO_SI = np.array(
    [ACCEL_FULL_SCALE_G * STANDARD_GRAVITY_MPS2 / INT16_SCALE] * 3
    + [np.deg2rad(GYRO_FULL_SCALE_DPS) / INT16_SCALE] * 3
    + [np.deg2rad(ANGLE_FULL_SCALE_DEG) / INT16_SCALE] * 3
)


@dataclass(frozen=True)
class SplitFrames:
    """Result of scanning a byte buffer for frames.

    Attributes
    ----------
    data_frames : the 20-byte ``55 61`` frames, in order.
    register_frames : the 20-byte ``55 71`` frames, in order.
    remainder : bytes at the end that may start an incomplete frame (keep for the next call).
    garbage_bytes : number of bytes skipped while re-synchronising.
    """

    data_frames: tuple[bytes, ...]
    register_frames: tuple[bytes, ...]
    remainder: bytes
    garbage_bytes: int


def split_frames(buffer: bytes) -> SplitFrames:
    """Cut complete frames out of ``buffer``, skipping bytes that cannot start a frame.

    Parameters
    ----------
    buffer : the remainder of the previous call followed by the new notification's bytes.
    """
    data: list[bytes] = []
    registers: list[bytes] = []
    garbage = 0
    position = 0
    end = len(buffer)
    while position < end:
        start = buffer.find(b"\x55", position)
        if start < 0:
            garbage += end - position
            position = end
            break
        garbage += start - position
        position = start
        if end - position < 2:
            break
        header = buffer[position : position + 2]
        if header not in (DATA_HEADER, REGISTER_HEADER):
            garbage += 1
            position += 1
            continue
        if end - position < FRAME_BYTES:
            break
        frame = bytes(buffer[position : position + FRAME_BYTES])
        (data if header == DATA_HEADER else registers).append(frame)
        position += FRAME_BYTES
    return SplitFrames(tuple(data), tuple(registers), bytes(buffer[position:]), garbage)


def decode_data_frames(frames: tuple[bytes, ...] | list[bytes]) -> np.ndarray:
    """Decode ``55 61`` frames into an (n, 9) array in SI units (m/s^2, rad/s, rad).

    Columns follow :data:`CHANNELS`.
    """
    if not frames:
        return np.empty((0, len(CHANNELS)))
    raw = np.frombuffer(b"".join(f[2:FRAME_BYTES] for f in frames), dtype="<i2")
    return raw.reshape(len(frames), len(CHANNELS)).astype(float) * COUNTS_TO_SI


def encode_data_frames(values_si: np.ndarray) -> list[bytes]:
    """Encode an (n, 9) SI array (columns of :data:`CHANNELS`) as ``55 61`` frames.

    Values beyond the full scale saturate at the int16 limits, as the sensor's do.
    """
    values = np.atleast_2d(np.asarray(values_si, dtype=float))
    counts = np.clip(np.rint(values / COUNTS_TO_SI), -32768, 32767).astype("<i2")
    return [DATA_HEADER + row.tobytes() for row in counts]


def decode_register_frame(frame: bytes) -> tuple[int, tuple[int, ...]]:
    """Decode a ``55 71`` reply into (first register, its eight int16 values)."""
    values = np.frombuffer(frame[4:FRAME_BYTES], dtype="<i2")
    return frame[2], tuple(int(v) for v in values)


def encode_register_frame(register: int, values: tuple[int, ...]) -> bytes:
    """Encode a ``55 71`` reply for ``register`` holding up to eight int16 values."""
    padded = (tuple(values) + (0,) * 8)[:8]
    return REGISTER_HEADER + bytes([register, 0]) + np.array(padded, dtype="<i2").tobytes()


def command(register: int, value: int) -> bytes:
    """A write command ``FF AA reg L H`` setting ``register`` to the uint16 ``value``."""
    return bytes([0xFF, 0xAA, register, value & 0xFF, (value >> 8) & 0xFF])


UNLOCK = bytes([0xFF, 0xAA, 0x69, 0x88, 0xB5])
SAVE = command(0x00, 0x0000)


def read_register_command(register: int) -> bytes:
    """The command asking the sensor to reply with registers starting at ``register``."""
    return command(REGISTER_READ, register)


def parse_command(data: bytes) -> tuple[int, int] | None:
    """Parse ``FF AA reg L H`` into (register, uint16 value); None if not a command."""
    if len(data) != 5 or data[0] != 0xFF or data[1] != 0xAA:
        return None
    return data[2], data[3] | (data[4] << 8)


def rate_code(sampling_rate_hz: float) -> int:
    """The output-rate register value for ``sampling_rate_hz`` (one of :data:`RATE_CODES_HZ`)."""
    for code, rate_hz in RATE_CODES_HZ.items():
        if rate_hz == sampling_rate_hz:
            return code
    rates = ", ".join(f"{r:g}" for r in RATE_CODES_HZ.values())
    raise InvalidInputError(
        f"WitMotion sensors cannot sample at {sampling_rate_hz:g} Hz: choose one of {rates}"
    )
