"""Read dynamometer trials from a CSV table, converting force to newtons where it enters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError
from alsmotion.readers.csv_table import MAX_ABS_VALUE, read_text_table
from alsmotion.strength.muscle import UNSPECIFIED
from alsmotion.strength.protocol import SIDES
from alsmotion.units import force_to_n


def read_force_table(
    path: str | Path,
    *,
    force_column: str,
    force_unit: str,
    time_column: str | None = None,
) -> pd.DataFrame:
    """Read a CSV of one or more trials.

    Parameters
    ----------
    path : CSV file with a header row.
    force_column : column of force readings (an empty cell is a lost sample).
    force_unit : ``n``, ``kgf`` or ``lbf``; converted to N here.
    time_column : column of sample times in s, or None for samples at the device's rate.

    Returns
    -------
    DataFrame with ``muscle``, ``side`` (``unspecified`` when the file has no such column),
    ``trial`` (1 when absent), ``force_n`` and, with ``time_column``, ``time_s``; rows in file
    order.

    Raises
    ------
    InvalidRecordingError : unreadable file, missing column, or a cell that is not a number.
    """
    path = Path(path)
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
        out["time_s"] = _numbers(table[time_column], time_column, path, allow_empty=False)
    return out


def _numbers(column: pd.Series, name: str, path: Path, *, allow_empty: bool = True) -> np.ndarray:
    """Column as floats; empty cells are NaN when allowed; any other text is an error."""
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
