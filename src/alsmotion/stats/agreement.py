"""Agreement of a measurement with a reference: Bland-Altman bias and 95 % limits of agreement,
mean absolute error, and ICC(2,1) treating the two methods as two raters.

Differences are ``measured - reference``. Limits of agreement are ``bias +/- 1.96 SD`` of the
differences (Bland & Altman 1986).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alsmotion.stats.reliability import Z95, icc_2_1, icc_2_1_ci, mean_squares


@dataclass(frozen=True)
class Agreement:
    """Agreement figures of ``n`` complete pairs, in the measure's unit (ICC unitless)."""

    n: int
    mae: float
    bias: float
    sd_difference: float
    loa_low: float
    loa_high: float
    icc_2_1: float
    icc_2_1_ci: tuple[float, float]

    def to_dict(self) -> dict[str, float | int | list[float]]:
        return {
            "n": self.n,
            "mae": self.mae,
            "bias": self.bias,
            "sd_difference": self.sd_difference,
            "loa_low": self.loa_low,
            "loa_high": self.loa_high,
            "icc_2_1": self.icc_2_1,
            "icc_2_1_ci": list(self.icc_2_1_ci),
        }


def agreement(measured: np.ndarray, reference: np.ndarray) -> Agreement:
    """Agreement of the complete pairs of ``measured`` and ``reference`` (NaN pairs dropped)."""
    x = np.asarray(measured, dtype=float)
    y = np.asarray(reference, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    nan = float("nan")
    if n == 0:
        return Agreement(0, nan, nan, nan, nan, nan, nan, (nan, nan))
    difference = x - y
    bias = float(difference.mean())
    sd = float(difference.std(ddof=1)) if n > 1 else nan
    icc, icc_ci = nan, (nan, nan)
    if n > 2:
        ms = mean_squares(np.column_stack([x, y]))
        icc, icc_ci = icc_2_1(ms), icc_2_1_ci(ms)
    return Agreement(
        n=n,
        mae=float(np.abs(difference).mean()),
        bias=bias,
        sd_difference=sd,
        loa_low=bias - Z95 * sd,
        loa_high=bias + Z95 * sd,
        icc_2_1=icc,
        icc_2_1_ci=icc_ci,
    )
