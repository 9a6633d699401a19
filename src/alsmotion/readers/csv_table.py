"""Reader for generic CSV tables of IMU samples, with the columns and units named by the user."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers._timegrid import nominal_rate_hz, to_uniform_grid
from alsmotion.recording import Recording, Stream
from alsmotion.units import accel_to_mps2, gyro_to_rads, validate_sampling_rate_hz

#: Seconds per unit of a numeric time column.
TIME_UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


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
    not_numbers = (
        numbers.isna() & block.notna() & (block.astype(str).apply(lambda c: c.str.strip()) != "")
    )
    if not_numbers.to_numpy().any():
        row, col = (int(v[0]) for v in np.nonzero(not_numbers.to_numpy()))
        raise InvalidRecordingError(
            f"column {columns[col]!r} holds {block.iat[row, col]!r}, not a number",
            path=path,
            line=row + 2,
        )
    return numbers.to_numpy(dtype=float)


def _time_seconds(column: pd.Series, time_unit: str, path: Path) -> np.ndarray:
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().all():
        if time_unit not in TIME_UNIT_SECONDS:
            raise InvalidInputError(
                f"unknown time unit {time_unit!r}: use one of {'|'.join(TIME_UNIT_SECONDS)}"
            )
        return (numbers.to_numpy(dtype=float) - float(numbers.iloc[0])) * TIME_UNIT_SECONDS[
            time_unit
        ]
    stamps = pd.to_datetime(column, errors="coerce", utc=True, format="ISO8601")
    if stamps.isna().any():
        row = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise InvalidRecordingError(
            f"time value {column.iloc[row]!r} is neither a number nor an ISO 8601 date-time",
            path=path,
            line=row + 2,
        )
    return (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()


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
    try:
        table = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRecordingError(f"cannot read file: {exc}", path=path) from None
    except pd.errors.ParserError as exc:
        raise InvalidRecordingError(f"not a valid CSV table: {exc}", path=path) from None
    except pd.errors.EmptyDataError:
        raise InvalidRecordingError("file is empty", path=path) from None
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
        measured_hz = nominal_rate_hz(elapsed_s, path=path, first_line=2)
        rate_hz = validate_sampling_rate_hz(
            measured_hz if sampling_rate_hz is None else sampling_rate_hz
        )
        stacked = np.column_stack([s.values for s in streams.values()])
        time_s, stacked = to_uniform_grid(elapsed_s, stacked, rate_hz)
        streams = {
            kind: Stream(kind, stacked[:, 3 * k : 3 * k + 3], s.channel_names)
            for k, (kind, s) in enumerate(streams.items())
        }
    return Recording(sampling_rate_hz=rate_hz, time_s=time_s, streams=streams, source=path)
