"""Study visit schedules and the assignment of sessions to visits by date.

A schedule is a TOML file (default: ``alsmotion/data/schedule_default.toml``, this trial's baseline,
day 30 +/- 3, day 90 +/- 7, day 180 +/- 14)::

    name = "..."
    [[visit]]
    name = "day30"        # label used everywhere (VISIT in SDTM)
    number = 2            # VISITNUM
    day = 30              # target day after baseline (baseline is day 0)
    window_days = 3       # or window_before_days / window_after_days

The first visit is the baseline. Sessions are assigned per participant: the earliest session
labelled with the baseline's name is day 0 (if none is, the earliest session, flagged
``baseline_inferred``); every other session goes to the scheduled visit whose window holds its day.
A session outside every window goes to the visit it was labelled with (or else the nearest target)
and is flagged ``out_of_window``; sessions labelled ``unscheduled`` stay unscheduled. When two
sessions land on one visit both are kept, flagged ``duplicate``, and the one nearest the target day
is the primary (``primary`` True) used for change from baseline. Nothing is dropped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from alsmotion.errors import InvalidInputError

UNSCHEDULED = "unscheduled"
ASSIGNMENT_COLUMNS = [
    "participant_id",
    "session_id",
    "session_start_utc",
    "recorded_visit",
    "visit",
    "visit_number",
    "visit_day",
    "visit_date",
    "target_day",
    "in_window",
    "primary",
    "flags",
]


@dataclass(frozen=True)
class ScheduledVisit:
    """One visit of a schedule: name, SDTM visit number, target day and window (days)."""

    name: str
    number: float
    day: int
    window_before_days: int
    window_after_days: int

    def holds(self, visit_day: int) -> bool:
        """True if ``visit_day`` (days after baseline) is inside this visit's window."""
        return self.day - self.window_before_days <= visit_day <= self.day + self.window_after_days


@dataclass(frozen=True)
class StudySchedule:
    """Ordered visits; the first is the baseline."""

    name: str
    visits: tuple[ScheduledVisit, ...]

    def __post_init__(self) -> None:
        if not self.visits:
            raise InvalidInputError("a schedule needs at least a baseline visit")
        names = [visit.name for visit in self.visits]
        if len(set(names)) != len(names) or UNSCHEDULED in names:
            raise InvalidInputError(f"visit names must be unique and not {UNSCHEDULED!r}: {names}")
        if self.visits[0].day != 0:
            raise InvalidInputError("the first visit is the baseline and must be at day 0")

    @property
    def baseline(self) -> ScheduledVisit:
        return self.visits[0]

    def visit(self, name: str) -> ScheduledVisit | None:
        return next((visit for visit in self.visits if visit.name == name), None)

    @classmethod
    def from_toml(cls, path: str | Path) -> StudySchedule:
        """Read a schedule TOML file (format in the module docstring)."""
        path = Path(path)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInputError(f"{path}: cannot read the schedule ({exc})") from None
        return cls.from_dict(document, source=str(path))

    @classmethod
    def from_dict(cls, document: dict[str, Any], *, source: str = "schedule") -> StudySchedule:
        visits = []
        for entry in document.get("visit", []):
            try:
                window = int(entry.get("window_days", 0))
                visits.append(
                    ScheduledVisit(
                        name=str(entry["name"]),
                        number=float(entry["number"]),
                        day=int(entry["day"]),
                        window_before_days=int(entry.get("window_before_days", window)),
                        window_after_days=int(entry.get("window_after_days", window)),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidInputError(
                    f"{source}: each [[visit]] needs name, number, day and a window ({exc})"
                ) from None
        return cls(name=str(document.get("name", "")), visits=tuple(visits))

    @classmethod
    def default(cls) -> StudySchedule:
        """This trial's schedule: baseline, day 30 +/- 3, day 90 +/- 7, day 180 +/- 14."""
        text = resources.files("alsmotion").joinpath("data/schedule_default.toml").read_text()
        return cls.from_dict(tomllib.loads(text), source="default schedule")


def assign_visits(sessions: pd.DataFrame, schedule: StudySchedule) -> pd.DataFrame:
    """Assign sessions to visits by their date relative to each participant's baseline.

    Parameters
    ----------
    sessions : one row per session with ``participant_id``, ``session_id`` (unique),
        ``session_start_utc`` (aware datetime) and ``recorded_visit`` (the label recorded).
    schedule : the study schedule.

    Returns
    -------
    DataFrame with :data:`ASSIGNMENT_COLUMNS`, one row per input session, sorted by participant
    and date. ``visit_day`` is whole days after baseline (UTC calendar dates); ``flags`` is a
    ';'-joined string (``out_of_window``, ``duplicate``, ``unscheduled``, ``baseline_inferred``,
    ``recorded_as_<label>`` when the date points to another visit than the recorded label).
    """
    missing = {"participant_id", "session_id", "session_start_utc", "recorded_visit"} - set(
        sessions.columns
    )
    if missing:
        raise InvalidInputError(f"sessions table lacks column(s) {', '.join(sorted(missing))}")
    if sessions["session_id"].duplicated().any():
        raise InvalidInputError("session_id must be unique")
    rows: list[dict[str, Any]] = []
    ordered = sessions.sort_values(["participant_id", "session_start_utc", "session_id"])
    for _, group in ordered.groupby("participant_id", sort=True):
        records = [{str(k): v for k, v in r.items()} for r in group.to_dict("records")]
        rows += _assign_participant(records, schedule)
    _mark_duplicates(rows)
    for row in rows:
        row["flags"] = ";".join(row["flags"])
    return pd.DataFrame(rows, columns=ASSIGNMENT_COLUMNS)


def _assign_participant(
    records: list[dict[str, Any]], schedule: StudySchedule
) -> list[dict[str, Any]]:
    baseline = schedule.baseline
    labelled = [r for r in records if r["recorded_visit"] == baseline.name]
    anchor = labelled[0] if labelled else records[0]
    baseline_date = _utc_date(anchor["session_start_utc"])
    rows = []
    for record in records:
        date = _utc_date(record["session_start_utc"])
        visit_day = (date - baseline_date).days
        flags = []
        if record is anchor:
            visit: ScheduledVisit | None = baseline
            if not labelled:
                flags.append("baseline_inferred")
        elif record["recorded_visit"] == UNSCHEDULED:
            visit = None
        else:
            visit, flags = _by_date(visit_day, record["recorded_visit"], schedule)
        in_window = visit is not None and visit.holds(visit_day)
        rows.append(
            {
                "participant_id": record["participant_id"],
                "session_id": record["session_id"],
                "session_start_utc": record["session_start_utc"],
                "recorded_visit": record["recorded_visit"],
                "visit": visit.name if visit else UNSCHEDULED,
                "visit_number": visit.number if visit else _unscheduled_number(visit_day, schedule),
                "visit_day": visit_day,
                "visit_date": date.isoformat(),
                "target_day": visit.day if visit else None,
                "in_window": in_window,
                "primary": visit is not None,
                "flags": flags if visit else [*flags, UNSCHEDULED],
            }
        )
    return rows


def _by_date(
    visit_day: int, recorded: str, schedule: StudySchedule
) -> tuple[ScheduledVisit, list[str]]:
    inside = [visit for visit in schedule.visits if visit.holds(visit_day)]
    if inside:
        visit = inside[0]
        flags = [] if recorded == visit.name else [f"recorded_as_{recorded}"]
        return visit, flags
    labelled = schedule.visit(recorded)
    if labelled is not None:
        return labelled, ["out_of_window"]
    nearest = min(schedule.visits, key=lambda visit: (abs(visit.day - visit_day), visit.day))
    return nearest, ["out_of_window", f"recorded_as_{recorded}"]


def _unscheduled_number(visit_day: int, schedule: StudySchedule) -> float:
    before = [visit.number for visit in schedule.visits if visit.day <= visit_day]
    return round((max(before) if before else schedule.baseline.number) + 0.1, 2)


def _mark_duplicates(rows: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if row["visit"] != UNSCHEDULED:
            groups.setdefault((row["participant_id"], row["visit"]), []).append(row)
    for group in groups.values():
        if len(group) < 2:
            continue
        best = min(group, key=lambda row: abs(row["visit_day"] - row["target_day"]))
        for row in group:
            row["flags"] = [*row["flags"], "duplicate"]
            row["primary"] = row is best


def _utc_date(value: datetime) -> Any:
    return pd.Timestamp(value).tz_convert("UTC").date()
