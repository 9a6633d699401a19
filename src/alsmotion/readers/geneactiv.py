"""Reader for GENEActiv CSV exports (GENEActiv PC Software): a key,value header then
``timestamp,x,y,z,lux,button,temperature`` rows with acceleration in g."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError
from alsmotion.readers._timegrid import check_time_span, nominal_rate_hz, to_uniform_grid
from alsmotion.recording import DeviceInfo, Recording, Stream
from alsmotion.units import accel_to_mps2

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3},")
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S:%f"
_TIME_ZONE = re.compile(r"GMT\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?")
_FIELDS = ("timestamp", "x", "y", "z", "lux", "button", "temperature")
#: GENEActiv accelerometers measure +/-8 g; a value beyond this is not a reading.
MAX_ACCELERATION_G = 1000.0
#: GENEActiv records at up to 100 Hz.
MAX_RATE_HZ = 1000.0


def _data_table(lines: list[str], first: int, path: Path) -> pd.DataFrame:
    """The data rows as text columns, indexed by their 1-based line number in the file.

    Every row must have the 7 fields; one trailing comma on a row is allowed (an empty 8th
    field). Blank lines at the end are ignored; anywhere else they are refused.
    """
    last = len(lines)
    while last > first and not lines[last - 1].strip():
        last -= 1
    rows = lines[first:last]
    n_commas = len(_FIELDS) - 1
    for index, line in enumerate(rows):
        commas = line.count(",")
        if commas == n_commas:
            continue
        if commas == n_commas + 1 and line.rstrip().endswith(","):
            rows[index] = line.rstrip()[:-1]
            continue
        raise InvalidRecordingError(
            f"row has {commas + 1} fields, a GENEActiv row has {len(_FIELDS)} "
            f"({','.join(_FIELDS)})",
            path=path,
            line=first + index + 1,
        )
    table = pd.read_csv(
        io.StringIO("\n".join(rows)),
        header=None,
        names=list(_FIELDS),
        dtype=str,
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,
        skip_blank_lines=False,
    )
    if len(table) != len(rows):
        raise InvalidRecordingError("rows could not be told apart: not a GENEActiv CSV", path=path)
    table.index = pd.RangeIndex(first + 1, last + 1)
    return table


def _header(lines: list[str]) -> tuple[dict[str, str], int]:
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        if _TIMESTAMP.match(line):
            return header, index
        key, _, value = line.partition(",")
        if key.strip() and key.strip() not in header:
            header[key.strip()] = value.strip()
    raise InvalidRecordingError("no data rows found: is this a GENEActiv CSV export?")


def _utc_offset(header: dict[str, str]) -> timedelta | None:
    match = _TIME_ZONE.search(header.get("Time Zone", ""))
    if match is None:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))


def read_geneactiv_csv(path: str | Path) -> Recording:
    """Read a GENEActiv CSV export into a :class:`Recording` (acceleration in m/s^2).

    The per-row timestamps are local device time; the header's ``Time Zone`` gives the UTC start.
    Irregular timestamps are interpolated onto the header's ``Measurement Frequency`` grid, and
    gaps are left as NaN.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("latin-1").replace("\x00", "")
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc.strerror}", path=path) from None
    lines = [line.removesuffix("\r") for line in text.split("\n")]  # numbered as editors do
    try:
        header, first = _header(lines)
    except InvalidRecordingError as exc:
        raise InvalidRecordingError(exc.reason, path=path) from None
    if "Device Type" not in header or "GENEActiv" not in header["Device Type"]:
        raise InvalidRecordingError(
            "header has no 'Device Type,GENEActiv' line: use --format csv for other CSV files",
            path=path,
            line=1,
        )
    table = _data_table(lines, first, path)
    stamps = pd.to_datetime(table["timestamp"], format=_TIMESTAMP_FORMAT, errors="coerce")
    xyz = table[["x", "y", "z"]].apply(pd.to_numeric, errors="coerce")
    implausible = ~(xyz.abs() <= MAX_ACCELERATION_G).all(axis=1).to_numpy()  # NaN counts too
    bad_rows = np.flatnonzero(stamps.isna().to_numpy() | implausible)
    if len(bad_rows):
        row = int(bad_rows[0])
        line = int(table.index[row])
        raise InvalidRecordingError(
            f"cannot parse row {lines[line - 1]!r:.120}: expected 'YYYY-MM-DD hh:mm:ss:mmm,x,y,z,"
            f"...' with x, y, z numbers of g within +/-{MAX_ACCELERATION_G:g}",
            path=path,
            line=line,
        )
    elapsed_s = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    rate_text = header.get("Measurement Frequency", "").split()
    try:
        rate_hz = float(rate_text[0])
    except (IndexError, ValueError):
        rate_hz = nominal_rate_hz(elapsed_s, path=path, first_line=first + 1)
    if not 0 < rate_hz <= MAX_RATE_HZ:
        raise InvalidRecordingError(
            f"Measurement Frequency {rate_hz:g} Hz is outside (0, {MAX_RATE_HZ:g}] Hz", path=path
        )
    nominal_rate_hz(elapsed_s, path=path, first_line=first + 1)  # rejects non-increasing stamps
    check_time_span(elapsed_s, rate_hz, path=path, first_line=first + 1)
    time_s, accel_g = to_uniform_grid(elapsed_s, xyz.to_numpy(dtype=float), rate_hz)
    offset = _utc_offset(header)
    start_local = stamps.iloc[0].to_pydatetime()
    start_utc = None
    if offset is not None:
        start_utc = (start_local - offset).replace(tzinfo=UTC)
    device = DeviceInfo(
        manufacturer="Activinsights",
        model=f"GENEActiv {header.get('Device Model', '')}".strip(),
        serial=header.get("Device Unique Serial Code", ""),
        firmware=header.get("Device Firmware Version", ""),
    )
    return Recording(
        sampling_rate_hz=rate_hz,
        time_s=time_s,
        streams={"accel": Stream("accel", accel_to_mps2(accel_g, "g"), ("x", "y", "z"))},
        start_utc=start_utc,
        device=device,
        source=path,
    )


def is_geneactiv_csv(path: Path) -> bool:
    """True when the file starts with GENEActiv's ``Device Type`` header line."""
    try:
        with path.open("rb") as handle:
            return handle.read(64).startswith(b"Device Type,GENEActiv")
    except OSError:
        return False
