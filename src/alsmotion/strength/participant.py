"""What the per-visit strength summary needs to know about a participant: body mass (N/kg), sex,
age and height (normative equations) and the lever arm of each muscle group (torque from force).

They come from one mapping with the keys of :data:`PARTICIPANT_KEYS`: the ``extra`` field of a
session's metadata (``alsmotion process``, the GUI, the demo) or a participant JSON file
(``alsmotion strength --participant``). Missing keys are allowed: the measures that need them are
reported empty with a flag naming what is missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alsmotion.errors import InvalidInputError
from alsmotion.settings_io import read_json_object
from alsmotion.strength.normative import SubjectCharacteristics

#: Keys read from session metadata ``extra`` or a participant file, with their meaning.
PARTICIPANT_KEYS = {
    "body_mass_kg": "body mass, kg (force per mass, normative equations)",
    "height_m": "standing height, m (normative equations)",
    "age_years": "age at the visit, years (normative equations)",
    "sex": "female or male (normative equations)",
    "lever_arms_m": "object of muscle group -> joint axis to dynamometer distance, m",
}


@dataclass(frozen=True)
class ParticipantStrengthInfo:
    """Body mass, normative-equation inputs and lever arms of one participant at one visit.

    Attributes
    ----------
    body_mass_kg : kg, or None when not given.
    subject : sex, age, height and mass together, or None when any is missing.
    lever_arms_m : muscle group -> lever arm, m.
    missing : the :data:`PARTICIPANT_KEYS` of ``subject`` that were not given.
    source : where the values came from (``session metadata`` or a file path).
    """

    body_mass_kg: float | None = None
    subject: SubjectCharacteristics | None = None
    lever_arms_m: Mapping[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    source: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> ParticipantStrengthInfo:
        """Read the :data:`PARTICIPANT_KEYS` of ``data`` (other keys are ignored)."""
        mass = _positive(data, "body_mass_kg", source)
        lever_arms = data.get("lever_arms_m") or {}
        if not isinstance(lever_arms, Mapping):
            raise InvalidInputError(
                f"{source}: lever_arms_m must map muscle group names to metres, e.g. "
                '{"knee_extension": 0.35}'
            )
        arms = {str(muscle): _positive(lever_arms, muscle, source) for muscle in lever_arms}
        needed = ("sex", "age_years", "height_m", "body_mass_kg")
        missing = tuple(name for name in needed if data.get(name) is None)
        subject = None
        if not missing:
            try:
                subject = SubjectCharacteristics(
                    sex=str(data["sex"]).strip().lower(),
                    age_years=float(data["age_years"]),
                    height_m=float(data["height_m"]),
                    mass_kg=float(data["body_mass_kg"]),
                )
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"{source}: age_years and height_m must be numbers"
                ) from None
            except InvalidInputError as exc:
                raise InvalidInputError(f"{source}: {exc}") from None
        return cls(
            body_mass_kg=mass,
            subject=subject,
            lever_arms_m={m: a for m, a in arms.items() if a is not None},
            missing=missing,
            source=source,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ParticipantStrengthInfo:
        """Read a participant JSON file (keys of :data:`PARTICIPANT_KEYS`)."""
        return cls.from_mapping(read_json_object(path, what="participant file"), source=str(path))


def participant_template() -> str:
    """A participant JSON file to fill in (values are examples)."""
    example = {
        "body_mass_kg": 72.0,
        "height_m": 1.75,
        "age_years": 58,
        "sex": "male",
        "lever_arms_m": {"knee_extension": 0.35, "elbow_flexion": 0.28},
    }
    return json.dumps(example, indent=2) + "\n"


def _positive(data: Mapping[str, Any], name: str, source: str) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and number > 0):
        raise InvalidInputError(f"{source}: {name} must be a positive number, got {value!r}")
    return number
