"""Read a CSV exported by the Tindeq Progressor app: a header block of ``name,value`` rows (among
them ``Avg`` and ``Peak`` of the effort, in kg), then a ``time,weight`` table with the weight in kg.
Exports written with ``;`` between fields take ``,`` as the decimal mark.

Weights are converted to newtons here (1 kgf = 9.80665 N). The header's ``Peak`` is kept and
compared with the samples: a file whose samples do not reach the peak the app reported is refused
(a truncated export or a different unit).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError
from alsmotion.units import NEWTONS_PER_KGF, TIME_UNIT_SECONDS

#: Relative disagreement allowed between the header's Peak and the samples' maximum.
PEAK_TOLERANCE = 0.02


@dataclass(frozen=True)
class TindeqExport:
    """One exported effort: sample times (s from the first sample), force (N), header fields."""

    time_s: np.ndarray
    force_n: np.ndarray
    header: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def to_frame(self) -> pd.DataFrame:
        """``muscle``/``side`` unspecified, ``trial`` 1, ``force_n`` and ``time_s`` (the columns
        :func:`alsmotion.strength.table.read_force_table` returns)."""
        from alsmotion.strength.muscle import UNSPECIFIED

        return pd.DataFrame(
            {
                "muscle": UNSPECIFIED,
                "side": UNSPECIFIED,
                "trial": 1,
                "force_n": self.force_n,
                "time_s": self.time_s,
            }
        )


def _delimiter(line: str) -> str:
    """``;`` for exports written with a decimal comma (``time;weight`` / ``0,0125;1,5``)."""
    return ";" if ";" in line else ","


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in next(csv.reader([line], delimiter=_delimiter(line)), [])]


def _is_table_header(cells: list[str]) -> bool:
    names = [cell.lower().split(" ")[0].split("[")[0].split("(")[0] for cell in cells]
    return len(names) >= 2 and names[:2] == ["time", "weight"]


def looks_like_tindeq_csv(path: str | Path) -> bool:
    """True when a ``time,weight`` table header follows at least one header-block line."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            lines = [file.readline() for _ in range(40)]
    except (OSError, UnicodeDecodeError):
        return False
    for number, line in enumerate(lines):
        if line.strip() and _is_table_header(_cells(line)):
            return number > 0
    return False


def read_tindeq_csv(path: str | Path, *, time_unit: str = "s") -> TindeqExport:
    """Read a Progressor app export.

    Parameters
    ----------
    path : the exported CSV file.
    time_unit : unit of the ``time`` column: ``s`` (default), ``ms``, ``us`` or ``ns``.

    Raises
    ------
    InvalidRecordingError : no ``time,weight`` table, a cell that is not a finite number, times
        that do not increase, or samples that contradict the header's ``Peak``.
    """
    path = Path(path)
    if time_unit not in TIME_UNIT_SECONDS:
        raise InvalidRecordingError(
            f"unknown time unit {time_unit!r}: use one of {'|'.join(TIME_UNIT_SECONDS)}", path=path
        )
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InvalidRecordingError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRecordingError(f"cannot read file: {exc}", path=path) from None
    header: dict[str, str] = {}
    start = None
    for number, line in enumerate(lines):
        cells = _cells(line) if line.strip() else []
        if not cells:
            continue
        if _is_table_header(cells):
            start = number
            break
        fields = [cell.replace(",", ".") if _delimiter(line) == ";" else cell for cell in cells]
        header[cells[0]] = ",".join(fields[1:])
    if start is None:
        raise InvalidRecordingError(
            "no 'time,weight' table: this is not a Tindeq Progressor app export", path=path
        )
    semicolons = _delimiter(lines[start]) == ";"
    table = pd.read_csv(
        io.StringIO("\n".join(lines[start:])),
        dtype=str,
        skipinitialspace=True,
        usecols=[0, 1],
        sep=";" if semicolons else ",",
    )
    if semicolons:
        table = table.apply(lambda column: column.str.replace(",", ".", regex=False))
    if table.empty:
        raise InvalidRecordingError("the export has a header but no samples", path=path)
    values = {}
    for column, name in zip(table.columns, ("time", "weight"), strict=True):
        numbers = pd.to_numeric(table[column].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            row = int(bad[0])
            raise InvalidRecordingError(
                f"{name} holds {table[column].iloc[row]!r}, not a finite number",
                path=path,
                line=start + row + 2,
            )
        values[name] = numbers
    time_s = (values["time"] - values["time"][0]) * TIME_UNIT_SECONDS[time_unit]
    steps = np.diff(time_s)
    if np.any(steps <= 0):
        row = int(np.flatnonzero(steps <= 0)[0]) + 1
        raise InvalidRecordingError("times must increase strictly", path=path, line=start + row + 2)
    weight_kg = values["weight"]
    peak = _header_number(header, "peak")
    if peak is not None and peak > 0:
        seen = float(np.max(weight_kg))
        if abs(seen - peak) > PEAK_TOLERANCE * peak:
            raise InvalidRecordingError(
                f"the header's Peak is {peak:g} kg but the samples reach {seen:g} kg: the export "
                "is truncated or not in kg",
                path=path,
            )
    return TindeqExport(
        time_s=time_s, force_n=weight_kg * NEWTONS_PER_KGF, header=header, source=str(path)
    )


def _header_number(header: dict[str, str], name: str) -> float | None:
    for key, value in header.items():
        if key.lower().split(" ")[0].split("(")[0].split("[")[0] == name:
            try:
                number = float(value.split(",")[0])
            except ValueError:
                return None
            return number if math.isfinite(number) else None
    return None
