"""The strength megascore over the cohort: sessions processed without a reference table leave
``HHD_megascore_z`` empty, flagged ``megascore_reference:baseline_cohort``; here mu and sigma of
each muscle and side come from the participants' baseline visits (one primary baseline session
each), and every such visit's megascore is filled in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from alsmotion.errors import InsufficientDataError
from alsmotion.processing.result import SessionResult
from alsmotion.processing.strength_trials import (
    BASELINE_COHORT,
    MEGASCORE_MEASURE,
    megascore_reference_flag,
)
from alsmotion.strength import StrengthReference
from alsmotion.strength.reference import visit_megascore
from alsmotion.strength.visit import MEGASCORE_INCOMPLETE
from alsmotion.visits import StudySchedule
from alsmotion.vocabulary import TRIAL_SIDES

#: Flag of a cohort megascore that cannot be computed (fewer than two baselines per muscle).
NO_COHORT_REFERENCE = "no_cohort_reference"
_METHOD_FLAG = "megascore_method:"


def _megascore_rows(measures: pd.DataFrame) -> pd.Series:
    return (measures["domain"] == "strength") & (measures["measure"] == MEGASCORE_MEASURE[0])


def _waiting_for_cohort(result: SessionResult) -> bool:
    rows = result.measures[_megascore_rows(result.measures)]
    flag = megascore_reference_flag(BASELINE_COHORT)
    return any(flag in str(flags).split(";") for flags in rows["flags"])


def _method(flags: str) -> str:
    for flag in flags.split(";"):
        if flag.startswith(_METHOD_FLAG):
            return flag.removeprefix(_METHOD_FLAG)
    return ""


def _forces(result: SessionResult, method: str) -> list[tuple[str, str, float | None]]:
    """(muscle, side, peak_force_n) of every muscle and side of the method's rows."""
    m = result.measures
    rows = m[
        (m["domain"] == "strength")
        & (m["measure"] == "peak_force_n")
        & (m["method"] == method)
        & m["side"].isin(list(TRIAL_SIDES))
    ]
    return [
        (str(muscle), str(side), None if pd.isna(value) else float(value))
        for muscle, side, value in zip(rows["muscle"], rows["side"], rows["value"], strict=True)
    ]


def with_cohort_megascore(
    results: Sequence[SessionResult], assignments: pd.DataFrame, schedule: StudySchedule
) -> list[SessionResult]:
    """``results`` with the cohort megascore filled into the rows waiting for it.

    Parameters
    ----------
    results : processed sessions.
    assignments : their visit assignments (``session_id``, ``visit``, ``primary``).
    schedule : the study schedule (its baseline visit's primary sessions make the reference).
    """
    waiting = [r for r in results if _waiting_for_cohort(r)]
    if not waiting:
        return list(results)
    baseline_ids = set(
        assignments.loc[
            (assignments["visit"] == schedule.baseline.name) & assignments["primary"].astype(bool),
            "session_id",
        ]
    )
    references: dict[str, StrengthReference | None] = {}
    out = []
    for result in results:
        if not _waiting_for_cohort(result):
            out.append(result)
            continue
        measures = result.measures.copy()
        index = measures.index[_megascore_rows(measures)][0]
        flags = str(measures.at[index, "flags"])
        method = _method(flags)
        if method not in references:
            forces = [
                force
                for r in results
                if r.session_id in baseline_ids
                for force in _forces(r, method)
            ]
            try:
                references[method] = StrengthReference.from_forces(forces)
            except InsufficientDataError:
                references[method] = None
        reference = references[method]
        new_flags = set(flags.split(";")) - {""}
        if reference is None:
            new_flags.add(NO_COHORT_REFERENCE)
        else:
            score, n_scored, complete = visit_megascore(_forces(result, method), reference)
            measures.at[index, "value"] = float("nan") if score is None else score
            measures.at[index, "n"] = n_scored
            if not complete:
                new_flags.add(MEGASCORE_INCOMPLETE)
        measures.at[index, "flags"] = ";".join(sorted(new_flags))
        out.append(replace(result, measures=measures))
    return out
