"""Write an ActiGraph ``.gt3x`` file from known acceleration: the byte-level twin of
:mod:`alsmotion.readers.gt3x`, written from ActiGraph's published GT3X format (a ZIP archive of
``info.txt`` and ``log.bin``; a ``PARAMETERS`` record with the rate and scale, one ``ACTIVITY`` record of 12-bit Y, X, Z samples per second, a
``BATTERY`` record every minute), so the readers can be tested against a truth.

A second holding a NaN sample is not written (the device was not logging). With ``idle_sleep``
the device's idle sleep mode is emulated as ActiGraph describes it: after 10 s in which no axis
moves by 40 mg or more the device sleeps, writes no activity record, and wakes in the first
second with a sample 40 mg or more away from the last one it wrote. The device clock runs at
``utc_offset_s`` from UTC (info.txt ``TimeZone`` and the ``UTC_OFFSET`` parameter say so).
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2

#: .NET ticks (100 ns since 0001-01-01) at 1970-01-01.
TICKS_AT_1970 = 621_355_968_000_000_000


def quantized_g(accel_mps2: np.ndarray, *, counts_per_g: float = 256.0) -> np.ndarray:
    """The acceleration (g) a GT3X file written with this scale holds for ``accel_mps2``: 12-bit
    counts, -2048..2047."""
    counts = np.round(np.asarray(accel_mps2, float) / STANDARD_GRAVITY_MPS2 * counts_per_g)
    return np.clip(counts, -2048, 2047) / counts_per_g


def _record(kind: int, second: int, payload: bytes) -> bytes:
    head = bytes([0x1E, kind]) + second.to_bytes(4, "little") + len(payload).to_bytes(2, "little")
    checksum = 0
    for byte in head + payload:
        checksum ^= byte
    return head + payload + bytes([~checksum & 0xFF])


def _pack_12bit(counts_xyz: np.ndarray) -> np.ndarray:
    """(seconds, n, 3) counts as the format packs them, (seconds, bytes): Y, X, Z per sample,
    12 bits each, most significant first, the last nibble of an odd count unused."""
    values = (counts_xyz[..., [1, 0, 2]].astype(np.int64) & 0xFFF).reshape(len(counts_xyz), -1)
    nibbles = np.stack([values >> 8, (values >> 4) & 0xF, values & 0xF], axis=2)
    nibbles = nibbles.reshape(len(counts_xyz), -1)
    if nibbles.shape[1] % 2:
        nibbles = np.pad(nibbles, ((0, 0), (0, 1)))
    return ((nibbles[:, 0::2] << 4) | nibbles[:, 1::2]).astype(np.uint8)


def encode_float(value: float) -> int:
    """A positive number in the format's 32-bit float code (PARAMETERS records): a 24-bit
    two's-complement fraction of 2^23 times the mantissa (0.5 <= m < 1) and an 8-bit exponent."""
    mantissa, exponent = math.frexp(value)
    return ((exponent & 0xFF) << 24) | (int(mantissa * (1 << 23)) & 0xFFFFFF)


#: The device sleeps after this many seconds without a move of :data:`IDLE_MOVE_G` or more.
IDLE_AFTER_S = 10
IDLE_MOVE_G = 0.040


def _parameters(rate: int, counts_per_g: float, idle_sleep: bool, utc_offset_s: int) -> bytes:
    """PARAMETERS payload: ACCEL_SCALE (address space 0, id 55), FEATURE_ENABLE (1, 2; bit 2
    sleep mode), SAMPLE_RATE (1, 10) and UTC_OFFSET (1, 40, signed seconds)."""
    pairs = [
        (0, 55, encode_float(counts_per_g)),
        (1, 2, 4 if idle_sleep else 0),
        (1, 10, rate),
        (1, 40, utc_offset_s & 0xFFFFFFFF),
    ]
    return b"".join(
        space.to_bytes(2, "little") + ident.to_bytes(2, "little") + value.to_bytes(4, "little")
        for space, ident, value in pairs
    )


def _ticks(seconds: float) -> int:
    return TICKS_AT_1970 + round(seconds * 10_000_000)


def _time_zone(offset_s: int) -> str:
    """info.txt ``TimeZone``: ``[-]HH:MM:SS``."""
    sign = "-" if offset_s < 0 else ""
    hours, rest = divmod(abs(offset_s), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


class _IdleSleep:
    """The device's idle sleep, second by second (its state carries across chunks)."""

    def __init__(self, move_counts: float) -> None:
        self.move_counts = move_counts
        self.still_s = 0
        self.held: np.ndarray | None = None  # the last sample written

    def logged(self, second: np.ndarray) -> bool:
        """Whether the device writes this second's record ((rate, 3) counts)."""
        if self.held is None or np.abs(second - self.held).max() >= self.move_counts:
            self.still_s = 0
        else:
            self.still_s += 1
        if self.still_s > IDLE_AFTER_S:
            return False
        self.held = second[-1]
        return True


def write_gt3x(
    path: str | Path,
    chunks: Iterable[tuple[int, np.ndarray]],
    *,
    sampling_rate_hz: float,
    start_utc: pd.Timestamp,
    counts_per_g: float = 256.0,
    serial: str = "MOS2E12345678",
    idle_sleep: bool = False,
    utc_offset_s: int = 0,
) -> Path:
    """Write ``chunks`` of (first sample, (n, 3) m/s^2) on a uniform grid from ``start_utc`` (a
    whole second; chunks of whole seconds) as a wGT3X-BT ``.gt3x`` file whose clock runs at
    ``utc_offset_s`` from UTC, with idle sleep mode emulated or off. Returns the path."""
    rate = int(sampling_rate_hz)
    if rate != sampling_rate_hz or not 30 <= rate <= 100:
        raise InvalidInputError(
            f"ActiGraph devices record at 30-100 Hz in whole Hz, not {sampling_rate_hz:g}"
        )
    start = pd.Timestamp(start_utc)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    if start.value % 1_000_000_000:
        raise InvalidInputError(f"a GT3X recording starts on a whole second, not at {start}")
    start_s = start.value // 1_000_000_000 + utc_offset_s  # the device clock
    path = Path(path)
    last_s = start_s
    sleep = _IdleSleep(IDLE_MOVE_G * counts_per_g) if idle_sleep else None
    parameters = _parameters(rate, counts_per_g, idle_sleep, utc_offset_s)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("log.bin", "w", force_zip64=True) as log:
            log.write(_record(0x15, start_s, parameters))
            for first, accel_mps2 in chunks:
                if first % rate or len(accel_mps2) % rate:
                    raise InvalidInputError("chunks must hold whole seconds of samples")
                seconds = np.asarray(accel_mps2, float).reshape(-1, rate, 3)
                counts = np.clip(
                    np.round(np.nan_to_num(seconds) / STANDARD_GRAVITY_MPS2 * counts_per_g),
                    -2048,
                    2047,
                )
                payloads = _pack_12bit(counts)
                size = payloads.shape[1]
                heads = np.zeros((len(seconds), 8), dtype=np.uint8)
                second_s = start_s + first // rate + np.arange(len(seconds))
                heads[:, 0] = 0x1E
                heads[:, 2:6] = second_s.astype("<u4").view(np.uint8).reshape(-1, 4)
                heads[:, 6:8] = np.frombuffer(size.to_bytes(2, "little"), np.uint8)
                body = np.concatenate([heads, payloads], axis=1)
                checksum = ~np.bitwise_xor.reduce(body, axis=1)
                activity = np.concatenate([body, checksum[:, None]], axis=1)
                records = []
                for k, second in enumerate(second_s.tolist()):
                    if second % 60 == 0:
                        records.append(_record(0x02, second, (4100).to_bytes(2, "little")))
                    if np.isnan(seconds[k]).any():
                        continue
                    if sleep is not None and not sleep.logged(counts[k]):
                        continue
                    records.append(activity[k].tobytes())
                    last_s = second
                log.write(b"".join(records))
        info = {
            "Serial Number": serial,
            "Device Type": "wGT3XBT",
            "Firmware": "1.9.2",
            "Battery Voltage": "4.10",
            "Sample Rate": str(rate),
            "Start Date": str(_ticks(start_s)),
            "Stop Date": "0",
            "Last Sample Time": str(_ticks(last_s + 1)),
            "Download Date": str(_ticks(last_s + 3600)),
            "Board Revision": "4",
            "Unexpected Resets": "0",
            "Acceleration Scale": f"{counts_per_g:.1f}",
            "Acceleration Min": f"{-2048 / counts_per_g:.1f}",
            "Acceleration Max": f"{2047 / counts_per_g:.1f}",
            "TimeZone": _time_zone(utc_offset_s),
            "Subject Name": "",
        }
        archive.writestr("info.txt", "".join(f"{k}: {v}\r\n" for k, v in info.items()))
    return path
