"""Reading a participant's visits back from the ``visit_measures`` export for the GUI."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from alsmotion.gui.exporting import VISIT_MEASURES_FILE, History, earlier_strength


def _rows() -> pd.DataFrame:
    rows = []
    for visit, day, speed, force in (("baseline", 0, 1.2, 200.0), ("day30", 31, 1.1, None)):
        rows.append(("ALS-001", visit, day, "10MWT_gait_speed_mps", None, None, speed, "m/s", ""))
        flags = "" if force else "cannot_perform:pain"
        rows.append(
            ("ALS-001", visit, day, "HHD_make_peak_force_n", "grip", "left", force, "N", flags)
        )
    rows.append(("ALS-002", "baseline", 0, "HHD_make_peak_force_n", "grip", "left", 90.0, "N", ""))
    columns = ["participant_id", "visit", "visit_day", "measure", "muscle", "side", "value"]
    frame = pd.DataFrame(rows, columns=[*columns, "unit", "flags"])
    baseline = frame.groupby(["participant_id", "measure"])["value"].transform("first")
    return frame.assign(baseline_value=baseline, change_from_baseline=frame["value"] - baseline)


def test_history_rows_and_series_of_the_latest_visit():
    frame = _rows()
    history = History(frame[frame["participant_id"] == "ALS-001"])
    assert history.latest_visit() == "day30"
    assert history.latest_rows() == [
        ("10MWT gait speed (IMU)", "1.10 m/s", "1.20 m/s", "-0.10 m/s", ""),
        ("grip left: peak force", "cannot perform: pain", "200 N", "", "cannot perform: pain"),
    ]
    series = history.series()
    assert series["10MWT gait speed (IMU)"] == (["baseline", "day30"], [1.2, 1.1])
    visits, values = series["grip left: peak force"]
    assert visits == ["baseline", "day30"] and values[0] == 200.0 and math.isnan(values[1])


def test_earlier_strength_reads_the_last_export(tmp_path):
    assert earlier_strength(tmp_path, "ALS-001") == {}
    _rows().to_csv(tmp_path / VISIT_MEASURES_FILE, index=False)
    assert earlier_strength(tmp_path, "ALS-001") == {("grip", "left"): [("baseline", 200.0)]}


def test_flags_every_row_carries_are_said_once():
    pytest.importorskip("PySide6")
    from alsmotion.gui.screens.summary import _common_flags

    cells = [
        ("10MWT cadence", "105 steps/min", "", "", "recording has gaps; samples were lost"),
        ("knee extension left: peak force", "180 N", "", "", "recording has gaps"),
    ]
    rows, common = _common_flags(cells)
    assert common == ["recording has gaps"]
    assert [row[4] for row in rows] == ["samples were lost", ""]
    assert _common_flags(cells[:1]) == (cells[:1], [])  # one row: nothing to pull out
