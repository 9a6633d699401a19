"""Per-participant HTML reports with PNG plots: gait speed, stride-time CV and strength per
muscle across visits, with change from baseline and quality flags.

matplotlib is imported only here (figures drawn off-screen, without pyplot). PNGs carry no
software/date metadata so reruns give identical files.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from alsmotion.atomicio import atomic_write_bytes, atomic_write_text

#: Measures plotted, by suffix of the export measure name: (suffix, title, unit).
_GAIT_PLOTS = (
    ("_walk_speed_mps", "Walk speed (distance / time)", "m/s"),
    ("_gait_speed_mps", "IMU gait speed", "m/s"),
    ("_stride_time_cv_pct", "Stride-time CV", "%"),
)
_STRENGTH_PLOT = ("_peak_force_n", "Peak force", "N")
#: Visit-level strength measures plotted: (measure name, line label column, title, unit).
_STRENGTH_SUMMARY_PLOTS = (
    ("HHD_megascore_z", "measure", "Strength megascore (mean z over muscles)", "z"),
    ("HHD_make_asymmetry_pct", "muscle", "Left/right asymmetry, make tests", "%"),
    ("HHD_make_pct_predicted", "muscle", "Percent of predicted, make tests", "%"),
)


def _figure_png(draw: Any) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.6), dpi=100)
    axes = figure.subplots()
    draw(axes)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _plot_lines(rows: pd.DataFrame, label_columns: list[str], title: str, unit: str) -> bytes:
    def draw(axes: Any) -> None:
        for label, group in rows.groupby(label_columns, sort=True):
            group = group.sort_values("visit_day")
            name = " ".join(str(part) for part in (label if isinstance(label, tuple) else (label,)))
            axes.plot(group["visit_day"], group["value"], marker="o", label=name)
            flagged = group[group["flags"].str.contains("out_of_window|duplicate")]
            for _, point in flagged.iterrows():
                note = "out of window" if "out_of_window" in point["flags"] else "duplicate"
                axes.annotate(note, (point["visit_day"], point["value"]), color="red", fontsize=7)
        axes.set_xlabel("days after baseline")
        axes.set_ylabel(f"{title} ({unit})")
        axes.set_title(title)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=7)

    return _figure_png(draw)


def _table_html(rows: pd.DataFrame) -> str:
    columns = [
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
    shown = rows[columns].copy()
    for name in ("value", "change_from_baseline"):
        shown[name] = shown[name].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return shown.to_html(index=False, escape=True, border=0, classes="measures")


def write_participant_report(
    visit_measures: pd.DataFrame, participant_id: str, out_dir: Path
) -> Path:
    """Write ``<out_dir>/<participant>/report.html`` and its PNGs; return the HTML path."""
    rows = visit_measures[visit_measures["participant_id"] == participant_id]
    folder = out_dir / participant_id
    sections = []
    for suffix, title, unit in _GAIT_PLOTS:
        selected = rows[rows["measure"].str.endswith(suffix) & rows["value"].notna()].copy()
        if selected.empty:
            continue
        selected["test"] = selected["measure"].str.removesuffix(suffix)
        name = f"gait{suffix}.png"
        atomic_write_bytes(folder / name, _plot_lines(selected, ["test"], title, unit))
        sections.append(
            f'<h2>{html.escape(title)}</h2><img src="{name}" alt="{html.escape(title)}">'
        )
    suffix, title, unit = _STRENGTH_PLOT
    strength = rows[rows["measure"].str.endswith(suffix) & rows["value"].notna()]
    for muscle, group in strength.groupby("muscle", sort=True):
        name = f"strength_{muscle}.png"
        plot_title = f"{title}: {str(muscle).replace('_', ' ')}"
        group = group.assign(
            method=group["measure"].str.removeprefix("HHD_").str.removesuffix(suffix)
        )
        atomic_write_bytes(folder / name, _plot_lines(group, ["side", "method"], plot_title, unit))
        sections.append(
            f'<h2>{html.escape(plot_title)}</h2><img src="{name}" alt="{html.escape(plot_title)}">'
        )
    for measure, label, title, unit in _STRENGTH_SUMMARY_PLOTS:
        selected = rows[(rows["measure"] == measure) & rows["value"].notna()]
        if selected.empty:
            continue
        columns = [label] if label == "measure" else [label, "side"]
        name = f"{measure}.png"
        atomic_write_bytes(folder / name, _plot_lines(selected, columns, title, unit))
        sections.append(
            f'<h2>{html.escape(title)}</h2><img src="{name}" alt="{html.escape(title)}">'
        )
    flagged = rows[rows["flags"] != ""]
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>alsmotion report {html.escape(participant_id)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;font-size:12px}}
td,th{{padding:2px 6px;border-bottom:1px solid #ddd}} img{{max-width:640px}}</style></head>
<body><h1>Participant {html.escape(participant_id)}</h1>
<p>Measures per visit with change from baseline. Flags: out_of_window, duplicate, unscheduled,
not_recorded, cannot_perform and the analysis quality flags. Flagged visits are named in red on the plots.</p>
{"".join(sections)}
<h2>Flagged values ({len(flagged)})</h2>{_table_html(flagged) if len(flagged) else "<p>none</p>"}
<h2>All measures</h2>{_table_html(rows)}
</body></html>
"""
    return atomic_write_text(folder / "report.html", document)
