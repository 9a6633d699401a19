"""A PNG per participant of the home days across the study: daily walking time and the daily
SV95C-like stride-velocity centile, invalid days shown apart, visit dates marked."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from alsmotion.atomicio import atomic_write_bytes


def plot_home_days(
    daily: pd.DataFrame, path: str | Path, *, visits: pd.DataFrame | None = None
) -> Path:
    """Save a two-panel PNG of one participant's ``daily`` rows (``measurement_date``,
    ``valid_day``, ``walking_min``, ``stride_velocity_p95_mps``): walking minutes per day (bars;
    days under the wear minimum hatched and grey) and the SV95C-like centile (m/s) of valid days.
    ``visits`` (``visit``, ``visit_date``) adds a line at each visit. matplotlib is imported here
    and drawn without pyplot; the PNG has no date or software metadata (same data, same bytes)."""
    from matplotlib.figure import Figure

    days = daily.sort_values("measurement_date")
    dates = pd.to_datetime(days["measurement_date"])
    valid = days["valid_day"].astype(bool).to_numpy()
    figure = Figure(figsize=(10, 5.5))
    top, bottom = figure.subplots(2, 1, sharex=True)
    minutes = days["walking_min"].to_numpy(float)
    top.bar(dates[valid], minutes[valid], width=0.8, color="tab:blue", label="valid day")
    if (~valid).any():
        top.bar(
            dates[~valid],
            minutes[~valid],
            width=0.8,
            color="0.8",
            hatch="//",
            edgecolor="0.5",
            label="too little wear",
        )
    top.set_ylabel("walking time (min/day)")
    top.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    speed = days["stride_velocity_p95_mps"].to_numpy(float)
    bottom.plot(dates[valid], speed[valid], "o", color="tab:green")
    bottom.set_ylabel("stride velocity p95 (m/s)\n(SV95C-like)")
    bottom.set_xlabel("date")
    if visits is not None:
        for name, visit_date in zip(visits["visit"], visits["visit_date"], strict=True):
            when = pd.Timestamp(str(visit_date))
            for axis in (top, bottom):
                axis.axvline(when, color="tab:red", linewidth=0.8)
            top.annotate(
                str(name),
                (when, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                color="tab:red",
                va="bottom",
            )
    participant = str(days["participant_id"].iloc[0]) if len(days) else ""
    figure.suptitle(f"{participant}: home monitoring, {int(valid.sum())} valid of {len(days)} days")
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return atomic_write_bytes(Path(path), buffer.getvalue())
