from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.errors import InvalidInputError
from alsmotion.visits import StudySchedule, assign_visits

BASELINE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _sessions(*entries):
    return pd.DataFrame(
        [
            {
                "participant_id": participant,
                "session_id": f"{participant}-{index}",
                "session_start_utc": BASELINE + timedelta(days=day, hours=hours),
                "recorded_visit": label,
            }
            for index, (participant, day, label, hours) in enumerate(entries)
        ]
    )


def _one(day, label, hours=0):
    frame = assign_visits(
        _sessions(("ALS-001", 0, "baseline", 0), ("ALS-001", day, label, hours)),
        StudySchedule.default(),
    )
    return frame.iloc[1]


def test_default_schedule_is_the_trials():
    schedule = StudySchedule.default()
    assert [(v.name, v.number, v.day, v.window_before_days) for v in schedule.visits] == [
        ("baseline", 1.0, 0, 0),
        ("day30", 2.0, 30, 3),
        ("day90", 3.0, 90, 7),
        ("day180", 4.0, 180, 14),
    ]


@pytest.mark.parametrize(
    ("day", "visit", "in_window", "flags"),
    [
        (27, "day30", True, ""),
        (33, "day30", True, ""),
        (26, "day30", False, "out_of_window"),
        (34, "day30", False, "out_of_window"),
        (83, "day90", True, "recorded_as_day30"),
        (166, "day180", True, "recorded_as_day30"),
        (195, "day30", False, "out_of_window"),
    ],
)
def test_window_edges(day, visit, in_window, flags):
    row = _one(day, "day30")
    assert (row["visit"], row["in_window"], row["flags"], row["visit_day"]) == (
        visit,
        in_window,
        flags,
        day,
    )


def test_visit_day_counts_utc_calendar_days():
    row = _one(33, "day30", hours=15.5)  # 09:00 + 15.5 h is the next UTC day
    assert row["visit_day"] == 34 and not row["in_window"]


def test_unlabelled_out_of_window_goes_to_nearest_target():
    row = _one(60, "followup")
    assert row["visit"] == "day30" and row["flags"] == "out_of_window;recorded_as_followup"


def test_unscheduled_sessions_are_kept_and_flagged():
    row = _one(45, "unscheduled")
    assert row["visit"] == "unscheduled"
    assert row["visit_number"] == 2.1
    assert row["flags"] == "unscheduled" and not row["primary"] and not row["in_window"]


def test_duplicates_are_kept_and_the_nearest_is_primary():
    frame = assign_visits(
        _sessions(
            ("ALS-001", 0, "baseline", 0),
            ("ALS-001", 28, "day30", 0),
            ("ALS-001", 31, "day30", 0),
            ("ALS-002", 0, "baseline", 0),
            ("ALS-002", 0, "baseline", 3),
        ),
        StudySchedule.default(),
    )
    assert len(frame) == 5
    p1 = frame[frame["participant_id"] == "ALS-001"]
    assert p1["flags"].tolist() == ["", "duplicate", "duplicate"]
    assert p1["primary"].tolist() == [True, False, True]
    p2 = frame[frame["participant_id"] == "ALS-002"]
    assert p2["visit"].tolist() == ["baseline", "baseline"]
    assert p2["primary"].tolist() == [True, False]


def test_missing_baseline_label_infers_the_earliest_session():
    frame = assign_visits(
        _sessions(("ALS-003", 0, "screening", 0), ("ALS-003", 30, "day30", 0)),
        StudySchedule.default(),
    )
    assert frame["visit"].tolist() == ["baseline", "day30"]
    assert frame["flags"].tolist() == ["baseline_inferred", ""]


def test_schedule_files(tmp_path):
    path = tmp_path / "schedule.toml"
    path.write_text(
        'name = "x"\n[[visit]]\nname = "baseline"\nnumber = 1\nday = 0\n'
        '[[visit]]\nname = "week4"\nnumber = 2\nday = 28\nwindow_before_days = 2\n'
        "window_after_days = 5\n"
    )
    schedule = StudySchedule.from_toml(path)
    assert schedule.visit("week4").holds(33) and not schedule.visit("week4").holds(25)
    path.write_text('[[visit]]\nname = "baseline"\n')
    with pytest.raises(InvalidInputError, match="needs name, number, day"):
        StudySchedule.from_toml(path)
    path.write_text('[[visit]]\nname = "week4"\nnumber = 1\nday = 28\n')
    with pytest.raises(InvalidInputError, match="day 0"):
        StudySchedule.from_toml(path)


@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(st.integers(1, 220), min_size=1, max_size=6),
    labels=st.lists(
        st.sampled_from(["day30", "day90", "day180", "unscheduled"]), min_size=6, max_size=6
    ),
    order_seed=st.integers(0, 1000),
)
def test_assignment_keeps_every_session_and_ignores_input_order(days, labels, order_seed):
    entries = [("ALS-001", 0, "baseline", 0)] + [
        ("ALS-001", day, labels[i], 0) for i, day in enumerate(days)
    ]
    sessions = _sessions(*entries)
    schedule = StudySchedule.default()
    expected = assign_visits(sessions, schedule)
    shuffled = sessions.sample(frac=1.0, random_state=order_seed)
    pd.testing.assert_frame_equal(assign_visits(shuffled, schedule), expected)
    assert sorted(expected["session_id"]) == sorted(sessions["session_id"])
    for row in expected.to_dict("records"):
        visit = schedule.visit(row["visit"])
        assert row["in_window"] == (visit is not None and visit.holds(row["visit_day"]))
        assert ("out_of_window" in row["flags"]) == (visit is not None and not row["in_window"])
    primaries = expected[expected["primary"]]
    assert not primaries.duplicated(["participant_id", "visit"]).any()
