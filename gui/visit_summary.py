"""The visit's measures as the summary screen lists them, from what the operator saw and decided.

Pure functions: walk trials and strength decisions in, one row per measure out. Values across
visits come from the exports (:mod:`alsmotion.export`), joined on the measure name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from alsmotion.gui.context import WalkTrial
from alsmotion.gui.flow import ACCEPTED, CANNOT_PERFORM, TrialDecision

WALK_MEASURES = (
    ("gait_speed_mps", "gait speed (IMU)", "m/s"),
    ("clinical_speed_mps", "timed speed", "m/s"),
    ("cadence_spm", "cadence", "steps/min"),
    ("stride_time_cv_pct", "stride time CV", "%"),
)


@dataclass(frozen=True)
class MeasureRow:
    """One measure of the visit: a value with its unit, or a note saying why there is none."""

    label: str
    unit: str
    value: float | None
    note: str = ""

    def value_text(self) -> str:
        if self.value is None or not math.isfinite(self.value):
            return self.note or "–"
        return f"{self.value:.2f} {self.unit}"


def walk_rows(trials: Sequence[WalkTrial]) -> list[MeasureRow]:
    """Mean over the trials of each timed walk test, per measure."""
    rows = []
    for test in dict.fromkeys(t.test for t in trials):
        of_test = [t for t in trials if t.test == test]
        for key, label, unit in WALK_MEASURES:
            values = [
                v
                for t in of_test
                if (
                    v := (
                        t.clinical_speed_mps if key == "clinical_speed_mps" else t.measures.get(key)
                    )
                )
                is not None
            ]
            flags = sorted({flag for t in of_test for flag in t.flags})
            rows.append(
                MeasureRow(
                    label=f"{test} {label} (n={len(of_test)})",
                    unit=unit,
                    value=float(np.mean(values)) if values else None,
                    note=", ".join(flags) if not values else "",
                )
            )
    return rows


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
            )
        )
    return rows
