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
samples of a record evenly spread over its second.

Idle sleep: a device set up with idle sleep mode (the default) stops sampling after 10 s of
stillness and checks once a second for movement; ActiGraph documents that while it sleeps the
last sampled value stands for every sample of those seconds, and log.bin holds no activity
record for them. When the ``PARAMETERS`` record's ``FEATURE_ENABLE`` has its sleep-mode bit set,
or the file has no ``FEATURE_ENABLE`` (devices without one sleep by default), the seconds
missing between two activity records are read as the last sample repeated at the sample rate
(:attr:`Gt3xFile.idle_sleep_s` of them); with sleep mode off, they are no data. An empty
activity record (a USB connection event) holds no sample.

Clock: the device clock runs on the set-up computer's local time, whose offset from UTC the file
declares: info.txt ``TimeZone`` (``[-]HH:MM:SS``), else the ``PARAMETERS`` record's
``UTC_OFFSET`` (s). :attr:`Gt3xFile.utc_offset_s` is that offset (None when neither is there).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidRecordingError

SEPARATOR = 0x1E
ACTIVITY = 0x00
PARAMETERS = 0x15
ACTIVITY2 = 0x1A
#: PARAMETERS keys (address space, identifier) and FEATURE_ENABLE's sleep-mode bit.
FEATURE_ENABLE = (1, 2)
UTC_OFFSET = (1, 40)
SLEEP_MODE_BIT = 1 << 2
#: Idle-sleep seconds filled in per piece of :meth:`Gt3xFile.timed_samples` (bounded memory
#: over a device left still for days).
FILL_PIECE_S = 3600
_TIME_ZONE = re.compile(r"^([+-]?)(\d{1,2}):(\d{2})(?::(\d{2}))?$")
#: Decompressed bytes of log.bin parsed at a time.
READ_BYTES = 1 << 20
_HEADER = np.dtype([("separator", "u1"), ("type", "u1"), ("second", "<u4"), ("size", "<u2")])


@dataclass(frozen=True)
class Gt3xFile:
    """A checked ``.gt3x`` file: its settings and, per activity record, its second (s from
    ``origin_s``, the first record's second since 1970, device clock) and sample count;
    ``sha256`` of the whole archive; ``utc_offset_s``, the device clock's declared offset from
    UTC (s, None when undeclared); ``idle_sleep``, whether missing seconds are idle sleep, and
    ``idle_sleep_s``, how many seconds between records are read as the last sample repeated."""

    path: Path
    serial: str
    sampling_rate_hz: float
    counts_per_g: float
    origin_s: int
    record_s: np.ndarray
    record_samples: np.ndarray
    sha256: str
    utc_offset_s: int | None = None
    idle_sleep: bool = False

    @property
    def idle_sleep_s(self) -> int:
        return int(np.sum(np.diff(self.record_s) - 1)) if self.idle_sleep else 0

    @property
    def first_sample_s(self) -> float:
        return float(self.record_s[0])

    @property
    def last_sample_s(self) -> float:
        return float(self.record_s[-1] + (self.record_samples[-1] - 1) / self.sampling_rate_hz)

    def timed_samples(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(time (s from ``origin_s``), (n, 3) acceleration in g) per few megabytes of log.bin,
        idle-sleep seconds filled in (see the module docstring)."""
        before: tuple[int, np.ndarray] | None = None  # second and last sample of the last record
        with zipfile.ZipFile(self.path) as archive, archive.open("log.bin") as log:
            for data, records, _ in _scan(self.path, log):
                activity = records[(records["type"] == ACTIVITY) | (records["type"] == ACTIVITY2)]
                activity = activity[activity["n"] > 0]
                if len(activity) == 0:
                    continue
                time_s, accel = self._decoded(data, activity)
                if self.idle_sleep:
                    yield from self._with_idle_sleep(before, activity, time_s, accel)
                else:
                    yield time_s, accel
                before = (int(activity["second"][-1]) - self.origin_s, accel[-1])

    def _decoded(self, data: np.ndarray, activity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Times and acceleration (g) of ``activity`` records, in time order."""
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
            return time_s, accel
        order = np.argsort(time_s, kind="stable")
        return time_s[order], accel[order]

    def _with_idle_sleep(
        self,
        before: tuple[int, np.ndarray] | None,
        activity: np.ndarray,
        time_s: np.ndarray,
        accel: np.ndarray,
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The decoded records with the seconds missing before each (since ``before``, the
        previous record) filled by the last sample before them, :data:`FILL_PIECE_S` at most
        per piece."""
        second = activity["second"] - self.origin_s
        last_s, last_sample = (second[0] - 1, accel[0]) if before is None else before
        previous = np.concatenate([[last_s], second[:-1]])
        first_sample = np.concatenate([[0], np.cumsum(activity["n"])[:-1]])
        per_second = round(self.sampling_rate_hz)
        done = 0
        for index in np.flatnonzero(second - previous > 1):
            start = int(first_sample[index])
            if start > done:
                yield time_s[done:start], accel[done:start]
            done = start
            held = accel[start - 1] if start else last_sample
            for piece in range(int(previous[index]) + 1, int(second[index]), FILL_PIECE_S):
                seconds = np.arange(piece, min(piece + FILL_PIECE_S, int(second[index])))
                fill_s = (seconds[:, None] + np.arange(per_second) / self.sampling_rate_hz).ravel()
                yield fill_s, np.broadcast_to(held, (len(fill_s), 3))
        if done < len(time_s):
            yield time_s[done:], accel[done:]


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


def _time_zone_s(path: Path, text: str) -> int:
    """info.txt ``TimeZone`` (``[-]HH:MM[:SS]``) as seconds east of UTC."""
    match = _TIME_ZONE.match(text)
    if match is None:
        raise InvalidRecordingError(
            f"info.txt TimeZone {text!r} is not an offset [-]HH:MM:SS: the file's clock cannot "
            "be put on UTC; correct the TimeZone line or re-export the file with ActiLife",
            path=path,
        )
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes, seconds = (int(match.group(k) or 0) for k in (2, 3, 4))
    return sign * (hours * 3600 + minutes * 60 + seconds)


def _parameters(data: np.ndarray, records: np.ndarray) -> dict[tuple[int, int], int]:
    """(address space, identifier) -> 32-bit value of the PARAMETERS records among ``records``."""
    pairs = np.dtype([("space", "<u2"), ("id", "<u2"), ("value", "<u4")])
    found: dict[tuple[int, int], int] = {}
    for record in records[records["type"] == PARAMETERS]:
        size = int(record["size"]) // 8 * 8
        payload = data[int(record["offset"]) + 8 : int(record["offset"]) + 8 + size]
        for space, ident, value in payload.view(pairs).tolist():
            found.setdefault((space, ident), value)
    return found


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
        parameters: dict[tuple[int, int], int] = {}
        last = -1
        with archive.open("log.bin") as log:
            for data, records, base in _scan(path, log):
                parameters = {**_parameters(data, records), **parameters}
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
    utc_offset_s: int | None = None
    if "TimeZone" in info:
        utc_offset_s = _time_zone_s(path, info["TimeZone"])
    elif UTC_OFFSET in parameters:
        utc_offset_s = int(np.array(parameters[UTC_OFFSET], np.uint32).view(np.int32))
    features = parameters.get(FEATURE_ENABLE)
    return Gt3xFile(
        path=path,
        serial=serial,
        sampling_rate_hz=rate,
        counts_per_g=counts_per_g,
        origin_s=int(record_s[0]),
        record_s=(record_s - record_s[0]).astype(float),
        record_samples=np.concatenate(samples),
        sha256=digest.hexdigest(),
        utc_offset_s=utc_offset_s,
        idle_sleep=features is None or bool(features & SLEEP_MODE_BIT),
    )
