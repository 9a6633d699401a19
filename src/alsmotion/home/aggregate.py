"""Daily and per-period walking measures from walking bouts, with the Mobilise-D codes.

Definitions follow the Mobilise-D daily aggregation of digital mobility outcomes (DMOs): bout
duration filters "all", 10-30 s (> 10 s and <= 30 s, as the consortium's code has it), > 10 s,
> 30 s and > 60 s; "avg" is the mean over bouts except for bout duration (median); "var" is the
coefficient of variation (SD / mean, a ratio, sample SD); "p90" the 90th percentile of the
per-bout values; counts ("wb_*_sum") are numbers of bouts, 0 on a day without such a bout
(mobgap 1.2 leaves ``wb_1030_sum`` empty there and fills its other counts with 0).
Units are those of the data dictionary (:data:`AGGREGATE_UNITS`): walking time in hours, stride
length in cm, as in the consortium's reference output.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError

#: Columns :func:`aggregate_walking_bouts` needs, one row per walking bout.
BOUT_INPUT_COLUMNS = (
    "participant_id",
    "measurement_date",
    "duration_s",
    "n_steps",
    "n_turns",
    "cadence_spm",
    "walking_speed_mps",
    "stride_length_m",
    "stride_duration_s",
)

#: Unit of every aggregate code (the data dictionary).
AGGREGATE_UNITS = {
    "wb_all_sum": "count (walking bouts)",
    "walkdur_all_sum": "h",
    "wbsteps_all_sum": "count (steps)",
    "turns_all_sum": "count (turns)",
    "wbdur_all_avg": "s (median bout duration)",
    "wbdur_all_p90": "s",
    "wbdur_all_var": "ratio (SD / mean)",
    "cadence_all_avg": "steps/min",
    "strdur_all_avg": "s",
    "cadence_all_var": "ratio (SD / mean)",
    "strdur_all_var": "ratio (SD / mean)",
    "ws_1030_avg": "m/s",
    "strlen_1030_avg": "cm",
    "wb_10_sum": "count (walking bouts > 10 s)",
    "ws_10_p90": "m/s",
    "wb_30_sum": "count (walking bouts > 30 s)",
    "ws_30_avg": "m/s",
    "strlen_30_avg": "cm",
    "cadence_30_avg": "steps/min",
    "strdur_30_avg": "s",
    "ws_30_p90": "m/s",
    "cadence_30_p90": "steps/min",
    "ws_30_var": "ratio (SD / mean)",
    "strlen_30_var": "ratio (SD / mean)",
    "wb_60_sum": "count (walking bouts > 60 s)",
    "wb_1030_sum": "count (walking bouts 10-30 s)",
}

#: The Mobilise-D codes, in the consortium's order.
AGGREGATE_CODES = tuple(AGGREGATE_UNITS)

_Stat = Callable[[pd.Series], float]


def _cv(values: pd.Series) -> float:
    values = values.dropna()
    if len(values) < 2:
        return float("nan")
    return float(values.std(ddof=1) / values.mean())


def _p90(values: pd.Series) -> float:
    values = values.dropna()
    return float(np.percentile(values, 90)) if len(values) else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean())


def _median(values: pd.Series) -> float:
    return float(values.median())


def _count(values: pd.Series) -> float:
    return float(len(values))


def _sum(values: pd.Series) -> float:
    return float(values.sum())


def _all(duration_s: pd.Series) -> pd.Series:
    return pd.Series(True, index=duration_s.index)


def _over_10(duration_s: pd.Series) -> pd.Series:
    return duration_s > 10


def _over_30(duration_s: pd.Series) -> pd.Series:
    return duration_s > 30


def _over_60(duration_s: pd.Series) -> pd.Series:
    return duration_s > 60


def _10_to_30(duration_s: pd.Series) -> pd.Series:
    return (duration_s > 10) & (duration_s <= 30)


# code -> (bout filter, input column, statistic, scale to the code's unit)
_DEFINITIONS: dict[str, tuple[Callable[[pd.Series], pd.Series], str, _Stat, float]] = {
    "wb_all_sum": (_all, "duration_s", _count, 1.0),
    "walkdur_all_sum": (_all, "duration_s", _sum, 1 / 3600),
    "wbsteps_all_sum": (_all, "n_steps", _sum, 1.0),
    "turns_all_sum": (_all, "n_turns", _sum, 1.0),
    "wbdur_all_avg": (_all, "duration_s", _median, 1.0),
    "wbdur_all_p90": (_all, "duration_s", _p90, 1.0),
    "wbdur_all_var": (_all, "duration_s", _cv, 1.0),
    "cadence_all_avg": (_all, "cadence_spm", _mean, 1.0),
    "strdur_all_avg": (_all, "stride_duration_s", _mean, 1.0),
    "cadence_all_var": (_all, "cadence_spm", _cv, 1.0),
    "strdur_all_var": (_all, "stride_duration_s", _cv, 1.0),
    "ws_1030_avg": (_10_to_30, "walking_speed_mps", _mean, 1.0),
    "strlen_1030_avg": (_10_to_30, "stride_length_m", _mean, 100.0),
    "wb_10_sum": (_over_10, "duration_s", _count, 1.0),
    "ws_10_p90": (_over_10, "walking_speed_mps", _p90, 1.0),
    "wb_30_sum": (_over_30, "duration_s", _count, 1.0),
    "ws_30_avg": (_over_30, "walking_speed_mps", _mean, 1.0),
    "strlen_30_avg": (_over_30, "stride_length_m", _mean, 100.0),
    "cadence_30_avg": (_over_30, "cadence_spm", _mean, 1.0),
    "strdur_30_avg": (_over_30, "stride_duration_s", _mean, 1.0),
    "ws_30_p90": (_over_30, "walking_speed_mps", _p90, 1.0),
    "cadence_30_p90": (_over_30, "cadence_spm", _p90, 1.0),
    "ws_30_var": (_over_30, "walking_speed_mps", _cv, 1.0),
    "strlen_30_var": (_over_30, "stride_length_m", _cv, 1.0),
    "wb_60_sum": (_over_60, "duration_s", _count, 1.0),
    "wb_1030_sum": (_10_to_30, "duration_s", _count, 1.0),
}


def _aggregate_group(bouts: pd.DataFrame) -> dict[str, float]:
    duration = bouts["duration_s"]
    row = {}
    for code, (keep, column, stat, scale) in _DEFINITIONS.items():
        selected = bouts.loc[keep(duration), column]
        value = stat(selected) if len(selected) or stat in (_count, _sum) else float("nan")
        row[code] = value * scale
    return row


def aggregate_walking_bouts(bouts: pd.DataFrame, *, period: str | None = None) -> pd.DataFrame:
    """One row per participant and date (or per participant and ``period``) of Mobilise-D codes.

    Parameters
    ----------
    bouts : one row per walking bout with the columns of :data:`BOUT_INPUT_COLUMNS`
        (``measurement_date`` a date or ``YYYY-MM-DD`` text; extra columns are ignored).
    period : name of a column of ``bouts`` (e.g. ``visit_window``) to aggregate over instead of
        the date: one row per participant and value of that column.

    Returns
    -------
    DataFrame with ``participant_id``, ``measurement_date`` (or the ``period`` column) and the
    codes of :data:`AGGREGATE_CODES`, in the units of :data:`AGGREGATE_UNITS`; a statistic with
    no bout in its duration range is NaN (counts and sums are 0).
    """
    missing = [name for name in BOUT_INPUT_COLUMNS if name not in bouts.columns]
    if period is not None and period not in bouts.columns:
        missing.append(period)
    if missing:
        raise InvalidInputError(
            f"walking bouts lack the column(s) {', '.join(missing)}; give one row per bout with "
            f"{', '.join(BOUT_INPUT_COLUMNS)}"
        )
    keys = ["participant_id", period if period is not None else "measurement_date"]
    rows = []
    for key, group in bouts.groupby(keys, sort=True, dropna=False):
        rows.append({**dict(zip(keys, key, strict=True)), **_aggregate_group(group)})
    return pd.DataFrame(rows, columns=[*keys, *AGGREGATE_CODES])
