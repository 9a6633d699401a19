"""Reader for generic CSV tables of IMU samples, with the columns and units named by the user."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers._chunked import CHUNK_ROWS, FirstErrors, GridSource
from alsmotion.readers._timegrid import TimeSteps
from alsmotion.recording import Recording
from alsmotion.units import (
    MAX_ABS_VALUE,
    TIME_UNIT_SECONDS,
    accel_to_mps2,
    gyro_to_rads,
    validate_sampling_rate_hz,
)

_BLOCK_BYTES = 1 << 23


def _open_text(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRecordingError("no such file", path=path) from None
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc}", path=path) from None


def _check_text(path: Path) -> None:
    """Refuse a file that is not UTF-8 text without NUL bytes (read a few MB at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    offset = 0
    try:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK_BYTES):
                if b"\x00" in block:
                    raise InvalidRecordingError("holds NUL bytes: not a text CSV file", path=path)
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    raise InvalidRecordingError(
                        f"cannot read file: byte {block[exc.start]:#04x} at offset "
                        f"{offset + exc.start} is not UTF-8 text ({exc.reason})",
                        path=path,
                    ) from None
                offset += len(block)
            decoder.decode(b"", final=True)
    except FileNotFoundError:
        raise InvalidRecordingError("no such file", path=path) from None
    except OSError as exc:
        raise InvalidRecordingError(f"cannot read file: {exc}", path=path) from None
    except UnicodeDecodeError as exc:
        raise InvalidRecordingError(
            f"cannot read file: the text ends inside a UTF-8 character ({exc.reason})", path=path
        ) from None


def _header_names(path: Path) -> list[str]:
    """The column names of the header row (checked: unique, one trailing comma allowed)."""
    _check_text(path)
    with _open_text(path) as handle:
        try:
            header = next(csv.reader(handle, skipinitialspace=True))
        except StopIteration:
            raise InvalidRecordingError("file is empty", path=path) from None
        except csv.Error as exc:
            raise InvalidRecordingError(
                f"not a valid CSV header ({exc})", path=path, line=1
            ) from None
    if header and not header[-1].strip():
        header.pop()
    names = [name.strip() for name in header]
    if not names or len(set(names)) != len(names):
        raise InvalidRecordingError(
            f"the header needs unique column names, got {names}", path=path, line=1
        )
    return names


def _text_chunks(path: Path, names: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The rows after the header as text columns, ``chunk_rows`` rows at a time, each table
    indexed by its rows' 1-based line numbers (see :func:`read_text_table` for the rules)."""
    with _open_text(path) as handle:
        reader = csv.reader(handle, skipinitialspace=True)
        rows: list[list[str]] = []
        lines: list[int] = []
        blank = None
        try:
            next(reader)
            for row in reader:
                if len(row) <= 1 and not "".join(row).strip():  # an empty line, not empty fields
                    blank = blank or reader.line_num
                    continue
                if blank is not None:
                    raise InvalidRecordingError(
                        "empty line inside the table", path=path, line=blank
                    )
                if len(row) == len(names) + 1 and not row[-1].strip():
                    row.pop()
                if len(row) != len(names):
                    raise InvalidRecordingError(
                        f"row has {len(row)} fields, the header names {len(names)}",
                        path=path,
                        line=reader.line_num,
                    )
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) == chunk_rows:
                    yield pd.DataFrame(rows, columns=names, index=lines, dtype=str)
                    rows, lines = [], []
        except csv.Error as exc:
            raise InvalidRecordingError(
                f"not a valid CSV row ({exc})", path=path, line=reader.line_num
            ) from None
    if rows:
        yield pd.DataFrame(rows, columns=names, index=lines, dtype=str)


def read_text_table(path: Path) -> pd.DataFrame:
    """The CSV as text columns named by its header, indexed by each row's 1-based line number.

    Every row must have the header's number of fields (one trailing comma is allowed, and a
    header may end in one too); blank lines at the end are ignored, elsewhere refused.
    """
    names = _header_names(path)
    tables = list(_text_chunks(path, names, CHUNK_ROWS))
    if not tables:
        return pd.DataFrame([], columns=names, dtype=str)
    return pd.concat(tables) if len(tables) > 1 else tables[0]


def _missing_columns(names: list[str], columns: Sequence[str], path: Path) -> None:
    missing = [name for name in columns if name not in names]
    if missing:
        raise InvalidRecordingError(
            f"no column named {', '.join(map(repr, missing))}; the header has "
            f"{', '.join(names)} (choose with --accel-columns/--gyro-columns)",
            path=path,
            line=1,
        )


def _numeric_columns(table: pd.DataFrame, columns: Sequence[str], path: Path) -> np.ndarray:
    block = table[list(columns)]
    numbers = block.apply(pd.to_numeric, errors="coerce")
    blank = block.isna() | (block.astype(str).apply(lambda c: c.str.strip()) == "")
    refused = (numbers.isna() & ~blank) | ~(numbers.abs() <= MAX_ABS_VALUE) & ~numbers.isna()
    if refused.to_numpy().any():
        row, col = (int(v[0]) for v in np.nonzero(refused.to_numpy()))
        raise InvalidRecordingError(
            f"column {columns[col]!r} holds {block.iat[row, col]!r:.60}, not a number within "
            f"+/-{MAX_ABS_VALUE:g}",
            path=path,
            line=int(table.index[row]),
        )
    return numbers.to_numpy(dtype=float)


@dataclass(frozen=True)
class _TimeOrigin:
    """The file's first time value, which decides how all are read: a number (``number``) or
    an ISO 8601 date-time (``stamp``, NaT when it is neither)."""

    text: str
    number: float
    stamp: pd.Timestamp

    @classmethod
    def of(cls, text: str) -> _TimeOrigin:
        number = float(pd.to_numeric(pd.Series([text]), errors="coerce").iloc[0])
        stamps = pd.Series([pd.NaT]) if not np.isnan(number) else pd.Series([text])
        stamp = pd.to_datetime(stamps, errors="coerce", utc=True, format="ISO8601").iloc[0]
        return cls(text, number, stamp)


def _time_seconds(column: pd.Series, origin: _TimeOrigin, time_unit: str, path: Path) -> np.ndarray:
    """Seconds since the file's first time from a column of numbers or ISO 8601 times."""
    if not np.isnan(origin.number):
        if time_unit not in TIME_UNIT_SECONDS:
            raise InvalidInputError(
                f"unknown time unit {time_unit!r}: use one of {'|'.join(TIME_UNIT_SECONDS)}"
            )
        numbers = pd.to_numeric(column, errors="coerce")
        with np.errstate(over="ignore", invalid="ignore"):
            elapsed_s = (numbers.to_numpy(dtype=float) - origin.number) * (
                TIME_UNIT_SECONDS[time_unit]
            )
        bad = np.flatnonzero(~np.isfinite(elapsed_s))
        if len(bad):
            row = int(bad[0])
            raise InvalidRecordingError(
                f"time value {column.iloc[row]!r:.60} is not a finite number like the first "
                f"one ({origin.text!r:.60})",
                path=path,
                line=int(column.index[row]),
            )
        return elapsed_s
    stamps = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
    if stamps.isna().any() or pd.isna(origin.stamp):
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0]) if stamps.isna().any() else 0
        raise InvalidRecordingError(
            f"time value {column.iloc[row]!r:.60} is neither a number nor an ISO 8601 date-time",
            path=path,
            line=int(column.index[row]),
        )
    return (stamps - origin.stamp).dt.total_seconds().to_numpy()


def open_csv_recording(
    path: str | Path,
    *,
    accel_columns: Sequence[str],
    accel_unit: str,
    gyro_columns: Sequence[str] | None = None,
    gyro_unit: str = "dps",
    time_column: str | None = None,
    time_unit: str = "s",
    sampling_rate_hz: float | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> GridSource:
    """Check a CSV with a header row whole, ``chunk_rows`` rows at a time, and return it ready
    to be read again chunk by chunk onto its grid in SI units.

    Parameters
    ----------
    accel_columns : the three acceleration columns, in the order x, y, z.
    accel_unit : ``g`` or ``mps2``.
    gyro_columns, gyro_unit : optional angular-velocity columns, ``dps`` or ``rads``.
    time_column : a column of numeric times (``time_unit``: s, ms, us, ns) or ISO 8601 date-times.
        Without one, ``sampling_rate_hz`` is required and samples are taken as evenly spaced.
    sampling_rate_hz : nominal rate (Hz). With a time column it sets the analysis grid; without,
        the rate is the median timestamp step.
    """
    path = Path(path)
    if len(accel_columns) != 3:
        raise InvalidInputError(f"accel_columns needs 3 names (x,y,z), got {list(accel_columns)}")
    if gyro_columns is not None and len(gyro_columns) != 3:
        raise InvalidInputError(f"gyro_columns needs 3 names, got {list(gyro_columns)}")
    if time_column is None and sampling_rate_hz is None:
        raise InvalidInputError(
            f"{path}: no time column given, so the sampling rate is unknown: pass "
            "--sampling-rate-hz (sampling_rate_hz=...) or name the time column"
        )
    names = _header_names(path)
    # checked in the order a whole-table check takes: rows, columns, values, times
    errors = FirstErrors()
    wanted = [("accel", tuple(accel_columns), accel_unit)]
    if gyro_columns is not None:
        wanted.append(("gyro", tuple(gyro_columns), gyro_unit))
    for rank, (_, columns, _) in zip((2, 4), wanted, strict=False):
        errors.catch(rank, _missing_columns, names, columns, path)
    if time_column is not None and time_column not in names:
        errors.keep(
            6, InvalidRecordingError(f"no time column named {time_column!r}", path=path, line=1)
        )
    timed = time_column is not None and time_column in names

    def values_si(table: pd.DataFrame, found: FirstErrors) -> np.ndarray | None:
        blocks = []
        for rank, (kind, columns, unit) in zip((3, 5), wanted, strict=False):
            if found.has(rank):
                return None
            numbers = found.catch(rank, _numeric_columns, table, columns, path)
            convert = accel_to_mps2 if kind == "accel" else gyro_to_rads
            si = None if numbers is None else found.catch(rank, convert, numbers, unit)
            if si is None:
                return None
            blocks.append(si)
        return np.column_stack(blocks)

    steps = TimeSteps(path)
    origin: _TimeOrigin | None = None
    n_rows = 0
    for table in _text_chunks(path, names, chunk_rows):
        n_rows += len(table)
        values_si(table, errors)
        if timed and not errors.has(7):
            assert time_column is not None
            origin = origin or _TimeOrigin.of(table[time_column].iloc[0])
            elapsed_s = errors.catch(7, _time_seconds, table[time_column], origin, time_unit, path)
            if elapsed_s is not None:
                steps.add(elapsed_s, table.index.to_numpy())
    if n_rows < 2:
        raise InvalidRecordingError("fewer than two data rows", path=path)
    errors.raise_first()
    if timed:
        measured_hz = steps.median_rate_hz()
        rate_hz = validate_sampling_rate_hz(
            measured_hz if sampling_rate_hz is None else sampling_rate_hz
        )
        steps.check_span(rate_hz)
    else:
        assert sampling_rate_hz is not None
        rate_hz = validate_sampling_rate_hz(sampling_rate_hz)

    def pieces() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        strict = FirstErrors(immediate=True)
        first_row = 0
        for table in _text_chunks(path, names, chunk_rows):
            values = values_si(table, strict)
            assert values is not None  # strict: an error is raised, not kept
            if timed:
                assert origin is not None and time_column is not None
                elapsed_s = _time_seconds(table[time_column], origin, time_unit, path)
            else:
                elapsed_s = (first_row + np.arange(len(table))) / rate_hz
            first_row += len(table)
            yield elapsed_s, values

    return GridSource(
        path=path,
        sampling_rate_hz=rate_hz,
        n_samples=steps.grid_samples(rate_hz) if timed else n_rows,
        streams=tuple((kind, columns) for kind, columns, _ in wanted),
        pieces=pieces,
        on_grid=not timed or steps.on_grid(rate_hz),
    )


def read_csv_recording(
    path: str | Path,
    *,
    accel_columns: Sequence[str],
    accel_unit: str,
    gyro_columns: Sequence[str] | None = None,
    gyro_unit: str = "dps",
    time_column: str | None = None,
    time_unit: str = "s",
    sampling_rate_hz: float | None = None,
) -> Recording:
    """Read a CSV with a header row whole into a :class:`Recording` in SI units (see
    :func:`open_csv_recording` for the parameters)."""
    return open_csv_recording(
        path,
        accel_columns=accel_columns,
        accel_unit=accel_unit,
        gyro_columns=gyro_columns,
        gyro_unit=gyro_unit,
        time_column=time_column,
        time_unit=time_unit,
        sampling_rate_hz=sampling_rate_hz,
    ).to_recording()
