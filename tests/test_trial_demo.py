"""The trial part of ``alsmotion demo``: simulate, process, export, summarise; safe reruns; the
statistics (reliability, trajectories against the simulated truth) and the reports."""

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from session_helpers import write_small_session

from alsmotion.batch import discover_sessions
from alsmotion.cli import main
from alsmotion.cli._trial_demo import clear_simulated_sessions, run_trial_demo
from alsmotion.errors import InvalidInputError
from alsmotion.export.report import write_participant_report
from alsmotion.session import Session, verify_session
from alsmotion.stats.trajectories import ols_slope
from alsmotion.validation.report import build_validation
from alsmotion.validation.site_reference import reference_values
from alsmotion.visits import StudySchedule

#: Every test here reads one simulated, processed and exported 3-participant trial.
# The module fixture (a whole simulated trial or week) runs inside its first test's timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("trial_demo")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        trial = run_trial_demo(out, n_participants=3)
    return out, trial, printed.getvalue()


def _csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return frame.fillna({"muscle": "", "side": "", "flags": "", "responder": ""})


def test_trial_demo_writes_exports_and_a_summary(demo):
    out, _trial, printed = demo
    assert "Simulated trial: 3 participants x 4 visits (12 sessions)" in printed
    rows = [line.split() for line in printed.splitlines()]
    lines = {f"{r[0]} {r[1]}": " ".join(r) for r in rows if r and r[0].startswith("ALS-")}
    assert "out_of_window" in lines["ALS-002 day90"]
    assert "not_recorded" in lines["ALS-003 day90"]
    assert "cannot_perform" in lines["ALS-001 day180"]
    table = pd.read_csv(out / "exports" / "visit_measures.csv")
    assert table["participant_id"].nunique() == 3
    ft = pd.read_csv(out / "exports" / "sdtm" / "ft.csv", keep_default_na=False)
    assert ft["USUBJID"].str.endswith(("ALS-001", "ALS-002", "ALS-003")).all()
    assert ft["USUBJID"].nunique() == 3
    not_done = ft[ft["FTSTAT"] == "NOT DONE"]
    assert set(not_done["FTREASND"]) == {"unable to walk without assistance"}
    report_dir = out / "exports" / "reports" / "ALS-001"
    report = (report_dir / "report.html").read_text()
    assert "Participant ALS-001" in report
    images = re.findall(r'<img src="([^"]+)"', report)
    assert images and all(
        (report_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in images
    )
    description = json.loads((out / "bids" / "dataset_description.json").read_text())
    assert description["BIDSVersion"].startswith("1.")
    assert len(list((out / "bids").glob("sub-*/ses-*/motion/*_motion.tsv"))) >= 12
    assert all(verify_session(path).ok for path in (out / "raw").iterdir())


def test_demo_exports_carry_home_gait_rows(demo):
    out, _trial, printed = demo
    table = _csv(out / "exports" / "visit_measures.csv")
    home = table[(table["domain"] == "home_gait") & table["value"].notna()]
    windows = home[home["measure"] == "HOME_walking_min_per_day"]
    assert sorted(map(tuple, windows[["participant_id", "visit"]].to_numpy())) == [
        (p, v) for p in ("ALS-001", "ALS-002", "ALS-003") for v in ("baseline", "day180")
    ]
    assert windows["n"].eq(1).all()  # one valid day each
    assert windows["flags"].str.contains("valid_days:1").all()
    worn = windows["flags"].str.extract(r"worn_h:([\d.]+)")[0].astype(float)
    assert worn.between(12.0, 14.0).all()
    # walking speeds were scaled by each participant's clinic decline
    velocity = home[
        (home["measure"] == "HOME_stride_velocity_p95_mps") & (home["visit"] == "day180")
    ]
    assert (velocity["change_from_baseline"] < 0).all()
    # the other visits had no home period: rows there, empty and flagged, not in the summary flags
    missing = table[(table["domain"] == "home_gait") & table["visit"].isin(["day30", "day90"])]
    assert len(missing) and missing["flags"].str.contains("not_recorded").all()
    ft = pd.read_csv(out / "exports" / "sdtm" / "ft.csv", keep_default_na=False)
    assert (ft["FTCAT"] == "REAL-WORLD WALKING (HOME)").sum() == 6 * 29
    # measured walking time within 10 % of the simulated on every home morning
    measured = re.findall(r"(ALS-\d+) after (\w+)\s+([\d.]+) \(\s*([\d.]+)\)", printed)
    assert len(measured) == 6
    for _participant, _visit, value, true in measured:
        assert float(value) == pytest.approx(float(true), rel=0.10)
    assert (out / "home" / "plots" / "ALS-001.png").read_bytes()[:4] == b"\x89PNG"
    # each report has the home days and both home windows, in words
    for participant in ("ALS-001", "ALS-002", "ALS-003"):
        folder = out / "exports" / "reports" / participant
        page = (folder / "report.html").read_text()
        section = page.split("<h2>Home monitoring between visits</h2>")[1]
        assert '<img src="home_days.png"' in section and (folder / "home_days.png").is_file()
        assert "baseline (day 0)" in section and "<td>no home days</td>" in section
        assert "<td>stride velocity 95th centile (SV95C-like)</td>" in section


def _home_rows(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return table[table["domain"] == "home_gait"].reset_index(drop=True)


def test_process_on_the_demo_raw_rebuilds_its_visit_measures(demo, tmp_path):
    out, _trial, _ = demo
    home = [s for s in discover_sessions(out / "raw") if s.kind == "home"]
    assert sorted((s.participant_id, s.visit) for s in home) == [
        (p, v) for p in ("ALS-001", "ALS-002", "ALS-003") for v in ("baseline", "day180")
    ]
    for source in home:  # closed, audited and hashed like the clinic sessions
        session = Session.open(source.path)
        assert session.metadata.extra["simulated"] and verify_session(source.path).ok
        assert (source.path / "manifest.json").is_file() and (source.path / "audit.jsonl").is_file()
    again = tmp_path / "again"
    settings = out / "processing-settings.json"  # the demo's own, as its closing lines say
    command = ["process", str(out / "raw"), "--settings", str(settings), "--out", str(again)]
    assert main([*command, "--workers", "1", "--no-reports"]) == 0
    for name in ("daily.csv", "bouts.csv"):
        assert (again / "home" / name).read_bytes() == (out / "home" / name).read_bytes()
    rows = _home_rows(out / "exports" / "visit_measures.csv")
    assert len(rows) == 3 * 4 * 29 and (rows["value"] != "").sum() > 3 * 2 * 20
    pd.testing.assert_frame_equal(_home_rows(again / "visit_measures.csv"), rows)
    # One analysis path: every clinic row too, from the same raw sessions and settings.
    pd.testing.assert_frame_equal(
        _csv(again / "visit_measures.csv"), _csv(out / "exports" / "visit_measures.csv")
    )


def test_reports_show_missing_and_cannot_perform(demo):
    out, _trial, _ = demo
    reports = out / "exports" / "reports"
    first = (reports / "ALS-001" / "report.html").read_text()
    missing_section = first.split("<h2>Missing and not performed")[1].split("<h2>")[0]
    assert "day180" in missing_section
    assert "cannot perform: unable to walk without assistance" in missing_section
    assert "10MWT timed speed (distance / time)" in missing_section
    third = (reports / "ALS-003" / "report.html").read_text()
    missing_section = third.split("<h2>Missing and not performed")[1].split("<h2>")[0]
    assert "not recorded" in missing_section and "2MWT" in missing_section
    assert "day90" in missing_section
    cohort = (reports / "cohort" / "report.html").read_text()
    assert "cannot perform" in cohort and "not recorded" in cohort
    assert "ICC(2,1)" in cohort and "Cohort mean slopes" in cohort
    # day30 and day90 of each participant had no home window: one line each, not 29
    assert cohort.count("<td>home: all measures</td>") == 6
    for folder in ("ALS-001", "cohort"):
        pdf = (reports / folder / "report.pdf").read_bytes()
        assert pdf[:5] == b"%PDF-"
        # every plot of the HTML report is a page of the PDF, as the same raster
        n_plots = len(list((reports / folder).glob("*.png")))
        assert n_plots >= 3 and pdf.count(b"/Subtype /Image") == n_plots


def test_a_missing_visit_is_named_in_the_report(demo, tmp_path):
    out, _trial, _ = demo
    table = _csv(out / "exports" / "visit_measures.csv")
    without = table[~((table["participant_id"] == "ALS-002") & (table["visit"] == "day30"))]
    page = write_participant_report(
        without, "ALS-002", tmp_path, schedule=StudySchedule.default()
    ).read_text()
    assert "missing visit (no session)" in page


def test_reliability_uses_repeated_trials(demo):
    out, _trial, _ = demo
    reliability = _csv(out / "exports" / "reliability.csv")
    knee = reliability[
        (reliability["measure"] == "HHD_make_peak_force_n")
        & (reliability["muscle"] == "knee_extension")
        & (reliability["side"] == "right")
    ].iloc[0]
    assert knee["n_units"] == 12 and knee["k_trials"] == 3
    assert knee["icc_ci_low"] <= knee["icc"] <= knee["icc_ci_high"]
    assert knee["mdc95"] == pytest.approx(1.959964 * np.sqrt(2) * knee["sem"], rel=1e-6)
    assert "ICC(2,1)" in knee["icc_form"]


@pytest.mark.parametrize(
    ("truth_column", "measure", "muscle", "side"),
    [
        ("knee_extension_right_n", "HHD_make_peak_force_n", "knee_extension", "right"),
        ("elbow_flexion_left_n", "HHD_make_peak_force_n", "elbow_flexion", "left"),
        ("speed_mps", "10MWT_gait_speed_mps", "", ""),
    ],
)
def test_participant_slopes_cover_the_simulated_truth(demo, truth_column, measure, muscle, side):
    out, trial, _ = demo
    trajectories = _csv(out / "exports" / "trajectories.csv")
    slopes = trajectories[
        (trajectories["analysis"] == "participant_slope")
        & (trajectories["measure"] == measure)
        & (trajectories["muscle"] == muscle)
        & (trajectories["side"] == side)
    ].set_index("participant_id")
    for participant, truth in trial.truth.dropna(subset=[truth_column]).groupby("participant_id"):
        true_slope = ols_slope(
            truth["visit_day"].to_numpy(float), truth[truth_column].to_numpy(float)
        ).value
        row = slopes.loc[participant]
        assert row["ci_low"] <= true_slope <= row["ci_high"], (participant, true_slope)
    cohort = trajectories[
        (trajectories["analysis"] == "cohort_slope")
        & (trajectories["measure"] == measure)
        & (trajectories["muscle"] == muscle)
        & (trajectories["side"] == side)
    ]
    assert len(cohort) == 1 and np.isfinite(cohort["estimate"].iloc[0])


def test_trajectories_hold_responders_and_left_right(demo):
    out, _trial, _ = demo
    trajectories = _csv(out / "exports" / "trajectories.csv")
    changes = trajectories[trajectories["analysis"] == "change_from_baseline"]
    knee = changes[
        (changes["muscle"] == "knee_extension") & (changes["measure"] == "HHD_make_peak_force_n")
    ]
    flags = knee["responder"].astype(str).str.lower()
    assert set(flags) == {"true", "false"}  # the 180-day falls exceed the MDC, day 30 does not
    assert (knee["mdc95"] > 0).all()
    pairs = trajectories[trajectories["analysis"] == "left_minus_right"]
    knee_pairs = pairs[
        (pairs["measure"] == "HHD_make_peak_force_n") & (pairs["muscle"] == "knee_extension")
    ]
    # the simulator makes the left side 8 % weaker than the right
    assert (knee_pairs["estimate"] < 0).all() and len(knee_pairs) == 4


def test_stopwatch_values_give_a_site_agreement_table(demo, tmp_path):
    out, trial, printed = demo
    pairs = pd.read_csv(out / "exports" / "site_reference_pairs.csv")
    # 2 walks x 12 sessions, less participant 1's day-180 (cannot walk) and its rejected walk
    assert len(pairs) == 2 * 12 - 2 - 1
    assert (pairs["measure"] == "site_gait_speed_mps").all()
    assert (pairs["measured"] - pairs["reference"]).abs().median() < 0.05
    assert "IMU vs stopwatch 10MWT speed, 21 walks" in printed
    # One session folder as a site's own reference sessions, through validate's code path.
    sessions = tmp_path / "site"
    sessions.mkdir()
    source = next(p for p in trial.session_paths if p.name.startswith("ALS-002_baseline"))
    shutil.copytree(source, sessions / source.name)
    assert (
        main(
            [
                "reference",
                str(sessions / source.name),
                "--test",
                "10MWT",
                "--trial",
                "1",
                "--gait-speed-mps",
                "1.5",
                "--method",
                "walkway",
                "--who",
                "PT1",
            ]
        )
        == 0
    )
    values = reference_values(Session.open(sessions / source.name))
    first = values[values["trial"] == 1].iloc[0]
    assert (first["quantity"], first["value"], first["source"]) == ("gait_speed_mps", 1.5, "audit")
    assert verify_session(sessions / source.name).ok
    content = build_validation(datasets=("gaitpy-demo",), sessions_dir=sessions, strength_trials=0)
    site = next(row for row in content["agreement"] if row["measure"] == "site_gait_speed_mps")
    assert site["n"] == 2 and content["site_reference"]["n_walks"] == 2
    assert {pair["reference"] for pair in site["pairs"]} >= {1.5}


def test_a_rerun_replaces_only_simulated_sessions(demo, tmp_path):
    # last: it removes the demo's sessions
    out, _trial, _ = demo
    clear_simulated_sessions(out / "raw")  # a rerun may replace the demo's own sessions
    assert not (out / "raw").exists()
    write_small_session(tmp_path / "raw")
    with pytest.raises(InvalidInputError, match="not a simulated demo session"):
        clear_simulated_sessions(tmp_path / "raw")
    assert len(list((tmp_path / "raw").iterdir())) == 1
