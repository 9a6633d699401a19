"""Axivity AX3/AX6 ``.cwa`` files, read block by block with bounded memory.

The layout is Open Movement's published CWA format: a 1024-byte header (``MD``) and then
512-byte data blocks (``AX``), all little-endian. A data block holds, among others, a packed
date-time of its last whole second (``timestamp``, device clock), a 15-bit fraction of a second
(top bit of bytes 4-5 set), the index of the sample that time belongs to (``timestampOffset``,
lowered by the fraction's whole samples for readers that ignore the fraction), a rate code
(3200 / 2^(15 - low nibble) Hz, range 16 >> (code >> 6) g), the axes and packing (``0x30``:
3 axes packed in 32 bits as three 10-bit values and a 2-bit exponent, in 1/256 g; ``0x32``/
``0x62``/``0x92``: 3/6/9 16-bit axes, gyro first, accel in 1/2^(8 + n) g with n in the top 3
bits of bytes 18-19), the sample count and a checksum that makes the 16-bit words sum to zero.

:func:`open_cwa` checks every block once (magic, checksum, time, configuration) in reads of
:data:`BLOCKS_PER_READ` blocks and keeps only each block's first-sample time and count;
:meth:`CwaFile.timed_samples` then decodes the samples with their times (interpolated between
consecutive blocks, so a device clock running fast or slow is followed). The device clock is
the time of the computer that set the device up; the file carries no time zone, so it is taken
as UTC here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidRecordingError

HEADER_BYTES = 1024
BLOCK_BYTES = 512
#: Blocks read at a time (2 MB).
BLOCKS_PER_READ = 4096
_HEADER_MAGIC = 0x444D  # "MD"
_BLOCK_MAGIC = 0x5841  # "AX"
_BLOCK = np.dtype(
    [
        ("magic", "<u2"),
        ("length", "<u2"),
        ("device_fractional", "<u2"),
        ("session_id", "<u4"),
        ("sequence_id", "<u4"),
        ("timestamp", "<u4"),
        ("light_scale", "<u2"),
        ("temperature", "<u2"),
        ("events", "u1"),
        ("battery", "u1"),
        ("rate_code", "u1"),
        ("axes_bps", "u1"),
        ("timestamp_offset", "<i2"),
        ("sample_count", "<u2"),
        ("data", "u1", (480,)),
        ("checksum", "<u2"),
    ]
)
assert _BLOCK.itemsize == BLOCK_BYTES
#: Axes/packing codes read: 3 axes packed in 32 bits, or 3, 6 or 9 axes of 16 bits.
_FORMATS = {0x30: (3, 4), 0x32: (3, 6), 0x62: (6, 12), 0x92: (9, 18)}


def rate_hz(rate_code: int) -> float:
    """Sampling rate (Hz) of a CWA rate code."""
    return 3200.0 / (1 << (15 - (rate_code & 0x0F)))


def range_g(rate_code: int) -> int:
    """Accelerometer range (+/- g) of a CWA rate code."""
    return 16 >> (rate_code >> 6)


def unpack_datetime(value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since 1970 of packed CWA date-times (YYYYYYMM MMDDDDDh hhhhmmmm mmssssss, year
    from 2000) and a mask of the values that are real dates."""
    value = np.asarray(value, dtype=np.int64)
    year = ((value >> 26) & 0x3F) + 2000
    month = (value >> 22) & 0x0F
    day = (value >> 17) & 0x1F
    hour = (value >> 12) & 0x1F
    minute = (value >> 6) & 0x3F
    second = value & 0x3F
    valid = (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60) & (second < 60)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (np.maximum(day, 1) - 1).astype("timedelta64[D]")
    valid &= days.astype("datetime64[M]") == months  # 31 February is no date
    seconds = days.astype(np.int64) * 86400 + hour * 3600 + minute * 60 + second
    return seconds, valid


@dataclass(frozen=True)
class CwaFile:
    """A checked CWA file: its configuration and, per data block, where it is and when its first
    sample was taken.

    Attributes
    ----------
    path : the file.
    device_id : the device identifier of the header.
    session_id : the session identifier of the header.
    rate_code : the data blocks' rate code; ``sampling_rate_hz`` and ``range_g`` follow from it.
    axes : 3 (accel), 6 (gyro, accel) or 9 (gyro, accel, magnetometer).
    packed : True for 3 axes packed in 32 bits.
    origin_s : the first block's whole second (s since 1970, device clock); the times below
        are seconds from it.
    block_start_s : (n_blocks,) time of each block's first sample.
    block_samples : (n_blocks,) samples in each block.
    block_end_s : (n_blocks,) time one sample period after each block's last sample: the next
        block's start when it follows without a gap, else from the nominal rate.
    sha256 : SHA-256 of the whole file.
    damaged_offsets : byte offsets of the blocks read as no data (``skip_damaged``).
    """

    path: Path
    device_id: int
    session_id: int
    rate_code: int
    origin_s: int
    axes: int
    packed: bool
    block_start_s: np.ndarray
    block_samples: np.ndarray
    block_end_s: np.ndarray
    sha256: str
    damaged_offsets: tuple[int, ...] = ()

    @property
    def sampling_rate_hz(self) -> float:
        return rate_hz(self.rate_code)

    @property
    def utc_offset_s(self) -> None:
        """The format has no time-zone field: the device clock's offset is not declared."""
        return None

    @property
    def range_g(self) -> int:
        return range_g(self.rate_code)

    @property
    def n_samples(self) -> int:
        return int(self.block_samples.sum())

    @property
    def first_sample_s(self) -> float:
        """Time of the first sample (s from ``origin_s``)."""
        return float(self.block_start_s[self.block_samples > 0][0])

    @property
    def last_sample_s(self) -> float:
        """Time of the last sample (s from ``origin_s``)."""
        return float(self.block_end_s[self.block_samples > 0][-1] - 1.0 / self.sampling_rate_hz)

    def timed_samples(
        self, blocks_per_read: int = BLOCKS_PER_READ
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(time (s from ``origin_s``), (n, 3) acceleration in g) per read of
        ``blocks_per_read`` blocks."""
        with self.path.open("rb") as handle:
            handle.seek(HEADER_BYTES)
            done = 0
            while done < len(self.block_samples):
                blocks = _read_blocks(handle, min(blocks_per_read, len(self.block_samples) - done))
                counts = self.block_samples[done : done + len(blocks)]
                accel_g = _decode(blocks, self.axes, self.packed)
                start = self.block_start_s[done : done + len(blocks)]
                step = (self.block_end_s[done : done + len(blocks)] - start) / np.maximum(counts, 1)
                index = np.arange(accel_g.shape[1])
                time_s = start[:, None] + index[None, :] * step[:, None]
                if np.all(counts == len(index)):
                    yield time_s.reshape(-1), accel_g.reshape(-1, 3)
                else:
                    keep = index[None, :] < counts[:, None]
                    yield time_s[keep], accel_g[keep]
                done += len(blocks)


def _read_blocks(handle, count: int) -> np.ndarray:
    raw = handle.read(count * BLOCK_BYTES)
    return np.frombuffer(raw, dtype=_BLOCK, count=len(raw) // BLOCK_BYTES)


def _decode(blocks: np.ndarray, axes: int, packed: bool) -> np.ndarray:
    """(n_blocks, samples per block, 3) acceleration in g (the unused tail of a block too)."""
    data = np.ascontiguousarray(blocks["data"])
    if packed:
        words = data.view("<u4").astype(np.int64)  # (n, 120)
        exponent = words >> 30
        out = np.empty((*words.shape, 3))
        for axis in range(3):
            raw = (words >> (10 * axis)) & 0x3FF
            out[..., axis] = ((raw ^ 0x200) - 0x200) << exponent
        return out / 256.0
    values = data.view("<i2")
    per_block = 480 // (2 * axes)
    values = values[:, : per_block * axes].reshape(len(blocks), per_block, axes)
    accel = values[..., 3:6] if axes > 3 else values
    unit = 2.0 ** (8 + ((blocks["light_scale"].astype(np.int64) >> 13) & 0x07))
    return accel / unit[:, None, None]


def _fail(path: Path, offset: int, message: str) -> InvalidRecordingError:
    return InvalidRecordingError(message, path=path, offset=offset)


def _check_header(path: Path, header: bytes) -> tuple[int, int]:
    if len(header) < HEADER_BYTES:
        raise _fail(
            path,
            0,
            f"{len(header)} bytes: a CWA file starts with a {HEADER_BYTES}-byte header; is "
            "the file complete?",
        )
    magic, length = np.frombuffer(header, "<u2", count=2)
    if magic != _HEADER_MAGIC:
        raise _fail(path, 0, "no 'MD' header: not an Axivity .cwa file (or its start is damaged)")
    if length != HEADER_BYTES - 4:
        raise _fail(path, 2, f"header length {length}, expected {HEADER_BYTES - 4}: damaged header")
    device_id = int(np.frombuffer(header, "<u2", count=1, offset=5)[0])
    upper = int(np.frombuffer(header, "<u2", count=1, offset=11)[0])
    session_id = int(np.frombuffer(header, "<u4", count=1, offset=7)[0])
    if upper != 0xFFFF:
        device_id |= upper << 16
    return device_id, session_id


def _block_times(blocks: np.ndarray, origin_s: int | None) -> tuple[np.ndarray, int | None]:
    """Time (s from ``origin_s``, the first block's second when None) of each (sound) block's
    first sample, from its timestamp, fraction and timestampOffset; and the origin."""
    seconds, _ = unpack_datetime(blocks["timestamp"])
    fractional = blocks["device_fractional"].astype(np.int64)
    has_fraction = (fractional & 0x8000) != 0
    fraction_65536 = np.where(has_fraction, (fractional & 0x7FFF) << 1, 0)
    frequency = 3200.0 / (1 << (15 - (blocks["rate_code"].astype(np.int64) & 0x0F)))
    offset = blocks["timestamp_offset"].astype(np.int64)
    offset += np.where(has_fraction, (fraction_65536 * frequency.astype(np.int64)) >> 16, 0)
    if origin_s is None and len(seconds) == 0:
        return np.zeros(0), None
    origin = int(seconds[0]) if origin_s is None else origin_s
    return (seconds - origin) + fraction_65536 / 65536.0 - offset / frequency, origin


def open_cwa(
    path: str | Path, *, skip_damaged: bool = False, blocks_per_read: int = BLOCKS_PER_READ
) -> CwaFile:
    """Check a CWA file block by block and index its blocks (see the module docstring).

    ``skip_damaged``: read a damaged block (or a last block cut short) as no data and list it
    in ``damaged_offsets`` instead of refusing the file.

    Raises
    ------
    InvalidRecordingError
        naming the file and the byte offset of the first damage: a short or foreign header, a
        block cut short, a block that is not ``AX``, a bad checksum, a timestamp that is no date,
        a block whose setting differs from the first, a block time not after the previous
        one's (with ``skip_damaged`` only the header and the order of times), or no sound data
        block at all.
    """
    path = Path(path)
    digest = hashlib.sha256()
    starts, counts, damaged_offsets = [], [], []
    config: tuple[int, int] | None = None
    origin_s: int | None = None
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc.strerror}", path=path) from None
    with handle:
        header = handle.read(HEADER_BYTES)
        digest.update(header)
        device_id, session_id = _check_header(path, header)
        offset = HEADER_BYTES
        while True:
            raw = handle.read(blocks_per_read * BLOCK_BYTES)
            if not raw:
                break
            digest.update(raw)
            n_whole = len(raw) // BLOCK_BYTES
            if len(raw) % BLOCK_BYTES:
                cut = (
                    offset + n_whole * BLOCK_BYTES,
                    f"the last block has {len(raw) % BLOCK_BYTES} of {BLOCK_BYTES} bytes: the "
                    "file was cut short (copy it from the device again)",
                )
                if not skip_damaged:
                    raise _fail(path, *cut)
                damaged_offsets.append(cut[0])
            blocks = np.frombuffer(raw[: n_whole * BLOCK_BYTES], dtype=_BLOCK)
            config, damaged, problem = _check_blocks(path, blocks, offset, config)
            if problem is not None and not skip_damaged:
                raise _fail(path, *problem)
            damaged_offsets.extend((offset + np.flatnonzero(damaged) * BLOCK_BYTES).tolist())
            block_s = np.full(len(blocks), np.nan)
            block_s[~damaged], origin_s = _block_times(blocks[~damaged], origin_s)
            starts.append(block_s)
            counts.append(np.where(damaged, 0, blocks["sample_count"]).astype(np.int64))
            offset += n_whole * BLOCK_BYTES
    if config is None or origin_s is None:
        raise _fail(
            path, HEADER_BYTES, "no sound data block after the header: the device recorded nothing"
        )
    rate_code, axes_bps = config
    block_start_s = np.concatenate(starts)
    block_samples = np.concatenate(counts)
    frequency = rate_hz(rate_code)
    nominal_end = block_start_s + block_samples / frequency
    block_end_s = nominal_end.copy()
    if len(block_start_s) > 1:  # a damaged block (NaN start) ends its neighbour's run
        follows = (
            np.abs(block_start_s[1:] - nominal_end[:-1]) < 0.5 * block_samples[:-1] / frequency
        )
        block_end_s[:-1] = np.where(follows, block_start_s[1:], nominal_end[:-1])
    sound = np.flatnonzero(block_samples > 0)
    backwards = np.flatnonzero(np.diff(block_start_s[sound]) <= 0)
    if len(backwards):
        raise _fail(
            path,
            HEADER_BYTES + int(sound[backwards[0] + 1]) * BLOCK_BYTES + 14,
            "this block's time is not after the previous block's: the device clock was reset "
            "or blocks are out of order",
        )
    if len(sound) == 0:
        raise _fail(path, HEADER_BYTES, "no data block holds samples")
    axes, _ = _FORMATS[axes_bps]
    return CwaFile(
        path=path,
        device_id=device_id,
        session_id=session_id,
        rate_code=rate_code,
        origin_s=int(origin_s or 0),
        axes=axes,
        packed=axes_bps == 0x30,
        block_start_s=block_start_s,
        block_samples=block_samples,
        block_end_s=block_end_s,
        sha256=digest.hexdigest(),
        damaged_offsets=tuple(damaged_offsets),
    )


def _check_blocks(
    path: Path, blocks: np.ndarray, first_offset: int, config: tuple[int, int] | None
) -> tuple[tuple[int, int] | None, np.ndarray, tuple[int, str] | None]:
    """Magic, length, checksum, date, setting and sample count of every block: the file's (rate
    code, axes and packing), taken from its first sound block and shared by every block; which
    blocks are damaged; and the first damage (byte offset, what) or None."""
    words = np.frombuffer(blocks.tobytes(), "<u2").reshape(len(blocks), BLOCK_BYTES // 2)
    sound = (
        (blocks["magic"] == _BLOCK_MAGIC)
        & (blocks["length"] == BLOCK_BYTES - 4)
        & ((words.sum(axis=1, dtype=np.uint64) & 0xFFFF) == 0)
    )
    if config is None and sound.any():
        first = int(np.flatnonzero(sound)[0])
        config = (int(blocks["rate_code"][first]), int(blocks["axes_bps"][first]))
        at = first_offset + first * BLOCK_BYTES
        if config[1] not in _FORMATS:
            raise _fail(
                path,
                at + 25,
                f"axes/packing code {config[1]:#04x} is not one of "
                f"{', '.join(f'{code:#04x}' for code in _FORMATS)}",
            )
        if config[0] & 0x0F == 0:
            raise _fail(path, at + 24, "rate code 0 (firmware before 2012) is not read")
    capacity = 480 // _FORMATS[config[1]][1] if config is not None else 0
    _, dated = unpack_datetime(blocks["timestamp"])
    problems = [
        (blocks["magic"] != _BLOCK_MAGIC, 0, "is not an 'AX' data block"),
        (blocks["length"] != BLOCK_BYTES - 4, 2, f"does not say {BLOCK_BYTES - 4} bytes long"),
        (~sound, 0, "fails its checksum: its bytes were changed after the device wrote them"),
        (~dated, 14, "has a timestamp that is no date"),
        (
            (blocks["rate_code"] != (config or (0, 0))[0])
            | (blocks["axes_bps"] != (config or (0, 0))[1]),
            24,
            "has a rate or axes other than the first block's: one file, one setting",
        ),
        (blocks["sample_count"] > capacity, 28, f"says more samples than the {capacity} it holds"),
    ]
    damaged = np.zeros(len(blocks), dtype=bool)
    first_problem: tuple[int, int, str] | None = None
    for bad, field, what in problems:
        damaged |= bad
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            if first_problem is None or index < first_problem[0]:
                first_problem = (index, field, what)
    if first_problem is None:
        return config, damaged, None
    index, field, what = first_problem
    message = f"data block {first_offset // BLOCK_BYTES - 2 + index} {what}"
    return config, damaged, (first_offset + index * BLOCK_BYTES + field, message)
