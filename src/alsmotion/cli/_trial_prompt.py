"""Mark trials from the terminal during ``alsmotion record`` (``--trial`` plans).

Each planned trial is run with the Enter key: Enter starts it, Enter stops it, then Enter
accepts it or a typed reason rejects it; ``c REASON`` before a start records that the test cannot
be performed, ``q`` ends the plan. The events are the ones the GUI writes (``trial_started``,
``trial_stopped``, ``trial_accepted`` / ``trial_rejected``, ``cannot_perform``), so the session
is processed the same way.

After an accepted walk the site's reference value can be typed (a site reference run, see
:mod:`alsmotion.validation.site_reference`): a number is the stopwatch time (s) of a
fixed-distance test or the measured distance (m) of a fixed-duration one, ``w SPEED`` a walkway's
gait speed (m/s); Enter skips. It is logged as a ``reference_value`` event of the trial.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from alsmotion.errors import InvalidInputError
from alsmotion.session.events import STRENGTH_TEST, TEST_CODES
from alsmotion.vocabulary import DEFAULT_METHOD


@dataclass(frozen=True)
class PlannedTrials:
    """``n_trials`` trials of ``test`` (strength trials name a muscle and side)."""

    test: str
    n_trials: int
    muscle: str | None = None
    side: str | None = None

    def fields(self, trial: int) -> dict[str, Any]:
        fields: dict[str, Any] = {"test": self.test, "trial": trial}
        if self.muscle is not None:
            fields.update(muscle=self.muscle, side=self.side, method=str(DEFAULT_METHOD))
        return fields

    def label(self, trial: int) -> str:
        where = "" if self.muscle is None else f" {self.muscle} {self.side}"
        return f"{self.test}{where} trial {trial} of {self.n_trials}"


def parse_plan(text: str) -> PlannedTrials:
    """``TEST:N`` (e.g. ``10MWT:2``) or ``HHD:MUSCLE:SIDE:N`` (``HHD:knee_extension:left:3``)."""
    parts = text.split(":")
    usage = "use TEST:N (e.g. 10MWT:2) or HHD:MUSCLE:SIDE:N (e.g. HHD:knee_extension:left:3)"
    if parts[0] not in TEST_CODES:
        raise InvalidInputError(f"--trial {text!r}: unknown test {parts[0]!r}; {usage}")
    expected = 4 if parts[0] == STRENGTH_TEST else 2
    if len(parts) != expected or not parts[-1].isdigit() or int(parts[-1]) < 1:
        raise InvalidInputError(f"--trial {text!r}: {usage}")
    if expected == 4:
        return PlannedTrials(parts[0], int(parts[3]), muscle=parts[1], side=parts[2])
    return PlannedTrials(parts[0], int(parts[1]))


def run_plan(
    plans: list[PlannedTrials],
    *,
    log_event: Callable[..., Any],
    stdin: TextIO,
    say: Callable[[str], None],
) -> None:
    """Prompt each planned trial on ``stdin`` and log its events (runs in a thread)."""

    def lines() -> Iterator[str]:
        while line := stdin.readline():
            yield line.strip()

    answers = lines()
    for plan in plans:
        for trial in range(1, plan.n_trials + 1):
            fields = plan.fields(trial)
            say(f"{plan.label(trial)}: Enter to start, 'c REASON' cannot perform, 'q' to finish")
            answer = next(answers, "q")
            if answer == "q":
                return
            if answer.startswith("c"):
                reason = answer[1:].strip() or "not stated"
                log_event(
                    "cannot_perform",
                    **{k: v for k, v in fields.items() if k != "trial"},
                    reason=reason,
                )
                break
            log_event("trial_started", **fields)
            say("  recording: Enter to stop")
            next(answers, "")
            log_event("trial_stopped", **fields)
            say("  Enter to accept, or type why it is rejected")
            reason = next(answers, "")
            if reason:
                log_event("trial_rejected", reason=reason, **fields)
                continue
            log_event("trial_accepted", **fields)
            if plan.muscle is None:
                _ask_reference(plan.test, fields, answers, log_event=log_event, say=say)


def _ask_reference(
    test: str,
    fields: dict[str, Any],
    answers: Iterator[str],
    *,
    log_event: Callable[..., Any],
    say: Callable[[str], None],
) -> None:
    from alsmotion.gait.timed_walk import TIMED_WALK_TESTS
    from alsmotion.validation.site_reference import reference_speed_mps

    fixed_distance = TIMED_WALK_TESTS[test].distance_m is not None
    default = ("walk_time_s", "stopwatch") if fixed_distance else ("distance_m", "measured")
    say(
        f"  reference {'stopwatch time (s)' if fixed_distance else 'distance walked (m)'}, "
        "or 'w SPEED' walkway (m/s); Enter to skip"
    )
    while answer := next(answers, ""):
        quantity, method = ("gait_speed_mps", "walkway") if answer[0] in "wW" else default
        try:
            value = float(answer[1:] if quantity == "gait_speed_mps" else answer)
            reference_speed_mps(test, quantity, value)
        except ValueError as exc:  # from float() or an InvalidInputError
            say(f"  not a reference value ({exc}): type it again, or Enter to skip")
            continue
        log_event(
            "reference_value", quantity=quantity, value=value, reference_method=method, **fields
        )
        return
