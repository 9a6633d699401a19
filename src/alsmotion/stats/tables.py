"""``reliability.csv`` and ``trajectories.csv``: the statistics of a trial's own exports.

:func:`reliability_table` takes the per-trial table (``trial_measures.csv``) and gives, per
measure, muscle and side, the reliability of a single trial from the repeated accepted trials
within a visit (:mod:`alsmotion.stats.reliability`); with ``retest_visits`` it adds the
test-retest figures of two visits (a baseline and a repeat baseline) from ``visit_measures``.

:func:`trajectory_table` takes ``visit_measures`` and gives, in one long table (column
``analysis``): each participant's slope per month (``participant_slope``), the cohort's mean
slope from the mixed model (``cohort_slope``), with a treatment-start day the lead-in and
on-treatment slopes (``*_lead_in``, ``*_on_treatment``, ``cohort_slope_change``), each visit's
change from baseline against the MDC95 of a single trial (``change_from_baseline`` with
``responder``), and per muscle and visit the paired left - right difference
(``left_minus_right``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from alsmotion.export.visit_measures import measure_name
from alsmotion.stats.reliability import ICC_FORM, reliability
from alsmotion.stats.trajectories import (
    Estimate,
    mixed_model_slopes,
    ols_slope,
    paired_difference,
)

KEY = ["domain", "measure", "muscle", "side"]

RELIABILITY_COLUMNS = [
    *KEY,
    "unit",
    "source",
    "icc_form",
    "n_units",
    "k_trials",
    "icc",
    "icc_ci_low",
    "icc_ci_high",
    "icc_3_1",
    "icc_3_1_ci_low",
    "icc_3_1_ci_high",
    "sem",
    "sem_ci_low",
    "sem_ci_high",
    "mdc95",
    "mdc95_ci_low",
    "mdc95_ci_high",
    "cv_pct",
    "cv_pct_ci_low",
    "cv_pct_ci_high",
    "flags",
]

TRAJECTORY_COLUMNS = [
    "analysis",
    "participant_id",
    *KEY,
    "visit",
    "visit_day",
    "estimate",
    "ci_low",
    "ci_high",
    "estimate_unit",
    "n",
    "p_value",
    "mdc95",
    "responder",
    "flags",
]

#: Sources of :func:`reliability_table` rows.
WITHIN_VISIT = "within_visit_trials"
RETEST = "test_retest_visits"


def _reliability_row(key: dict[str, str], unit: str, source: str, data: np.ndarray) -> dict:
    result = reliability(data)
    row: dict[str, object] = {**key, "unit": unit, "source": source, "icc_form": ICC_FORM}
    row |= {"n_units": result.n_units, "k_trials": result.k_trials}
    for name, value, (low, high) in (
        ("icc", result.icc_2_1, result.icc_2_1_ci),
        ("icc_3_1", result.icc_3_1, result.icc_3_1_ci),
        ("sem", result.sem, result.sem_ci),
        ("mdc95", result.mdc95, result.mdc95_ci),
        ("cv_pct", result.cv_pct, result.cv_pct_ci),
    ):
        row |= {name: value, f"{name}_ci_low": low, f"{name}_ci_high": high}
    row["flags"] = ";".join(result.flags)
    return row


def within_visit_units(trials: pd.DataFrame) -> Iterable[tuple[dict[str, str], str, np.ndarray]]:
    """Per measure key: the ``(n_units, k)`` array of accepted trials, one unit per session.

    ``k`` is the smallest number of accepted trials among sessions with at least two; every unit
    keeps its first ``k`` trials in trial order (sessions with fewer than two are left out)."""
    accepted = trials[(trials["status"] == "accepted") & trials["value"].notna()].copy()
    accepted[["muscle", "side", "method"]] = accepted[["muscle", "side", "method"]].fillna("")
    accepted["measure"] = [
        measure_name(t, m, n)
        for t, m, n in zip(accepted["test"], accepted["method"], accepted["measure"], strict=True)
    ]
    for values, group in accepted.groupby(KEY, sort=True):
        per_unit = [
            unit["value"].to_numpy(dtype=float)
            for _, unit in group.sort_values("trial").groupby("session_id", sort=True)
        ]
        per_unit = [v for v in per_unit if v.size >= 2]
        if len(per_unit) < 2:
            continue
        k = min(v.size for v in per_unit)
        key = dict(zip(KEY, (str(v) for v in values), strict=True))
        yield key, str(group["unit"].iloc[0]), np.array([v[:k] for v in per_unit])


def reliability_table(
    trials: pd.DataFrame,
    visit_measures: pd.DataFrame | None = None,
    *,
    retest_visits: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Reliability per measure (columns :data:`RELIABILITY_COLUMNS`); see the module."""
    rows = [
        _reliability_row(key, unit, WITHIN_VISIT, data)
        for key, unit, data in within_visit_units(trials)
    ]
    if retest_visits is not None and visit_measures is not None:
        chosen = visit_measures[visit_measures["visit"].isin(retest_visits)]
        for values, group in chosen.groupby(KEY, sort=True):
            wide = group.pivot_table(
                index="participant_id", columns="visit", values="value", aggfunc="first"
            ).reindex(columns=list(retest_visits))
            data = wide.dropna().to_numpy(dtype=float)
            if data.shape[0] < 2:
                continue
            key = dict(zip(KEY, (str(v) for v in values), strict=True))
            rows.append(_reliability_row(key, str(group["unit"].iloc[0]), RETEST, data))
    return pd.DataFrame(rows, columns=RELIABILITY_COLUMNS)


def _row(analysis: str, participant: str, key: dict, estimate: Estimate, unit: str) -> dict:
    return {
        "analysis": analysis,
        "participant_id": participant,
        **key,
        "visit": "",
        "visit_day": np.nan,
        "estimate": estimate.value,
        "ci_low": estimate.ci_low,
        "ci_high": estimate.ci_high,
        "estimate_unit": unit,
        "n": estimate.n,
        "p_value": estimate.p_value,
        "mdc95": np.nan,
        "responder": "",
        "flags": ";".join(estimate.flags),
    }


def trajectory_table(
    visit_measures: pd.DataFrame,
    reliability_rows: pd.DataFrame | None = None,
    *,
    treatment_start_day: float | None = None,
    cohort_model: bool = True,
) -> pd.DataFrame:
    """Slopes, changes against the MDC and left/right differences (see the module)."""
    frame = visit_measures.copy()
    frame[["muscle", "side"]] = frame[["muscle", "side"]].fillna("")
    mdc = {}
    if reliability_rows is not None and len(reliability_rows):
        within = reliability_rows[reliability_rows["source"] == WITHIN_VISIT]
        mdc = {  # an MDC of trials that never differ is 0 (or 1e-16): no responder threshold
            tuple(r[k] for k in KEY): r["mdc95"]
            for r in within.to_dict("records")
            if "no_within_unit_variation" not in str(r.get("flags", "")).split(";")
        }
    rows: list[dict] = []
    measured = frame[frame["value"].notna()]
    for values, group in measured.groupby(KEY, sort=True):
        key = dict(zip(KEY, values, strict=True))
        unit = str(group["unit"].iloc[0])
        per_month = f"{unit} per month"
        for participant, own in group.groupby("participant_id", sort=True):
            days, series = own["visit_day"].to_numpy(float), own["value"].to_numpy(float)
            rows.append(
                _row("participant_slope", str(participant), key, ols_slope(days, series), per_month)
            )
            if treatment_start_day is not None:
                for phase, keep in (
                    ("lead_in", days <= treatment_start_day),
                    ("on_treatment", days >= treatment_start_day),
                ):
                    slope = ols_slope(days[keep], series[keep])
                    rows.append(
                        _row(f"participant_slope_{phase}", str(participant), key, slope, per_month)
                    )
        if cohort_model:
            cohort = mixed_model_slopes(group, treatment_start_day=treatment_start_day)
            for name, estimate in (
                ("cohort_slope", cohort.overall),
                ("cohort_slope_lead_in", cohort.lead_in),
                ("cohort_slope_on_treatment", cohort.on_treatment),
                ("cohort_slope_change", cohort.change),
            ):
                if estimate is not None:
                    rows.append(_row(name, "all", key, estimate, per_month))
    rows += _change_rows(frame, mdc)
    rows += _left_right_rows(measured)
    table = pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS)
    return table.reset_index(drop=True)


def _change_rows(frame: pd.DataFrame, mdc: dict) -> list[dict]:
    rows = []
    changes = frame[frame["change_from_baseline"].notna() & (frame["visit_day"] > 0)]
    for record in changes.to_dict("records"):
        key = tuple(record[k] for k in KEY)
        threshold = mdc.get(key, np.nan)
        change = float(record["change_from_baseline"])
        responder = "" if not np.isfinite(threshold) else str(abs(change) > threshold).lower()
        rows.append(
            {
                "analysis": "change_from_baseline",
                "participant_id": record["participant_id"],
                **{k: record[k] for k in KEY},
                "visit": record["visit"],
                "visit_day": record["visit_day"],
                "estimate": change,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "estimate_unit": record["unit"],
                "n": 1,
                "p_value": np.nan,
                "mdc95": threshold,
                "responder": responder,
                "flags": "" if np.isfinite(threshold) else "no_mdc",
            }
        )
    return rows


def _left_right_rows(measured: pd.DataFrame) -> list[dict]:
    rows = []
    sided = measured[measured["side"].isin(["left", "right"]) & (measured["muscle"] != "")]
    for (domain, measure, muscle, visit), group in sided.groupby(
        ["domain", "measure", "muscle", "visit"], sort=True
    ):
        wide = group.pivot_table(
            index="participant_id", columns="side", values="value", aggfunc="first"
        )
        if not {"left", "right"} <= set(wide.columns):
            continue
        estimate = paired_difference(wide["left"].to_numpy(), wide["right"].to_numpy())
        key = {"domain": domain, "measure": measure, "muscle": muscle, "side": "left-right"}
        row = _row("left_minus_right", "all", key, estimate, str(group["unit"].iloc[0]))
        row["visit"] = visit
        row["visit_day"] = float(group["visit_day"].median())
        rows.append(row)
    return rows
