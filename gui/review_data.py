"""A recorded session prepared for review: signals per unit, event markers and the trials with
their current decisions (event log with the audit log applied). No Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidInputError

#: Units shown in other units for reading: SI unit -> (display unit, factor).
DISPLAY_UNITS = {"rad": ("°", 180.0 / np.pi), "rad/s": ("°/s", 180.0 / np.pi)}

#: Event types drawn as markers over the signals, with their short label.
MARKED_EVENTS = {
    "trial_started": "start",
    "trial_stopped": "stop",
    "cannot_perform": "cannot perform",
    "device_disconnected": "disconnected",
    "device_connected": "connected",
    "device_gap": "gap",
    "note": "note",
}


@dataclass(frozen=True)
class Signal:
    """Channels of one stream that share a unit, on the session's time axis (s)."""

    name: str
    unit: str
    channel_names: tuple[str, ...]
    time_s: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Marker:
    time_s: float
    label: str


@dataclass(frozen=True)
class TrialRow:
    """One trial with its decision as it stands after the audit log."""

    test: str
    muscle: str
    side: str
    trial: int
    start_s: float
    stop_s: float
    decision: str
    reason: str
    #: attempt number when the session logs one (a trial repeated after a rejection)
    attempt: int | None = None

    def key(self) -> dict[str, object]:
        key: dict[str, object] = {"test": self.test, "trial": self.trial}
        if self.muscle:
            key.update(muscle=self.muscle, side=self.side)
        if self.attempt is not None:
            key["attempt"] = self.attempt
        return key


@dataclass(frozen=True)
class ReviewSession:
    path: Path
    participant_id: str
    visit: str
    origin_ns: int
    signals: tuple[Signal, ...]
    markers: tuple[Marker, ...]
    trials: tuple[TrialRow, ...]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def load(path: Path) -> ReviewSession:
    """Read a session folder for review (raises :class:`~alsmotion.errors.SessionError`)."""
    from alsmotion.session import Session
    from alsmotion.session import decisions as current

    session = Session.open(path)
    taken_ns = {name: session.sample_time_ns(name) for name in session.streams}
    firsts = [int(times[0]) for times in taken_ns.values() if len(times)]
    firsts += [int(r["host_time_ns"]) for r in session.event_records[:1]]
    origin_ns = min(firsts) if firsts else 0

    def seconds(host_ns: object) -> float:
        return (int(host_ns) - origin_ns) / 1e9  # type: ignore[call-overload]

    signals = []
    for stream in session.streams.values():
        time_s = (taken_ns[stream.name] - origin_ns) / 1e9
        for unit in dict.fromkeys(unit for _, unit in stream.channels):
            columns = stream.channel_indices(unit)
            shown_unit, factor = DISPLAY_UNITS.get(unit, (unit, 1.0))
            signals.append(
                Signal(
                    name=stream.name,
                    unit=shown_unit,
                    channel_names=tuple(stream.channel_names[i] for i in columns),
                    time_s=time_s,
                    values=stream.values[:, columns] * factor,
                )
            )
    markers = []
    for record in session.event_records:
        label = MARKED_EVENTS.get(record["type"])
        if label is None:
            continue
        what = record.get("test") or record.get("stream") or ""
        trial = f" #{record['trial']}" if record.get("trial") else ""
        markers.append(Marker(seconds(record["host_time_ns"]), f"{what}{trial} {label}".strip()))
    trials = []
    for row in current.trials(session).to_dict("records"):
        stop_ns = row["stop_host_ns"]
        trials.append(
            TrialRow(
                test=_text(row["test"]),
                muscle=_text(row["muscle"]),
                side=_text(row["side"]),
                trial=int(row["trial"]),
                start_s=seconds(row["start_host_ns"]),
                stop_s=seconds(stop_ns) if _text(stop_ns) else seconds(row["start_host_ns"]),
                decision=_text(row["status"]),
                reason=_text(row["reason"]),
                attempt=int(row["attempt"]) if _text(row.get("attempt")) else None,
            )
        )
    return ReviewSession(
        path=Path(path),
        participant_id=session.metadata.participant_id,
        visit=current.visit_label(session),
        origin_ns=origin_ns,
        signals=tuple(signals),
        markers=tuple(markers),
        trials=tuple(trials),
    )


def change_decision(
    review: ReviewSession, trial: TrialRow, *, decision: str, reason: str, who: str
) -> ReviewSession:
    """Append an accept/reject change for one trial to the audit log and reload the session.

    Parameters
    ----------
    decision : ``"accepted"`` or ``"rejected"``.
    reason : why the decision changes (required, kept in the audit log).
    who : initials or user name of the person changing it (required).
    """
    from alsmotion.session import append_audit
    from alsmotion.session import audit as actions

    what = {"accepted": actions.ACCEPT_TRIAL, "rejected": actions.REJECT_TRIAL}.get(decision)
    if what is None:
        raise InvalidInputError(f"decision must be 'accepted' or 'rejected', got {decision!r}")
    if decision == trial.decision:
        raise InvalidInputError(f"trial {trial.trial} is already {decision}: nothing to change")
    append_audit(
        review.path,
        who=who.strip(),
        what=what,
        why=reason.strip(),
        change={**trial.key(), "before": trial.decision, "after": decision},
    )
    return load(review.path)
