"""process_session: one raw session -> :class:`SessionResult`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from alsmotion.gait import GaitSettings
from alsmotion.processing.continuous import (
    continuous_gait_measures,
    effort_measures,
    find_session_efforts,
    is_continuous,
)
from alsmotion.processing.integrity import flag_every_measure, integrity_flags
from alsmotion.processing.records import (
    CannotPerformRecord,
    MeasureKey,
    MeasureRow,
    TrialRecord,
)
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
    StrengthVisitOptions,
    load_normative,
    load_reference,
    strength_trial_rows,
    strength_visit_rows,
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
from alsmotion.strength import StrengthTrial
from alsmotion.strength.participant import ParticipantStrengthInfo
from alsmotion.vocabulary import TrialStatus


def session_sha256(path: Path) -> str:
    """SHA-256 over every file of a session (relative path and content), audit log and hidden
    files included."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        digest.update(sha256_file(file).encode("ascii") + b"\n")
    return digest.hexdigest()


def process_session(path: str | Path, settings: ProcessingSettings | None = None) -> SessionResult:
    """Process one session folder: walk and strength trials into per-session measures.

    Trials are cut from the streams by their ``trial_started``/``trial_stopped`` events; rejected
    trials (event log or audit log) are reported per trial but left out of the session's
    measures; ``cannot_perform`` gives rows with no value and the reason in ``flags``. A session
    with no trial and no cannot-perform event is a continuous recording
    (:mod:`alsmotion.processing.continuous`): gait over the whole IMU stream and the efforts
    found in the force stream, every measure flagged ``continuous_recording``.

    Parameters
    ----------
    path : the session folder.
    settings : processing settings (default: :class:`ProcessingSettings` defaults).
    """
    settings = settings if settings is not None else ProcessingSettings()
    path = Path(path)
    session = Session.open(path)
    integrity = integrity_flags(session, settings)  # raises when the settings refuse the session
    gait_settings = GaitSettings.from_dict(settings.gait)
    trials = decisions.trials(session)
    not_done = decisions.cannot_perform(session)
    if is_continuous(trials, not_done):
        measures, trial_rows = _continuous(session, settings, gait_settings)
    else:
        walk_measures, walk_trials = _walk_tests(session, trials, not_done, settings, gait_settings)
        strength_measures, strength_trials = _strength_tests(session, trials, not_done, settings)
        measures = walk_measures + strength_measures
        trial_rows = walk_trials + strength_trials
    for row in measures:  # integrity problems travel with every measure, never silently
        row["flags"] = flag_every_measure(row.get("flags", ""), integrity)

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
        flags=tuple(_session_flags(session, settings) + integrity),
    )


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
        for record in map(TrialRecord.from_decision, _records(rows)):
            if record.stop_host_ns is None:
                continue
            walk = walk_trial_result(session, record.as_row(), settings, gaps=gaps)
            for item in walk_trial_rows(walk):
                trial_rows.append(_trial_row("gait", record, item, record.status, record.reason))
            if record.status == TrialStatus.ACCEPTED:
                analysed.append(walk)
        if analysed:
            test_rows = walk_test_measures(
                test, analysed, min_variability_strides=gait_settings.min_variability_strides
            )
        elif reasons:
            test_rows = not_performed_measures(test, f"cannot_perform:{flag_text(reasons[-1])}")
        else:
            test_rows = not_performed_measures(test, "no_accepted_trial")
        measures += [
            MeasureRow(
                key=MeasureKey("gait", test, "", "", "", row["measure"]),
                value=float(row["value"]),
                unit=row["unit"],
                n=int(row["n"]),
                flags=row["flags"],
            ).to_dict()
            for row in test_rows
        ]
    return measures, trial_rows


def _continuous(
    session: Session, settings: ProcessingSettings, gait_settings: GaitSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Measures and per-effort trial rows of a session without trials."""
    efforts = find_session_efforts(session, settings)
    trial_rows = [
        _trial_row("strength", e.record, item, e.record.status, e.record.reason)
        for e in efforts
        for item in strength_trial_rows(e.result)
    ]
    measures = continuous_gait_measures(session, settings, gait_settings)
    return measures + effort_measures(efforts, session, settings), trial_rows


def _strength_tests(
    session: Session,
    trials: pd.DataFrame,
    not_done: pd.DataFrame,
    settings: ProcessingSettings,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The visit strength measures (:func:`strength_visit_rows`) and per-trial rows."""
    gaps = session.gaps
    trial_rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str], list[StrengthTrial]] = {}
    gapped: dict[tuple[str, str, str], list[str]] = {}
    for record in map(TrialRecord.from_decision, _records(trials[trials["test"] == STRENGTH_TEST])):
        key = (record.muscle, record.side, record.method)
        groups.setdefault(key, [])
        if record.stop_host_ns is None:
            continue
        accepted = record.status == TrialStatus.ACCEPTED
        if accepted and overlaps_gap(
            gaps, settings.force_stream, record.start_host_ns, record.stop_host_ns
        ):
            gapped[key] = [DATA_GAP]
        result = force_trial_result(session, record.as_row(), settings)
        status, reason = record.status, record.reason
        if accepted and (result is None or not result.valid):
            status = TrialStatus.INVALID
            reason = "no force samples" if result is None else ";".join(result.reasons)
        for item in strength_trial_rows(result):
            trial_rows.append(_trial_row("strength", record, item, status, reason))
        if accepted and result is not None:
            groups[key].append(StrengthTrial(record.muscle, record.side, record.trial, result))
    cannot = [
        CannotPerformRecord.from_decision(row)
        for row in _records(not_done[not_done["test"] == STRENGTH_TEST])
    ]
    for skipped in cannot:
        if not skipped.muscle:
            continue
        key = (skipped.muscle, skipped.side, skipped.method)
        if not groups.get(key):
            groups[key] = [
                StrengthTrial(skipped.muscle, skipped.side, 1, cannot_perform_reason=skipped.reason)
            ]
    if not groups:
        return [], trial_rows
    by_method: dict[str, list[StrengthTrial]] = {}
    for (_, _, method), group in sorted(groups.items()):
        by_method.setdefault(method, []).extend(group)
    options = StrengthVisitOptions(
        summary_statistic=settings.strength_summary,
        participant=ParticipantStrengthInfo.from_mapping(
            session.metadata.extra, source="session metadata"
        ),
        normative=load_normative(settings.strength_normative),
        reference=load_reference(settings.strength_reference),
        megascore_method=settings.megascore_method,
    )
    rows, _ = strength_visit_rows(by_method, options, group_flags=gapped)
    return [row.to_dict() for row in rows], trial_rows


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]


def _trial_row(
    domain: str, record: TrialRecord, item: dict[str, Any], status: str, reason: str
) -> dict[str, Any]:
    return {
        "domain": domain,
        "test": record.test,
        "trial": record.trial,
        "muscle": record.muscle,
        "side": record.side,
        "method": record.method,
        "status": str(status),
        "reason": reason or "",
        "start_utc": format_utc_ns(record.start_host_ns),
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
