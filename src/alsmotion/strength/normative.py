"""Normative strength equations read from a user-supplied CSV table, and % of predicted.

A table row is a linear model of maximal isometric torque in age, height and body mass for one
muscle group and sex: ``torque_nm = intercept_nm + age_nm_per_year x age_years + height_nm_per_m x
height_m + mass_nm_per_kg x mass_kg``. Lines starting with ``#`` are comments. alsmotion ships the
Harbo 2012 models quoted in its domain notes as an example (:func:`load_harbo_2012`); a trial
supplies its own file for other muscles or populations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.strength.csv_tables import finite_column, parse_table, read_table_text

NORMATIVE_COLUMNS = (
    "muscle",
    "sex",
    "intercept_nm",
    "age_nm_per_year",
    "height_nm_per_m",
    "mass_nm_per_kg",
)
SEXES = ("female", "male")
HARBO_2012_RESOURCE = "harbo2012_isometric_torque.csv"


@dataclass(frozen=True)
class SubjectCharacteristics:
    """What a normative equation needs about a participant: sex, age (years), height (m), mass (kg)."""

    sex: str
    age_years: float
    height_m: float
    mass_kg: float

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise InvalidInputError(f"sex must be one of {SEXES}, got {self.sex!r}")
        checks = {
            "age_years": (0, 130),
            "height_m": (0.5, 2.5),
            "mass_kg": (10, 300),
        }
        for name, (low, high) in checks.items():
            value = getattr(self, name)
            if not (math.isfinite(value) and low <= value <= high):
                raise InvalidInputError(
                    f"{name} = {value!r} is outside {low}-{high}: give it in the unit its name states"
                )


@dataclass(frozen=True)
class NormativeTable:
    """Validated normative torque equations, one per muscle group and sex.

    ``coefficients[(muscle, sex)]`` is ``(intercept_nm, age_nm_per_year, height_nm_per_m,
    mass_nm_per_kg)``.
    """

    coefficients: Mapping[tuple[str, str], tuple[float, float, float, float]]
    source: str

    @classmethod
    def from_csv(cls, path: str | Path) -> NormativeTable:
        """Read and validate a normative table (see the module docstring for its columns)."""
        path = Path(path)
        return cls.from_text(read_table_text(path), source=str(path))

    @classmethod
    def from_text(cls, text: str, *, source: str) -> NormativeTable:
        """Parse and validate the CSV text of a normative table; ``source`` names it in errors."""
        table = parse_table(text, columns=NORMATIVE_COLUMNS, what="normative table", source=source)
        if table.empty:
            raise InvalidRecordingError("normative table has no equations", path=source)
        table = table[list(NORMATIVE_COLUMNS)].copy()
        table["muscle"] = table["muscle"].astype(str).str.strip()
        table["sex"] = table["sex"].astype(str).str.strip().str.lower()
        bad_sex = sorted(set(table["sex"]) - set(SEXES))
        if bad_sex:
            raise InvalidRecordingError(
                f"sex must be one of {SEXES}, found {', '.join(bad_sex)}", path=source
            )
        for column in NORMATIVE_COLUMNS[2:]:
            table[column] = finite_column(table, column, source=source)
        duplicated = table.duplicated(["muscle", "sex"])
        if duplicated.any():
            first = table[duplicated].iloc[0]
            raise InvalidRecordingError(
                f"two equations for {first['muscle']} {first['sex']}: keep one", path=source
            )
        coefficients = {
            (str(row[0]), str(row[1])): (float(row[2]), float(row[3]), float(row[4]), float(row[5]))
            for row in table.itertuples(index=False)
        }
        return cls(coefficients=coefficients, source=source)

    def predicted_torque_nm(self, muscle: str, subject: SubjectCharacteristics) -> float | None:
        """Predicted maximal isometric torque, N m, or None when the table has no equation."""
        equation = self.coefficients.get((muscle, subject.sex))
        if equation is None:
            return None
        intercept, per_year, per_m, per_kg = equation
        return (
            intercept
            + per_year * subject.age_years
            + per_m * subject.height_m
            + per_kg * subject.mass_kg
        )


def load_harbo_2012() -> NormativeTable:
    """The Harbo 2012 isometric torque models shipped with alsmotion (knee extension, elbow flexion)."""
    resource = resources.files("alsmotion").joinpath("data", HARBO_2012_RESOURCE)
    return NormativeTable.from_text(
        resource.read_text(encoding="utf-8"), source=HARBO_2012_RESOURCE
    )


def percent_predicted(force_n: float, *, lever_arm_m: float, predicted_torque_nm: float) -> float:
    """Measured torque (force x lever arm) as % of a predicted torque.

    Parameters
    ----------
    force_n : dynamometer force, N.
    lever_arm_m : distance from the joint axis to the dynamometer, m.
    predicted_torque_nm : normative torque, N m (positive).
    """
    if not lever_arm_m > 0:
        raise InvalidInputError(f"lever_arm_m must be positive, got {lever_arm_m}")
    if not predicted_torque_nm > 0:
        raise InvalidInputError(
            f"predicted torque {predicted_torque_nm:.1f} N m is not positive: the equation does "
            "not apply to this participant"
        )
    return force_n * lever_arm_m / predicted_torque_nm * 100.0
