"""Reading the small user-supplied CSV tables of the strength area (normative equations, reference
values): ``#`` comment lines, named columns, finite numbers, errors that name the file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError


def read_table_text(path: Path) -> str:
    """The text of a table file; an unreadable file raises :class:`InvalidRecordingError`."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRecordingError(f"cannot read table: {exc}", path=path) from None


def parse_table(text: str, *, columns: Sequence[str], what: str, source: str) -> pd.DataFrame:
    """Parse CSV text (``#`` comments, spaces after commas allowed) that must hold ``columns``.

    Parameters
    ----------
    text : the CSV text, header first.
    columns : column names the table must have (others are kept).
    what : what the table is, for messages (e.g. ``"reference table"``).
    source : file or resource name the errors point to.
    """
    try:
        table = pd.read_csv(io.StringIO(text), comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidRecordingError(
            f"{what} is not a readable CSV table: {exc}", path=source
        ) from None
    missing = [name for name in columns if name not in table.columns]
    if missing:
        raise InvalidRecordingError(
            f"{what} lacks column(s) {', '.join(missing)}; it needs {', '.join(columns)}",
            path=source,
        )
    return table


def finite_column(table: pd.DataFrame, column: str, *, source: str) -> np.ndarray:
    """The values of ``column`` as floats; a cell that is not a finite number is an error."""
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise InvalidRecordingError(
            f"column {column} must hold finite numbers (data row {int(bad[0]) + 1})", path=source
        )
    return values
