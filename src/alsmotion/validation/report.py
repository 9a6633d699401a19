"""``alsmotion validate``: the validation report a trial can file.

:func:`build_validation` runs every algorithm on the reference recordings it finds (the shared
recordings, or a site's own with the same layout) through :func:`alsmotion.validation.validate_gait`
(the code the validation tests run, so the figures are the same), adds agreement figures and
Bland-Altman data per measure, the strength analysis against simulated truth, and site reference
sessions (stopwatch or walkway values stored with a trial, see
:mod:`alsmotion.validation.site_reference`). :func:`write_validation` writes ``validation.json``
and a self-contained ``validation.html`` (plots embedded), each sealed with the SHA-256 of its own
content (:mod:`alsmotion.validation.seal`; ``alsmotion verify-report FILE`` checks it).

Bland-Altman pairs of the gait measures come from the pipeline run with the settings as shipped
(in-sample); where a constant of those settings was fitted to data
(:data:`alsmotion.validation.DATA_FITTED_SETTINGS`) the leave-one-participant-out figures are in
the figure tables and are the ones to quote.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion._version import __version__
from alsmotion.atomicio import atomic_write_text
from alsmotion.gait import GaitSettings
from alsmotion.processing import ALGORITHM_VERSION
from alsmotion.stats.agreement import agreement
from alsmotion.strength.settings import TrialSettings
from alsmotion.validation.gait import (
    ACCEL_ONLY,
    IN_SAMPLE,
    LEFT_OUT,
    WITH_GYRO,
    records_frame,
    run_recording,
    validate_gait,
)
from alsmotion.validation.gait_metrics import (
    bout_speed_errors,
    match_strides,
    reference_steady_cv_pct,
)
from alsmotion.validation.reference_data import find_shared_data, iter_reference_recordings
from alsmotion.validation.seal import PLACEHOLDER, seal_html, seal_json

#: Readable names of the Bland-Altman measures.
MEASURE_LABELS = {
    "stride_time_s": "Stride time (s), per matched stride",
    "gait_speed_mps": "Gait speed (m/s), per reference walking bout",
    "stride_time_cv_pct": "Stride-time CV (%), per recording",
    "peak_force_n": "Peak force (N), per simulated trial",
    "time_to_peak_s": "Time to peak (s), per simulated trial",
    "impulse_ns": "Impulse (N s), per simulated trial",
    "site_gait_speed_mps": "Gait speed (m/s), IMU vs site reference, per walk",
}
_UNITS = {
    "stride_time_s": "s",
    "gait_speed_mps": "m/s",
    "stride_time_cv_pct": "%",
    "site_gait_speed_mps": "m/s",
}


def data_files(folder: Path, datasets: Sequence[str] | None) -> list[dict[str, Any]]:
    """SHA-256 and size of every file under the datasets' folders, by path relative to ``folder``."""
    names = datasets or sorted(p.name for p in folder.iterdir() if p.is_dir())
    rows = []
    for name in names:
        root = folder / name
        if not root.is_dir():
            continue
        for file in sorted(p for p in root.rglob("*") if p.is_file()):
            digest = hashlib.sha256()
            with file.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            rows.append(
                {
                    "path": file.relative_to(folder).as_posix(),
                    "bytes": file.stat().st_size,
                    "sha256": digest.hexdigest(),
                }
            )
    return rows


def machine() -> dict[str, Any]:
    """The machine and the numerical libraries the figures were computed with."""
    import scipy

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


def gait_pairs(
    data_dir: Path,
    settings: GaitSettings,
    datasets: tuple[str, ...] | None,
    *,
    progress: bool = False,
) -> pd.DataFrame:
    """Measured/reference pairs of the gait measures (gyroscope used where there is one)."""
    rows = []
    recordings = iter_reference_recordings(data_dir, datasets=datasets)
    if progress:
        from tqdm import tqdm

        recordings = tqdm(recordings, desc="Bland-Altman pairs", unit="recording")
    for recording in recordings:
        sensors = WITH_GYRO if recording.gyro_rads is not None else ACCEL_ONLY
        run = run_recording(recording, settings, sensors=sensors)
        pairs = match_strides(recording.strides, run.result.strides, tolerance_s=0.15)
        for measured, reference in zip(
            pairs["det_stride_time_s"], pairs["ref_stride_time_s"], strict=True
        ):
            rows.append(("stride_time_s", recording.name, measured, reference))
        bouts = bout_speed_errors(recording.bouts, run.result.strides)
        for bout in bouts[bouts["n_strides"] > 0].to_dict("records"):
            rows.append(
                ("gait_speed_mps", recording.name, bout["speed_mps"], bout["reference_speed_mps"])
            )
        cv_reference, _ = reference_steady_cv_pct(recording.strides)
        rows.append(
            (
                "stride_time_cv_pct",
                recording.name,
                run.result.summary.stride_time_cv_pct,
                cv_reference,
            )
        )
    frame = pd.DataFrame(rows, columns=["measure", "recording", "measured", "reference"])
    frame.insert(1, "unit", frame["measure"].map(_UNITS))
    return frame


def _agreement_rows(pairs: pd.DataFrame, source: str) -> list[dict[str, Any]]:
    rows = []
    for measure, group in pairs.groupby("measure", sort=False):
        figures = agreement(group["measured"].to_numpy(), group["reference"].to_numpy())
        rows.append(
            {
                "measure": measure,
                "label": MEASURE_LABELS.get(str(measure), str(measure)),
                "unit": group["unit"].iloc[0],
                "source": source,
                **figures.to_dict(),
                "pairs": group[["recording", "measured", "reference"]].to_dict("records"),
            }
        )
    return rows


def build_validation(
    data_dir: str | Path | None = None,
    *,
    datasets: tuple[str, ...] | None = None,
    sessions_dir: str | Path | None = None,
    strength_trials: int = 80,
    progress: bool = False,
) -> dict[str, Any]:
    """Everything the report holds, as a JSON-able dict (see the module)."""
    folder = find_shared_data(data_dir)
    settings = GaitSettings()
    records = records_frame(
        validate_gait(folder, settings=settings, datasets=datasets, progress=progress)
    )
    agreements = _agreement_rows(
        gait_pairs(folder, settings, datasets, progress=progress), "reference recordings, in-sample"
    )
    if strength_trials:
        from alsmotion.validation.strength_simulated import strength_pairs

        agreements += _agreement_rows(
            strength_pairs(strength_trials), "simulated make tests (known truth)"
        )
    site: dict[str, Any] = {}
    if sessions_dir is not None:
        from alsmotion.validation.site_reference import site_reference_pairs

        site_pairs = site_reference_pairs(sessions_dir)
        site = {"sessions_dir": str(sessions_dir), "n_walks": len(site_pairs)}
        if len(site_pairs):
            agreements += _agreement_rows(site_pairs, "site reference sessions")
    strength_settings = TrialSettings()
    return {
        "report": "alsmotion validation",
        "software_version": __version__,
        "algorithm_version": ALGORITHM_VERSION,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "gait": settings.to_dict(),
            "gait_settings_hash": settings.settings_hash,
            "strength_trial": strength_settings.to_dict(),
            "strength_trial_settings_hash": strength_settings.settings_hash,
        },
        "data_dir": str(folder),
        "data_files": data_files(folder, datasets),
        "figures": records.to_dict("records"),
        "agreement": agreements,
        "site_reference": site,
    }


def _bland_altman_png(row: dict[str, Any]) -> bytes:
    from matplotlib.figure import Figure

    pairs = pd.DataFrame(row["pairs"]).dropna()
    figure = Figure(figsize=(6.0, 3.6), dpi=100, layout="constrained")
    axes = figure.subplots()
    mean = (pairs["measured"] + pairs["reference"]) / 2.0
    difference = pairs["measured"] - pairs["reference"]
    # one colour per dataset (``<dataset>/<recording>``), else one for the source
    groups = pairs["recording"].map(
        lambda name: name.split("/")[0] if "/" in name else row["source"]
    )
    for name in sorted(groups.unique()):
        chosen = groups == name
        axes.scatter(mean[chosen], difference[chosen], s=10, alpha=0.6, label=name)
    unit = row["unit"]
    for value, style, text in (
        (row["bias"], "-", "bias"),
        (row["loa_low"], "--", "bias - 1.96 SD"),
        (row["loa_high"], ":", "bias + 1.96 SD"),
    ):
        if value is not None and np.isfinite(value):
            axes.axhline(
                value, color="black", linestyle=style, linewidth=1, label=f"{text} {value:.3g}"
            )
    axes.set_xlabel(f"mean of method and reference ({unit})")
    axes.set_ylabel(f"method - reference ({unit})")
    axes.set_title(row["label"], fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else html.escape(str(value))


def _figure_table(figures: pd.DataFrame) -> str:
    if figures.empty:
        return "<p>none</p>"
    keys = ["recording", "reference", "sensors", "measure", "metric", "unit"]
    # One row per figure that exists (a pivot_table with dropna=False would make every
    # combination of the keys: 226,000 rows of n/a for 3,300 figures).
    wide = (
        figures.groupby([*keys, "evaluation"], dropna=False, sort=False)["value"]
        .first()
        .unstack("evaluation")
    )
    counts = figures[figures["evaluation"] == IN_SAMPLE].set_index(keys)["n"]
    wide = wide.reindex(columns=[IN_SAMPLE, LEFT_OUT]).reset_index()
    wide.columns.name = None
    wide["n"] = [counts.get(tuple(row[k] for k in keys), "") for row in wide.to_dict("records")]
    for column in (IN_SAMPLE, LEFT_OUT):
        wide[column] = wide[column].map(_number)
    return wide.to_html(index=False, escape=True, border=0, classes="figures")


def render_html(content: dict[str, Any], json_sha256: str) -> str:
    """The HTML report of :func:`build_validation`'s ``content`` (unsealed: holds the placeholder)."""
    esc = html.escape
    figures = pd.DataFrame(content["figures"])
    pooled = figures[figures["participant"] == "all"]
    sections = []
    for row in content["agreement"]:
        png = base64.b64encode(_bland_altman_png(row)).decode("ascii")
        icc_low, icc_high = row["icc_2_1_ci"]
        sections.append(
            f"<h3>{esc(row['label'])}</h3><p>{esc(row['source'])}: n = {row['n']}, "
            f"MAE {_number(row['mae'])} {esc(row['unit'])}, bias {_number(row['bias'])}, "
            f"95 % limits of agreement {_number(row['loa_low'])} to {_number(row['loa_high'])} "
            f"{esc(row['unit'])}, ICC(2,1) {_number(row['icc_2_1'])} "
            f"(95 % CI {_number(icc_low)} to {_number(icc_high)})</p>"
            f'<img alt="Bland-Altman plot: {esc(row["label"])}" '
            f'src="data:image/png;base64,{png}">'
        )
    settings = content["settings"]
    files = pd.DataFrame(content["data_files"])
    machine_rows = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in content["machine"].items()
    )
    site = content["site_reference"]
    site_text = (
        f"<p>{site['n_walks']} walks with a site reference value from {esc(site['sessions_dir'])}"
        " (agreement above).</p>"
        if site
        else "<p>No site reference sessions given (<code>--sessions DIR</code>).</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="alsmotion-report-sha256" content="{PLACEHOLDER}">
<title>alsmotion validation report</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse;font-size:12px}} td,th{{padding:2px 6px;border-bottom:1px solid #ddd;
text-align:left}} img{{max-width:640px;display:block}}</style></head>
<body><h1>alsmotion validation report</h1>
<table>
<tr><th>software version</th><td>alsmotion {esc(content["software_version"])}</td></tr>
<tr><th>algorithm version</th><td>{esc(content["algorithm_version"])}</td></tr>
<tr><th>gait settings SHA-256</th><td>{esc(settings["gait_settings_hash"])}</td></tr>
<tr><th>strength settings hash</th><td>{esc(settings["strength_trial_settings_hash"])}</td></tr>
<tr><th>created (UTC)</th><td>{esc(content["created_utc"])}</td></tr>
<tr><th>reference data</th><td>{esc(content["data_dir"])} ({len(files)} files)</td></tr>
<tr><th>validation.json SHA-256</th><td>{json_sha256}</td></tr>
</table>
<p>Figures marked <em>in-sample</em> use the settings as shipped, some of whose constants were chosen
on these recordings; <em>left-out</em> figures re-fit every data-fitted constant without the
participant scored (leave-one-participant-out) and are the ones to quote.</p>
<h2>Agreement and Bland-Altman plots</h2>{"".join(sections)}
<h2>Site reference runs</h2>{site_text}
<h2>Figures per dataset</h2>{_figure_table(pooled)}
<h2>Figures per recording</h2><details><summary>{len(figures)} figures</summary>
{_figure_table(figures[figures["participant"] != "all"])}</details>
<h2>Settings</h2><details><summary>gait and strength settings</summary>
<pre>{esc(str(settings["gait"]))}</pre><pre>{esc(str(settings["strength_trial"]))}</pre></details>
<h2>Machine</h2><table>{machine_rows}</table>
<h2>Data files (SHA-256)</h2><details><summary>{len(files)} files</summary>
{files.to_html(index=False, border=0) if len(files) else "<p>none</p>"}</details>
<footer><p>Report SHA-256: {PLACEHOLDER} (check with <code>alsmotion verify-report
validation.html</code>; any edit to this file changes it).</p></footer>
</body></html>
"""


def write_validation(content: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write sealed ``validation.json`` and ``validation.html`` into ``out_dir``."""
    out = Path(out_dir)
    json_text = seal_json(content)
    json_sha256 = hashlib.sha256(json_text.encode("utf-8")).hexdigest()
    return {
        "json": atomic_write_text(out / "validation.json", json_text),
        "html": atomic_write_text(
            out / "validation.html", seal_html(render_html(content, json_sha256))
        ),
    }
