"""The home part of a participant's report: the home days across the study as one figure, and
the home window after each visit as tables in plain words.

The figure is the same one ``alsmotion home`` saves per participant
(:func:`alsmotion.home.plot.plot_home_days`): three panels over study days (walking minutes,
worn hours against the valid-day minimum, and two walking speeds, the SV95C-like centile and
Mobilise-D's ``ws_30_p90``), each day a stem and marker, days with too little wear hollow and
grey, the visits as dotted lines named at the top. The tables come from the ``home_gait`` rows of
``visit_measures`` (:mod:`alsmotion.export.home`), not recomputed.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.export.names import HOME_TEST, MEASURE_NAMES, flag_sentences, measure_text
from alsmotion.export.report import PLOT_DPI

#: The Mobilise-D speed drawn per day beside the SV95C-like centile: the 90th centile of the
#: walking speed of bouts over 30 s (one of Mobilise-D's headline walking outcomes).
DAILY_SPEED_CODE = "ws_30_p90"
_SV95C = "stride_velocity_p95_mps"
#: Flags of a window's rows that the window table shows in its own columns.
_WINDOW_FLAGS = ("valid_days", "worn_h", "home_window", "not_recorded", "n_strides", "walking_h")


def _stems(axes: Any, day: np.ndarray, values: np.ndarray, valid: np.ndarray) -> None:
    """Each day a line from zero up to its value with a marker; days with too little wear
    hollow, grey and dashed."""
    axes.vlines(day[valid], 0.0, values[valid], color="tab:blue", linewidth=2)
    axes.plot(day[valid], values[valid], "o", color="tab:blue", label="valid day")
    if (~valid).any():
        axes.vlines(day[~valid], 0.0, values[~valid], color="0.55", linewidth=1, linestyle="--")
        axes.plot(
            day[~valid],
            values[~valid],
            "s",
            color="0.55",
            markerfacecolor="white",
            label="too little wear (not counted)",
        )
    axes.set_ylim(bottom=0.0)


def home_days_figure(
    daily: pd.DataFrame,
    *,
    visits: pd.DataFrame | None = None,
    origin: pd.Timestamp | None = None,
    min_worn_hours: float | None = None,
) -> Any:
    """Figure of one participant's home days (``daily`` rows of
    :class:`alsmotion.home.study.HomeTables`: ``measurement_date``, ``valid_day``,
    ``walking_min``, ``worn_h``, ``stride_velocity_p95_mps`` and, where there were bouts over
    30 s, ``ws_30_p90``) on a study-day axis whose day 0 is ``origin``, the baseline date
    (None: the first of ``visits``' dates, else the first home day). ``visits`` (``visit``,
    ``visit_date``) are drawn as dotted lines, ``min_worn_hours`` as the valid-day minimum on
    the worn-time panel."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    days = daily.sort_values("measurement_date")
    dates = pd.to_datetime(days["measurement_date"])
    marks = (
        pd.DataFrame({"visit": [], "visit_date": []})
        if visits is None
        else visits[["visit", "visit_date"]].drop_duplicates("visit")
    )
    visit_dates = pd.to_datetime(marks["visit_date"])
    if origin is not None:
        axis_name = "study day (day 0 = baseline, {:%Y-%m-%d})"
    elif len(marks):
        origin, axis_name = visit_dates.min(), "study day (day 0 = first visit, {:%Y-%m-%d})"
    else:
        origin, axis_name = dates.min(), "day (day 0 = first home day, {:%Y-%m-%d})"
    start = pd.Timestamp(origin).normalize()
    day = (dates - start).dt.days.to_numpy(float)
    visit_days = (visit_dates - start).dt.days.to_numpy(float)
    valid = days["valid_day"].astype(bool).to_numpy()

    figure = Figure(figsize=(7.0, 7.4), dpi=PLOT_DPI, layout="constrained")
    walking, worn, speed = figure.subplots(3, 1, sharex=True)
    _stems(walking, day, days["walking_min"].to_numpy(float), valid)
    walking.set_ylabel("walking time (min/day)", fontsize=8)
    _stems(worn, day, days["worn_h"].to_numpy(float), valid)
    if min_worn_hours is not None:
        worn.axhline(
            min_worn_hours,
            color="0.3",
            linestyle=":",
            linewidth=1,
            label=f"valid-day minimum ({min_worn_hours:g} h)",
        )
    worn.set_ylim(0.0, 25.0)
    worn.set_yticks([0, 6, 12, 18, 24])
    worn.set_ylabel("worn time (h/day)", fontsize=8)
    for column, marker, color, label in (
        (_SV95C, "o", "tab:green", "stride velocity p95 (SV95C-like)"),
        (DAILY_SPEED_CODE, "D", "tab:orange", "walking speed p90, bouts > 30 s (ws_30_p90)"),
    ):
        if column not in days or not days[column].notna().any():
            continue
        values = days[column].to_numpy(float)
        # the two speeds of a day are close: a small filled circle inside a larger hollow diamond
        hollow = marker == "D"
        style = {"markersize": 8 if hollow else 4.5, "linestyle": "none"}
        speed.plot(
            day[valid],
            values[valid],
            marker,
            color=color,
            markerfacecolor="none" if hollow else color,
            label=label,
            **style,
        )
        if (~valid).any():
            speed.plot(
                day[~valid],
                values[~valid],
                marker,
                color="0.55",
                markerfacecolor="none" if hollow else "white",
                **style,
            )
    speeds = [days[c].to_numpy(float) for c in (_SV95C, DAILY_SPEED_CODE) if c in days]
    fastest = max((float(np.nanmax(s)) for s in speeds if np.isfinite(s).any()), default=1.0)
    speed.set_ylim(0.0, 1.15 * fastest)  # from zero, as the other panels: a decline at its size
    speed.set_ylabel("walking speed (m/s)", fontsize=8)
    speed.set_xlabel(axis_name.format(start), fontsize=8)
    if not any(np.isfinite(s).any() for s in speeds):
        speed.text(
            0.5,
            0.5,
            "no stride speeds in these days",
            transform=speed.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="0.4",
        )
    all_days = np.concatenate([day, visit_days])
    low, high = (float(all_days.min()), float(all_days.max())) if len(all_days) else (0.0, 1.0)
    pad = max(2.0, 0.03 * (high - low))
    for axes in (walking, worn, speed):
        axes.set_xlim(low - pad, high + pad)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole days
        for visit_day in visit_days:
            axes.axvline(visit_day, color="tab:red", linestyle=":", linewidth=1, zorder=0)
        axes.grid(alpha=0.3)
        axes.tick_params(labelsize=7)
    # one legend for the three panels, below them: the plots keep the page's width
    legend: dict[str, Any] = {}
    for axes in (walking, worn, speed):
        for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    if len(visit_days):
        legend["visit"] = Line2D([], [], color="tab:red", linestyle=":", linewidth=1)
    figure.legend(
        list(legend.values()), list(legend), loc="outside lower center", ncol=3, fontsize=7
    )
    for name, visit_day in zip(marks["visit"], visit_days, strict=True):
        walking.annotate(
            f"{name}\nday {visit_day:.0f}",
            (visit_day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 2),
            textcoords="offset points",
            fontsize=7,
            color="tab:red",
            ha="center",
            va="bottom",
        )
    participant = str(days["participant_id"].iloc[0]) if len(days) else ""
    figure.suptitle(
        f"{participant}: home days, {int(valid.sum())} valid of {len(days)}", fontsize=10
    )
    return figure


def _detail(flags: str, code: str) -> str:
    for flag in str(flags).split(";"):
        name, _, detail = flag.partition(":")
        if name == code:
            return detail
    return ""


def _other_flags(flags: str) -> str:
    kept = [f for f in str(flags).split(";") if f and f.partition(":")[0] not in _WINDOW_FLAGS]
    return flag_sentences(";".join(kept))


def home_window_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per visit of one participant's ``home_gait`` rows: its home window, valid days,
    worn hours and other flags in words, or that no home day fell in the window."""
    walking = rows[rows["measure"] == f"{HOME_TEST}_walking_min_per_day"].sort_values("visit_day")
    recorded = walking["value"].notna() | ~walking["flags"].str.contains("not_recorded")
    return pd.DataFrame(
        {
            "visit": walking["visit"],
            "study day": walking["visit_day"].astype(int).astype(str),
            "home window": [
                _detail(f, "home_window").replace("/", " to ") if ok else "no home days"
                for f, ok in zip(walking["flags"], recorded, strict=True)
            ],
            "valid days": [
                str(n) if ok else "" for n, ok in zip(walking["n"], recorded, strict=True)
            ],
            "worn h (all days)": [_detail(f, "worn_h") for f in walking["flags"]],
            "notes": walking["flags"].map(_other_flags),
        }
    )


def _cell(value: float, change: float, baseline: bool) -> str:
    if pd.isna(value):
        return ""
    if baseline or pd.isna(change):
        return f"{value:.4g}"
    return f"{value:.4g} ({change:+.3g})"


def home_measure_table(rows: pd.DataFrame, baseline_visit: str) -> pd.DataFrame:
    """One row per home measure (readable name without ``home:``, unit) and a column per visit
    with a home window: the value and, after ``baseline_visit``, its change from baseline in
    brackets; ``notes`` names the strides and walking hours behind the SV95C-like centile."""
    recorded = rows[rows["value"].notna()]
    order = {name: index for index, name in enumerate(MEASURE_NAMES)}
    visits = recorded.drop_duplicates("visit").sort_values("visit_day")
    names = sorted(
        recorded["measure"].unique(),
        key=lambda m: (order.get(m.removeprefix(f"{HOME_TEST}_"), len(order)), m),
    )
    columns = {
        visit: f"{visit} (day {visit_day:.0f})"
        for visit, visit_day in zip(visits["visit"], visits["visit_day"], strict=True)
    }
    table = []
    for measure in names:
        own = recorded[recorded["measure"] == measure].set_index("visit")
        line = {
            "measure": measure_text(measure.removeprefix(f"{HOME_TEST}_")),
            # the measure's name says what is counted: "count (walking bouts) per valid day"
            # reads "count per valid day" (the full unit is in visit_measures)
            "unit": re.sub(r"count \([^)]*\)", "count", str(own["unit"].iloc[0])),
        }
        notes = []
        for visit, column in columns.items():
            if visit not in own.index:
                line[column] = ""
                continue
            point = own.loc[visit]
            line[column] = _cell(
                point["value"], point["change_from_baseline"], visit == baseline_visit
            )
            extra = [
                flag_sentences(f"{code}:{_detail(point['flags'], code)}")
                for code in ("n_strides", "walking_h")
                if _detail(point["flags"], code)
            ]
            if extra:
                notes.append(f"{visit}: {', '.join(extra)}")
        line["notes"] = "; ".join(notes)
        table.append(line)
    return pd.DataFrame(table, columns=["measure", "unit", *columns.values(), "notes"])
