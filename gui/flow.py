"""The visit flow a physiotherapist walks through, as a pure state machine (no Qt, no clock).

A visit goes start -> devices -> walk tests -> strength -> summary. The strength part is a guided
sequence of muscle x side x trial steps with a rest period after each trial; every trial ends in a
decision (accepted, rejected with a reason and repeated, or "cannot perform" for the rest of that
muscle and side). Time is passed in by the caller (``now_s``, any monotonic clock in seconds), so the
whole flow is testable without Qt or waiting.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from alsmotion.errors import InvalidInputError
from alsmotion.vocabulary import TrialStatus


class Stage(enum.Enum):
    """Screens of a visit, in the order they are walked through."""

    START = "Start"
    DEVICES = "Devices"
    WALK = "Walk tests"
    STRENGTH = "Strength"
    SUMMARY = "Summary"


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

#: Decisions a strength or walk trial can end in.
ACCEPTED = TrialStatus.ACCEPTED
REJECTED = TrialStatus.REJECTED
CANNOT_PERFORM = TrialStatus.CANNOT_PERFORM


@dataclass(frozen=True)
class StrengthStep:
    """One planned strength trial: muscle group, side and 1-based trial number."""

    muscle: str
    side: str
    trial: int
    trials_per_side: int

    @property
    def label(self) -> str:
        muscle = self.muscle.replace("_", " ").capitalize()
        return f"{muscle}, {self.side}, trial {self.trial} of {self.trials_per_side}"


@dataclass(frozen=True)
class TrialDecision:
    """What the operator decided about one trial, with the measures shown at the time."""

    step: StrengthStep
    attempt: int
    status: str
    reason: str = ""
    measures: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "muscle": self.step.muscle,
            "side": self.step.side,
            "trial": self.step.trial,
            "attempt": self.attempt,
            "status": self.status,
            "reason": self.reason,
            **dict(self.measures),
        }


def strength_sequence(
    muscles: Sequence[str], sides: Sequence[str], trials_per_side: int
) -> tuple[StrengthStep, ...]:
    """Plan the strength trials of a visit.

    Sides alternate within a muscle (left 1, right 1, left 2, ...) so that each side rests while the
    other is tested, as in serial HHD protocols.

    Parameters
    ----------
    muscles : muscle groups in testing order, e.g. ``("knee_extension", "elbow_flexion")``.
    sides : sides tested per muscle, e.g. ``("left", "right")``.
    trials_per_side : trials per muscle and side (2-3 is usual).
    """
    if trials_per_side < 1:
        raise InvalidInputError(f"trials_per_side must be at least 1, got {trials_per_side}")
    if not muscles or not sides:
        raise InvalidInputError("a strength sequence needs at least one muscle and one side")
    return tuple(
        StrengthStep(muscle, side, trial, trials_per_side)
        for muscle in muscles
        for trial in range(1, trials_per_side + 1)
        for side in sides
    )


class StrengthFlow:
    """Walks the operator through a strength sequence with rest periods.

    Parameters
    ----------
    sequence : the planned steps, from :func:`strength_sequence`.
    rest_s : rest after each trial of the same muscle (seconds); 60 s is common.
    """

    def __init__(self, sequence: Sequence[StrengthStep], *, rest_s: float) -> None:
        if rest_s < 0:
            raise InvalidInputError(f"rest_s must be >= 0, got {rest_s}")
        self.sequence = tuple(sequence)
        self.rest_s = float(rest_s)
        self.decisions: list[TrialDecision] = []
        self._index = 0
        self._attempt = 1
        self._rest_until_s = float("-inf")
        self._skipped: set[tuple[str, str]] = set()
        self._before: list[tuple[int, int, float, frozenset[tuple[str, str]]]] = []

    @property
    def current(self) -> StrengthStep | None:
        """The step to test next, or None when the sequence is complete."""
        return self.sequence[self._index] if self._index < len(self.sequence) else None

    @property
    def attempt(self) -> int:
        """1-based attempt number of the current step (rejected trials are repeated)."""
        return self._attempt

    @property
    def done(self) -> bool:
        return self.current is None

    @property
    def n_remaining(self) -> int:
        return len(self.sequence) - self._index

    def rest_remaining_s(self, now_s: float) -> float:
        """Seconds of rest still advised before the next trial (0 when ready)."""
        return max(0.0, self._rest_until_s - now_s)

    def accept(self, measures: Mapping[str, Any], *, now_s: float) -> TrialDecision:
        """Accept the current trial and move to the next step."""
        decision = self._decide(ACCEPTED, "", measures)
        self._advance(now_s)
        return decision

    def reject(self, reason: str, measures: Mapping[str, Any], *, now_s: float) -> TrialDecision:
        """Reject the current trial with a reason; the same step is repeated after rest."""
        decision = self._decide(REJECTED, _required_reason(reason), measures)
        self._attempt += 1
        self._rest_until_s = now_s + self.rest_s
        return decision

    def cannot_perform(self, reason: str, *, now_s: float) -> TrialDecision:
        """Record that the participant cannot perform this muscle and side; skip its other trials."""
        step = self._require_current()
        decision = self._decide(CANNOT_PERFORM, _required_reason(reason), {})
        self._skipped.add((step.muscle, step.side))
        self._advance(now_s, rest=False)
        return decision

    def is_skipped(self, step: StrengthStep) -> bool:
        """True for a step left out because its muscle and side cannot be performed."""
        return (step.muscle, step.side) in self._skipped

    def undo(self) -> TrialDecision:
        """Take back the last decision: its trial is current again, undecided."""
        if not self.decisions:
            raise InvalidInputError("there is no decision to undo")
        self._index, self._attempt, self._rest_until_s, skipped = self._before.pop()
        self._skipped = set(skipped)
        return self.decisions.pop()

    def previous_trials(self, muscle: str, side: str) -> list[TrialDecision]:
        """Decisions already taken at this visit for one muscle and side, oldest first."""
        return [d for d in self.decisions if d.step.muscle == muscle and d.step.side == side]

    def _require_current(self) -> StrengthStep:
        step = self.current
        if step is None:
            raise InvalidInputError("the strength sequence is complete: there is no current trial")
        return step

    def _decide(self, status: str, reason: str, measures: Mapping[str, Any]) -> TrialDecision:
        decision = TrialDecision(
            self._require_current(), self._attempt, status, reason, dict(measures)
        )
        self._before.append(
            (self._index, self._attempt, self._rest_until_s, frozenset(self._skipped))
        )
        self.decisions.append(decision)
        return decision

    def _advance(self, now_s: float, *, rest: bool = True) -> None:
        self._index += 1
        self._attempt = 1
        while (
            self.current is not None and (self.current.muscle, self.current.side) in self._skipped
        ):
            self._index += 1
        self._rest_until_s = now_s + self.rest_s if rest else float("-inf")


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInputError("a rejected or not-performed trial needs a reason")
    return reason


class VisitFlow:
    """Which screen of the visit is current, and whether the operator may move on."""

    def __init__(self) -> None:
        self.stage = Stage.START
        self.completed: set[Stage] = set()

    def complete(self, stage: Stage) -> None:
        """Mark a stage done (e.g. metadata entered, devices connected)."""
        self.completed.add(stage)

    def can_enter(self, stage: Stage) -> bool:
        """Start and devices must be done before any test; the rest can be visited in any order."""
        if stage in (Stage.START, Stage.DEVICES):
            return stage is Stage.START or Stage.START in self.completed
        return {Stage.START, Stage.DEVICES} <= self.completed

    def go(self, stage: Stage) -> Stage:
        if not self.can_enter(stage):
            missing = Stage.START if Stage.START not in self.completed else Stage.DEVICES
            raise InvalidInputError(f"finish the {missing.value} screen first")
        self.stage = stage
        return stage
