"""ActiGraph ``.gt3x`` files, read record by record from the archive with bounded memory.

The layout is ActiGraph's published GT3X format (devices from GT3X+ firmware 3.0 on: GT3X+,
wGT3X+, wGT3X-BT, ActiSleep, GT9X Link): a ZIP archive holding ``info.txt`` (``Key: Value``
lines: ``Sample Rate`` in Hz, ``Serial Number``, ``Acceleration Scale`` on newer devices) and
``log.bin``, a sequence of records: separator ``0x1E``, type, Unix time of the record's second
(device clock, 4 bytes), payload size (2 bytes), payload, and a checksum byte (the one's
complement of the XOR of the header and payload bytes). ``ACTIVITY`` records (type 0) hold one
second of samples as 12-bit two's-complement values in Y, X, Z order, packed most significant
bit first; ``ACTIVITY2`` records (type 0x1A) hold little-endian 16-bit X, Y, Z. Counts divided by
the acceleration scale are g: ``Acceleration Scale`` when info.txt gives it, else 256 for
wGT3X-BT-family serial numbers (``MOS``) and 341 for the others, as the format documents. Zero
bytes between records are allowed (the format says they occur).

:func:`open_gt3x` decompresses ``log.bin`` once, a few megabytes at a time, checking every
record (separator, checksum, increasing seconds) and keeping each activity record's second and
sample count; :meth:`Gt3xFile.timed_samples` decompresses it again and decodes the samples, the
samples of a record evenly spread over its second. A second without an activity record, or
with an empty one (the device's idle sleep, which the format says repeats the last sample), is
read as no data. The device clock is the set-up computer's local time; it is taken as UTC.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidRecordingError

SEPARATOR = 0x1E
ACTIVITY = 0x00
ACTIVITY2 = 0x1A
#: Decompressed bytes of log.bin parsed at a time.
READ_BYTES = 1 << 20
_HEADER = np.dtype([("separator", "u1"), ("type", "u1"), ("second", "<u4"), ("size", "<u2")])


@dataclass(frozen=True)
class Gt3xFile:
    """A checked ``.gt3x`` file: its settings and, per activity record, its second (s from
    ``origin_s``, the first record's second since 1970, device clock) and sample count;
    ``sha256`` of the whole archive."""

    path: Path
    serial: str
    sampling_rate_hz: float
    counts_per_g: float
    origin_s: int
    record_s: np.ndarray
    record_samples: np.ndarray
    sha256: str

    @property
    def first_sample_s(self) -> float:
        return float(self.record_s[0])

    @property
    def last_sample_s(self) -> float:
        return float(self.record_s[-1] + (self.record_samples[-1] - 1) / self.sampling_rate_hz)

    def timed_samples(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(time (s from ``origin_s``), (n, 3) acceleration in g) per few megabytes of log.bin."""
        with zipfile.ZipFile(self.path) as archive, archive.open("log.bin") as log:
            for data, records, _ in _scan(self.path, log):
                activity = records[(records["type"] == ACTIVITY) | (records["type"] == ACTIVITY2)]
                activity = activity[activity["n"] > 0]
                if len(activity) == 0:
                    continue
                times, values = [], []
                layout = activity["type"] * 65536 + activity["n"]
                for code in np.unique(layout):
                    group = activity[layout == code]
                    kind, n = divmod(int(code), 65536)
                    counts = _decode(data, group["offset"], n, kind)
                    second = group["second"] - self.origin_s
                    times.append(second[:, None] + np.arange(n)[None, :] / self.sampling_rate_hz)
                    values.append(counts)
                time_s = np.concatenate([t.reshape(-1) for t in times])
                accel = np.concatenate([v.reshape(-1, 3) for v in values]) / self.counts_per_g
                if len(times) == 1:  # one record layout: already in time order
                    yield time_s, accel
                else:
                    order = np.argsort(time_s, kind="stable")
                    yield time_s[order], accel[order]


_RECORD = np.dtype(
    [
        ("offset", np.int64),
        ("type", np.int64),
        ("second", np.int64),
        ("size", np.int64),
        ("n", np.int64),
    ]
)


def _samples_in(kind: int, size: int) -> int:
    if kind == ACTIVITY:
        return size * 8 // 36 if size > 1 else 0
    if kind == ACTIVITY2:
        return size // 6
    return 0


def _scan(path: Path, log) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """(bytes as uint8, records with offsets into those bytes, log.bin offset of the bytes) per
    read of log.bin; every record's checksum checked."""
    carry = b""
    base = 0  # log.bin offset of carry[0]
    while True:
        chunk = log.read(READ_BYTES)
        buffer = carry + chunk
        data = np.frombuffer(buffer, dtype=np.uint8)
        found: list[np.ndarray] = []
        position = 0
        end_of_log = not chunk
        while position + 8 <= len(buffer):
            if buffer[position] != SEPARATOR:
                if buffer[position] == 0:
                    position += 1
                    continue
                raise InvalidRecordingError(
                    f"log.bin byte {base + position}: no record separator (0x1E) where a record "
                    "should start: log.bin is damaged",
                    path=path,
                    offset=base + position,
                )
            size = buffer[position + 6] | (buffer[position + 7] << 8)
            if position + 9 + size > len(buffer):
                break
            starts = _run(data, position, size)
            rows = data[position : int(starts[-1]) + 9 + size].reshape(len(starts), 9 + size)
            bad = np.bitwise_xor.reduce(rows, axis=1) != 0xFF
            if bad.any():
                offset = base + int(starts[np.flatnonzero(bad)[0]])
                raise InvalidRecordingError(
                    f"log.bin byte {offset}: the record fails its checksum (its bytes were "
                    "changed after the device wrote them)",
                    path=path,
                    offset=offset,
                )
            run = np.zeros(len(starts), dtype=_RECORD)
            run["offset"] = starts
            run["type"] = buffer[position + 1]
            run["size"] = size
            run["n"] = _samples_in(buffer[position + 1], size)
            run["second"] = data[starts[:, None] + np.arange(2, 6)].view("<u4")[:, 0]
            found.append(run)
            position = int(starts[-1]) + 9 + size
        rest = buffer[position:]
        if end_of_log and rest.strip(b"\x00"):
            raise InvalidRecordingError(
                f"log.bin byte {base + position}: the last record is cut short ({len(rest)} "
                "bytes): the file was not downloaded completely",
                path=path,
                offset=base + position,
            )
        records = np.concatenate(found) if found else np.zeros(0, dtype=_RECORD)
        yield data, records, base
        if end_of_log:
            return
        base += position
        carry = rest


def _run(data: np.ndarray, position: int, size: int) -> np.ndarray:
    """Offsets of the record at ``position`` and of the records of the same type and size that
    follow it back to back (most of a log is one-second activity records in a row)."""
    stride = 9 + size
    # look ahead far for activity records, little for the small ones between them
    count = min((len(data) - position) // stride, 4096 if size > 64 else 8)
    starts = position + stride * np.arange(count)
    same = (
        (data[starts] == SEPARATOR)
        & (data[starts + 1] == data[position + 1])
        & (data[starts + 6] == data[position + 6])
        & (data[starts + 7] == data[position + 7])
    )
    return starts[: int(np.argmin(same)) if not same.all() else count]


def _decode(data: np.ndarray, offsets: np.ndarray, n: int, kind: int) -> np.ndarray:
    """(records, n, 3) counts in X, Y, Z order (int16 for ACTIVITY, int64 for ACTIVITY2)."""
    if kind == ACTIVITY2:
        raw = data[offsets[:, None] + 8 + np.arange(6 * n)[None, :]]
        return raw.view("<i2").reshape(len(offsets), n, 3).astype(np.int64)
    n_bytes = (36 * n + 7) // 8
    triplets = (n_bytes + 2) // 3  # three bytes hold two 12-bit values
    raw = data[offsets[:, None] + 8 + np.arange(n_bytes)[None, :]]
    raw = np.pad(raw, ((0, 0), (0, 3 * triplets - n_bytes))).reshape(len(offsets), triplets, 3)
    b = raw.astype(np.int16)
    values = np.empty((len(offsets), triplets, 2), dtype=np.int16)
    values[..., 0] = (b[..., 0] << 4) | (b[..., 1] >> 4)
    values[..., 1] = ((b[..., 1] & 0x0F) << 8) | b[..., 2]
    values = values.reshape(len(offsets), -1)[:, : 3 * n]
    values[values >= 2048] -= 4096
    return values.reshape(len(offsets), n, 3)[..., [1, 0, 2]]  # stored Y, X, Z


def _info(path: Path, text: str) -> dict[str, str]:
    info = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def open_gt3x(path: str | Path) -> Gt3xFile:
    """Check a ``.gt3x`` file record by record and index its activity records (see the module
    docstring).

    Raises
    ------
    InvalidRecordingError
        naming the file (and the byte offset in log.bin for damage there): not a ZIP archive,
        no info.txt or log.bin (an older NHANES-format file), no sample rate, a missing record
        separator, a bad checksum, a record cut short, seconds that do not increase, or no
        activity record.
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        archive = zipfile.ZipFile(path)
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc.strerror}", path=path) from None
    except zipfile.BadZipFile:
        raise InvalidRecordingError(
            "not a ZIP archive: a .gt3x file is one (is the file complete?)", path=path
        ) from None
    with archive:
        names = set(archive.namelist())
        if not {"info.txt", "log.bin"} <= names:
            raise InvalidRecordingError(
                "the archive has no info.txt and log.bin: files from GT3X+/ActiSleep firmware "
                "2.5 or older (activity.bin) are not read; convert them with ActiLife",
                path=path,
            )
        info = _info(path, archive.read("info.txt").decode("utf-8-sig", errors="replace"))
        try:
            rate = float(info["Sample Rate"])
        except (KeyError, ValueError):
            raise InvalidRecordingError(
                "info.txt has no 'Sample Rate: <Hz>' line", path=path
            ) from None
        if not 0 < rate <= 1000:
            raise InvalidRecordingError(
                f"info.txt Sample Rate {rate:g} Hz is not a rate", path=path
            )
        serial = info.get("Serial Number", "")
        try:
            counts_per_g = float(info["Acceleration Scale"])
        except (KeyError, ValueError):
            counts_per_g = 256.0 if serial.startswith("MOS") else 341.0
        seconds, samples = [], []
        last = -1
        with archive.open("log.bin") as log:
            for _, records, base in _scan(path, log):
                activity = records[(records["type"] == ACTIVITY) | (records["type"] == ACTIVITY2)]
                if len(activity) == 0:
                    continue
                steps = np.diff(np.concatenate([[last], activity["second"]]))
                if np.any(steps <= 0):
                    bad = int(np.flatnonzero(steps <= 0)[0])
                    offset = base + int(activity["offset"][bad])
                    raise InvalidRecordingError(
                        f"log.bin byte {offset}: the activity record of second "
                        f"{int(activity['second'][bad])} does not follow the previous one: the "
                        "device clock was reset",
                        path=path,
                        offset=offset,
                    )
                last = int(activity["second"][-1])
                kept = activity[activity["n"] > 0]
                seconds.append(kept["second"])
                samples.append(kept["n"])
    if not seconds or not sum(len(s) for s in seconds):
        raise InvalidRecordingError("log.bin holds no activity samples", path=path)
    record_s = np.concatenate(seconds)
    return Gt3xFile(
        path=path,
        serial=serial,
        sampling_rate_hz=rate,
        counts_per_g=counts_per_g,
        origin_s=int(record_s[0]),
        record_s=(record_s - record_s[0]).astype(float),
        record_samples=np.concatenate(samples),
        sha256=digest.hexdigest(),
    )
