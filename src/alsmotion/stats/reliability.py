"""Test-retest reliability of a measure from repeated trials: ICC(2,1), SEM, MDC95 and the
between-trial coefficient of variation, each with a 95 % confidence interval.

The data are a complete ``(n_units, k_trials)`` array: a unit is one participant at one visit,
a column the i-th accepted trial of that visit. The ICC is the two-way random-effects,
absolute-agreement, single-measurement form, ICC(2,1) in Shrout & Fleiss (1979), ICC(A,1) in
McGraw & Wong (1996):

    ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)

with MSR, MSC and MSE the mean squares of units (rows), trials (columns) and the residual of the
two-way ANOVA without interaction. Its confidence interval is McGraw & Wong's (1996, case 2A)
F-based interval with Satterthwaite's degrees of freedom. The consistency form ICC(3,1)
(``(MSR - MSE) / (MSR + (k - 1) MSE)``) is given beside it with its exact F interval.

SEM is the standard error of measurement in the absolute-agreement sense, the square root of the
trial and residual variance components, ``sqrt(MSE + max(MSC - MSE, 0) / n)``: a single trial's
typical distance from the unit's true value, in the measure's unit. MDC95 = 1.96 x sqrt(2) x SEM
is the smallest change between two single measurements that exceeds measurement error with 95 %
confidence. The between-trial CV is the root mean square of the units' CVs (SD / mean of their
trials), in %. The CIs of SEM, MDC95 and CV come from a percentile bootstrap over units with a
fixed seed (the same data give the same interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from alsmotion.errors import InvalidInputError

#: z of the two-sided 95 % interval and the MDC95 factor 1.96 x sqrt(2).
Z95 = 1.959963984540054
MDC95_FACTOR = Z95 * np.sqrt(2.0)
BOOTSTRAP_REPLICATES = 2000
BOOTSTRAP_SEED = 20240601

ICC_FORM = "ICC(2,1) two-way random, absolute agreement, single trial"


@dataclass(frozen=True)
class MeanSquares:
    """Two-way ANOVA (units x trials, no interaction) of a complete array."""

    n_units: int
    k_trials: int
    ms_units: float
    ms_trials: float
    ms_error: float


@dataclass(frozen=True)
class Reliability:
    """Reliability of one measure; CIs are 95 %; ``flags`` say what limits the figures."""

    n_units: int
    k_trials: int
    icc_2_1: float
    icc_2_1_ci: tuple[float, float]
    icc_3_1: float
    icc_3_1_ci: tuple[float, float]
    sem: float
    sem_ci: tuple[float, float]
    mdc95: float
    mdc95_ci: tuple[float, float]
    cv_pct: float
    cv_pct_ci: tuple[float, float]
    flags: tuple[str, ...] = ()


def _checked(values: np.ndarray) -> np.ndarray:
    data = np.asarray(values, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 2:
        raise InvalidInputError(
            f"reliability needs an (n_units >= 2, k_trials >= 2) array, got shape {data.shape}"
        )
    if not np.all(np.isfinite(data)):
        raise InvalidInputError("reliability needs complete data: drop units with missing trials")
    return data


def mean_squares(values: np.ndarray) -> MeanSquares:
    """Mean squares of units, trials and residual of a complete ``(n, k)`` array."""
    data = _checked(values)
    n, k = data.shape
    grand = data.mean()
    ss_units = k * float(np.sum((data.mean(axis=1) - grand) ** 2))
    ss_trials = n * float(np.sum((data.mean(axis=0) - grand) ** 2))
    ss_error = float(np.sum((data - grand) ** 2)) - ss_units - ss_trials
    return MeanSquares(
        n_units=n,
        k_trials=k,
        ms_units=ss_units / (n - 1),
        ms_trials=ss_trials / (k - 1),
        ms_error=max(ss_error, 0.0) / ((n - 1) * (k - 1)),
    )


def icc_2_1(ms: MeanSquares) -> float:
    """ICC(2,1) (absolute agreement) from the mean squares."""
    n, k = ms.n_units, ms.k_trials
    denominator = ms.ms_units + (k - 1) * ms.ms_error + k * (ms.ms_trials - ms.ms_error) / n
    return float((ms.ms_units - ms.ms_error) / denominator) if denominator > 0 else float("nan")


def icc_3_1(ms: MeanSquares) -> float:
    """ICC(3,1) (consistency) from the mean squares."""
    denominator = ms.ms_units + (ms.k_trials - 1) * ms.ms_error
    return float((ms.ms_units - ms.ms_error) / denominator) if denominator > 0 else float("nan")


def icc_2_1_ci(ms: MeanSquares, *, level: float = 0.95) -> tuple[float, float]:
    """McGraw & Wong (1996) case 2A interval of ICC(2,1), Satterthwaite degrees of freedom."""
    n, k = ms.n_units, ms.k_trials
    if ms.ms_error <= 0:
        return (float("nan"), float("nan"))
    alpha = 1.0 - level
    icc = icc_2_1(ms)
    a = k * icc / (n * (1.0 - icc))
    b = 1.0 + k * icc * (n - 1) / (n * (1.0 - icc))
    v = (a * ms.ms_trials + b * ms.ms_error) ** 2 / (
        (a * ms.ms_trials) ** 2 / (k - 1) + (b * ms.ms_error) ** 2 / ((n - 1) * (k - 1))
    )
    if not (np.isfinite(v) and v > 0):  # a negative ICC estimate can leave no degrees of freedom
        return (float("nan"), float("nan"))
    # with very few units the F quantiles can be astronomically large: the interval is then
    # undefined (NaN), not an overflow
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f_low = stats.f.ppf(1.0 - alpha / 2.0, n - 1, v)
        f_high = stats.f.ppf(1.0 - alpha / 2.0, v, n - 1)
        low = (
            n
            * (ms.ms_units - f_low * ms.ms_error)
            / (f_low * (k * ms.ms_trials + (k * n - k - n) * ms.ms_error) + n * ms.ms_units)
        )
        high = (
            n
            * (f_high * ms.ms_units - ms.ms_error)
            / (k * ms.ms_trials + (k * n - k - n) * ms.ms_error + n * f_high * ms.ms_units)
        )
    if not (np.isfinite(low) and np.isfinite(high)):
        return (float("nan"), float("nan"))
    return (float(low), float(high))


def icc_3_1_ci(ms: MeanSquares, *, level: float = 0.95) -> tuple[float, float]:
    """Exact F interval of ICC(3,1) (McGraw & Wong 1996, case 3C)."""
    n, k = ms.n_units, ms.k_trials
    if ms.ms_error <= 0:
        return (float("nan"), float("nan"))
    alpha = 1.0 - level
    f_obs = ms.ms_units / ms.ms_error
    df_units, df_error = n - 1, (n - 1) * (k - 1)
    f_low = f_obs / stats.f.ppf(1.0 - alpha / 2.0, df_units, df_error)
    f_high = f_obs * stats.f.ppf(1.0 - alpha / 2.0, df_error, df_units)
    return (float((f_low - 1) / (f_low + k - 1)), float((f_high - 1) / (f_high + k - 1)))


def sem_absolute(ms: MeanSquares) -> float:
    """SEM (absolute agreement): sqrt(residual + trial variance components)."""
    trial_variance = max(ms.ms_trials - ms.ms_error, 0.0) / ms.n_units
    return float(np.sqrt(ms.ms_error + trial_variance))


def between_trial_cv_pct(values: np.ndarray) -> float:
    """Root mean square of the units' CVs (sample SD / mean of their trials), in %."""
    data = _checked(values)
    means = data.mean(axis=1)
    if np.any(means <= 0):
        return float("nan")
    cvs = data.std(axis=1, ddof=1) / means
    return float(100.0 * np.sqrt(np.mean(cvs**2)))


def _bootstrap_ci(values: np.ndarray, *, level: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (float("nan"), float("nan"))
    alpha = 1.0 - level
    low, high = np.quantile(finite, [alpha / 2.0, 1.0 - alpha / 2.0])
    return (float(low), float(high))


def _bootstrap_samples(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SEM and CV (%) of :data:`BOOTSTRAP_REPLICATES` resamples of the units (vectorised)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    n, k = data.shape
    samples = data[rng.integers(0, n, size=(BOOTSTRAP_REPLICATES, n))]  # (B, n, k)
    grand = samples.mean(axis=(1, 2))
    unit_means = samples.mean(axis=2)
    trial_means = samples.mean(axis=1)
    ss_units = k * np.sum((unit_means - grand[:, None]) ** 2, axis=1)
    ss_trials = n * np.sum((trial_means - grand[:, None]) ** 2, axis=1)
    ss_total = np.sum((samples - grand[:, None, None]) ** 2, axis=(1, 2))
    ms_error = np.maximum(ss_total - ss_units - ss_trials, 0.0) / ((n - 1) * (k - 1))
    ms_trials = ss_trials / (k - 1)
    sem = np.sqrt(ms_error + np.maximum(ms_trials - ms_error, 0.0) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cvs = samples.std(axis=2, ddof=1) / unit_means
        cv_pct = np.where(
            np.all(unit_means > 0, axis=1), 100.0 * np.sqrt(np.mean(cvs**2, axis=1)), np.nan
        )
    return sem, cv_pct


def reliability(values: np.ndarray, *, level: float = 0.95) -> Reliability:
    """Every reliability figure of a complete ``(n_units, k_trials)`` array (see the module)."""
    data = _checked(values)
    ms = mean_squares(data)
    sem = sem_absolute(ms)
    sem_samples, cv_samples = _bootstrap_samples(data)
    sem_ci = _bootstrap_ci(sem_samples, level=level)
    flags = []
    if ms.n_units < 10:
        flags.append("fewer_than_10_units")
    if ms.ms_error <= 0:
        flags.append("no_within_unit_variation")
    return Reliability(
        n_units=ms.n_units,
        k_trials=ms.k_trials,
        icc_2_1=icc_2_1(ms),
        icc_2_1_ci=icc_2_1_ci(ms, level=level),
        icc_3_1=icc_3_1(ms),
        icc_3_1_ci=icc_3_1_ci(ms, level=level),
        sem=sem,
        sem_ci=sem_ci,
        mdc95=float(MDC95_FACTOR * sem),
        mdc95_ci=(float(MDC95_FACTOR * sem_ci[0]), float(MDC95_FACTOR * sem_ci[1])),
        cv_pct=between_trial_cv_pct(data),
        cv_pct_ci=_bootstrap_ci(cv_samples, level=level),
        flags=tuple(flags),
    )
