"""Which visit the start screen offers as due, from recorded sessions and the default schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alsmotion.gui.visit_plan import known_participants, plan_for
from alsmotion.session import SessionMetadata, SessionWriter


def _record(parent, participant_id: str, visit: str, day: date) -> None:
    start = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)
    metadata = SessionMetadata(participant_id, visit, "gait-hhd-v1", "AB", start_utc=start)
    with SessionWriter.create(parent, metadata):
        pass


def test_new_participant_is_offered_baseline(tmp_path):
    plan = plan_for(tmp_path, "ALS-007", today=date(2026, 3, 1))
    assert plan.options[plan.suggested_index].visit == "baseline"
    assert plan.options[-1].visit == "unscheduled"


def test_due_visit_and_its_window_follow_the_baseline(tmp_path):
    _record(tmp_path, "ALS-001", "baseline", date(2026, 1, 1))
    _record(tmp_path, "ALS-002", "baseline", date(2026, 1, 10))
    assert known_participants(tmp_path) == ["ALS-001", "ALS-002"]

    in_window = plan_for(tmp_path, "ALS-001", today=date(2026, 2, 2))  # day 32 of 30 +/- 3
    due = in_window.options[in_window.suggested_index]
    assert (due.visit, due.label) == ("day30", "day30 (due)")
    assert "window 2026-01-28 to 2026-02-03; due today, in its window" in due.detail
    assert in_window.options[0].label == "baseline (done)"

    early = plan_for(tmp_path, "ALS-001", today=date(2026, 1, 20))
    upcoming = early.options[early.suggested_index]
    assert upcoming.visit == "day30" and "window not open yet" in upcoming.detail

    missed = plan_for(tmp_path, "ALS-001", today=date(2026, 4, 1))  # day 90 window: 3-24 to 4-7
    assert missed.options[missed.suggested_index].visit == "day90"
    assert "window passed" in missed.options[1].detail  # day 30 was never recorded
