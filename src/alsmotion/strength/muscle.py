"""Per muscle and side: the trials of one muscle group on one side become the best and mean
valid force, the between-trial CV and flags. "Cannot perform" is a recorded result with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from numbers import Integral

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.strength.protocol import SIDES, SUMMARY_STATISTICS
from alsmotion.strength.trial import ForceTrialResult
from alsmotion.vocabulary import TrialStatus

# Status of a muscle and side.
MEASURED = "measured"
NO_VALID_TRIAL = "no_valid_trial"
CANNOT_PERFORM = TrialStatus.CANNOT_PERFORM
NOT_RECORDED = "not_recorded"

#: Muscle or side of trials recorded without saying which (e.g. a CSV without those columns).
UNSPECIFIED = "unspecified"

# Flags of a muscle and side.
BEST_TWO_DIFFER = "best_two_differ"
FEWER_VALID_TRIALS_THAN_PLANNED = "fewer_valid_trials_than_planned"
CV_NEEDS_TWO_TRIALS = "cv_needs_two_valid_trials"


@dataclass(frozen=True)
class StrengthTrial:
    """One planned trial: its analysed force curve, or the reason it could not be performed."""

    muscle: str
    side: str
    trial: int
    result: ForceTrialResult | None = None
    cannot_perform_reason: str | None = None

    def __post_init__(self) -> None:
        if self.side not in (*SIDES, UNSPECIFIED):
            raise InvalidInputError(
                f"side must be one of {(*SIDES, UNSPECIFIED)}, got {self.side!r}"
            )
        if isinstance(self.trial, bool) or not isinstance(self.trial, Integral) or self.trial < 1:
            raise InvalidInputError(f"trial numbers start at 1, got {self.trial!r}")
        object.__setattr__(self, "trial", int(self.trial))
        if (self.result is None) == (self.cannot_perform_reason is None):
            raise InvalidInputError(
                f"{self.muscle} {self.side} trial {self.trial}: give either a result or a "
                "cannot_perform_reason, not both or neither"
            )


@dataclass(frozen=True)
class MuscleSideSummary:
    """Strength of one muscle group on one side at one visit (forces in N).

    Attributes
    ----------
    status : ``measured``, ``no_valid_trial``, ``cannot_perform`` or ``not_recorded``.
    reason : why there is no value (cannot-perform reason, or the invalid trials' reasons).
    n_trials, n_valid : trials recorded and valid.
    best_force_n : maximum peak force over valid trials.
    mean_force_n : mean peak force over valid trials.
    force_n : the protocol's summary statistic (best or mean), the muscle's value.
    between_trial_cv_pct : SD / mean x 100 of valid peaks (needs two).
    best_two_difference_pct : (best - second best) / best x 100.
    force_per_mass_n_per_kg : ``force_n`` / body mass, when the mass is known.
    percent_predicted : of a normative equation, when one applies (set at visit level).
    flags : quality notes.
    """

    muscle: str
    side: str
    status: str
    reason: str
    n_trials: int
    n_valid: int
    best_force_n: float | None
    mean_force_n: float | None
    force_n: float | None
    between_trial_cv_pct: float | None
    best_two_difference_pct: float | None
    force_per_mass_n_per_kg: float | None
    percent_predicted: float | None
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["flags"] = list(self.flags)
        return data


def between_trial_cv_pct(peaks_n: np.ndarray) -> float:
    """Coefficient of variation of trial peaks, SD (n - 1) / mean x 100, %."""
    return float(np.std(peaks_n, ddof=1) / np.mean(peaks_n) * 100.0)


def best_two_difference_pct(peaks_n: np.ndarray) -> float:
    """Difference of the two highest peaks relative to the highest, %."""
    top = np.sort(peaks_n)[::-1]
    return float((top[0] - top[1]) / top[0] * 100.0)


def summarize_muscle_side(
    trials: Sequence[StrengthTrial],
    *,
    muscle: str,
    side: str,
    planned_trials: int | None = None,
    summary_statistic: str = "max",
    best_two_tolerance_pct: float = 10.0,
    body_mass_kg: float | None = None,
) -> MuscleSideSummary:
    """Summarise the trials of one muscle group on one side.

    Parameters
    ----------
    trials : the trials of this muscle and side (others are refused).
    muscle, side : which muscle and side.
    planned_trials : trials the protocol plans; fewer valid ones are flagged.
    summary_statistic : ``max`` or ``mean`` of valid peaks as ``force_n``.
    best_two_tolerance_pct : flag when the best two valid peaks differ by more, %.
    body_mass_kg : body mass for ``force_per_mass_n_per_kg``, kg.
    """
    if summary_statistic not in SUMMARY_STATISTICS:
        raise InvalidInputError(f"summary_statistic must be one of {SUMMARY_STATISTICS}")
    if body_mass_kg is not None and not body_mass_kg > 0:
        raise InvalidInputError(f"body_mass_kg must be positive, got {body_mass_kg}")
    for trial in trials:
        if (trial.muscle, trial.side) != (muscle, side):
            raise InvalidInputError(
                f"trial {trial.trial} is {trial.muscle} {trial.side}, not {muscle} {side}"
            )
    results = [t.result for t in trials if t.result is not None]
    valid_peaks = np.array(
        [r.peak_force_n for r in results if r.valid and r.peak_force_n is not None], dtype=float
    )
    empty = {
        "best_force_n": None,
        "mean_force_n": None,
        "force_n": None,
        "between_trial_cv_pct": None,
        "best_two_difference_pct": None,
        "force_per_mass_n_per_kg": None,
        "percent_predicted": None,
    }
    if valid_peaks.size == 0:
        if not trials:
            status, reason = NOT_RECORDED, "no trial recorded"
        elif not results:
            status = CANNOT_PERFORM
            reason = "; ".join(dict.fromkeys(t.cannot_perform_reason or "" for t in trials))
        else:
            status = NO_VALID_TRIAL
            reason = "; ".join(dict.fromkeys(reason for r in results for reason in r.reasons))
        return MuscleSideSummary(
            muscle=muscle,
            side=side,
            status=status,
            reason=reason,
            n_trials=len(trials),
            n_valid=0,
            flags=(),
            **empty,
        )

    flags: list[str] = []
    if planned_trials is not None and valid_peaks.size < planned_trials:
        flags.append(FEWER_VALID_TRIALS_THAN_PLANNED)
    best_n = float(valid_peaks.max())
    mean_n = float(valid_peaks.mean())
    cv_pct = difference_pct = None
    if valid_peaks.size >= 2:
        cv_pct = between_trial_cv_pct(valid_peaks)
        difference_pct = best_two_difference_pct(valid_peaks)
        if difference_pct > best_two_tolerance_pct:
            flags.append(BEST_TWO_DIFFER)
    else:
        flags.append(CV_NEEDS_TWO_TRIALS)
    force_n = best_n if summary_statistic == "max" else mean_n
    return MuscleSideSummary(
        muscle=muscle,
        side=side,
        status=MEASURED,
        reason="",
        n_trials=len(trials),
        n_valid=int(valid_peaks.size),
        best_force_n=best_n,
        mean_force_n=mean_n,
        force_n=force_n,
        between_trial_cv_pct=cv_pct,
        best_two_difference_pct=difference_pct,
        force_per_mass_n_per_kg=None if body_mass_kg is None else force_n / body_mass_kg,
        percent_predicted=None,
        flags=tuple(flags),
    )


def limb_asymmetry_pct(left_n: float, right_n: float) -> float:
    """``|L - R| / max(L, R) x 100``, %: 0 for equal sides, 100 when one side is zero."""
    larger = max(left_n, right_n)
    return 0.0 if larger == 0 else abs(left_n - right_n) / larger * 100.0


def symmetry_index_pct(left_n: float, right_n: float) -> float:
    """``(R - L) / (0.5 (R + L)) x 100``, %: positive when the right side is stronger."""
    total = left_n + right_n
    return 0.0 if total == 0 else (right_n - left_n) / (0.5 * total) * 100.0
