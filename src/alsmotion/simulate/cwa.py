"""Write an Axivity ``.cwa`` file from known acceleration: the byte-level twin of
:mod:`alsmotion.readers.cwa`, written from the published CWA format (header ``MD`` of 1024 bytes,
then 512-byte ``AX`` blocks), so the readers can be tested against a truth.

Samples that are NaN were not recorded (the device was charging): the block being filled is
closed short and the next recorded sample starts a new block flagged "resume logging", as a
device does when it restarts. Blocks carry a fractional time stamp, so sample times are exact
to 1/32768 s.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2

HEADER_BYTES = 1024
BLOCK_BYTES = 512
#: Rate codes' low nibble by rate (3200 / 2^(15 - n) Hz) and top bits by range (16 >> n g).
RATE_NIBBLES = {6.25: 6, 12.5: 7, 25.0: 8, 50.0: 9, 100.0: 10, 200.0: 11, 400.0: 12, 800.0: 13}
RANGE_BITS = {16: 0, 8: 1, 4: 2, 2: 3}


def pack_datetime(seconds_since_1970: int) -> int:
    """A whole-second UTC time as a packed CWA date-time."""
    t = pd.Timestamp(int(seconds_since_1970), unit="s")
    if not 2000 <= t.year < 2064:
        raise InvalidInputError(f"a CWA date must be in 2000-2063, got {t}")
    return (
        ((t.year - 2000) << 26)
        | (t.month << 22)
        | (t.day << 17)
        | (t.hour << 12)
        | (t.minute << 6)
        | t.second
    )


def _with_checksum(block: bytearray) -> bytes:
    words = np.frombuffer(bytes(block[:-2]), "<u2")
    block[-2:] = int((-int(words.sum(dtype=np.uint64))) & 0xFFFF).to_bytes(2, "little")
    return bytes(block)


def _header(rate_code: int, start_s: int, device_id: int, session_id: int) -> bytes:
    header = bytearray(b"\xff" * HEADER_BYTES)
    header[0:2] = b"MD"
    header[2:4] = (HEADER_BYTES - 4).to_bytes(2, "little")
    header[4] = 0x17  # AX3
    header[5:7] = (device_id & 0xFFFF).to_bytes(2, "little")
    header[7:11] = session_id.to_bytes(4, "little")
    header[11:13] = (device_id >> 16).to_bytes(2, "little")
    header[13:17] = pack_datetime(start_s).to_bytes(4, "little")
    header[17:21] = (0xFFFFFFFF).to_bytes(4, "little")  # no delayed stop
    header[21:25] = bytes(4)
    header[26] = 0
    header[35] = 0x00  # accelerometer only
    header[36] = rate_code
    header[37:41] = pack_datetime(start_s).to_bytes(4, "little")
    header[41] = 45
    header[42:44] = (0xFFFF).to_bytes(2, "little")
    header[64:512] = b" " * 448  # no annotation metadata
    return bytes(header)


def _packed_parts(accel_g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) g as packed samples hold it: 10-bit mantissas of 1/256 g and a shared exponent
    (0-3), the smallest that keeps every axis within -512..511."""
    units = accel_g * 256.0
    peak = np.abs(units).max(axis=1)
    exponent = np.zeros(len(units), dtype=np.int64)
    for e in (1, 2, 3):
        exponent[peak > (511.5 * 2 ** (e - 1))] = e
    mantissa = np.clip(np.round(units / (2.0**exponent)[:, None]), -512, 511).astype(np.int64)
    return mantissa, exponent


def quantized_g(accel_mps2: np.ndarray, *, range_g: int = 8, packed: bool = True) -> np.ndarray:
    """The acceleration (g) a CWA file written with these settings holds for ``accel_mps2``."""
    accel_g = np.clip(np.asarray(accel_mps2, float) / STANDARD_GRAVITY_MPS2, -range_g, range_g)
    if not packed:
        return np.clip(np.round(accel_g * 256.0), -32768, 32767) / 256.0
    missing = np.asarray(np.isnan(accel_g).any(axis=1))
    mantissa, exponent = _packed_parts(np.where(missing[:, None], 0.0, accel_g))
    out = mantissa * (2.0**exponent)[:, None] / 256.0
    out[missing] = np.nan
    return out


def _block(
    accel_g: np.ndarray,
    first_time_s: float,
    *,
    rate_code: int,
    sequence: int,
    session_id: int,
    packed: bool,
    resumed: bool,
) -> bytes:
    block = bytearray(BLOCK_BYTES)
    frequency = 3200.0 / (1 << (15 - (rate_code & 0x0F)))
    whole, fraction_32768 = divmod(round(first_time_s * 32768), 32768)
    fraction_65536 = fraction_32768 << 1
    # the first sample is at timestamp + fraction; timestampOffset is lowered by the whole
    # samples the fraction accounts for (the format's shim for readers that ignore fractions)
    offset = -((fraction_65536 * int(frequency)) >> 16)
    block[0:2] = b"AX"
    block[2:4] = (BLOCK_BYTES - 4).to_bytes(2, "little")
    block[4:6] = (0x8000 | fraction_32768).to_bytes(2, "little")
    block[6:10] = session_id.to_bytes(4, "little")
    block[10:14] = sequence.to_bytes(4, "little")
    block[14:18] = pack_datetime(whole).to_bytes(4, "little")
    block[18:20] = (0).to_bytes(2, "little")  # light 0, accel unit 1/256 g
    block[20:22] = (400).to_bytes(2, "little")
    block[22] = 0x01 if resumed else 0x00
    block[23] = 200
    block[24] = rate_code
    block[25] = 0x30 if packed else 0x32
    block[26:28] = int(offset).to_bytes(2, "little", signed=True)
    block[28:30] = len(accel_g).to_bytes(2, "little")
    if packed:
        mantissa, exponent = _packed_parts(accel_g)
        fields = mantissa & 0x3FF
        words = fields[:, 0] | (fields[:, 1] << 10) | (fields[:, 2] << 20) | (exponent << 30)
        payload = words.astype("<u4").tobytes()
    else:
        payload = np.clip(np.round(accel_g * 256.0), -32768, 32767).astype("<i2").tobytes()
    block[30 : 30 + len(payload)] = payload
    return _with_checksum(block)


def write_cwa(
    path: str | Path,
    chunks: Iterable[tuple[int, np.ndarray]],
    *,
    sampling_rate_hz: float,
    start_utc: pd.Timestamp,
    range_g: int = 8,
    packed: bool = True,
    device_id: int = 12345,
    actual_rate_hz: float | None = None,
    session_id: int = 1,
) -> Path:
    """Write ``chunks`` of (first sample, (n, 3) m/s^2) on a uniform grid from ``start_utc`` as
    an AX3 ``.cwa`` file (device clock = UTC); values beyond ``range_g`` are clipped as the
    sensor clips them. ``actual_rate_hz``: the rate the samples were really taken at (a
    device's sample clock is off its nominal rate by up to about 1 %): sample i is stamped at
    ``start_utc + i / actual_rate_hz`` while the blocks say ``sampling_rate_hz``. Returns the
    path."""
    rate = float(sampling_rate_hz)
    if rate not in RATE_NIBBLES:
        raise InvalidInputError(
            f"a CWA device records at {', '.join(f'{r:g}' for r in RATE_NIBBLES)} Hz, not {rate:g}"
        )
    if range_g not in RANGE_BITS:
        raise InvalidInputError(f"a CWA range is one of {sorted(RANGE_BITS)} g, not {range_g}")
    rate_code = (RANGE_BITS[range_g] << 6) | RATE_NIBBLES[rate]
    per_block = 120 if packed else 80
    start = pd.Timestamp(start_utc)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    start_s = start.value / 1e9
    path = Path(path)
    sequence = 0
    next_index = 0  # grid index after the last sample written
    with path.open("wb") as handle:
        handle.write(_header(rate_code, int(np.floor(start_s)), device_id, session_id))
        for first, accel_mps2 in chunks:
            accel_g = np.clip(
                np.asarray(accel_mps2, float) / STANDARD_GRAVITY_MPS2, -range_g, range_g
            )
            recorded = ~np.isnan(accel_g).any(axis=1)
            # runs of recorded samples, cut into blocks (a chunk edge closes a block too)
            edges = np.flatnonzero(np.diff(np.concatenate([[0], recorded.astype(int), [0]])))
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                for k in range(a, b, per_block):
                    n = min(per_block, b - k)
                    handle.write(
                        _block(
                            accel_g[k : k + n],
                            start_s + (first + k) / (actual_rate_hz or rate),
                            rate_code=rate_code,
                            sequence=sequence,
                            session_id=session_id,
                            packed=packed,
                            resumed=sequence > 0 and first + k != next_index,
                        )
                    )
                    sequence += 1
                    next_index = first + k + n
    return path
