"""Per visit: every muscle and side of the protocol summarised, limb asymmetry, the strength
megascore (mean z over muscles) and % of predicted where a normative equation applies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.strength.muscle import (
    MuscleSideSummary,
    StrengthTrial,
    limb_asymmetry_pct,
    summarize_muscle_side,
    symmetry_index_pct,
)
from alsmotion.strength.normative import NormativeTable, SubjectCharacteristics, percent_predicted
from alsmotion.strength.protocol import StrengthProtocol
from alsmotion.strength.reference import StrengthReference, visit_megascore

# Flags of a muscle and side set at visit level, and of the visit.
NO_NORMATIVE_EQUATION = "no_normative_equation"
NO_LEVER_ARM = "no_lever_arm"
MEGASCORE_INCOMPLETE = "megascore_incomplete"


@dataclass(frozen=True)
class MuscleAsymmetry:
    """Left/right comparison of one muscle group's forces (N).

    ``asymmetry_pct`` = |L - R| / max(L, R) x 100; ``symmetry_index_pct`` = (R - L) / (0.5 (R + L))
    x 100 (positive: right stronger).
    """

    muscle: str
    left_force_n: float
    right_force_n: float
    asymmetry_pct: float
    symmetry_index_pct: float


@dataclass(frozen=True)
class VisitStrengthSummary:
    """Strength at one visit.

    Attributes
    ----------
    protocol : the protocol the visit followed.
    muscles : one summary per protocol muscle and side, in protocol order.
    asymmetry : muscles measured on both sides.
    megascore : mean z-score over muscles and sides with a value and a reference (None without a
        reference or without any value).
    n_megascore_muscles : muscles and sides behind the megascore.
    flags : visit-level quality notes.
    """

    protocol: StrengthProtocol
    muscles: tuple[MuscleSideSummary, ...]
    asymmetry: tuple[MuscleAsymmetry, ...]
    megascore: float | None
    n_megascore_muscles: int
    flags: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per muscle and side, with that muscle's asymmetry columns."""
        rows = [m.to_dict() for m in self.muscles]
        frame = pd.DataFrame(rows)
        frame["flags"] = [";".join(m.flags) for m in self.muscles]
        asymmetry = pd.DataFrame(
            [
                {
                    "muscle": a.muscle,
                    "asymmetry_pct": a.asymmetry_pct,
                    "symmetry_index_pct": a.symmetry_index_pct,
                }
                for a in self.asymmetry
            ],
            columns=["muscle", "asymmetry_pct", "symmetry_index_pct"],
        )
        return frame.merge(asymmetry, on="muscle", how="left")

    def to_dict(self) -> dict[str, object]:
        return {
            "protocol": self.protocol.to_dict(),
            "muscles": [m.to_dict() for m in self.muscles],
            "asymmetry": [asdict(a) for a in self.asymmetry],
            "megascore": self.megascore,
            "n_megascore_muscles": self.n_megascore_muscles,
            "flags": list(self.flags),
        }


def summarize_visit(
    trials: Sequence[StrengthTrial],
    *,
    protocol: StrengthProtocol,
    subject: SubjectCharacteristics | None = None,
    reference: StrengthReference | None = None,
    normative: NormativeTable | None = None,
    lever_arms_m: Mapping[str, float] | None = None,
    body_mass_kg: float | None = None,
) -> VisitStrengthSummary:
    """Summarise every muscle and side of a protocol at one visit.

    Parameters
    ----------
    trials : the visit's trials (analysed, or cannot-perform with a reason). A protocol muscle
        and side without trials is reported as ``not_recorded``.
    protocol : muscles, sides, planned trials and summary statistic.
    subject : sex, age, height and mass; the mass gives N/kg, all four feed normative equations.
    reference : mean and SD per muscle and side for the megascore.
    normative : normative torque equations for % predicted (needs ``subject`` and a lever arm).
    lever_arms_m : lever arm per muscle group, m (joint axis to dynamometer).
    body_mass_kg : body mass for N/kg when no ``subject`` is given, kg.
    """
    planned = {(m, s) for m in protocol.muscles for s in protocol.sides}
    extra = sorted({(t.muscle, t.side) for t in trials} - planned)
    if extra:
        names = ", ".join(f"{m} {s}" for m, s in extra)
        raise InvalidInputError(f"trials of {names} are not in the protocol: add them to it")
    if subject is not None:
        if body_mass_kg is not None and body_mass_kg != subject.mass_kg:
            raise InvalidInputError(
                f"body_mass_kg {body_mass_kg} differs from the subject's mass {subject.mass_kg}: "
                "give one"
            )
        body_mass_kg = subject.mass_kg
    if normative is not None and subject is None:
        raise InvalidInputError("% predicted needs the participant's sex, age, height and mass")
    summaries: list[MuscleSideSummary] = []
    for muscle in protocol.muscles:
        for side in protocol.sides:
            summary = summarize_muscle_side(
                [t for t in trials if (t.muscle, t.side) == (muscle, side)],
                muscle=muscle,
                side=side,
                planned_trials=protocol.trials_per_side,
                summary_statistic=protocol.summary_statistic,
                best_two_tolerance_pct=protocol.best_two_tolerance_pct,
                body_mass_kg=body_mass_kg,
            )
            if normative is not None and subject is not None and summary.force_n is not None:
                summary = _with_percent_predicted(summary, normative, subject, lever_arms_m or {})
            summaries.append(summary)

    by_key = {(m.muscle, m.side): m.force_n for m in summaries}
    asymmetry = tuple(
        MuscleAsymmetry(
            muscle=muscle,
            left_force_n=left,
            right_force_n=right,
            asymmetry_pct=limb_asymmetry_pct(left, right),
            symmetry_index_pct=symmetry_index_pct(left, right),
        )
        for muscle in protocol.muscles
        if (left := by_key.get((muscle, "left"))) is not None
        and (right := by_key.get((muscle, "right"))) is not None
    )

    flags: list[str] = []
    score = None
    n_scored = 0
    if reference is not None:
        score, n_scored, complete = visit_megascore(
            ((m.muscle, m.side, m.force_n) for m in summaries), reference
        )
        if not complete:
            flags.append(MEGASCORE_INCOMPLETE)
    return VisitStrengthSummary(
        protocol=protocol,
        muscles=tuple(summaries),
        asymmetry=asymmetry,
        megascore=score,
        n_megascore_muscles=n_scored,
        flags=tuple(flags),
    )


def _with_percent_predicted(
    summary: MuscleSideSummary,
    normative: NormativeTable,
    subject: SubjectCharacteristics,
    lever_arms_m: Mapping[str, float],
) -> MuscleSideSummary:
    predicted_nm = normative.predicted_torque_nm(summary.muscle, subject)
    if predicted_nm is None:
        return replace(summary, flags=(*summary.flags, NO_NORMATIVE_EQUATION))
    lever_arm_m = lever_arms_m.get(summary.muscle)
    if lever_arm_m is None:
        return replace(summary, flags=(*summary.flags, NO_LEVER_ARM))
    assert summary.force_n is not None
    value = percent_predicted(
        summary.force_n, lever_arm_m=lever_arm_m, predicted_torque_nm=predicted_nm
    )
    return replace(summary, percent_predicted=value)
