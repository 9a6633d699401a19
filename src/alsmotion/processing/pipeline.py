"""process_session: one raw session -> :class:`SessionResult`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from alsmotion.gait import GaitSettings
from alsmotion.processing.result import (
    ALGORITHM_VERSION,
    MEASURE_COLUMNS,
    TRIAL_COLUMNS,
    SessionResult,
    flag_text,
)
from alsmotion.processing.session_trials import force_trial_result, walk_trial_result
from alsmotion.processing.settings import ProcessingSettings
from alsmotion.processing.slicing import DATA_GAP, overlaps_gap
from alsmotion.processing.strength_trials import (
    strength_group_measures,
    strength_trial_rows,
)
from alsmotion.processing.walks import (
    WalkTrial,
    not_performed_measures,
    walk_test_measures,
    walk_trial_rows,
)
from alsmotion.session import decisions
from alsmotion.session.events import STRENGTH_TEST, WALK_TESTS
from alsmotion.session.manifest import sha256_file
from alsmotion.session.metadata import format_utc_ns
from alsmotion.session.reader import Session
from alsmotion.strength import ForceTrialResult

_TRIAL_STATUS_INVALID = "invalid"


def session_sha256(path: Path) -> str:
    """SHA-256 over every file of a session (relative path and content), audit log included."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(file).encode("ascii") + b"\n")
    return digest.hexdigest()


def process_session(path: str | Path, settings: ProcessingSettings | None = None) -> SessionResult:
    """Process one session folder: walk and strength trials into per-session measures.

    Trials are cut from the streams by their ``trial_started``/``trial_stopped`` events; rejected
    trials (event log or audit log) are reported per trial but left out of the session's
    measures; ``cannot_perform`` gives rows with no value and the reason in ``flags``.

    Parameters
    ----------
    path : the session folder.
    settings : processing settings (default: :class:`ProcessingSettings` defaults).
    """
    settings = settings if settings is not None else ProcessingSettings()
    path = Path(path)
    session = Session.open(path)
    gait_settings = GaitSettings.from_dict(settings.gait)
    trials = decisions.trials(session)
    not_done = decisions.cannot_perform(session)
    walk_measures, walk_trials = _walk_tests(session, trials, not_done, settings, gait_settings)
    strength_measures, strength_trials = _strength_tests(session, trials, not_done, settings)
    measures = walk_measures + strength_measures
    trial_rows = walk_trials + strength_trials

    return SessionResult(
        participant_id=session.metadata.participant_id,
        visit=decisions.visit_label(session),
        session_id=path.name,
        session_start_utc=session.metadata.start_utc,
        study_id=session.metadata.study_id,
        measures=_frame(
            measures, MEASURE_COLUMNS, ["domain", "test", "muscle", "side", "method", "measure"]
        ),
        trials=_frame(
            trial_rows,
            TRIAL_COLUMNS,
            ["domain", "test", "muscle", "side", "method", "trial", "measure"],
        ),
        source_sha256=session_sha256(path),
        settings_hash=settings.settings_hash,
        algorithm_version=ALGORITHM_VERSION,
        flags=tuple(_session_flags(session, settings)),
    )


def _stopped(row: dict[str, Any]) -> bool:
    return not pd.isna(row["stop_host_ns"])


def _walk_tests(
    session: Session,
    trials: pd.DataFrame,
    not_done: pd.DataFrame,
    settings: ProcessingSettings,
    gait_settings: GaitSettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per-test measures and per-trial rows of every timed walk in the session."""
    gaps = session.gaps  # built from the event log on each access: once per session here
    measures: list[dict[str, Any]] = []
    trial_rows: list[dict[str, Any]] = []
    for test in WALK_TESTS:
        rows = trials[trials["test"] == test]
        reasons = not_done.loc[not_done["test"] == test, "reason"].tolist()
        if rows.empty and not reasons:
            continue
        analysed: list[WalkTrial] = []
        for row in filter(_stopped, _records(rows)):
            walk = walk_trial_result(session, row, settings, gaps=gaps)
            for item in walk_trial_rows(walk):
                trial_rows.append(_trial_row("gait", row, item, row["status"], row["reason"]))
            if row["status"] == decisions.ACCEPTED:
                analysed.append(walk)
        if analysed:
            test_rows = walk_test_measures(
                test, analysed, min_variability_strides=gait_settings.min_variability_strides
            )
        elif reasons:
            test_rows = not_performed_measures(test, f"cannot_perform:{flag_text(reasons[-1])}")
        else:
            test_rows = not_performed_measures(test, "no_accepted_trial")
        measures += [{"domain": "gait", "test": test, **row} for row in test_rows]
    return measures, trial_rows


def _strength_tests(
    session: Session,
    trials: pd.DataFrame,
    not_done: pd.DataFrame,
    settings: ProcessingSettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per muscle, side and method measures and per-trial rows of the dynamometry."""
    gaps = session.gaps
    trial_rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str], list[tuple[int, ForceTrialResult]]] = {}
    gapped: set[tuple[str, str, str]] = set()
    for row in _records(trials[trials["test"] == STRENGTH_TEST]):
        key = (row["muscle"], row["side"], row.get("method") or "make")
        groups.setdefault(key, [])
        if not _stopped(row):
            continue
        if row["status"] == decisions.ACCEPTED and overlaps_gap(
            gaps, settings.force_stream, row["start_host_ns"], row["stop_host_ns"]
        ):
            gapped.add(key)
        result = force_trial_result(session, row, settings)
        status, reason = row["status"], row["reason"]
        if status == decisions.ACCEPTED and (result is None or not result.valid):
            status = _TRIAL_STATUS_INVALID
            reason = "no force samples" if result is None else ";".join(result.reasons)
        for item in strength_trial_rows(result):
            trial_rows.append(_trial_row("strength", row, item, status, reason))
        if row["status"] == decisions.ACCEPTED and result is not None:
            groups[key].append((int(row["trial"]), result))
    not_done = not_done[(not_done["test"] == STRENGTH_TEST) & not_done["muscle"].notna()]
    for record in _records(not_done):
        groups.setdefault((record["muscle"], record["side"], "make"), [])
    measures: list[dict[str, Any]] = []
    for (muscle, side, method), analysed in sorted(groups.items()):
        match = not_done[(not_done["muscle"] == muscle) & (not_done["side"] == side)]
        reason = match["reason"].iloc[-1] if len(match) else None
        for item in strength_group_measures(
            muscle,
            side,
            analysed,
            reason,
            summary_statistic=settings.strength_summary,
            extra_flags=[DATA_GAP] if (muscle, side, method) in gapped else [],
        ):
            measures.append(
                {
                    "domain": "strength",
                    "test": STRENGTH_TEST,
                    "muscle": muscle,
                    "side": side,
                    "method": method,
                    **item,
                }
            )
    return measures, trial_rows


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]


def _trial_row(
    domain: str, row: dict[str, Any], item: dict[str, Any], status: str, reason: str
) -> dict[str, Any]:
    return {
        "domain": domain,
        "test": row["test"],
        "trial": int(row["trial"]),
        "muscle": row.get("muscle") or "",
        "side": row.get("side") or "",
        "method": row.get("method") or ("make" if domain == "strength" else ""),
        "status": status,
        "reason": reason or "",
        "start_utc": format_utc_ns(row["start_host_ns"]),
        **item,
    }


def _frame(rows: list[dict[str, Any]], columns: list[str], order: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("muscle", "side", "method", "flags", "reason"):
        if name in frame:
            # object first: a column that is all NaN (a walk-only visit has no muscle) is float
            column = frame[name].astype(object)
            frame[name] = column.where(column.notna(), "").astype(str)
    frame["value"] = frame["value"].astype(float)
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def _session_flags(session: Session, settings: ProcessingSettings) -> list[str]:
    flags = []
    if not session.closed:
        flags.append("session_not_closed")
    if any(stream.torn_tail for stream in session.streams.values()):
        flags.append("torn_tail_skipped")
    if not session.gaps.empty:
        flags.append("data_gaps")
    for name in (settings.imu_stream, settings.force_stream):
        if name not in session.streams:
            flags.append(f"no_{name}_stream")
    return flags


__all__ = ["process_session", "session_sha256"]
