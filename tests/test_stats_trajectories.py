"""Slopes against simulated truth: interval coverage over many seeds, the mixed model, pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alsmotion.stats.trajectories import (
    DAYS_PER_MONTH,
    mixed_model_slopes,
    ols_slope,
    paired_difference,
)

VISIT_DAYS = np.array([0.0, 30.0, 90.0, 180.0])


def test_participant_slope_intervals_cover_the_truth_at_the_nominal_rate() -> None:
    n_runs = 2000
    covered = 0
    for seed in range(n_runs):
        rng = np.random.default_rng(seed)
        slope_true = rng.uniform(-3.0, 0.5)
        noise_sd = rng.uniform(0.5, 4.0)
        days = VISIT_DAYS + rng.integers(-3, 4, VISIT_DAYS.size) * (VISIT_DAYS > 0)
        values = 100.0 + slope_true * days / DAYS_PER_MONTH + rng.normal(0, noise_sd, days.size)
        slope = ols_slope(days, values)
        covered += slope.ci_low <= slope_true <= slope.ci_high
    # 95 % of 2000: the binomial 99.9 % range is about 93.4-96.5 %.
    low, high = stats.binom.ppf([0.0005, 0.9995], n_runs, 0.95) / n_runs
    assert low <= covered / n_runs <= high


def test_ols_slope_is_exact_on_a_line_and_flags_short_series() -> None:
    slope = ols_slope(VISIT_DAYS, 10.0 - 0.5 * VISIT_DAYS / DAYS_PER_MONTH)
    assert slope.value == pytest.approx(-0.5)
    assert slope.n == 4
    two = ols_slope(np.array([0.0, 90.0, np.nan]), np.array([1.0, 2.0, 3.0]))
    assert two.n == 2 and np.isnan(two.ci_low) and "no_ci_with_2_visits" in two.flags
    assert "fewer_than_2_visits" in ols_slope(np.array([0.0]), np.array([1.0])).flags


def _cohort(rng: np.random.Generator, n: int, mean_slope: float) -> pd.DataFrame:
    rows = []
    for index in range(n):
        intercept = rng.normal(1.1, 0.15)
        slope = rng.normal(mean_slope, 0.01)
        for day in VISIT_DAYS:
            value = intercept + slope * day / DAYS_PER_MONTH + rng.normal(0, 0.03)
            rows.append({"participant_id": f"P{index}", "visit_day": day, "value": value})
    return pd.DataFrame(rows)


def test_mixed_model_mean_slope_covers_the_truth() -> None:
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(20):
        frame = _cohort(rng, 12, -0.03)
        cohort = mixed_model_slopes(frame).overall
        assert cohort is not None
        covered += cohort.ci_low <= -0.03 <= cohort.ci_high
    assert covered >= 16  # 95 % nominal: 20 runs give at least 16 with probability > 0.99


@pytest.mark.slow
def test_mixed_model_fits_converge_and_cover_at_about_the_nominal_rate() -> None:
    # 12 participants x 4 visits, random slopes: the fits must converge without flags and the
    # intervals must be neither too narrow nor uselessly wide (L-BFGS alone gave 100 % coverage
    # from standard errors five times too large, 16 of 80 fits converged).
    runs, covered, clean = 60, 0, 0
    for seed in range(runs):
        rng = np.random.default_rng(100 + seed)
        rows = []
        for index in range(12):
            slope = rng.normal(-1.5, 0.5)
            intercept = rng.normal(100.0, 10.0)
            for day in VISIT_DAYS + rng.integers(-3, 4, VISIT_DAYS.size) * (VISIT_DAYS > 0):
                value = intercept + slope * day / DAYS_PER_MONTH + rng.normal(0, 1.5)
                rows.append({"participant_id": f"P{index}", "visit_day": day, "value": value})
        cohort = mixed_model_slopes(pd.DataFrame(rows)).overall
        assert cohort is not None
        covered += cohort.ci_low <= -1.5 <= cohort.ci_high
        clean += not cohort.flags
    assert clean >= 0.9 * runs
    low, high = stats.binom.ppf([0.0005, 0.9995], runs, 0.95) / runs
    assert low <= covered / runs <= high


def test_lead_in_and_on_treatment_slopes() -> None:
    rng = np.random.default_rng(8)
    rows = []
    days = np.array([-90.0, -45.0, 0.0, 30.0, 90.0, 180.0]) + 90.0
    for index in range(12):
        intercept = rng.normal(1.1, 0.15)
        for day in days:
            months = day / DAYS_PER_MONTH
            after = max(months - 90.0 / DAYS_PER_MONTH, 0.0)
            value = intercept - 0.04 * months + 0.03 * after + rng.normal(0, 0.01)
            rows.append({"participant_id": f"P{index}", "visit_day": day, "value": value})
    slopes = mixed_model_slopes(pd.DataFrame(rows), treatment_start_day=90.0)
    assert slopes.lead_in is not None and slopes.on_treatment is not None
    assert slopes.lead_in.ci_low <= -0.04 <= slopes.lead_in.ci_high
    assert slopes.on_treatment.ci_low <= -0.01 <= slopes.on_treatment.ci_high


def test_paired_difference_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    left = rng.normal(300, 50, 12)
    right = left + rng.normal(15, 10, 12)
    result = paired_difference(left, right)
    test = stats.ttest_rel(left, right)
    assert result.p_value == pytest.approx(test.pvalue, rel=1e-10)
    assert result.value == pytest.approx(np.mean(left - right))


def test_a_singular_mixed_model_fit_gives_no_interval_and_a_flag() -> None:
    # The demo trial's 2MWT stride-time CV (4 participants): the fit's covariance of the fixed
    # slope comes out non-positive, so there is no standard error to give.
    values = [
        ("ALS-001", 0, 1.8242), ("ALS-001", 30, 2.0267), ("ALS-001", 90, 1.8741),
        ("ALS-002", 0, 1.7275), ("ALS-002", 31, 1.9567), ("ALS-002", 99, 2.0583),
        ("ALS-002", 178, 2.386), ("ALS-003", 0, 1.7855), ("ALS-003", 30, 2.0179),
        ("ALS-003", 182, 2.5348), ("ALS-004", 0, 2.0104), ("ALS-004", 31, 2.1244),
        ("ALS-004", 89, 2.1293), ("ALS-004", 180, 2.4712),
    ]  # fmt: skip
    frame = pd.DataFrame(values, columns=["participant_id", "visit_day", "value"])
    cohort = mixed_model_slopes(frame).overall
    assert cohort is not None and np.isfinite(cohort.value)
    assert "mixed_model_no_standard_error" in cohort.flags
    assert np.isnan(cohort.ci_low) and np.isnan(cohort.ci_high)
