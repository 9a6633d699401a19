"""Per-visit exports for the statistician: tidy and wide tables, SDTM FT/MK with a data
dictionary, per-participant reports, and BIDS motion export of raw streams
(:mod:`alsmotion.export.bids`).

Every file is written atomically and reproducibly: the same results give byte-identical files
whatever order they are given in.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from alsmotion.export.megascore import with_cohort_megascore
from alsmotion.export.sdtm import build_sdtm, data_dictionary
from alsmotion.export.tables import write_csv, write_parquet
from alsmotion.export.visit_measures import (
    VISIT_MEASURE_COLUMNS,
    build_visit_measures,
    check_results,
    session_assignments,
    wide_summary,
)
from alsmotion.processing.result import TRIAL_COLUMNS, SessionResult
from alsmotion.visits import StudySchedule

if TYPE_CHECKING:
    from alsmotion.home.study import HomeTables

__all__ = ["VISIT_MEASURE_COLUMNS", "write_exports"]


def _trial_table(results: Sequence[SessionResult], assignments: pd.DataFrame) -> pd.DataFrame:
    visits = dict(zip(assignments["session_id"], assignments["visit"], strict=True))
    frames = []
    for result in results:
        trials = result.trials.copy()
        trials.insert(0, "participant_id", result.participant_id)
        trials.insert(1, "visit", visits[result.session_id])
        trials.insert(2, "session_id", result.session_id)
        frames.append(trials)
    columns = ["participant_id", "visit", "session_id", *TRIAL_COLUMNS]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    order = [
        "participant_id",
        "session_id",
        "domain",
        "test",
        "muscle",
        "side",
        "method",
        "trial",
        "measure",
    ]
    return (
        table[columns].sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    )


def write_exports(
    results: Sequence[SessionResult],
    out_dir: str | Path,
    *,
    schedule: StudySchedule | None = None,
    reports: bool = True,
    progress: bool = False,
    statistics: bool = False,
    treatment_start_day: float | None = None,
    home: HomeTables | None = None,
    home_window_days: int = 7,
    home_min_valid_days: int = 3,
) -> dict[str, Path]:
    """Write every per-visit export of ``results`` into ``out_dir``.

    Files: ``visit_measures.csv`` / ``.parquet`` (tidy, one row per session and measure),
    ``visit_summary_wide.csv``, ``visit_assignments.csv``, ``trial_measures.csv`` (every trial,
    rejected ones with their reason), ``sdtm/ft.csv``, ``sdtm/mk.csv``,
    ``sdtm/data_dictionary.csv``, ``reliability.csv`` (:mod:`alsmotion.stats.tables`) and
    ``reports/<participant>/report.html`` / ``report.pdf`` with PNG plots.
    ``schedule`` assigns sessions to visits (None: :meth:`StudySchedule.default`, read here
    rather than when the module is imported). Strength megascores waiting for the cohort's
    baseline reference are filled in first (:func:`alsmotion.export.megascore.with_cohort_megascore`).
    ``statistics`` adds ``trajectories.csv`` (slopes, the cohort's mixed model, responders,
    left/right; ``treatment_start_day`` splits lead-in and on-treatment slopes) and the cohort
    report ``reports/cohort/report.html`` / ``.pdf``. A participant's report is redrawn only when
    what it is drawn from or the report code changed (:mod:`alsmotion.export.report_reuse`);
    ``progress`` shows a progress bar over the reports on stderr. ``home`` (the tables of
    :func:`alsmotion.home.study.analyze_recordings`) adds the home window after each visit
    (``home_window_days`` days) as ``home_gait`` rows of visit_measures and FT rows
    (:mod:`alsmotion.export.home`); windows with fewer than ``home_min_valid_days`` valid days
    are flagged. Each participant with home days gets a home section in the report: the daily
    rows of ``home`` across the study and the windows' rows (:mod:`alsmotion.export.report_home`).

    Returns
    -------
    dict of export name -> path.
    """
    if schedule is None:
        schedule = StudySchedule.default()
    out = Path(out_dir)
    ordered = sorted(results, key=lambda r: (r.participant_id, r.session_start_utc, r.session_id))
    check_results(ordered)
    ordered = with_cohort_megascore(ordered, session_assignments(ordered, schedule), schedule)
    home_rows = None
    if home is not None:
        from alsmotion.export.home import home_visit_rows

        home_rows = home_visit_rows(
            home,
            session_assignments(ordered, schedule),
            window_days=home_window_days,
            min_valid_days=home_min_valid_days,
        )
    visit_measures, assignments = build_visit_measures(ordered, schedule, home_rows=home_rows)
    paths = {
        "visit_measures_csv": write_csv(
            visit_measures[VISIT_MEASURE_COLUMNS], out / "visit_measures.csv"
        ),
        "visit_measures_parquet": write_parquet(
            visit_measures[VISIT_MEASURE_COLUMNS], out / "visit_measures.parquet"
        ),
        "visit_summary_wide": write_csv(
            wide_summary(visit_measures), out / "visit_summary_wide.csv"
        ),
        "visit_assignments": write_csv(
            assignments.assign(session_start_utc=assignments["session_start_utc"].map(str)),
            out / "visit_assignments.csv",
        ),
    }
    from alsmotion.stats.tables import reliability_table, trajectory_table

    trials = _trial_table(ordered, assignments)
    paths["trial_measures"] = write_csv(trials, out / "trial_measures.csv")
    reliability_rows = reliability_table(trials)
    paths["reliability"] = write_csv(reliability_rows, out / "reliability.csv")
    trajectories = None
    if statistics:
        trajectories = trajectory_table(
            visit_measures, reliability_rows, treatment_start_day=treatment_start_day
        )
        paths["trajectories"] = write_csv(trajectories, out / "trajectories.csv")
    for domain, frame in build_sdtm(ordered, assignments, home_rows=home_rows).items():
        paths[f"sdtm_{domain.lower()}"] = write_csv(frame, out / "sdtm" / f"{domain.lower()}.csv")
    paths["data_dictionary"] = write_csv(data_dictionary(), out / "sdtm" / "data_dictionary.csv")
    if reports:
        from tqdm import tqdm

        from alsmotion.export.report import write_cohort_report, write_participant_report
        from alsmotion.export.report_reuse import reuse_or_write_report

        participants = sorted(visit_measures["participant_id"].unique())
        bar = tqdm(participants, desc="reports", unit="participant", disable=not progress)
        for participant in bar:
            rows = visit_measures[visit_measures["participant_id"] == participant]
            own_trajectories = (
                None
                if trajectories is None
                else trajectories[trajectories["participant_id"] == participant]
            )
            own_days = (
                None if home is None else home.daily[home.daily["participant_id"] == participant]
            )
            paths[f"report_{participant}"] = reuse_or_write_report(
                (rows, reliability_rows, own_trajectories, own_days),
                f"{schedule!r}; min_worn_hours={None if home is None else home.min_worn_hours}",
                out / "reports" / participant,
                partial(
                    write_participant_report,
                    visit_measures,
                    participant,
                    out / "reports",
                    schedule=schedule,
                    reliability_rows=reliability_rows,
                    trajectories=trajectories,
                    home_daily=own_days,
                    min_worn_hours=None if home is None else home.min_worn_hours,
                ),
            )
        if trajectories is not None:
            paths["report_cohort"] = write_cohort_report(
                visit_measures, reliability_rows, trajectories, out / "reports"
            )
    return paths
