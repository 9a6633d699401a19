"""Which visit is due for a participant, from the sessions already recorded and the schedule.

Reads only each session's ``session.json`` (not its streams), so the start screen stays quick with
many sessions on disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from alsmotion.errors import AlsmotionError
from alsmotion.session import SessionMetadata
from alsmotion.session.layout import METADATA_FILE
from alsmotion.visits import UNSCHEDULED, StudySchedule


@dataclass(frozen=True)
class VisitOption:
    """One choice in the visit list: the label stored, what the operator reads, and details."""

    visit: str
    label: str
    detail: str


@dataclass(frozen=True)
class VisitPlan:
    options: tuple[VisitOption, ...]
    suggested_index: int


def recorded_sessions(data_dir: Path) -> list[tuple[Path, SessionMetadata]]:
    """(folder, metadata) of every readable session directly under ``data_dir``, oldest first."""
    found = []
    for path in sorted(Path(data_dir).glob(f"*/{METADATA_FILE}")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            found.append((path.parent, SessionMetadata.from_dict(document["metadata"])))
        except (OSError, ValueError, KeyError, TypeError, AlsmotionError):
            continue
    return sorted(found, key=lambda item: item[1].start_utc)


def known_participants(data_dir: Path) -> list[str]:
    """Pseudonyms with at least one session in ``data_dir``, sorted."""
    return sorted({metadata.participant_id for _, metadata in recorded_sessions(data_dir)})


def plan_for(
    data_dir: Path, participant_id: str, *, today: date, schedule: StudySchedule | None = None
) -> VisitPlan:
    """The visits to offer for ``participant_id`` today, with the one that is due preselected.

    Visit windows count whole days from the participant's baseline session (UTC dates), as
    :func:`alsmotion.visits.assign_visits` does when the sessions are exported.
    """
    schedule = schedule or StudySchedule.default()
    sessions = [
        metadata
        for _, metadata in recorded_sessions(data_dir)
        if metadata.participant_id == participant_id
    ]
    done = {metadata.visit: metadata.start_utc.date() for metadata in sessions}
    baseline_date = done.get(schedule.baseline.name) or (
        sessions[0].start_utc.date() if sessions else None
    )
    options = []
    due: list[int] = []
    upcoming: list[int] = []
    for index, visit in enumerate(schedule.visits):
        title = "Baseline" if visit is schedule.baseline else f"Day {visit.day}"
        if visit.name in done:
            detail = f"{title}: already recorded on {done[visit.name].isoformat()}."
            options.append(VisitOption(visit.name, f"{visit.name} (done)", detail))
            continue
        if baseline_date is None:
            detail = f"{title}: no earlier visit of {participant_id or 'this participant'}."
            in_window = visit is schedule.baseline
            opens = today
        else:
            opens = baseline_date + timedelta(days=visit.day - visit.window_before_days)
            closes = baseline_date + timedelta(days=visit.day + visit.window_after_days)
            in_window = opens <= today <= closes
            status = (
                "due today, in its window"
                if in_window
                else ("window not open yet" if today < opens else "window passed (out of window)")
            )
            detail = f"{title}: window {opens.isoformat()} to {closes.isoformat()}; {status}."
        options.append(
            VisitOption(visit.name, visit.name + (" (due)" if in_window else ""), detail)
        )
        if in_window:
            due.append(index)
        elif today < opens:
            upcoming.append(index)
    options.append(
        VisitOption(UNSCHEDULED, UNSCHEDULED, "Unscheduled: a visit outside the schedule.")
    )
    suggested = (due or upcoming or [len(options) - 1])[0]
    return VisitPlan(tuple(options), suggested)
