"""The trial part of ``alsmotion demo``: simulate a small trial through the native session format,
process it, and write the per-visit exports, reliability and trajectories, the participant and
cohort reports and a BIDS copy of the raw streams."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from alsmotion.errors import AlsmotionError

if TYPE_CHECKING:
    from alsmotion.simulate.trial import SimulatedTrial

DEMO_TRIAL_SEED = 7
#: The demo's processing settings, written beside its outputs for ``alsmotion process --settings``.
DEMO_SETTINGS_FILE = "processing-settings.json"

#: Flags shown in the summary (about the visit or the test, not the analysis details).
_VISIT_FLAGS = (
    "out_of_window",
    "duplicate",
    "unscheduled",
    "not_recorded",
    "cannot_perform",
    "no_accepted_trial",
)
_SHOWN = (
    ("10MWT_walk_speed_mps", "", "", "10MWT m/s"),
    ("2MWT_stride_time_cv_pct", "", "", "2MWT CV %"),
    ("HHD_make_peak_force_n", "knee_extension", "right", "knee ext R N"),
    ("HHD_make_pct_predicted", "knee_extension", "right", "knee ext R %pred"),
    ("HHD_megascore_z", "", "", "megascore z"),
    ("HOME_stride_velocity_p95_mps", "", "", "home SV95 m/s"),
)


def summary_table(visit_measures: pd.DataFrame) -> pd.DataFrame:
    """Participant x visit rows with a few headline measures, change from baseline and flags."""
    rows = []
    for (participant, day, visit), group in visit_measures.groupby(
        ["participant_id", "visit_day", "visit"], sort=True
    ):
        row: dict[str, object] = {"participant": participant, "visit": visit, "day": day}
        for measure, muscle, side, label in _SHOWN:
            match = group[
                (group["measure"] == measure)
                & (group["muscle"] == muscle)
                & (group["side"] == side)
            ]
            if match.empty or pd.isna(match["value"].iloc[0]):
                row[label] = "-"
                continue
            value, change = match["value"].iloc[0], match["change_from_baseline"].iloc[0]
            row[label] = f"{value:.2f} ({change:+.2f})" if visit != "baseline" else f"{value:.2f}"
        # home windows missing at visits without a home period are not visit problems
        clinic = group[group["domain"] != "home_gait"]
        flags = sorted(
            {
                flag.split(":")[0]
                for text in clinic["flags"]
                for flag in str(text).split(";")
                if flag.split(":")[0] in _VISIT_FLAGS
            }
        )
        row["flags"] = ",".join(flags) or "-"
        rows.append(row)
    return pd.DataFrame(rows)


def run_trial_demo(out: Path, *, n_participants: int) -> SimulatedTrial:
    """Simulate, process and export the demo trial into ``out``; print a summary; return the
    simulated trial (its sessions and truth)."""
    from tqdm import tqdm

    from alsmotion.cli._home_demo import (
        HOME_HOURS,
        HOME_RATE_HZ,
        HOME_VISITS,
        analyze_home_sessions,
        write_home_outputs,
        write_home_sessions,
    )
    from alsmotion.export import write_exports
    from alsmotion.export.bids import export_bids
    from alsmotion.processing import ProcessingSettings, process_session
    from alsmotion.processing.strength_trials import HARBO_2012
    from alsmotion.simulate.trial import simulate_trial

    started = time.perf_counter()
    raw = out / "raw"
    clear_simulated_sessions(raw)
    print(
        f"\nSimulating a trial of {n_participants} participants x 4 visits into {raw}/ ...",
        flush=True,
    )
    trial = simulate_trial(raw, n_participants=n_participants, seed=DEMO_TRIAL_SEED)
    # Body mass, age, sex and lever arms are in each session's metadata; % predicted uses the
    # Harbo 2012 example equations, the megascore the cohort's baseline visits.
    settings = ProcessingSettings(strength_normative=HARBO_2012)
    out.mkdir(parents=True, exist_ok=True)
    settings_file = out / DEMO_SETTINGS_FILE
    settings_file.write_text(settings.to_json() + "\n", encoding="utf-8")
    sessions = tqdm(trial.session_paths, desc="processing", unit="session")
    results = [process_session(path, settings) for path in sessions]
    print(
        f"Simulating a home morning ({HOME_HOURS:g} h at {HOME_RATE_HZ:g} Hz) after the "
        f"{' and '.join(HOME_VISITS)} visits of each participant into {raw}/, and analysing "
        "these home sessions as alsmotion process does ...",
        flush=True,
    )
    home_truth = write_home_sessions(raw, results, trial.truth)
    home = analyze_home_sessions(raw)
    home_files = write_home_outputs(home, out, results)
    print(f"Writing the exports and reports into {out / 'exports'}/ ...", flush=True)
    exports = write_exports(results, out / "exports", progress=True, statistics=True, home=home)
    print(f"Writing the BIDS copy of the raw streams into {out / 'bids'}/ ...", flush=True)
    bids = export_bids(trial.session_paths, out / "bids")
    visit_measures = pd.read_csv(
        exports["visit_measures_csv"], keep_default_na=False, na_values=[""]
    )
    visit_measures[["muscle", "side", "flags"]] = visit_measures[
        ["muscle", "side", "flags"]
    ].fillna("")
    site = _site_reference(trial, results, out / "exports")
    elapsed_s = time.perf_counter() - started
    print()
    print(
        f"Simulated trial: {n_participants} participants x 4 visits "
        f"({len(trial.session_paths)} sessions), simulated, processed and exported in "
        f"{elapsed_s:.1f} s"
    )
    print("value (change from baseline)")
    print(summary_table(visit_measures).to_string(index=False))
    print()
    print(_home_comparison(home.daily, home_truth))
    print()
    print(f"raw sessions:       {raw}/")
    print(f"per-visit measures: {exports['visit_measures_csv']} (+ .parquet, wide summary)")
    print(f"SDTM FT / MK:       {exports['sdtm_ft'].parent}/ (with data_dictionary.csv)")
    print(f"reports:            {out / 'exports' / 'reports'}/<participant>/report.html (+ .pdf)")
    print(f"cohort report:      {exports['report_cohort']} (+ .pdf)")
    print(f"statistics:         {exports['reliability']}, {exports['trajectories']}")
    print(f"site reference:     {site}")
    print(f"                    (alsmotion validate --sessions {raw} --out DIR adds them to the")
    print("                    validation report with a Bland-Altman plot)")
    print(f"BIDS motion:        {out / 'bids'}/ ({len(bids)} files)")
    print(f"home days:          {home_files[0]}, bouts.csv, plots/ (home_gait rows in the exports)")
    print(f"reprocess it all:   alsmotion process {raw} --settings {settings_file} --out DIR")
    print("                    (the same visit_measures.csv, home/daily.csv and bouts.csv,")
    print("                    from the raw sessions)")
    print(f"verify a session:   alsmotion verify {trial.session_paths[0]}")
    return trial


def _home_comparison(daily: pd.DataFrame, truth: pd.DataFrame) -> str:
    """Measured against simulated walking time of every home morning, as a small table."""
    both = daily.merge(truth, on=["participant_id", "measurement_date"], suffixes=("", "_true"))
    lines = ["home mornings: walking min and worn h, measured (simulated), valid day"]
    for row in both.itertuples(index=False):
        lines.append(
            f"  {row.participant_id} after {row.visit:<9} {row.walking_min:6.1f} "
            f"({row.walking_min_true:5.1f})  {row.worn_h:5.1f} ({row.worn_h_true:4.1f}) h  "
            f"{bool(row.valid_day)}"
        )
    return "\n".join(lines)


def _site_reference(trial: SimulatedTrial, results: list, exports: Path) -> str:
    """The stopwatch values stored with the 10-metre walks against the IMU: write the pairs
    to ``site_reference_pairs.csv`` and return a one-line summary."""
    from alsmotion.export.tables import write_csv
    from alsmotion.session import Session
    from alsmotion.stats.agreement import agreement
    from alsmotion.validation.site_reference import pairs_of

    pairs = pairs_of(
        (Session.open(path), result)
        for path, result in zip(trial.session_paths, results, strict=True)
    )
    path = write_csv(pairs, exports / "site_reference_pairs.csv")
    figures = agreement(pairs["measured"].to_numpy(), pairs["reference"].to_numpy())
    return (
        f"IMU vs stopwatch 10MWT speed, {figures.n} walks: bias {figures.bias:+.3f} m/s, "
        f"95 % limits {figures.loa_low:+.3f} to {figures.loa_high:+.3f} m/s ({path.name})"
    )


def clear_simulated_sessions(raw: Path) -> None:
    """Remove an earlier demo's sessions so the demo can rerun; refuse if anything else is there."""
    import shutil

    from alsmotion.errors import InvalidInputError
    from alsmotion.session import Session

    if not raw.exists():
        return
    for item in raw.iterdir():
        try:
            simulated = item.is_dir() and bool(Session.open(item).metadata.extra.get("simulated"))
        except AlsmotionError:
            simulated = False
        if not simulated:
            raise InvalidInputError(
                f"{raw} holds {item.name}, which is not a simulated demo session: "
                "choose another --out"
            )
    shutil.rmtree(raw)
