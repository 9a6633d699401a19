"""Reader for GENEActiv CSV exports (GENEActiv PC Software): a key,value header then
``timestamp,x,y,z,lux,button,temperature`` rows with acceleration in g."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, timedelta
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError
from alsmotion.readers._chunked import CHUNK_ROWS, FirstErrors, GridSource
from alsmotion.readers._timegrid import TimeSteps
from alsmotion.recording import DeviceInfo, Recording
from alsmotion.units import accel_to_mps2

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3},")
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S:%f"
_SECOND = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
_TIME_ZONE = re.compile(r"GMT\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
_FIELDS = ("timestamp", "x", "y", "z", "lux", "button", "temperature")
#: GENEActiv accelerometers measure +/-8 g; a value beyond this is not a reading.
MAX_ACCELERATION_G = 1000.0
#: GENEActiv records at up to 100 Hz.
MAX_RATE_HZ = 1000.0


def _file_lines(path: Path, chunk_rows: int) -> Iterator[tuple[int, list[str]]]:
    """(number of the first, lines) of the file, ``chunk_rows`` lines at a time: Latin-1 text
    without NUL bytes or line ends, numbered from 1 as editors do."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc.strerror}", path=path) from None
    with handle:
        number = 1
        while raw := list(islice(handle, chunk_rows)):
            text = b"".join(raw).decode("latin-1").replace("\x00", "").replace("\r\n", "\n")
            lines = text.split("\n")
            if raw[-1].endswith(b"\n"):
                lines.pop()
            else:
                lines[-1] = lines[-1].removesuffix("\r")
            yield number, lines
            number += len(raw)


def _header(path: Path, chunk_rows: int) -> tuple[dict[str, str], int]:
    """The key,value header lines and the number of the first data line."""
    header: dict[str, str] = {}
    for number, lines in _file_lines(path, chunk_rows):
        for index, line in enumerate(lines):
            if _TIMESTAMP.match(line):
                return header, number + index
            key, _, value = line.partition(",")
            if key.strip() and key.strip() not in header:
                header[key.strip()] = value.strip()
    raise InvalidRecordingError("no data rows found: is this a GENEActiv CSV export?", path=path)


def _fields_error(line: str, number: int, path: Path) -> InvalidRecordingError:
    return InvalidRecordingError(
        f"row has {line.count(',') + 1} fields, a GENEActiv row has {len(_FIELDS)} "
        f"({','.join(_FIELDS)})",
        path=path,
        line=number,
    )


def _data_lines(
    path: Path, first: int, chunk_rows: int
) -> Iterator[tuple[int, list[str], list[str]]]:
    """(number of the first, lines, rows) of the data lines from line ``first`` on, each with the 7
    fields (one trailing comma is allowed: an empty 8th field, dropped). Blank lines at the end
    are ignored; anywhere else they are refused, as is a row with a field more or less."""
    n_commas = len(_FIELDS) - 1
    blank: int | None = None  # the first of blank lines that may end the file
    for number, lines in _file_lines(path, chunk_rows):
        if number + len(lines) <= first:
            continue
        if number < first:
            lines, number = lines[first - number :], first
        last = len(lines)
        while last and not lines[last - 1].strip():
            last -= 1
        if last and blank is not None:
            raise _fields_error("", blank, path)
        if last < len(lines) and blank is None:
            blank = number + last
        lines = lines[:last]
        rows = list(lines)
        for index, line in enumerate(rows):
            commas = line.count(",")
            if commas == n_commas:
                continue
            if commas == n_commas + 1 and line.rstrip().endswith(","):
                rows[index] = line.rstrip()[:-1]
                continue
            raise _fields_error(line, number + index, path)
        if rows:
            yield number, lines, rows


def _table(rows: list[str], number: int, path: Path) -> pd.DataFrame:
    """The rows' timestamp, x, y, z as text, indexed by their line numbers."""
    table = pd.read_csv(
        io.StringIO("\n".join(rows)),
        header=None,
        names=list(_FIELDS),
        usecols=["timestamp", "x", "y", "z"],
        dtype=str,
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
    )
    if len(table) != len(rows):
        raise InvalidRecordingError("rows could not be told apart: not a GENEActiv CSV", path=path)
    table.index = pd.RangeIndex(number, number + len(rows))
    return table


def _local_times(column: pd.Series) -> pd.Series:
    """``pd.to_datetime(column, format=_TIMESTAMP_FORMAT, errors="coerce")``, parsing each
    distinct second once for the rows of the fixed-width form (a 100 Hz day has 8.6 M rows but
    86 400 seconds); the other rows are parsed by the format."""
    millis = column.str[19:]
    codes, seconds = pd.factorize(column.str[:19])
    second_stamps = pd.to_datetime(pd.Series(seconds), format="%Y-%m-%d %H:%M:%S", errors="coerce")
    fixed_width = pd.Series(seconds).str.fullmatch(_SECOND) & second_stamps.notna()
    fast = fixed_width.to_numpy(dtype=bool)[codes] & millis.str.fullmatch(r":\d{3}").to_numpy()
    stamps = pd.Series(second_stamps.to_numpy()[codes], index=column.index)
    stamps[fast] += pd.to_timedelta(millis[fast].str[1:].astype(np.int64), unit="ms")
    if not fast.all():
        slow = ~fast
        stamps[slow] = pd.to_datetime(column[slow], format=_TIMESTAMP_FORMAT, errors="coerce")
    return stamps


def _values(table: pd.DataFrame, lines: list[str], path: Path) -> tuple[pd.Series, np.ndarray]:
    """The rows' local times and x, y, z (g); a row that is neither is refused by its line."""
    stamps = _local_times(table["timestamp"])
    xyz = table[["x", "y", "z"]].apply(pd.to_numeric, errors="coerce")
    implausible = ~(xyz.abs() <= MAX_ACCELERATION_G).all(axis=1).to_numpy()  # NaN counts too
    bad_rows = np.flatnonzero(stamps.isna().to_numpy() | implausible)
    if len(bad_rows):
        row = int(bad_rows[0])
        raise InvalidRecordingError(
            f"cannot parse row {lines[row]!r:.120}: expected 'YYYY-MM-DD hh:mm:ss:mmm,x,y,z,"
            f"...' with x, y, z numbers of g within +/-{MAX_ACCELERATION_G:g}",
            path=path,
            line=int(table.index[row]),
        )
    return stamps, xyz.to_numpy(dtype=float)


def _rows(
    path: Path, first: int, chunk_rows: int, errors: FirstErrors
) -> Iterator[tuple[np.ndarray, pd.Series, np.ndarray]]:
    """(line numbers, local times, x y z in g) of the data rows that read, chunk by chunk."""
    for number, lines, rows in _data_lines(path, first, chunk_rows):
        table = errors.catch(1, _table, rows, number, path)
        parsed = None if table is None else errors.catch(2, _values, table, lines, path)
        if table is not None and parsed is not None:
            yield table.index.to_numpy(), *parsed


def time_zone_offset(text: str) -> timedelta | None:
    """A GENEActiv header's ``Time Zone`` value (``GMT +01:00``) as the device clock's offset
    from UTC; None when it gives none."""
    match = _TIME_ZONE.search(text)
    if match is None:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))


def open_geneactiv_csv(path: str | Path, *, chunk_rows: int = CHUNK_ROWS) -> GridSource:
    """Check a GENEActiv CSV export whole, ``chunk_rows`` rows at a time, and return it ready to
    be read again chunk by chunk onto its grid (acceleration in m/s^2).

    The per-row timestamps are local device time; the header's ``Time Zone`` gives the UTC start.
    Irregular timestamps are interpolated onto the header's ``Measurement Frequency`` grid, and
    gaps are left as NaN.
    """
    path = Path(path)
    header, first = _header(path, chunk_rows)
    if "Device Type" not in header or "GENEActiv" not in header["Device Type"]:
        raise InvalidRecordingError(
            "header has no 'Device Type,GENEActiv' line: use --format csv for other CSV files",
            path=path,
            line=1,
        )
    errors = FirstErrors()
    steps = TimeSteps(path)
    start_local: pd.Timestamp | None = None
    for lines, stamps, _ in _rows(path, first, chunk_rows, errors):
        start_local = stamps.iloc[0] if start_local is None else start_local
        steps.add((stamps - start_local).dt.total_seconds().to_numpy(), lines)
    errors.raise_first()
    assert start_local is not None  # the first data line matched _TIMESTAMP: a row was read
    rate_text = header.get("Measurement Frequency", "").split()
    try:
        rate_hz = float(rate_text[0])
    except (IndexError, ValueError):
        rate_hz = steps.median_rate_hz()
    if not 0 < rate_hz <= MAX_RATE_HZ:
        raise InvalidRecordingError(
            f"Measurement Frequency {rate_hz:g} Hz is outside (0, {MAX_RATE_HZ:g}] Hz", path=path
        )
    steps.check_increasing()
    steps.check_span(rate_hz)

    def pieces() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for _, stamps, xyz_g in _rows(path, first, chunk_rows, FirstErrors(immediate=True)):
            elapsed_s = (stamps - start_local).dt.total_seconds().to_numpy()
            yield elapsed_s, accel_to_mps2(xyz_g, "g")

    offset = time_zone_offset(header.get("Time Zone", ""))
    start_utc = None
    if offset is not None:
        start_utc = (start_local.to_pydatetime() - offset).replace(tzinfo=UTC)
    device = DeviceInfo(
        manufacturer="Activinsights",
        model=f"GENEActiv {header.get('Device Model', '')}".strip(),
        serial=header.get("Device Unique Serial Code", ""),
        firmware=header.get("Device Firmware Version", ""),
    )
    return GridSource(
        path=path,
        sampling_rate_hz=rate_hz,
        n_samples=steps.grid_samples(rate_hz),
        streams=(("accel", ("x", "y", "z")),),
        pieces=pieces,
        on_grid=steps.on_grid(rate_hz),
        start_utc=start_utc,
        device=device,
    )


def read_geneactiv_csv(path: str | Path) -> Recording:
    """Read a GENEActiv CSV export whole into a :class:`Recording` (see
    :func:`open_geneactiv_csv`)."""
    return open_geneactiv_csv(path).to_recording()


def is_geneactiv_csv(path: Path) -> bool:
    """True when the file starts with GENEActiv's ``Device Type`` header line."""
    try:
        with path.open("rb") as handle:
            return handle.read(64).startswith(b"Device Type,GENEActiv")
    except OSError:
        return False
