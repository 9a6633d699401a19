"""Read dynamometer trials from a CSV table, converting force to newtons where it enters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers.csv_table import read_text_table
from alsmotion.strength.muscle import UNSPECIFIED
from alsmotion.strength.protocol import SIDES
from alsmotion.units import MAX_ABS_VALUE, TIME_UNIT_SECONDS, force_to_n


def read_force_table(
    path: str | Path,
    *,
    force_column: str,
    force_unit: str,
    time_column: str | None = None,
    time_unit: str = "s",
) -> pd.DataFrame:
    """Read a CSV of one or more trials.

    Parameters
    ----------
    path : CSV file with a header row.
    force_column : column of force readings (an empty cell is a lost sample).
    force_unit : ``n``, ``kgf`` or ``lbf``; converted to N here.
    time_column : column of sample times, or None for samples at the device's rate.
    time_unit : unit of the time column: ``s``, ``ms``, ``us`` or ``ns`` (converted to s here).

    Returns
    -------
    DataFrame with ``muscle``, ``side`` (``unspecified`` when the file has no such column),
    ``trial`` (1 when absent), ``force_n`` and, with ``time_column``, ``time_s``; rows in file
    order.

    Raises
    ------
    InvalidRecordingError : unreadable file, missing column, or a cell that is not a finite number.
    """
    path = Path(path)
    if time_unit not in TIME_UNIT_SECONDS:
        raise InvalidInputError(
            f"unknown time unit {time_unit!r}: use one of {'|'.join(TIME_UNIT_SECONDS)}"
        )
    table = read_text_table(path)  # rows indexed by their line; a field more or less is refused
    needed = [force_column] + ([time_column] if time_column else [])
    missing = [name for name in needed if name not in table.columns]
    if missing:
        raise InvalidRecordingError(
            f"no column {', '.join(missing)} (columns: {', '.join(table.columns)}); "
            "name it with --force-column / --time-column",
            path=path,
        )
    if table.empty:
        raise InvalidRecordingError("the file has a header but no samples", path=path)
    out = pd.DataFrame(
        {
            "muscle": table["muscle"].str.strip() if "muscle" in table else UNSPECIFIED,
            "side": table["side"].str.strip().str.lower() if "side" in table else UNSPECIFIED,
            "trial": _numbers(table["trial"], "trial", path, allow_empty=False)
            if "trial" in table
            else 1.0,
            "force_n": force_to_n(_numbers(table[force_column], force_column, path), force_unit),
        }
    )
    if "side" in table:
        unknown = ~out["side"].isin(SIDES)
        if unknown.any():
            row = int(np.argmax(unknown.to_numpy()))
            raise InvalidRecordingError(
                f"side must be one of {', '.join(SIDES)}, found {out['side'].iloc[row]!r}",
                path=path,
                line=int(out.index[row]),
            )
    if "muscle" in table and (out["muscle"] == "").any():
        row = int(np.argmax((out["muscle"] == "").to_numpy()))
        raise InvalidRecordingError("empty muscle name", path=path, line=int(out.index[row]))
    if "trial" in table and not np.all(out["trial"] == np.round(out["trial"])):
        raise InvalidRecordingError("the trial column must hold whole numbers", path=path)
    out["trial"] = out["trial"].astype(int)
    if time_column:
        times = _numbers(table[time_column], time_column, path, allow_empty=False)
        out["time_s"] = times * TIME_UNIT_SECONDS[time_unit]
    return out


def _numbers(column: pd.Series, name: str, path: Path, *, allow_empty: bool = True) -> np.ndarray:
    """Column as floats; empty cells are NaN when allowed; any other text, and infinite or NaN
    values written out, are errors."""
    text = column.str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(dtype=float)
    bad = ~(np.abs(values) <= MAX_ABS_VALUE) & ((text != "").to_numpy() | (not allow_empty))
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidRecordingError(
            f"column {name} holds {column.iloc[row]!r:.60}, not a number within "
            f"+/-{MAX_ABS_VALUE:g}",
            path=path,
            line=int(column.index[row]),
        )
    return values


def check_rate_matches_times(
    time_s: np.ndarray, sampling_rate_hz: float, *, what: str, tolerance: float = 0.1
) -> None:
    """Refuse a nominal rate that the timestamps contradict (median step off by more than
    ``tolerance``, a fraction): a wrong ``--time-unit`` or ``--sampling-rate-hz``."""
    steps = np.diff(np.asarray(time_s, dtype=float))
    steps = steps[steps > 0]
    if steps.size == 0:
        return
    measured_hz = 1.0 / float(np.median(steps))
    if abs(measured_hz / sampling_rate_hz - 1.0) > tolerance:
        raise InvalidInputError(
            f"{what}: the timestamps give {measured_hz:.4g} Hz but the sampling rate is "
            f"{sampling_rate_hz:g} Hz: check --sampling-rate-hz and --time-unit"
        )
