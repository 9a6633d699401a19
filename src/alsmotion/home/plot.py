"""A PNG per participant of the home days across the study: the figure of the participant
reports' home section (:func:`alsmotion.export.report_home.home_days_figure`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alsmotion.atomicio import atomic_write_bytes


def plot_home_days(
    daily: pd.DataFrame,
    path: str | Path,
    *,
    visits: pd.DataFrame | None = None,
    min_worn_hours: float | None = None,
) -> Path:
    """Save a PNG of one participant's ``daily`` rows: walking minutes, worn hours and walking
    speeds per study day (day 0 the first of ``visits``' dates, else the first home day), days
    with too little wear apart. ``visits`` (``visit``, ``visit_date``) adds a line at each visit,
    ``min_worn_hours`` the valid-day minimum. matplotlib is imported here and drawn without
    pyplot; the PNG has no date or software metadata (same data, same bytes)."""
    from alsmotion.export.report import figure_png
    from alsmotion.export.report_home import home_days_figure

    figure = home_days_figure(daily, visits=visits, min_worn_hours=min_worn_hours)
    return atomic_write_bytes(Path(path), figure_png(figure))
