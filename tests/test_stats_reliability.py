"""Reliability figures against published values and an independent ANOVA (statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alsmotion.errors import InvalidInputError
from alsmotion.stats.reliability import (
    MDC95_FACTOR,
    icc_2_1,
    icc_3_1,
    mean_squares,
    reliability,
)

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges. Published: ICC(2,1) = 0.29,
# ICC(3,1) = 0.71; McGraw & Wong's (1996) intervals for these data, as tabulated by Koo & Li
# (2016) and reproduced by common packages: ICC(A,1) 0.019-0.761, ICC(C,1) 0.342-0.946.
SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ],
    dtype=float,
)


def test_shrout_fleiss_published_values() -> None:
    ms = mean_squares(SHROUT_FLEISS)
    assert icc_2_1(ms) == pytest.approx(0.29, abs=0.005)
    assert icc_3_1(ms) == pytest.approx(0.71, abs=0.005)
    result = reliability(SHROUT_FLEISS)
    assert result.icc_2_1_ci == pytest.approx((0.019, 0.761), abs=0.002)
    assert result.icc_3_1_ci == pytest.approx((0.342, 0.946), abs=0.002)
    assert result.icc_2_1_ci[0] < result.icc_2_1 < result.icc_2_1_ci[1]


def _anova_components(values: np.ndarray) -> tuple[float, float, float]:
    """MS of units, trials and residual from statsmodels' OLS ANOVA table (independent code)."""
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    n, k = values.shape
    frame = pd.DataFrame(
        {
            "y": values.ravel(),
            "unit": np.repeat(np.arange(n), k).astype(str),
            "trial": np.tile(np.arange(k), n).astype(str),
        }
    )
    table = anova_lm(smf.ols("y ~ C(unit) + C(trial)", frame).fit())
    mean_sq = table["mean_sq"]
    return float(mean_sq["C(unit)"]), float(mean_sq["C(trial)"]), float(mean_sq["Residual"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_icc_and_sem_match_an_independent_anova(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 15, 3
    true = rng.normal(300.0, 60.0, n)[:, None]
    trial_effect = np.array([0.0, -6.0, -12.0])[None, :]
    values = true + trial_effect + rng.normal(0.0, 10.0, (n, k))
    ms_units, ms_trials, ms_error = _anova_components(values)
    expected_icc = (ms_units - ms_error) / (
        ms_units + (k - 1) * ms_error + k * (ms_trials - ms_error) / n
    )
    expected_sem = np.sqrt(ms_error + max(ms_trials - ms_error, 0.0) / n)
    result = reliability(values)
    assert result.icc_2_1 == pytest.approx(expected_icc, rel=1e-10)
    assert result.icc_3_1 == pytest.approx(
        (ms_units - ms_error) / (ms_units + (k - 1) * ms_error), rel=1e-10
    )
    assert result.sem == pytest.approx(expected_sem, rel=1e-10)
    assert result.mdc95 == pytest.approx(MDC95_FACTOR * expected_sem, rel=1e-12)
    assert result.sem_ci[0] < result.sem < result.sem_ci[1]


def test_sem_recovers_the_simulated_measurement_error() -> None:
    rng = np.random.default_rng(11)
    values = rng.normal(200.0, 40.0, (400, 1)) + rng.normal(0.0, 8.0, (400, 3))
    result = reliability(values)
    assert result.sem == pytest.approx(8.0, rel=0.06)
    true_icc = 40.0**2 / (40.0**2 + 8.0**2)
    assert result.icc_2_1_ci[0] < true_icc < result.icc_2_1_ci[1]
    cvs = values.std(axis=1, ddof=1) / values.mean(axis=1)
    assert result.cv_pct == pytest.approx(100 * np.sqrt(np.mean(cvs**2)), rel=1e-12)


def test_incomplete_or_tiny_data_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="complete"):
        reliability(np.array([[1.0, 2.0], [np.nan, 3.0]]))
    with pytest.raises(InvalidInputError, match="shape"):
        reliability(np.array([[1.0, 2.0]]))
