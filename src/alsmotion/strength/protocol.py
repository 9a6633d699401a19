"""A strength protocol: which muscle groups, sides and trials a visit measures, and how trials
become one value per muscle and side. JSON round-trip so a result can name its protocol."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from alsmotion.errors import InvalidInputError
from alsmotion.settings_io import (
    check_non_negative_numbers,
    json_object_from_text,
    read_json_object,
    refuse_unknown_keys,
)
from alsmotion.vocabulary import DEFAULT_METHOD, TRIAL_SIDES, Method

#: Muscle groups typical of ALS trials (DOMAIN.md section 3; Shefner 2016 uses 9 groups).
DEFAULT_MUSCLE_GROUPS = (
    "shoulder_flexion",
    "elbow_flexion",
    "elbow_extension",
    "wrist_extension",
    "grip",
    "hip_flexion",
    "knee_flexion",
    "knee_extension",
    "ankle_dorsiflexion",
)
SIDES = tuple(TRIAL_SIDES)
TEST_TYPES = tuple(Method)
SUMMARY_STATISTICS = ("max", "mean")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class StrengthProtocol:
    """Muscle groups, sides and trials of a visit's strength assessment.

    Attributes
    ----------
    muscles : muscle-group names (lower-case identifiers, e.g. ``knee_extension``).
    sides : ``left`` and/or ``right``.
    trials_per_side : trials planned per muscle and side.
    test_type : ``make`` (patient pushes against a still dynamometer; preferred for serial testing)
        or ``break`` (the examiner overcomes the patient; reads 16-51 % higher, Burns 2005).
    summary_statistic : ``max`` (best valid trial) or ``mean`` (of valid trials): the value a
        muscle and side contributes to asymmetry, megascore and % predicted.
    best_two_tolerance_pct : flag a muscle and side whose best two valid trials differ by more.
    rest_between_trials_s : planned rest between trials, s (recorded, not enforced).
    """

    muscles: tuple[str, ...] = DEFAULT_MUSCLE_GROUPS
    sides: tuple[str, ...] = SIDES
    trials_per_side: int = 3
    test_type: str = DEFAULT_METHOD
    summary_statistic: str = "max"
    best_two_tolerance_pct: float = 10.0
    rest_between_trials_s: float = 60.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "muscles", tuple(self.muscles))
        object.__setattr__(self, "sides", tuple(self.sides))
        if not self.muscles:
            raise InvalidInputError("a strength protocol needs at least one muscle group")
        for muscle in self.muscles:
            if not isinstance(muscle, str) or not _NAME.match(muscle):
                raise InvalidInputError(
                    f"muscle name {muscle!r} must be a lower-case identifier such as 'knee_extension'"
                )
        if len(set(self.muscles)) != len(self.muscles):
            raise InvalidInputError("muscle groups in a strength protocol must not repeat")
        if (
            not self.sides
            or any(side not in SIDES for side in self.sides)
            or len(set(self.sides)) != len(self.sides)
        ):
            raise InvalidInputError(f"sides must be distinct values of {SIDES}, got {self.sides}")
        if isinstance(self.trials_per_side, bool) or not isinstance(self.trials_per_side, int):
            raise InvalidInputError("trials_per_side must be a whole number")
        if self.trials_per_side < 1:
            raise InvalidInputError("trials_per_side must be at least 1")
        if self.test_type not in TEST_TYPES:
            raise InvalidInputError(
                f"test_type must be one of {TEST_TYPES}, got {self.test_type!r}"
            )
        if self.summary_statistic not in SUMMARY_STATISTICS:
            raise InvalidInputError(
                f"summary_statistic must be one of {SUMMARY_STATISTICS}, got {self.summary_statistic!r}"
            )
        check_non_negative_numbers(self, names=("best_two_tolerance_pct", "rest_between_trials_s"))

    def to_dict(self) -> dict[str, Any]:
        """The protocol as a JSON-able dict (lists for the muscle groups and sides)."""
        data = asdict(self)
        data["muscles"] = list(self.muscles)
        data["sides"] = list(self.sides)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StrengthProtocol:
        """Build a protocol from :meth:`to_dict` output; unknown keys are refused."""
        refuse_unknown_keys(cls, data, what="strength protocol key")
        return cls(**data)

    def to_json(self) -> str:
        """Indented JSON with sorted keys, for a protocol file people read and edit."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> StrengthProtocol:
        """A protocol from the text :meth:`to_json` wrote."""
        return cls.from_dict(json_object_from_text(text, what="strength protocol"))

    @classmethod
    def from_file(cls, path: str | Path) -> StrengthProtocol:
        """Read a protocol written by :meth:`to_json`."""
        return cls.from_dict(read_json_object(path, what="strength protocol"))
