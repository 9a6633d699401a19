"""reliability.csv and trajectories.csv from small hand-made tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alsmotion.stats.reliability import reliability
from alsmotion.stats.tables import RETEST, WITHIN_VISIT, reliability_table, trajectory_table
from alsmotion.stats.trajectories import DAYS_PER_MONTH


def _trials(
    values: dict[str, list[float]], rejected: tuple[str, int] | None = None
) -> pd.DataFrame:
    rows = []
    for session, trials in values.items():
        for number, value in enumerate(trials, start=1):
            status = "rejected" if rejected == (session, number) else "accepted"
            rows.append(
                {
                    "participant_id": session.split("_")[0],
                    "visit": session.split("_")[1],
                    "session_id": session,
                    "domain": "strength",
                    "test": "HHD",
                    "trial": number,
                    "measure": "peak_force_n",
                    "muscle": "knee_extension",
                    "side": "right",
                    "method": "make",
                    "value": value,
                    "unit": "N",
                    "status": status,
                    "reason": "",
                    "start_utc": "",
                }
            )
    return pd.DataFrame(rows)


def test_within_visit_reliability_keeps_accepted_trials_in_order() -> None:
    values = {
        "P1_v1": [300.0, 290.0, 999.0],
        "P2_v1": [250.0, 246.0, 241.0],
        "P3_v1": [200.0, 205.0, 199.0],
        "P4_v1": [320.0],  # one trial: left out
    }
    table = reliability_table(_trials(values, rejected=("P1_v1", 3)))
    assert len(table) == 1
    row = table.iloc[0]
    assert row["measure"] == "HHD_make_peak_force_n" and row["source"] == WITHIN_VISIT
    assert (row["n_units"], row["k_trials"]) == (3, 2)
    expected = reliability(np.array([[300.0, 290.0], [250.0, 246.0], [200.0, 205.0]]))
    assert row["icc"] == pytest.approx(expected.icc_2_1)
    assert row["mdc95"] == pytest.approx(expected.mdc95)


def test_retest_reliability_from_two_visits() -> None:
    rows = [
        {
            "participant_id": f"P{i}",
            "visit": visit,
            "domain": "gait",
            "measure": "10MWT_walk_speed_mps",
            "muscle": "",
            "side": "",
            "unit": "m/s",
            "value": base + shift,
        }
        for i, base in enumerate([1.0, 1.2, 0.9, 1.1])
        for visit, shift in (("screening", 0.0), ("baseline", 0.02 * (i % 2)))
    ]
    table = reliability_table(
        _trials({"X_v1": [1.0]}), pd.DataFrame(rows), retest_visits=("screening", "baseline")
    )
    assert list(table["source"]) == [RETEST]
    assert table.iloc[0]["n_units"] == 4 and table.iloc[0]["k_trials"] == 2


def _visits(slopes: dict[str, float], days: list[float]) -> pd.DataFrame:
    rows = []
    for participant, slope in slopes.items():
        for index, day in enumerate(days):
            for side, factor in (("left", 0.9), ("right", 1.0)):
                value = factor * (300.0 + slope * day / DAYS_PER_MONTH) + (index % 2) * 0.5
                rows.append(
                    {
                        "participant_id": participant,
                        "visit": f"v{index}",
                        "visit_day": day,
                        "domain": "strength",
                        "measure": "HHD_make_peak_force_n",
                        "muscle": "knee_extension",
                        "side": side,
                        "unit": "N",
                        "value": value,
                        "change_from_baseline": np.nan,
                        "flags": "",
                    }
                )
    frame = pd.DataFrame(rows)
    baseline = frame[frame["visit_day"] == 0].set_index(["participant_id", "side"])["value"]
    frame["change_from_baseline"] = frame["value"] - [
        baseline[(p, s)] for p, s in zip(frame["participant_id"], frame["side"], strict=True)
    ]
    return frame


def test_trajectories_slopes_responders_left_right_and_lead_in() -> None:
    visits = _visits({"P1": -8.0, "P2": -5.0, "P3": -3.0, "P4": -6.0}, [0, 30, 90, 180])
    mdc = pd.DataFrame(
        [
            {
                "domain": "strength",
                "measure": "HHD_make_peak_force_n",
                "muscle": "knee_extension",
                "side": "right",
                "source": WITHIN_VISIT,
                "mdc95": 20.0,
            }
        ]
    )
    table = trajectory_table(visits, mdc)
    right = table[(table["side"] == "right")]
    p1 = right[(right["analysis"] == "participant_slope") & (right["participant_id"] == "P1")]
    assert p1["estimate"].iloc[0] == pytest.approx(-8.0, abs=0.05)
    assert p1["estimate_unit"].iloc[0] == "N per month"
    changes = right[
        (right["analysis"] == "change_from_baseline") & (right["participant_id"] == "P1")
    ]
    # P1 falls 8 N a month: beyond the 20 N MDC at day 90 and 180, not at day 30
    assert list(changes["responder"]) == ["false", "true", "true"]
    # an MDC from trials that never differ (the timed speed of a simulated walk) is no threshold
    degenerate = trajectory_table(
        visits, mdc.assign(mdc95=1e-16, flags="no_within_unit_variation"), cohort_model=False
    )
    changes = degenerate[degenerate["analysis"] == "change_from_baseline"]
    assert (changes["responder"] == "").all() and (changes["flags"] == "no_mdc").all()
    pairs = table[table["analysis"] == "left_minus_right"]
    assert len(pairs) == 4 and (pairs["estimate"] < 0).all()
    cohort = table[table["analysis"] == "cohort_slope"]
    assert set(cohort["side"]) == {"left", "right"}
    split = trajectory_table(visits, mdc, treatment_start_day=90.0, cohort_model=False)
    assert {"participant_slope_lead_in", "participant_slope_on_treatment"} <= set(split["analysis"])
    lead = split[
        (split["analysis"] == "participant_slope_lead_in")
        & (split["participant_id"] == "P2")
        & (split["side"] == "right")
    ]
    assert lead["n"].iloc[0] == 3
