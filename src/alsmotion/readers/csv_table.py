"""Reader for generic CSV tables of IMU samples, with the columns and units named by the user."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers._timegrid import check_time_span, nominal_rate_hz, to_uniform_grid
from alsmotion.recording import Recording, Stream
from alsmotion.units import (
    MAX_ABS_VALUE,
    TIME_UNIT_SECONDS,
    accel_to_mps2,
    gyro_to_rads,
    validate_sampling_rate_hz,
)


def _numeric_columns(table: pd.DataFrame, columns: Sequence[str], path: Path) -> np.ndarray:
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise InvalidRecordingError(
            f"no column named {', '.join(map(repr, missing))}; the header has "
            f"{', '.join(map(str, table.columns))} (choose with --accel-columns/--gyro-columns)",
            path=path,
            line=1,
        )
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


def _time_seconds(column: pd.Series, time_unit: str, path: Path) -> np.ndarray:
    """Elapsed seconds from a column of numbers (the first value decides) or ISO 8601 times."""
    numbers = pd.to_numeric(column, errors="coerce")
    if not np.isnan(numbers.iloc[0]):
        if time_unit not in TIME_UNIT_SECONDS:
            raise InvalidInputError(
                f"unknown time unit {time_unit!r}: use one of {'|'.join(TIME_UNIT_SECONDS)}"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            elapsed_s = (numbers.to_numpy(dtype=float) - float(numbers.iloc[0])) * (
                TIME_UNIT_SECONDS[time_unit]
            )
        bad = np.flatnonzero(~np.isfinite(elapsed_s))
        if len(bad):
            row = int(bad[0])
            raise InvalidRecordingError(
                f"time value {column.iloc[row]!r:.60} is not a finite number like the first "
                f"one ({column.iloc[0]!r:.60})",
                path=path,
                line=int(column.index[row]),
            )
        return elapsed_s
    stamps = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise InvalidRecordingError(
            f"time value {column.iloc[row]!r:.60} is neither a number nor an ISO 8601 date-time",
            path=path,
            line=int(column.index[row]),
        )
    return (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()


def read_text_table(path: Path) -> pd.DataFrame:
    """The CSV as text columns named by its header, indexed by each row's 1-based line number.

    Every row must have the header's number of fields (one trailing comma is allowed, and a
    header may end in one too); blank lines at the end are ignored, elsewhere refused.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRecordingError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRecordingError(f"cannot read file: {exc}", path=path) from None
    if "\x00" in text:
        raise InvalidRecordingError("holds NUL bytes: not a text CSV file", path=path)
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidRecordingError("file is empty", path=path) from None
    except csv.Error as exc:
        raise InvalidRecordingError(f"not a valid CSV header ({exc})", path=path, line=1) from None
    if header and not header[-1].strip():
        header.pop()
    names = [name.strip() for name in header]
    if not names or len(set(names)) != len(names):
        raise InvalidRecordingError(
            f"the header needs unique column names, got {names}", path=path, line=1
        )
    rows, lines, blank = [], [], None
    try:
        for row in reader:
            if len(row) <= 1 and not "".join(row).strip():  # an empty line, not empty fields
                blank = blank or reader.line_num
                continue
            if blank is not None:
                raise InvalidRecordingError("empty line inside the table", path=path, line=blank)
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
    except csv.Error as exc:
        raise InvalidRecordingError(
            f"not a valid CSV row ({exc})", path=path, line=reader.line_num
        ) from None
    return pd.DataFrame(rows, columns=names, index=lines, dtype=str)


def _rate_from_steps(elapsed_s: np.ndarray, table: pd.DataFrame, path: Path) -> float:
    """:func:`nominal_rate_hz`, with the line of a non-increasing time taken from the table."""
    try:
        return nominal_rate_hz(elapsed_s, path=path, first_line=0)
    except InvalidRecordingError as exc:
        if exc.line is None:
            raise
        line = int(table.index[exc.line])  # exc.line - 1 is the step, exc.line its sample
        raise InvalidRecordingError(exc.reason, path=path, line=line) from None


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
    """Read a CSV with a header row into a :class:`Recording` in SI units.

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
    table = read_text_table(path)
    if len(table) < 2:
        raise InvalidRecordingError("fewer than two data rows", path=path)
    accel = accel_to_mps2(_numeric_columns(table, accel_columns, path), accel_unit)
    streams = {"accel": Stream("accel", accel, tuple(accel_columns))}
    if gyro_columns is not None:
        gyro = gyro_to_rads(_numeric_columns(table, gyro_columns, path), gyro_unit)
        streams["gyro"] = Stream("gyro", gyro, tuple(gyro_columns))
    if time_column is None:
        assert sampling_rate_hz is not None
        rate_hz = validate_sampling_rate_hz(sampling_rate_hz)
        time_s = np.arange(len(table)) / rate_hz
    else:
        if time_column not in table.columns:
            raise InvalidRecordingError(f"no time column named {time_column!r}", path=path, line=1)
        elapsed_s = _time_seconds(table[time_column], time_unit, path)
        measured_hz = _rate_from_steps(elapsed_s, table, path)
        rate_hz = validate_sampling_rate_hz(
            measured_hz if sampling_rate_hz is None else sampling_rate_hz
        )
        check_time_span(elapsed_s, rate_hz, path=path, first_line=int(table.index[0]))
        stacked = np.column_stack([s.values for s in streams.values()])
        time_s, stacked = to_uniform_grid(elapsed_s, stacked, rate_hz)
        streams = {
            kind: Stream(kind, stacked[:, 3 * k : 3 * k + 3], s.channel_names)
            for k, (kind, s) in enumerate(streams.items())
        }
    return Recording(sampling_rate_hz=rate_hz, time_s=time_s, streams=streams, source=path)
