"""Reference values (mean and SD of force per muscle and side) for the strength megascore: taken
from the participants' baseline visits or read from a user-supplied CSV table."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from alsmotion.errors import InsufficientDataError, InvalidRecordingError
from alsmotion.strength.csv_tables import finite_column, parse_table, read_table_text
from alsmotion.strength.muscle import MuscleSideSummary

REFERENCE_COLUMNS = ("muscle", "side", "mean_n", "sd_n")

#: ``source`` of a reference computed from the participants' baseline visits.
BASELINE_COHORT = "baseline visits"


class HasMuscleSummaries(Protocol):
    """A visit summary (e.g. :class:`alsmotion.strength.VisitStrengthSummary`): its muscles."""

    @property
    def muscles(self) -> Sequence[MuscleSideSummary]: ...


@dataclass(frozen=True)
class StrengthReference:
    """Mean and SD of force (N) per (muscle, side), for z-scores ``(F - mean_n) / sd_n``.

    ``values[(muscle, side)]`` is ``(mean_n, sd_n, n)``, ``n`` the participants behind the value
    (0 when read from a file, which does not say).
    """

    values: Mapping[tuple[str, str], tuple[float, float, int]]
    source: str

    def z_score(self, muscle: str, side: str, force_n: float) -> float | None:
        """z-score of a force against this reference, or None when the muscle has no reference."""
        value = self.values.get((muscle, side))
        if value is None:
            return None
        mean_n, sd_n, _ = value
        return (force_n - mean_n) / sd_n

    def to_frame(self) -> pd.DataFrame:
        """Columns ``muscle, side, mean_n, sd_n, n``, sorted by muscle and side."""
        rows = [(m, s, *value) for (m, s), value in sorted(self.values.items())]
        return pd.DataFrame(rows, columns=[*REFERENCE_COLUMNS, "n"])

    @staticmethod
    def _values_of(table: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, int]]:
        return {
            (str(row[0]), str(row[1])): (float(row[2]), float(row[3]), int(row[4]))
            for row in table[[*REFERENCE_COLUMNS, "n"]].itertuples(index=False)
        }

    @classmethod
    def from_baseline(
        cls, baselines: Iterable[HasMuscleSummaries], *, min_participants: int = 2
    ) -> StrengthReference:
        """Mean and SD (n - 1) of each muscle and side over participants' baseline visits.

        Parameters
        ----------
        baselines : one baseline-visit summary per participant.
        min_participants : muscles and sides measured in fewer participants are left out.
        """
        return cls.from_forces(
            [
                (m.muscle, m.side, m.force_n)
                for visit in baselines
                for m in visit.muscles
                if m.force_n is not None
            ],
            min_participants=min_participants,
        )

    @classmethod
    def from_forces(
        cls, forces: Iterable[tuple[str, str, float | None]], *, min_participants: int = 2
    ) -> StrengthReference:
        """Mean and SD (n - 1) of each muscle and side over ``(muscle, side, force_n)`` values,
        one per participant's baseline visit (NaN values are left out)."""
        frame = pd.DataFrame(list(forces), columns=["muscle", "side", "force_n"]).dropna()
        grouped = frame.groupby(["muscle", "side"])["force_n"]
        table = pd.DataFrame(
            {"mean_n": grouped.mean(), "sd_n": grouped.std(ddof=1), "n": grouped.size()}
        )
        table = table[(table["n"] >= min_participants) & (table["sd_n"] > 0)]
        if table.empty:
            raise InsufficientDataError(
                f"no muscle was measured at baseline in at least {min_participants} participants "
                "with differing forces: supply a reference table instead"
            )
        return cls(values=cls._values_of(table.reset_index()), source=BASELINE_COHORT)

    @classmethod
    def from_csv(cls, path: str | Path) -> StrengthReference:
        """Read a reference table with columns ``muscle, side, mean_n, sd_n`` (``#`` comments)."""
        path = Path(path)
        table = parse_table(
            read_table_text(path),
            columns=REFERENCE_COLUMNS,
            what="reference table",
            source=str(path),
        )
        for column in ("mean_n", "sd_n"):
            table[column] = finite_column(table, column, source=str(path))
        if (table["sd_n"] <= 0).any():
            raise InvalidRecordingError("sd_n must be positive", path=path)
        if table.duplicated(["muscle", "side"]).any():
            raise InvalidRecordingError("a muscle and side appears twice: keep one", path=path)
        table["n"] = 0
        return cls(values=cls._values_of(table), source=str(path))

    def to_csv(self, path: str | Path) -> None:
        """Write the reference in the format :meth:`from_csv` reads."""
        self.to_frame()[list(REFERENCE_COLUMNS)].to_csv(path, index=False, float_format="%.17g")


def visit_megascore(
    forces: Iterable[tuple[str, str, float | None]], reference: StrengthReference
) -> tuple[float | None, int, bool]:
    """Megascore of one visit: (mean z over the muscles and sides with a force and a reference,
    how many there were, whether every muscle and side of the visit counted).

    Parameters
    ----------
    forces : ``(muscle, side, force_n)`` of every muscle and side of the visit (None: no value).
    reference : mu and sigma per muscle and side.
    """
    listed = list(forces)
    z_scores = [
        z
        for muscle, side, force_n in listed
        if force_n is not None
        and math.isfinite(force_n)
        and (z := reference.z_score(muscle, side, force_n)) is not None
    ]
    return megascore(z_scores), len(z_scores), len(z_scores) == len(listed)


def megascore(z_scores: Iterable[float]) -> float | None:
    """Mean of the z-scores of the muscles measured, or None when there are none."""
    values = [z for z in z_scores if math.isfinite(z)]
    return float(np.mean(values)) if values else None
