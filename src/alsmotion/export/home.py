"""Home monitoring in the per-visit exports: the home window after each visit as rows of domain
``home_gait`` (measures ``HOME_<name>``), placed on the visit's primary session.

A visit's window is the ``window_days`` days after its date (:mod:`alsmotion.home.windows`);
``n`` is the window's valid days, and the flags carry ``valid_days:<n>``, ``worn_h:<h>`` (worn
hours of all its days), ``home_window:<first>/<last>`` and, below ``min_valid_days``,
``fewer_than_<k>_valid_days``. Change from baseline is taken against the baseline visit's window,
as for every other measure (:mod:`alsmotion.export.visit_measures`).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from alsmotion.export.names import HOME_DOMAIN, HOME_TEST
from alsmotion.home.study import HomeTables
from alsmotion.home.windows import (
    DEFAULT_MIN_VALID_DAYS,
    DEFAULT_WINDOW_DAYS,
    attach_visit_windows,
    window_measures,
)
from alsmotion.processing.result import ALGORITHM_VERSION
from alsmotion.visits import UNSCHEDULED

HOME_ROW_COLUMNS = [
    "participant_id",
    "session_id",
    "domain",
    "measure",
    "muscle",
    "side",
    "value",
    "unit",
    "n",
    "flags",
    "algorithm_version",
    "settings_hash",
    "source_sha256",
    "window_start",
    "window_end",
]


def home_settings_hash(
    min_worn_hours: float, window_days: int, min_valid_days: int, timezone: str
) -> str:
    """SHA-256 of the settings behind the home rows (the gait settings' hash among them, and
    the time zone of the calendar days)."""
    from alsmotion.gait.settings import GaitSettings

    settings = {
        "gait_settings_hash": GaitSettings().settings_hash,
        "min_worn_hours": min_worn_hours,
        "window_days": window_days,
        "min_valid_days": min_valid_days,
        "timezone": timezone,
    }
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def home_visit_rows(
    home: HomeTables,
    assignments: pd.DataFrame,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    min_valid_days: int = DEFAULT_MIN_VALID_DAYS,
) -> pd.DataFrame:
    """One row per participant, scheduled visit with home days in its window, and measure
    (:data:`HOME_ROW_COLUMNS`), on the visit's primary session (``assignments`` as
    :func:`alsmotion.visits.assign_visits` gives them)."""
    primary = assignments[assignments["primary"].astype(bool)]
    primary = primary[primary["visit"] != UNSCHEDULED]
    visits = primary[["participant_id", "visit", "visit_date", "session_id"]]
    daily = attach_visit_windows(home.daily, visits, window_days=window_days)
    windows = window_measures(daily, home.bouts, home.strides, min_valid_days=min_valid_days)
    if windows.empty:
        return pd.DataFrame(columns=HOME_ROW_COLUMNS)
    sources = (
        daily[daily["visit"] != ""]
        .groupby(["participant_id", "visit"])["source_sha256"]
        .agg(lambda values: ";".join(sorted(set(values))))
        .rename("source_sha256")
        .reset_index()
    )
    rows = windows.merge(visits, on=["participant_id", "visit"]).merge(
        sources, on=["participant_id", "visit"], how="left"
    )
    window_flags = "home_window:" + rows["window_start"] + "/" + rows["window_end"]
    rows = rows.assign(
        domain=HOME_DOMAIN,
        measure=f"{HOME_TEST}_" + rows["measure"],
        muscle="",
        side="",
        flags=[
            ";".join(sorted([*str(flags).split(";"), window]))
            for flags, window in zip(rows["flags"], window_flags, strict=True)
        ],
        algorithm_version=ALGORITHM_VERSION,
        settings_hash=home_settings_hash(
            home.min_worn_hours, window_days, min_valid_days, home.timezone
        ),
    )
    return rows[HOME_ROW_COLUMNS].reset_index(drop=True)
