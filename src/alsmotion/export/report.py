"""Reports a clinician and a statistician can read: one per participant and one for the cohort,
as HTML with PNG plots and as PDF with the same figures.

Every plot names the visits on its x axis (``day30`` under its study day). A value that is
missing is drawn as such, never skipped or bridged: the line breaks, and a marker at the foot of
the plot says ``cannot perform`` (red x) or ``not recorded`` (grey triangle); a scheduled visit
with no session at all is a dashed line labelled ``missing visit``. Visits flagged
``out_of_window``, ``duplicate`` or ``unscheduled`` are named in red beside their point, and
values carrying analysis quality flags get an orange ring. Below each value plot, the change from
baseline with the band of +/- MDC95 (from ``reliability.csv``, a single trial's minimal
detectable change) shaded around zero. Each report states the software version, the algorithm
version and the settings hash of its values.

matplotlib is imported only here (figures drawn off-screen, without pyplot). PNGs and PDFs carry
no software/date metadata so reruns give identical files.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion._version import __version__
from alsmotion.atomicio import atomic_write_bytes, atomic_write_text
from alsmotion.export.names import (
    HOME_DOMAIN,
    HOME_TEST,
    flag_sentences,
    missing_text,
    readable_measure,
)
from alsmotion.visits import StudySchedule

#: Measures plotted, by suffix of the export measure name: (suffix, title, unit).
#: Resolution of the plots (PNG for the HTML report, the same raster in the PDF).
PLOT_DPI = 100

_GAIT_PLOTS = (
    ("_walk_speed_mps", "Walk speed (distance / time)", "m/s"),
    ("_gait_speed_mps", "IMU gait speed", "m/s"),
    ("_stride_time_cv_pct", "Stride-time CV", "%"),
)
_STRENGTH_PLOT = ("_peak_force_n", "Peak force", "N")
#: Visit-level strength measures plotted, one line per muscle and side: (measure, title, unit).
_STRENGTH_SUMMARY_PLOTS = (
    ("HHD_megascore_z", "Strength megascore (mean z over muscles)", "z"),
    ("HHD_make_asymmetry_pct", "Left/right asymmetry, make tests", "%"),
    ("HHD_make_pct_predicted", "Percent of predicted, make tests", "%"),
)
#: Visit flags named on the plots, with their text.
_VISIT_NOTES = {
    "out_of_window": "out of window",
    "duplicate": "duplicate",
    "unscheduled": "unscheduled",
}
#: Flags that are about the visit or a missing value, not the analysis quality.
_NOT_QUALITY = (
    "out_of_window",
    "duplicate",
    "unscheduled",
    "not_recorded",
    "cannot_perform",
    "baseline_inferred",
)


def _flag_names(flags: str) -> list[str]:
    return [flag.split(":")[0] for flag in str(flags).split(";") if flag]


def _quality_flagged(flags: str) -> bool:
    return any(name not in _NOT_QUALITY for name in _flag_names(flags))


@dataclass(frozen=True)
class Series:
    """One line of a plot: its rows of ``visit_measures`` (missing values included) and MDC95."""

    label: str
    rows: pd.DataFrame
    mdc95: float = float("nan")


def missing_visits(rows: pd.DataFrame, schedule: StudySchedule | None) -> list[tuple[str, int]]:
    """Scheduled (name, target day) of the visits that ``rows`` (one participant) has no
    session for."""
    if schedule is None:
        return []
    attended = set(rows["visit"])
    return [(visit.name, visit.day) for visit in schedule.visits if visit.name not in attended]


def _visit_ticks(series: Iterable[Series], missing: list[tuple[str, int]]) -> dict[float, str]:
    """One tick per visit name at its median study day (a participant's own day, or the
    cohort's median), labelled with the name and the day; missing visits at their target day."""
    frames = [item.rows[["visit", "visit_day"]] for item in series]
    days = pd.concat(frames).groupby("visit")["visit_day"].median() if frames else pd.Series()
    # the median day of a visit can be a half day (30.5): a clinician reads whole days
    ticks = {float(day): f"{visit}\nday {day:.0f}" for visit, day in days.items()}
    for name, day in missing:
        ticks.setdefault(float(day), f"{name}\n(missing)")
    return dict(sorted(ticks.items()))


def _new_figure(n_rows: int) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 2.9 * n_rows), dpi=PLOT_DPI, layout="constrained")
    return figure, figure.subplots(n_rows, 1, squeeze=False)[:, 0]


def _draw_values(axes: Any, series: list[Series], missing: list[tuple[str, int]]) -> None:
    transform = axes.get_xaxis_transform()
    ring_label = "flagged value (see the table)"  # the legend names the orange ring once
    values = pd.concat([item.rows["value"] for item in series]) if series else pd.Series()
    if values.isna().any() and values.notna().any():
        # a strip below the data for the missing and cannot-perform markers, so that they
        # never hide a value (they sit at fixed heights in axes coordinates)
        low, high = float(values.min()), float(values.max())
        span = high - low if high > low else max(abs(high), 1.0) * 0.1
        axes.set_ylim(low - 0.6 * span, high + 0.1 * span)
    for index, item in enumerate(series):
        color = f"C{index % 10}"
        rows = item.rows.sort_values("visit_day")
        axes.plot(rows["visit_day"], rows["value"], marker="o", color=color, label=item.label)
        for point in rows.to_dict("records"):
            if pd.isna(point["value"]):
                text = missing_text(point["flags"])
                cannot = text.startswith("cannot perform")
                height = 0.04 + 0.07 * (index % 4)
                axes.plot(
                    point["visit_day"],
                    height,
                    marker="x" if cannot else "v",
                    color="red" if cannot else "grey",
                    transform=transform,
                    markersize=8,
                )
                axes.annotate(
                    f"{item.label}: {text.split(':')[0]}",
                    (point["visit_day"], height),
                    xycoords=transform,
                    xytext=(0, 5),
                    textcoords="offset points",
                    fontsize=7,
                    color="red" if cannot else "dimgrey",
                    ha="center",
                )
                continue
            notes = [_VISIT_NOTES[n] for n in _flag_names(point["flags"]) if n in _VISIT_NOTES]
            if notes:
                axes.annotate(
                    ", ".join(notes),
                    (point["visit_day"], point["value"]),
                    xytext=(4, 4),
                    textcoords="offset points",
                    color="red",
                    fontsize=7,
                )
            if _quality_flagged(point["flags"]):
                axes.plot(
                    point["visit_day"],
                    point["value"],
                    marker="o",
                    markersize=12,
                    markerfacecolor="none",
                    markeredgecolor="orange",
                    linestyle="none",
                    label=ring_label,
                )
                ring_label = "_nolegend_"
    for name, day in missing:
        axes.axvline(day, color="grey", linestyle="--", linewidth=1)
        axes.annotate(
            f"missing visit: {name}",
            (day, 0.5),
            xycoords=transform,
            rotation=90,
            fontsize=7,
            color="dimgrey",
            ha="right",
            va="center",
        )


def _draw_changes(axes: Any, series: list[Series]) -> None:
    axes.axhline(0.0, color="black", linewidth=0.8)
    for index, item in enumerate(series):
        color = f"C{index % 10}"
        rows = item.rows.sort_values("visit_day")
        axes.plot(
            rows["visit_day"],
            rows["change_from_baseline"],
            marker="o",
            color=color,
            label=item.label,
        )
        scale = float(np.nanmax(np.abs(rows["value"]))) if rows["value"].notna().any() else 0.0
        if np.isfinite(item.mdc95) and item.mdc95 > 1e-9 * scale:  # 1e-16: no trial variation
            axes.axhspan(
                -item.mdc95,
                item.mdc95,
                color=color,
                alpha=0.12,
                label=f"+/- MDC95 {item.mdc95:.3g}",
            )


def series_figure(
    series: list[Series], title: str, unit: str, missing: list[tuple[str, int]]
) -> Any:
    """Figure of values over the visits above their change from baseline with the MDC band."""
    figure, (values, changes) = _new_figure(2)
    _draw_values(values, series, missing)
    _draw_changes(changes, series)
    ticks = _visit_ticks(series, missing)
    for axes in (values, changes):
        axes.margins(x=0.1)
        axes.set_xticks(list(ticks), list(ticks.values()), fontsize=7)
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7, loc="best")
    values.set_title(title)
    values.set_ylabel(f"{title} ({unit})", fontsize=8)
    changes.set_ylabel(f"change from baseline ({unit})", fontsize=8)
    changes.set_xlabel("visit and study day")
    return figure


def figure_png(figure: Any) -> bytes:
    """A figure as PNG bytes without software metadata (same figure, same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _image_page(png: bytes) -> Any:
    """A PDF page holding a plot already rendered for the HTML report, pixel for pixel.

    Drawing each plot once and placing its raster in the PDF halves the report's drawing time
    (a plot's layout and text are the slow part, not embedding an image); the text pages stay
    vector."""
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    image = imread(io.BytesIO(png), format="png")
    height_px, width_px = image.shape[:2]
    page = Figure(figsize=(width_px / PLOT_DPI, height_px / PLOT_DPI), dpi=PLOT_DPI)
    page.figimage(image, 0, 0)
    return page


def _text_page(title: str, frame: pd.DataFrame, max_rows: int = 60) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.27, 11.69), dpi=100)
    figure.text(0.05, 0.97, title, fontsize=10, va="top")
    shown = frame.head(max_rows).to_string(index=False, max_colwidth=60) if len(frame) else "none"
    if len(frame) > max_rows:
        shown += f"\n... {len(frame) - max_rows} more rows in the HTML report and CSV files"
    top = 0.97 - 0.018 * (title.count("\n") + 1) - 0.01  # below the title's lines
    figure.text(0.05, top, shown, family="monospace", fontsize=7, va="top")
    return figure


def _pdf(figures: list[Any]) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(
        buffer, metadata={"Creator": None, "Producer": None, "CreationDate": None}
    ) as pdf:
        for figure in figures:
            pdf.savefig(figure)
    return buffer.getvalue()


def _mdc_lookup(reliability_rows: pd.DataFrame | None) -> dict[tuple[str, str, str], float]:
    if reliability_rows is None or reliability_rows.empty:
        return {}
    within = reliability_rows[reliability_rows["source"] == "within_visit_trials"]
    return {
        (r["measure"], r["muscle"] or "", r["side"] or ""): float(r["mdc95"])
        for r in within.fillna({"muscle": "", "side": ""}).to_dict("records")
    }


def _plot_groups(rows: pd.DataFrame, mdc: dict) -> list[tuple[str, str, str, list[Series]]]:
    """(file stem, title, unit, series) of a set of rows: gait measures by test, strength by side."""
    groups = []
    for suffix, title, unit in _GAIT_PLOTS:
        selected = rows[rows["measure"].str.endswith(suffix) & (rows["muscle"] == "")]
        if selected["value"].notna().any():
            series = [
                Series(str(measure).removesuffix(suffix), part, mdc.get((measure, "", ""), np.nan))
                for measure, part in selected.groupby("measure", sort=True)
            ]
            groups.append((f"gait{suffix}", title, unit, series))
    suffix, title, unit = _STRENGTH_PLOT
    strength = rows[rows["measure"].str.endswith(suffix) & (rows["muscle"] != "")]
    for muscle, group in strength.groupby("muscle", sort=True):
        if not group["value"].notna().any():
            continue
        series = [
            Series(
                f"{side} ({str(measure).split('_')[1]})",
                part,
                mdc.get((measure, str(muscle), str(side)), np.nan),
            )
            for (measure, side), part in group.groupby(["measure", "side"], sort=True)
        ]
        groups.append(
            (f"strength_{muscle}", f"{title}: {str(muscle).replace('_', ' ')}", unit, series)
        )
    for measure, title, unit in _STRENGTH_SUMMARY_PLOTS:
        selected = rows[rows["measure"] == measure]
        if not selected["value"].notna().any():
            continue
        series = [
            Series(
                " ".join(str(name) for name in key if name).replace("_", " ") or title,
                part,
                mdc.get((measure, str(key[0]), str(key[1])), np.nan),
            )
            for key, part in selected.groupby(["muscle", "side"], sort=True)
        ]
        groups.append((measure, title, unit, series))
    return groups


def _table_html(rows: pd.DataFrame, columns: list[str], floats: Iterable[str] = ()) -> str:
    shown = rows[columns].copy()
    for name in floats:
        shown[name] = shown[name].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
    return shown.to_html(index=False, escape=True, border=0, classes="measures", na_rep="")


_MEASURE_TABLE = [
    "visit",
    "visit_day",
    "in_window",
    "measure",
    "muscle",
    "side",
    "value",
    "unit",
    "change_from_baseline",
    "n",
    "flags",
]


def _in_words(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with readable measure names and flags in plain words (the codes are in the CSV)."""
    shown = rows.copy()
    shown["measure"] = [
        readable_measure(m, mu, side)
        for m, mu, side in zip(rows["measure"], rows["muscle"], rows["side"], strict=True)
    ]
    shown["flags"] = rows["flags"].map(flag_sentences)
    return shown


def _missing_table(rows: pd.DataFrame, missing: list[tuple[str, int]]) -> pd.DataFrame:
    absent = rows[rows["value"].isna()]
    frame = pd.DataFrame(
        {
            "visit": absent["visit"],
            "study day": absent["visit_day"].astype(int).astype(str),
            "measure": [
                readable_measure(m, mu, s)
                for m, mu, s in zip(
                    absent["measure"], absent["muscle"], absent["side"], strict=True
                )
            ],
            "status": absent["flags"].map(missing_text),
        }
    )
    visits = pd.DataFrame(
        [
            {
                "visit": name,
                "study day": f"{day} (target)",
                "measure": "all",
                "status": "missing visit (no session)",
            }
            for name, day in missing
        ],
        columns=frame.columns,
    )
    return pd.concat([frame, visits], ignore_index=True)


def _provenance_text(rows: pd.DataFrame, *, hash_chars: int = 64) -> str:
    """Software and algorithm versions and settings hash(es) of the rows, on one line (the
    hashes cut to ``hash_chars`` hex digits where a page is narrow)."""
    versions = ", ".join(sorted(set(map(str, rows["algorithm_version"].dropna()))))
    hashes = ", ".join(sorted({str(h)[:hash_chars] for h in rows["settings_hash"].dropna()}))
    return (
        f"alsmotion {__version__}; algorithm version {versions or 'n/a'}; "
        f"settings hash {hashes or 'n/a'}"
    )


def _provenance(rows: pd.DataFrame) -> str:
    return f"<p>{html.escape(_provenance_text(rows))}.</p>"


_STYLE = """<style>body{font-family:sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;font-size:12px} td,th{padding:2px 6px;border-bottom:1px solid #ddd}
img{max-width:700px;display:block}</style>"""

_LEGEND = """<p>Plots: visits are named on the x axis under their study day. A missing value breaks
the line and is marked at the foot of the plot: <b>cannot perform</b> (red x) or <b>not recorded</b>
(grey triangle); a scheduled visit without a session is a dashed line, <b>missing visit</b>. Visits out of
window, duplicate or unscheduled are named in red; values with analysis quality flags have an orange
ring. The lower panel is the change from baseline; the shaded band is +/- MDC95 of a single trial
(reliability.csv): a change inside it is within measurement error.</p>"""


_HOME_LEGEND = """<p>Each home day is a stem up to its value: filled for a valid day, hollow and
grey for a day worn too little to count (left out of the visit windows). Visits are the red dotted
lines. Stride velocity p95 (SV95C-like) is the 95th centile of the day's stride speeds from the
lower-back sensor, named after, but not, the ankle-worn SV95C the EMA qualified; ws_30_p90 is
Mobilise-D's 90th centile of walking speed over bouts longer than 30 s. The tables give each
visit's home window (the days after the visit) from visit_measures (domain home_gait): counts and
sums are per valid day; the change from baseline is in brackets.</p>"""


def _home_section(
    daily: pd.DataFrame,
    home_rows: pd.DataFrame,
    rows: pd.DataFrame,
    min_worn_hours: float | None,
    folder: Path,
    baseline: str,
) -> tuple[str, list[Any]]:
    """HTML and PDF pages of the home section: the days across the study, the windows and the
    measures per window."""
    from alsmotion.export.report_home import (
        home_days_figure,
        home_measure_table,
        home_window_table,
    )

    visits = (
        rows[["visit", "visit_date", "visit_day"]].drop_duplicates("visit").sort_values("visit_day")
    )
    # day 0 of the study is baseline: every visit's date less its study day
    origin = (
        pd.Timestamp(str(visits["visit_date"].iloc[0]))
        - pd.Timedelta(days=int(visits["visit_day"].iloc[0]))
        if len(visits)
        else None
    )
    png = figure_png(
        home_days_figure(daily, visits=visits, origin=origin, min_worn_hours=min_worn_hours)
    )
    atomic_write_bytes(folder / "home_days.png", png)
    windows = home_window_table(home_rows)
    measures = home_measure_table(home_rows, baseline)
    participant = str(daily["participant_id"].iloc[0])
    pages = [
        _image_page(png),
        _text_page(f"{participant}: home windows after the visits", windows),
    ]
    per_visit = list(measures.columns[2:-1])
    for first in range(0, max(len(per_visit), 1), 3):  # three windows fit a page's width
        pages.append(
            _text_page(
                f"{participant}: home measures per visit window (change from baseline)",
                measures[["measure", "unit", *per_visit[first : first + 3]]],
            )
        )
    html_text = f"""<h2>Home monitoring between visits</h2>{_HOME_LEGEND}
<img src="home_days.png" alt="home days across the study">
<h3>Home windows after the visits</h3>{
        _table_html(windows, list(windows.columns)) if len(windows) else "<p>none</p>"
    }
<h3>Home measures per visit window (change from baseline in brackets)</h3>{
        _table_html(measures, list(measures.columns)) if len(measures) else "<p>none</p>"
    }"""
    return html_text, pages


def write_participant_report(
    visit_measures: pd.DataFrame,
    participant_id: str,
    out_dir: Path,
    *,
    schedule: StudySchedule | None = None,
    reliability_rows: pd.DataFrame | None = None,
    trajectories: pd.DataFrame | None = None,
    home_daily: pd.DataFrame | None = None,
    min_worn_hours: float | None = None,
) -> Path:
    """Write ``<out_dir>/<participant>/report.html``, ``report.pdf`` and their PNGs; return the
    HTML path. ``schedule`` names missing visits; ``reliability_rows`` give the MDC bands;
    ``trajectories`` the participant's slopes. ``home_daily`` (the ``daily`` table of
    :class:`alsmotion.home.study.HomeTables`, any participants) adds a home section when the
    participant has home days: the days across the study (``min_worn_hours``: the valid-day
    minimum drawn) and the ``home_gait`` rows as tables; those rows are left out of the other
    tables."""
    every_row = visit_measures[visit_measures["participant_id"] == participant_id].copy()
    every_row[["muscle", "side", "flags"]] = every_row[["muscle", "side", "flags"]].fillna("")
    at_home = every_row["domain"] == HOME_DOMAIN
    rows = every_row[~at_home]
    folder = out_dir / participant_id
    missing = missing_visits(rows, schedule)
    mdc = _mdc_lookup(reliability_rows)
    sections, figures = [], []
    for stem, title, unit, series in _plot_groups(rows, mdc):
        png = figure_png(series_figure(series, title, unit, missing))
        figures.append(_image_page(png))
        name = f"{stem}.png"
        atomic_write_bytes(folder / name, png)
        sections.append(
            f'<h2>{html.escape(title)}</h2><img src="{name}" alt="{html.escape(title)}">'
        )
    own_days = (
        None if home_daily is None else home_daily[home_daily["participant_id"] == participant_id]
    )
    if own_days is not None and len(own_days):
        section, pages = _home_section(
            own_days,
            every_row[at_home],
            rows,
            min_worn_hours,
            folder,
            (schedule or StudySchedule.default()).baseline.name,
        )
        sections.append(section)
        figures.extend(pages)
    else:  # home days gone since the last export: no plot left behind
        (folder / "home_days.png").unlink(missing_ok=True)
    absent = _missing_table(rows, missing)
    readable = _in_words(rows)
    flagged = readable[rows["flags"] != ""]
    slopes = ""
    if trajectories is not None and len(trajectories):
        own = trajectories[
            (trajectories["participant_id"] == participant_id)
            & trajectories["analysis"].str.startswith("participant_slope")
        ].copy()
        own["measure"] = [
            readable_measure(m, mu, s)
            for m, mu, s in zip(
                own["measure"], own["muscle"].fillna(""), own["side"].fillna(""), strict=True
            )
        ]
        own["flags"] = own["flags"].fillna("").map(flag_sentences)
        slopes = "<h2>Slopes over the visits (least squares, 95 % CI)</h2>" + _table_html(
            own,
            ["analysis", "measure", "estimate", "ci_low", "ci_high", "estimate_unit", "n", "flags"],
            floats=("estimate", "ci_low", "ci_high"),
        )
        figures.append(
            _text_page(
                f"{participant_id}: slopes per month",
                own[["measure", "estimate", "ci_low", "ci_high", "estimate_unit", "n"]],
            )
        )
    figures.insert(
        0,
        _text_page(
            f"alsmotion report: participant {participant_id}\n"
            f"{_provenance_text(every_row, hash_chars=16)}\n\nMissing and not performed",
            absent,
        ),
    )
    atomic_write_bytes(folder / "report.pdf", _pdf(figures))
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>alsmotion report {html.escape(participant_id)}</title>
{_STYLE}</head>
<body><h1>Participant {html.escape(participant_id)}</h1>
{_provenance(every_row)}
<p>Measures per visit with change from baseline. Flags: out_of_window, duplicate, unscheduled,
not_recorded, cannot_perform and the analysis quality flags. Flagged visits are named in red on the
plots. The same figures are in <a href="report.pdf">report.pdf</a>.</p>
{_LEGEND}
<h2>Missing and not performed ({len(absent)})</h2>{
        _table_html(absent, list(absent.columns)) if len(absent) else "<p>none</p>"
    }
{"".join(sections)}
{slopes}
<h2>Flagged values ({len(flagged)})</h2>{
        _table_html(flagged, _MEASURE_TABLE, ("value", "change_from_baseline"))
        if len(flagged)
        else "<p>none</p>"
    }
<h2>All measures</h2>{_table_html(readable, _MEASURE_TABLE, ("value", "change_from_baseline"))}
</body></html>
"""
    return atomic_write_text(folder / "report.html", document)


#: Measures the cohort report plots, one line per participant: (measure, muscle, side).
COHORT_PLOTS = (
    ("10MWT_walk_speed_mps", "", ""),
    ("2MWT_gait_speed_mps", "", ""),
    ("2MWT_stride_time_cv_pct", "", ""),
    ("HHD_make_peak_force_n", "knee_extension", "right"),
    ("HHD_make_peak_force_n", "knee_extension", "left"),
    ("HHD_make_peak_force_n", "elbow_flexion", "right"),
    ("HHD_make_peak_force_n", "elbow_flexion", "left"),
)


def _with_ci(frame: pd.DataFrame, value: str, low: str, high: str) -> pd.Series:
    return pd.Series(
        [
            "" if pd.isna(v) else f"{v:.4g}" + ("" if pd.isna(a) else f" ({a:.4g} to {b:.4g})")
            for v, a, b in zip(frame[value], frame[low], frame[high], strict=True)
        ],
        index=frame.index,
    )


def _readable(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [
            readable_measure(m, mu, s if s in ("left", "right") else "")
            for m, mu, s in zip(
                frame["measure"], frame["muscle"].fillna(""), frame["side"].fillna(""), strict=True
            )
        ],
        index=frame.index,
    )


def cohort_tables(
    reliability_rows: pd.DataFrame, trajectories: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The cohort report's tables, readable: reliability, cohort slopes, responders, left/right."""
    reliability_view = pd.DataFrame(
        {
            "measure": _readable(reliability_rows),
            "source": reliability_rows["source"],
            "units x trials": [
                f"{n} x {k}"
                for n, k in zip(
                    reliability_rows["n_units"], reliability_rows["k_trials"], strict=True
                )
            ],
            "ICC(2,1) (95 % CI)": _with_ci(reliability_rows, "icc", "icc_ci_low", "icc_ci_high"),
            "SEM": _with_ci(reliability_rows, "sem", "sem_ci_low", "sem_ci_high"),
            "MDC95": _with_ci(reliability_rows, "mdc95", "mdc95_ci_low", "mdc95_ci_high"),
            "CV %": _with_ci(reliability_rows, "cv_pct", "cv_pct_ci_low", "cv_pct_ci_high"),
            "unit": reliability_rows["unit"],
        }
    )
    cohort = trajectories[trajectories["analysis"].str.startswith("cohort_slope")]
    slopes_view = pd.DataFrame(
        {
            "measure": _readable(cohort),
            "analysis": cohort["analysis"],
            "mean slope (95 % CI)": _with_ci(cohort, "estimate", "ci_low", "ci_high"),
            "unit": cohort["estimate_unit"],
            "n values": cohort["n"],
            "flags": cohort["flags"].fillna("").map(flag_sentences),
        }
    )
    changes = trajectories[trajectories["analysis"] == "change_from_baseline"].copy()
    changes["measure_text"] = _readable(changes)
    responders = (
        changes[changes["responder"] != ""]
        .groupby(["measure_text", "visit_day", "visit"], sort=True)["responder"]
        .agg(lambda r: f"{int((r == 'true').sum())} of {len(r)}")
        .reset_index()
        .rename(columns={"measure_text": "measure", "responder": "change beyond MDC95"})
        .drop(columns="visit_day")
    )
    pairs = trajectories[trajectories["analysis"] == "left_minus_right"]
    left_right = pd.DataFrame(
        {
            "measure": _readable(pairs.assign(side="")),
            "visit": pairs["visit"],
            "left - right (95 % CI)": _with_ci(pairs, "estimate", "ci_low", "ci_high"),
            "unit": pairs["estimate_unit"],
            "pairs": pairs["n"],
            "p": pairs["p_value"].map(lambda p: "" if pd.isna(p) else f"{p:.3g}"),
        }
    )
    return {
        "reliability": reliability_view,
        "cohort_slopes": slopes_view,
        "responders": responders,
        "left_right": left_right,
    }


def write_cohort_report(
    visit_measures: pd.DataFrame,
    reliability_rows: pd.DataFrame,
    trajectories: pd.DataFrame,
    out_dir: Path,
) -> Path:
    """Write ``<out_dir>/cohort/report.html``, ``report.pdf`` and PNGs: every participant's
    headline measures over the visits, reliability, slopes, responders, left/right; return the
    HTML path."""
    rows = visit_measures.copy()
    rows[["muscle", "side", "flags"]] = rows[["muscle", "side", "flags"]].fillna("")
    folder = out_dir / "cohort"
    mdc = _mdc_lookup(reliability_rows)
    sections, figures = [], []
    for measure, muscle, side in COHORT_PLOTS:
        chosen = rows[
            (rows["measure"] == measure) & (rows["muscle"] == muscle) & (rows["side"] == side)
        ]
        if not chosen["value"].notna().any():
            continue
        threshold = mdc.get((measure, muscle, side), np.nan)
        series = [
            Series(str(participant), part, threshold if index == 0 else np.nan)
            for index, (participant, part) in enumerate(chosen.groupby("participant_id"))
        ]
        title = readable_measure(measure, muscle, side)
        unit = str(chosen["unit"].iloc[0])
        png = figure_png(series_figure(series, title, unit, []))
        figures.append(_image_page(png))
        name = "_".join(part for part in (measure, muscle, side) if part) + ".png"
        atomic_write_bytes(folder / name, png)
        sections.append(
            f'<h3>{html.escape(title)}</h3><img src="{name}" alt="{html.escape(title)}">'
        )
    tables = cohort_tables(reliability_rows, trajectories)
    # a visit without a home window is one line, not one per home measure
    at_home = rows["domain"] == HOME_DOMAIN
    no_window = rows[at_home & rows["value"].isna()].drop_duplicates(["participant_id", "visit"])
    listed = pd.concat(
        [rows[~at_home], no_window.assign(measure=f"{HOME_TEST}_all_measures")], ignore_index=True
    )
    absent = _missing_table(listed, [])
    absent.insert(0, "participant", listed.loc[listed["value"].isna(), "participant_id"].to_numpy())
    for title, frame in (
        ("Missing and not performed", absent),
        *((key.replace("_", " "), frame) for key, frame in tables.items()),
    ):
        figures.append(
            _text_page(
                f"alsmotion cohort report: {title}\n{_provenance_text(rows, hash_chars=16)}", frame
            )
        )
    atomic_write_bytes(folder / "report.pdf", _pdf(figures))

    def table(frame: pd.DataFrame) -> str:
        return _table_html(frame, list(frame.columns)) if len(frame) else "<p>none</p>"

    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>alsmotion cohort report</title>
{_STYLE}</head>
<body><h1>Cohort report: {rows["participant_id"].nunique()} participants</h1>
{_provenance(rows)}
<p>The same figures and tables are in <a href="report.pdf">report.pdf</a>; the numbers in
reliability.csv and trajectories.csv.</p>
{_LEGEND}
<h2>Missing and not performed ({len(absent)})</h2>{table(absent)}
<h2>Measures over the visits</h2>{"".join(sections)}
<h2>Reliability from repeated trials within a visit</h2>
<p>ICC(2,1): two-way random effects, absolute agreement, single trial (McGraw &amp; Wong 1996
intervals); SEM = sqrt(trial + residual variance), MDC95 = 1.96 x sqrt(2) x SEM, both for a
single trial, with bootstrap intervals over units (participant-visits); CV: root mean square of
the units' between-trial CVs.</p>{table(tables["reliability"])}
<h2>Cohort mean slopes</h2><p>Linear mixed model (random intercept and slope per participant,
REML, statsmodels); Wald 95 % intervals on the t distribution with participants - 1 degrees of
freedom. A flagged fit (not converged, on the boundary) is not to
be relied on.</p>{table(tables["cohort_slopes"])}
<h2>Change from baseline beyond MDC95 (responders)</h2>{table(tables["responders"])}
<h2>Left - right (paired, per visit)</h2>{table(tables["left_right"])}
</body></html>
"""
    return atomic_write_text(folder / "report.html", document)
