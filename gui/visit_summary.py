"""The visit's measures as the summary screen lists them, from what the operator saw and decided.

Pure functions: walk trials and strength decisions in, one row per measure out. Values across
visits come from the exports (:mod:`alsmotion.export`), joined on the measure name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from alsmotion.gui import analysis
from alsmotion.gui.context import UNDECIDED, WalkTrial
from alsmotion.gui.flow import ACCEPTED, CANNOT_PERFORM, StrengthFlow, TrialDecision
from alsmotion.gui.protocols import VisitProtocol

WALK_MEASURES = (
    ("walk_speed_mps", "timed speed (distance / time)", "m/s", 2),
    ("distance_m", "distance walked", "m", 1),
    ("gait_speed_mps", "gait speed (IMU)", "m/s", 2),
    ("cadence_spm", "cadence", "steps/min", 0),
    ("stride_time_cv_pct", "stride time CV", "%", 1),
)


@dataclass(frozen=True)
class MeasureRow:
    """One measure of the visit: a value with its unit, or a note saying why there is none."""

    label: str
    unit: str
    value: float | None
    note: str = ""
    decimals: int = 2
    flags: str = ""

    def value_text(self) -> str:
        if self.value is None or not math.isfinite(self.value):
            return self.note or "–"
        return f"{self.value:.{self.decimals}f} {self.unit}"


def walk_rows(trials: Sequence[WalkTrial]) -> list[MeasureRow]:
    """Mean over the accepted trials of each timed walk test, per measure."""
    rows = []
    accepted = [t for t in trials if t.accepted]
    for test in dict.fromkeys(t.test for t in accepted):
        of_test = [t for t in accepted if t.test == test]
        for key, label, unit, decimals in WALK_MEASURES:
            if key == "distance_m" and analysis.fixed_distance_m(test) is not None:
                continue
            values = [float(v) for t in of_test if (v := t.measures.get(key)) is not None]
            flags = sorted({flag for t in of_test for flag in t.flags})
            rows.append(
                MeasureRow(
                    label=f"{test} {label} (n={len(of_test)})",
                    unit=unit,
                    value=float(np.mean(values)) if values else None,
                    decimals=decimals,
                    flags="; ".join(flags),
                )
            )
    return rows


def missing_parts(
    protocol: VisitProtocol | None,
    trials: Sequence[WalkTrial],
    strength: StrengthFlow | None,
) -> list[str]:
    """What the protocol asked for and the visit does not have yet, in plain words."""
    if protocol is None:
        return []
    missing = []
    accepted = {t.test for t in trials if t.accepted}
    walks = [test for test in protocol.walk_tests if test not in accepted]
    if walks:
        missing.append("no accepted trial of " + ", ".join(walks))
    undecided = [f"{t.test} trial {t.trial}" for t in trials if t.status == UNDECIDED]
    if undecided:
        missing.append("no decision on " + ", ".join(undecided))
    if strength is None:
        missing.append("strength not tested")
    elif not strength.done:
        left = dict.fromkeys(
            f"{step.muscle.replace('_', ' ')} {step.side}"
            for step in strength.sequence[len(strength.sequence) - strength.n_remaining :]
            if not strength.is_skipped(step)
        )
        missing.append("strength not finished: " + ", ".join(left))
    return missing


def strength_rows(decisions: Sequence[TrialDecision]) -> list[MeasureRow]:
    """Best accepted peak force per muscle and side; "cannot perform" with its reason."""
    rows = []
    pairs = dict.fromkeys((d.step.muscle, d.step.side) for d in decisions)
    for muscle, side in pairs:
        of_pair = [d for d in decisions if (d.step.muscle, d.step.side) == (muscle, side)]
        peaks = [
            float(peak)
            for d in of_pair
            if d.status == ACCEPTED and (peak := d.measures.get("peak_force_n")) is not None
        ]
        cannot = [d.reason for d in of_pair if d.status == CANNOT_PERFORM]
        note = f"cannot perform: {cannot[0]}" if cannot else "no accepted trial"
        rows.append(
            MeasureRow(
                label=f"{muscle.replace('_', ' ')} {side}: peak force (n={len(peaks)})",
                unit="N",
                value=max(peaks) if peaks else None,
                note="" if peaks else note,
                decimals=0,
            )
        )
    return rows


def best_accepted_n(decisions: Sequence[TrialDecision], muscle: str, side: str) -> float | None:
    """Best accepted peak force (N) of one muscle and side, None when none was accepted."""
    peaks = [
        float(peak)
        for d in decisions
        if (d.step.muscle, d.step.side, d.status) == (muscle, side, ACCEPTED)
        and (peak := d.measures.get("peak_force_n")) is not None
    ]
    return max(peaks) if peaks else None


def strength_comparison(
    decisions: Sequence[TrialDecision], muscle: str, side: str, facts: Mapping[str, Any]
) -> str:
    """Left/right asymmetry and % of the predicted torque of one muscle's best accepted trials.

    ``facts`` are the session metadata's extra facts (sex, age_years, height_m, body_mass_kg,
    lever_arms_m); % predicted uses the Harbo 2012 equations shipped with alsmotion.
    """
    from alsmotion.strength.muscle import limb_asymmetry_pct
    from alsmotion.strength.normative import (
        SubjectCharacteristics,
        load_harbo_2012,
        percent_predicted,
    )

    parts = []
    best = {s: best_accepted_n(decisions, muscle, s) for s in ("left", "right")}
    left_n, right_n = best["left"], best["right"]
    if left_n is not None and right_n is not None:
        asymmetry = limb_asymmetry_pct(left_n, right_n)
        parts.append(f"left/right asymmetry {asymmetry:.0f} % ({left_n:.0f} / {right_n:.0f} N)")
    own = best.get(side)
    lever_arm_m = (facts.get("lever_arms_m") or {}).get(muscle)
    needed = ("sex", "age_years", "height_m", "body_mass_kg")
    if own is None:
        return "; ".join(parts)
    if lever_arm_m is None or any(facts.get(key) is None for key in needed):
        parts.append("% predicted: enter lever arm, sex, age, height and mass on the start screen")
        return "; ".join(parts)
    subject = SubjectCharacteristics(
        sex=str(facts["sex"]),
        age_years=float(facts["age_years"]),
        height_m=float(facts["height_m"]),
        mass_kg=float(facts["body_mass_kg"]),
    )
    predicted_nm = load_harbo_2012().predicted_torque_nm(muscle, subject)
    if predicted_nm is None:
        parts.append(f"no normative equation for {muscle.replace('_', ' ')}")
    else:
        percent = percent_predicted(
            own, lever_arm_m=float(lever_arm_m), predicted_torque_nm=predicted_nm
        )
        parts.append(f"{percent:.0f} % of predicted ({side}, Harbo 2012)")
    return "; ".join(parts)
