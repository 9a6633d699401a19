"""The tidy ``visit_measures`` table: every session's measures placed on the study's visits,
with the baseline value and the change from baseline.

One row per session and measure. Sessions that share a visit (duplicates) or fall outside
their window keep their rows, flagged. A measure that a participant has at some visit but not at
another visit they attended gets a row with an empty value flagged ``not_recorded``, so a missed
test is visible rather than absent. A test that could not be performed has an empty value and the
flag ``cannot_perform``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.export.names import HOME_DOMAIN
from alsmotion.processing.result import SessionResult
from alsmotion.visits import StudySchedule, assign_visits

VISIT_MEASURE_COLUMNS = [
    "participant_id",
    "visit",
    "visit_day",
    "visit_date",
    "in_window",
    "domain",
    "measure",
    "muscle",
    "side",
    "value",
    "unit",
    "baseline_value",
    "change_from_baseline",
    "n",
    "flags",
    "algorithm_version",
    "settings_hash",
    "source_sha256",
]

_KEY = ["domain", "measure", "muscle", "side"]


def measure_name(test: str, method: str, name: str) -> str:
    """Measure label of the exports: ``<test>_<name>`` for walks, ``HHD_<method>_<name>``."""
    return f"{test}_{method}_{name}" if method else f"{test}_{name}"


def _join_flags(*parts: str) -> str:
    flags = sorted({flag for part in parts for flag in str(part).split(";") if flag})
    return ";".join(flags)


def session_assignments(results: Sequence[SessionResult], schedule: StudySchedule) -> pd.DataFrame:
    """Visit assignment of every result's session (see :func:`alsmotion.visits.assign_visits`),
    with ``session_flags``: the session's own quality and integrity flags, so that a session
    that gave no measure (a missing event log, say) still shows what was wrong with it."""
    sessions = pd.DataFrame(
        [
            {
                "participant_id": r.participant_id,
                "session_id": r.session_id,
                "session_start_utc": r.session_start_utc,
                "recorded_visit": r.visit,
            }
            for r in results
        ]
    )
    assignments = assign_visits(sessions, schedule)
    flags = {r.session_id: _join_flags(*r.flags) for r in results}
    return assignments.assign(session_flags=assignments["session_id"].map(flags))


def check_results(results: Sequence[SessionResult]) -> None:
    """Refuse an empty export or a session given twice."""
    if not results:
        raise InvalidInputError("no session results to export")
    ids = [r.session_id for r in results]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("the same session was given twice: session ids must be unique")


def build_visit_measures(
    results: Sequence[SessionResult],
    schedule: StudySchedule,
    *,
    home_rows: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (visit_measures, assignments), both sorted so that input order does not matter.

    ``home_rows`` (:func:`alsmotion.export.home.home_visit_rows`) join as measures of the session
    they name, with its visit, and get baselines, changes and ``not_recorded`` rows like the rest.
    """
    check_results(results)
    assignments = session_assignments(results, schedule)
    by_id = {r.session_id: r for r in results}
    frames = []
    for visit in assignments.to_dict("records"):
        result = by_id[visit["session_id"]]
        measures = result.measures.copy()
        measures["measure"] = [
            measure_name(t, m or "", n)
            for t, m, n in zip(
                measures["test"], measures["method"], measures["measure"], strict=True
            )
        ]
        measures["session_id"] = result.session_id
        measures["primary"] = visit["primary"]
        for name in ("participant_id", "visit", "visit_day", "visit_date", "in_window"):
            measures[name] = visit[name]
        measures["flags"] = [
            _join_flags(flags, visit["flags"], *result.flags) for flags in measures["flags"]
        ]
        measures["algorithm_version"] = result.algorithm_version
        measures["settings_hash"] = result.settings_hash
        measures["source_sha256"] = result.source_sha256
        frames.append(measures)
    if home_rows is not None and len(home_rows):
        frames.append(_placed_home_rows(home_rows, assignments))
    table = pd.concat(frames, ignore_index=True)
    table[["muscle", "side"]] = table[["muscle", "side"]].fillna("")
    table = _add_not_recorded(table, assignments)
    table = _add_baseline(table, schedule)
    table = table.sort_values(
        ["participant_id", "visit_day", "session_id", "domain", "measure", "muscle", "side"],
        kind="stable",
    )
    columns = [*VISIT_MEASURE_COLUMNS, "session_id"]
    return table[columns].reset_index(drop=True), assignments


def _placed_home_rows(home_rows: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    visit_fields = ["visit", "visit_day", "visit_date", "in_window", "primary", "flags"]
    placed = home_rows.drop(columns=["participant_id"]).merge(
        assignments[["session_id", "participant_id", *visit_fields]],
        on="session_id",
        suffixes=("", "_visit"),
    )
    placed["flags"] = [
        _join_flags(own, visit)
        for own, visit in zip(placed["flags"], placed["flags_visit"], strict=True)
    ]
    return placed.drop(columns=["flags_visit", "window_start", "window_end"])


_PROVENANCE = ("algorithm_version", "settings_hash", "source_sha256")


def _provenance(table: pd.DataFrame, participant_id: str, session_id: str, domain: str) -> dict:
    """Provenance of a ``not_recorded`` row: that of the session's rows (the session was
    recorded, the test was not). A home window without days has no recording: the home rows'
    algorithm and settings, and no source."""
    if domain == HOME_DOMAIN:
        own = table[(table["participant_id"] == participant_id) & (table["domain"] == domain)]
        return {**own[list(_PROVENANCE[:2])].iloc[0].to_dict(), "source_sha256": ""}
    template = table[table["session_id"] == session_id].head(1)
    return {name: template[name].iloc[0] if len(template) else "" for name in _PROVENANCE}


def _add_not_recorded(table: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Rows flagged ``not_recorded`` for measures a participant lacks at an attended visit."""
    keys = table[["participant_id", *_KEY, "unit"]].drop_duplicates()
    extra = []
    for visit in assignments.to_dict("records"):
        present = table.loc[table["session_id"] == visit["session_id"], _KEY]
        present_keys = set(map(tuple, present.to_numpy()))
        expected = keys[keys["participant_id"] == visit["participant_id"]]
        for row in expected.to_dict("records"):
            if tuple(row[k] for k in _KEY) in present_keys:
                continue
            extra.append(
                {
                    **row,
                    **{
                        name: visit[name]
                        for name in ("visit", "visit_day", "visit_date", "in_window", "primary")
                    },
                    "session_id": visit["session_id"],
                    "value": np.nan,
                    "n": 0,
                    "flags": _join_flags("not_recorded", visit["flags"]),
                    **_provenance(
                        table, visit["participant_id"], visit["session_id"], row["domain"]
                    ),
                }
            )
    return pd.concat([table, pd.DataFrame(extra)], ignore_index=True) if extra else table


def _add_baseline(table: pd.DataFrame, schedule: StudySchedule) -> pd.DataFrame:
    baseline = table[(table["visit"] == schedule.baseline.name) & table["primary"]]
    baseline = baseline[["participant_id", *_KEY, "value"]].rename(
        columns={"value": "baseline_value"}
    )
    table = table.merge(baseline, on=["participant_id", *_KEY], how="left")
    table["change_from_baseline"] = table["value"] - table["baseline_value"]
    table["n"] = table["n"].astype(int)
    return table


def wide_summary(visit_measures: pd.DataFrame) -> pd.DataFrame:
    """One row per participant and session; per measure (``<measure>[_<muscle>_<side>]``) three
    columns: the value, ``<column>_change_from_baseline`` and ``<column>_flags``."""
    index = ["participant_id", "visit", "visit_day", "visit_date", "in_window", "session_id"]
    if visit_measures.empty:  # every session failed: the table has its key columns and no rows
        return pd.DataFrame(columns=index)
    frame = visit_measures.copy()
    frame["column"] = [
        "_".join(part for part in (m, mu, s) if part)
        for m, mu, s in zip(frame["measure"], frame["muscle"], frame["side"], strict=True)
    ]
    parts = {
        "": frame.pivot(index=index, columns="column", values="value"),
        "_change_from_baseline": frame.pivot(
            index=index, columns="column", values="change_from_baseline"
        ),
        "_flags": frame.pivot(index=index, columns="column", values="flags").fillna(""),
    }
    names = sorted(parts[""].columns)
    wide = (
        pd.concat(
            [parts[suffix][name].rename(f"{name}{suffix}") for name in names for suffix in parts],
            axis=1,
        )
        .copy()  # one block: with many measures (home windows) the columns would be fragmented
        .reset_index()
    )
    wide.columns.name = None
    return wide.sort_values(["participant_id", "visit_day", "session_id"]).reset_index(drop=True)
