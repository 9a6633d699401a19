"""Home days attached to the study's visit windows, and one set of measures per window.

A visit's home window is the ``window_days`` calendar days starting the day after the visit
(default 7: the week after each visit). Each home day goes to the window that holds it (the
later visit's when two overlap); days in no window stay unassigned. Per window only valid days
count (Mobilise-D aggregates worn days only): walking minutes and worn hours per valid day, the
SV95C-like centile over every stride of those days, and the Mobilise-D codes over their walking
bouts (:func:`alsmotion.home.aggregate_walking_bouts` with ``period``), the counts and sums
(``*_sum``) divided by the valid days so windows of unequal wear compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.home.aggregate import AGGREGATE_CODES, AGGREGATE_UNITS, aggregate_walking_bouts
from alsmotion.home.pipeline import SV95C_NAME, stride_velocity_p95

DEFAULT_WINDOW_DAYS = 7
#: Fewer valid days than this in a window flags its rows (a common accelerometry convention for
#: weekly summaries; a setting, not a Mobilise-D figure).
DEFAULT_MIN_VALID_DAYS = 3

WINDOW_COLUMNS = [
    "participant_id",
    "visit",
    "window_start",
    "window_end",
    "measure",
    "value",
    "unit",
    "n",
    "worn_h",
    "flags",
]


def _unit(code: str) -> str:
    unit = AGGREGATE_UNITS[code]
    return f"{unit} per valid day" if code.endswith("_sum") else unit


#: Unit of every per-window measure (the data dictionary).
WINDOW_UNITS = {
    "walking_min_per_day": "min/day",
    "worn_h_per_day": "h/day",
    SV95C_NAME: "m/s",
    **{code: _unit(code) for code in AGGREGATE_CODES},
}


def attach_visit_windows(
    daily: pd.DataFrame, visits: pd.DataFrame, *, window_days: int = DEFAULT_WINDOW_DAYS
) -> pd.DataFrame:
    """``daily`` with ``visit``, ``window_start`` and ``window_end`` (ISO dates, inclusive): the
    window of ``visits`` (``participant_id, visit, visit_date``) holding each day ("" if none)."""
    if window_days < 1:
        raise InvalidInputError(f"window_days must be at least 1, got {window_days}")
    missing = {"participant_id", "visit", "visit_date"} - set(visits.columns)
    if missing:
        raise InvalidInputError(
            f"the visits table lacks column(s) {', '.join(sorted(missing))}: give "
            "participant_id, visit, visit_date (visit_assignments.csv of alsmotion export works)"
        )
    out = daily.copy()
    out["visit"], out["window_start"], out["window_end"] = "", "", ""
    day = pd.to_datetime(out["measurement_date"])
    ordered = visits.assign(_date=pd.to_datetime(visits["visit_date"])).sort_values("_date")
    for participant, visit, visit_date in zip(
        ordered["participant_id"], ordered["visit"], ordered["_date"], strict=True
    ):
        first = pd.Timestamp(visit_date).normalize() + pd.Timedelta(days=1)
        last = first + pd.Timedelta(days=window_days - 1)
        inside = (out["participant_id"] == participant) & (day >= first) & (day <= last)
        out.loc[inside, "visit"] = str(visit)
        out.loc[inside, "window_start"] = first.strftime("%Y-%m-%d")
        out.loc[inside, "window_end"] = last.strftime("%Y-%m-%d")
    return out


def windows_from_labels(daily: pd.DataFrame) -> pd.DataFrame:
    """``daily`` with the windows its recordings were labelled with: the days of a participant's
    recordings whose ``recorded_visit`` is V form window V (first to last such day); unlabelled
    days ("") stay unassigned."""
    out = daily.copy()
    out["visit"] = out["recorded_visit"].fillna("").astype(str)
    grouped = out.groupby(["participant_id", "visit"])["measurement_date"]
    out["window_start"] = grouped.transform("min")
    out["window_end"] = grouped.transform("max")
    out.loc[out["visit"] == "", ["window_start", "window_end"]] = ""
    return out


def window_measures(
    daily: pd.DataFrame,
    bouts: pd.DataFrame,
    strides: pd.DataFrame,
    *,
    min_valid_days: int = DEFAULT_MIN_VALID_DAYS,
) -> pd.DataFrame:
    """One row per participant, window and measure (:data:`WINDOW_COLUMNS`).

    Parameters
    ----------
    daily : home days with ``participant_id, measurement_date, visit, window_start, window_end,
        valid_day, worn_h, walking_min`` (see :func:`attach_visit_windows`); days whose ``visit``
        is "" are left out.
    bouts : walking bouts (``participant_id, measurement_date`` and the columns of
        :data:`alsmotion.home.BOUT_INPUT_COLUMNS`).
    strides : strides in bouts (``participant_id, measurement_date, gait_speed_mps,
        stride_time_s``).

    ``n`` is the number of valid days, ``worn_h`` the worn hours of the window's days, and
    ``flags`` holds ``valid_days:<n>;worn_h:<h>`` (and for the SV95C-like row its strides and
    walking hours), plus ``fewer_than_<k>_valid_days`` below ``min_valid_days``.
    """
    days = daily[daily["visit"] != ""]
    rows = []
    keys = ["participant_id", "visit", "window_start", "window_end"]
    for key, window in days.groupby(keys, sort=True):
        participant, visit = key[0], key[1]
        valid = window[window["valid_day"].astype(bool)]
        dates = set(valid["measurement_date"])
        n_valid = len(valid)
        worn_h = float(window["worn_h"].sum())
        flags = [f"valid_days:{n_valid}", f"worn_h:{worn_h:.1f}"]
        if n_valid < min_valid_days:
            flags.append(f"fewer_than_{min_valid_days}_valid_days")

        def own(table: pd.DataFrame, participant=participant, dates=dates) -> pd.DataFrame:
            return table[
                (table["participant_id"] == participant) & table["measurement_date"].isin(dates)
            ]

        values: dict[str, tuple[float, list[str]]] = {
            "walking_min_per_day": (_mean(valid["walking_min"]), []),
            "worn_h_per_day": (_mean(valid["worn_h"]), []),
        }
        velocity = stride_velocity_p95(own(strides))
        values[SV95C_NAME] = (
            velocity[SV95C_NAME],
            [
                f"n_strides:{int(velocity['sv95c_n_strides'])}",
                f"walking_h:{velocity['sv95c_walking_h']:.2f}",
            ],
        )
        window_bouts = own(bouts).assign(_period=str(visit))
        codes = (
            aggregate_walking_bouts(window_bouts, period="_period").iloc[0]
            if len(window_bouts)
            else pd.Series(dtype=float)
        )
        for code in AGGREGATE_CODES:
            value = float(codes.get(code, 0.0 if code.endswith("_sum") else np.nan))
            if code.endswith("_sum"):
                value = value / n_valid if n_valid else np.nan
            values[code] = (value, [])
        for measure, (value, extra) in values.items():
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "measure": measure,
                    "value": value,
                    "unit": WINDOW_UNITS[measure],
                    "n": n_valid,
                    "worn_h": worn_h,
                    "flags": ";".join(sorted([*flags, *extra])),
                }
            )
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")
