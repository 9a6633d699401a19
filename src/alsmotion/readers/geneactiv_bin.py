"""GENEActiv ``.bin`` files (Activinsights), read page by page with bounded memory.

The file is text: a header of ``Key:Value`` lines in sections (``Calibration Data``: ``x gain``,
``x offset``, ... ``Volts``, ``Lux``; ``Memory Status``: ``Number of Pages``), then pages of ten
lines: ``Recorded Data``, eight ``Key:Value`` lines (``Page Time`` of the first sample,
``YYYY-MM-DD hh:mm:ss:mmm``, device clock; ``Measurement Frequency`` in Hz; temperature,
battery) and one line of hexadecimal digits, 12 per sample (48 bits: x, y, z as 12-bit two's
complement, light 10 bits, button 1 bit, 1 unused). Calibrated acceleration in g is
(raw x 100 - offset) / gain per axis. The format has no checksum: damage is seen as a page that
is cut short, a line that is not what the page layout says, or digits that are not hexadecimal.

:func:`open_geneactiv_bin` reads the file once, a page at a time, checking every page and
keeping each page's first-sample time, rate and sample count; :meth:`GeneactivBinFile.
timed_samples` reads it again and decodes :data:`PAGES_PER_READ` pages at a time. The device
clock runs on the set-up computer's local time; the header's ``Time Zone`` (``GMT +01:00``)
gives its offset from UTC (:attr:`GeneactivBinFile.utc_offset_s`), as the CSV export's does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidRecordingError
from alsmotion.readers.geneactiv import time_zone_offset

PAGE_LINES = 10
PAGES_PER_READ = 1000
HEX_PER_SAMPLE = 12
_CALIBRATION = ("x gain", "x offset", "y gain", "y offset", "z gain", "z offset")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class GeneactivBinFile:
    """A checked GENEActiv ``.bin`` file: calibration, where the pages start, and per page the
    time of its first sample (s from ``origin_s``, a whole second since 1970, device clock), its
    rate and its samples; ``sha256`` of the file; ``utc_offset_s``, the device clock's offset
    from UTC that the header declares (s, None when it declares none)."""

    path: Path
    serial: str
    gain: np.ndarray
    offset: np.ndarray
    data_offset: int
    origin_s: int
    page_s: np.ndarray
    page_rate_hz: np.ndarray
    page_samples: np.ndarray
    sha256: str
    utc_offset_s: int | None = None

    @property
    def sampling_rate_hz(self) -> float:
        return float(self.page_rate_hz[0])

    @property
    def first_sample_s(self) -> float:
        return float(self.page_s[0])

    @property
    def last_sample_s(self) -> float:
        return float(self.page_s[-1] + (self.page_samples[-1] - 1) / self.page_rate_hz[-1])

    def timed_samples(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(time (s from ``origin_s``), (n, 3) acceleration in g) per :data:`PAGES_PER_READ`
        pages."""
        with self.path.open("rb") as handle:
            pages = _pages(handle, self.path, self.data_offset)
            done = 0
            while done < len(self.page_s):
                count = min(PAGES_PER_READ, len(self.page_s) - done)
                raw = b"".join(next(pages)[1][-1].strip() for _ in range(count))
                counts = _decode(np.frombuffer(bytes.fromhex(raw.decode("ascii")), np.uint8))
                accel = (counts * 100.0 - self.offset) / self.gain
                samples = self.page_samples[done : done + count]
                start = np.repeat(self.page_s[done : done + count], samples)
                rate = np.repeat(self.page_rate_hz[done : done + count], samples)
                index = np.arange(len(start)) - np.repeat(np.cumsum(samples) - samples, samples)
                yield start + index / rate, accel
                done += count


def _decode(data: np.ndarray) -> np.ndarray:
    """(n, 3) raw x, y, z counts of 6-byte samples."""
    b = data.reshape(-1, 6).astype(np.int64)
    x = (b[:, 0] << 4) | (b[:, 1] >> 4)
    y = ((b[:, 1] & 0x0F) << 8) | b[:, 2]
    z = (b[:, 3] << 4) | (b[:, 4] >> 4)
    raw = np.column_stack([x, y, z])
    return np.where(raw >= 2048, raw - 4096, raw)


def _pages(handle, path: Path, offset: int, digest=None) -> Iterator[tuple[int, list[bytes]]]:
    """(byte offset, ten lines) of every page from ``offset`` on, read 4 MB at a time (and fed
    to ``digest``); a page cut short is an error."""
    handle.seek(offset)
    pending: list[bytes] = []
    tail = b""
    while True:
        block = handle.read(4 << 20)
        if digest is not None:
            digest.update(block)
        lines = (tail + block).splitlines(keepends=True)
        tail = lines.pop() if lines and not lines[-1].endswith(b"\n") else b""
        pending.extend(lines)
        usable = len(pending) // PAGE_LINES * PAGE_LINES
        for k in range(0, usable, PAGE_LINES):
            page = pending[k : k + PAGE_LINES]
            yield offset, page
            offset += sum(len(line) for line in page)
        pending = pending[usable:]
        if not block:
            break
    if pending or tail:
        complete = sum(line.endswith(b"\n") for line in pending)
        raise InvalidRecordingError(
            f"the page starting here has {complete} of {PAGE_LINES} complete lines: the file "
            "was cut short (copy it from the device again)",
            path=path,
            offset=offset,
        )


def _header(handle, path: Path) -> tuple[dict[tuple[str, str], str], int]:
    """(section, key) -> value of the header lines before the first ``Recorded Data`` line,
    and that line's byte offset."""
    values: dict[tuple[str, str], str] = {}
    section = ""
    offset = 0
    for _ in range(200):
        line = handle.readline()
        if not line:
            break
        text = line.decode("latin-1").strip()
        if text == "Recorded Data":
            return values, offset
        offset += len(line)
        key, colon, value = text.partition(":")
        if not colon:
            section = text or section
            continue
        values[(section, key.strip())] = value.strip()
    raise InvalidRecordingError(
        "no 'Recorded Data' page after the header: not a GENEActiv .bin file, or it holds no data",
        path=path,
        offset=0,
    )


def open_geneactiv_bin(path: str | Path) -> GeneactivBinFile:
    """Check a GENEActiv ``.bin`` file page by page and index its pages (see the module
    docstring).

    Raises
    ------
    InvalidRecordingError
        naming the file and the byte offset of the first damage: no GENEActiv header or no
        calibration, a page cut short, a page line out of place, a page time or rate that is
        not one, hexadecimal digits that are not, or page times that do not increase.
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc.strerror}", path=path) from None
    with handle:
        head = handle.read(64)
        if not head.startswith(b"Device Identity"):
            raise InvalidRecordingError(
                "does not start with 'Device Identity': not a GENEActiv .bin file",
                path=path,
                offset=0,
            )
        handle.seek(0)
        header, data_offset = _header(handle, path)
        try:
            calibration = [float(header[("Calibration Data", key)]) for key in _CALIBRATION]
        except (KeyError, ValueError):
            raise InvalidRecordingError(
                "the header's 'Calibration Data' lacks x/y/z gain and offset", path=path, offset=0
            ) from None
        handle.seek(0)
        digest.update(handle.read(data_offset))
        handle.seek(data_offset)
        times: list[int] = []
        rates: list[float] = []
        counts: list[int] = []
        page_offsets: list[int] = []
        for offset, lines in _pages(handle, path, data_offset, digest):
            time_ms, rate_hz, n = _check_page(path, lines, offset, counts[0] if counts else None)
            times.append(time_ms)
            page_offsets.append(offset)
            rates.append(rate_hz)
            counts.append(n)
    if not times:
        raise InvalidRecordingError("no pages after the header", path=path, offset=data_offset)
    page_ms = np.array(times, dtype=np.int64)
    steps = np.diff(page_ms)
    if np.any(steps <= 0):
        bad = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise InvalidRecordingError(
            f"page {bad}'s time is not after the previous page's: the device clock was reset",
            path=path,
            offset=page_offsets[bad],
        )
    origin = int(page_ms[0] // 1000)
    zone = time_zone_offset(header.get(("Configuration Info", "Time Zone"), ""))
    gain = np.array(calibration[0::2])
    if np.any(gain == 0):
        raise InvalidRecordingError("a calibration gain is 0", path=path, offset=0)
    return GeneactivBinFile(
        path=path,
        serial=header.get(("Device Identity", "Device Unique Serial Code"), ""),
        gain=gain,
        offset=np.array(calibration[1::2]),
        data_offset=data_offset,
        origin_s=origin,
        page_s=(page_ms - origin * 1000) / 1000.0,
        page_rate_hz=np.array(rates),
        page_samples=np.array(counts, dtype=np.int64),
        sha256=digest.hexdigest(),
        utc_offset_s=None if zone is None else round(zone.total_seconds()),
    )


def _check_page(
    path: Path, lines: list[bytes], offset: int, expected_samples: int | None
) -> tuple[int, float, int]:
    """(first-sample time in ms since 1970, rate Hz, samples) of one page's lines; every page
    holds as many samples as the first."""
    if lines[0].strip() != b"Recorded Data":
        raise InvalidRecordingError(
            "a page must start with 'Recorded Data': the file is damaged here",
            path=path,
            offset=offset,
        )
    stamp = rate_text = b""
    for line in lines[1:9]:
        if line.startswith(b"Page Time:"):
            stamp = line[10:].strip()
        elif line.startswith(b"Measurement Frequency:"):
            rate_text = line[22:].strip()
    try:  # YYYY-MM-DD hh:mm:ss:mmm
        when = datetime(
            int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]),
            int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19]),
        )  # fmt: skip
        separators = bytes(stamp[k] for k in (4, 7, 10, 13, 16, 19))
        if len(stamp) != 23 or separators != b"-- :::":
            raise ValueError
        time_ms = (when - _EPOCH) // timedelta(milliseconds=1) + int(stamp[20:23])
        rate_hz = float(rate_text.split()[0])
    except (ValueError, IndexError):
        raise InvalidRecordingError(
            "the page has no readable 'Page Time:YYYY-MM-DD hh:mm:ss:mmm' and "
            "'Measurement Frequency' lines",
            path=path,
            offset=offset,
        ) from None
    if not 0 < rate_hz <= 1000:
        raise InvalidRecordingError(
            f"page rate {rate_hz:g} Hz is not a rate", path=path, offset=offset
        )
    digits = lines[9].strip()
    hex_offset = offset + sum(len(line) for line in lines[:9])
    if len(digits) % HEX_PER_SAMPLE:
        raise InvalidRecordingError(
            f"the page's data line has {len(digits)} hexadecimal digits, not a multiple of "
            f"{HEX_PER_SAMPLE}: the line is cut short or damaged",
            path=path,
            offset=hex_offset,
        )
    n = len(digits) // HEX_PER_SAMPLE
    if expected_samples is not None and n != expected_samples:
        raise InvalidRecordingError(
            f"the page's data line holds {n} samples, the first page's {expected_samples}: "
            "the line is cut short or damaged",
            path=path,
            offset=hex_offset,
        )
    try:
        bytes.fromhex(digits.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidRecordingError(
            "the page's data line holds characters that are not hexadecimal digits",
            path=path,
            offset=hex_offset,
        ) from None
    return time_ms, rate_hz, n
