"""Decisions as they stand now: the event log as recorded, with the audit log applied on top.

The raw events are never changed. A trial rejected later, a visit reassigned, a note corrected or
a test marked "cannot perform" afterwards is an audit entry; these functions replay the entries in
order (the last one wins) and return the current state. An audit log whose hash chain is broken
(or whose entries are malformed) is never replayed: they raise :class:`SessionError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import SessionError
from alsmotion.session import audit
from alsmotion.session import events as ev
from alsmotion.session.reader import Session
from alsmotion.vocabulary import TrialStatus

ACCEPTED = TrialStatus.ACCEPTED
REJECTED = TrialStatus.REJECTED
INCOMPLETE = TrialStatus.INCOMPLETE

TRIAL_COLUMNS = [
    "test",
    "muscle",
    "side",
    "method",
    "trial",
    "start_host_ns",
    "stop_host_ns",
    "status",
    "reason",
    "distance_m",
]
_FIXED = set(TRIAL_COLUMNS) | set(ev.RESERVED_FIELDS)


def _audit_entries(session: Session) -> tuple[dict[str, Any], ...]:
    """The audit entries to replay; refuses a log whose chain is broken."""
    if session.audit_problems:
        raise SessionError(
            f"the audit log is broken ({session.audit_problems[0]}): decisions cannot be "
            "replayed; run `alsmotion verify` and restore audit.jsonl from a copy that verifies",
            path=session.path,
        )
    return session.audit_records


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(record.get(name) for name in ev.TRIAL_KEY_FIELDS)


def trials(session: Session) -> pd.DataFrame:
    """One row per trial attempt: key fields, start/stop host times (ns), status and reason.

    Status is ``accepted`` unless a ``trial_rejected`` event or a later audit entry rejects it, or
    ``incomplete`` when the trial never stopped (recording interrupted). Extra fields logged on
    the start/stop events (e.g. ``distance_m``, ``method``, ``attempt``) are kept, and the distance
    and stopped-early reason logged with a walk's acceptance. A trial number
    started again (a repeat after a rejection) is a new row; stop events and decisions apply to
    the latest attempt of that trial, or to the one whose ``attempt`` field they name.
    """
    rows: list[dict[str, Any]] = []
    for record in session.event_records:
        kind = record["type"]
        if kind == ev.TRIAL_STARTED:
            extra = {k: v for k, v in record.items() if k not in _FIXED}
            rows.append(
                {
                    **{name: record.get(name) for name in ev.TRIAL_KEY_FIELDS},
                    "method": record.get("method"),
                    "start_host_ns": record["host_time_ns"],
                    "stop_host_ns": None,
                    "status": INCOMPLETE,
                    "reason": "trial never stopped (recording interrupted)",
                    "distance_m": record.get("distance_m"),
                    **extra,
                }
            )
            continue
        row = _latest(rows, record)
        if row is None:
            continue
        if kind == ev.TRIAL_STOPPED:
            row["stop_host_ns"] = record["host_time_ns"]
            row["status"], row["reason"] = ACCEPTED, ""
            if record.get("distance_m") is not None:
                row["distance_m"] = record["distance_m"]
            row.update({k: v for k, v in record.items() if k not in _FIXED})
        elif kind in (ev.TRIAL_ACCEPTED, ev.TRIAL_REJECTED):
            _decide(row, kind == ev.TRIAL_ACCEPTED, record.get("reason", ""))
            # a timed walk's distance is measured after it ends and logged with the decision
            if kind == ev.TRIAL_ACCEPTED and record.get("distance_m") is not None:
                row["distance_m"] = record["distance_m"]
            if kind == ev.TRIAL_ACCEPTED and record.get(ev.STOPPED_EARLY_REASON):
                row[ev.STOPPED_EARLY_REASON] = record[ev.STOPPED_EARLY_REASON]
    for entry in _audit_entries(session):
        if entry["what"] in (audit.ACCEPT_TRIAL, audit.REJECT_TRIAL):
            row = _latest(rows, entry["change"])
            if row is not None:
                _decide(row, entry["what"] == audit.ACCEPT_TRIAL, entry["why"])
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=TRIAL_COLUMNS)
    for name in ("start_host_ns", "stop_host_ns"):  # exact integer ns; None: never stopped
        values = [row[name] for row in rows]
        frame[name] = pd.Series(values, dtype=object if None in values else np.int64)
    extra_columns = sorted(c for c in frame.columns if c not in TRIAL_COLUMNS)
    return frame[TRIAL_COLUMNS + extra_columns].reset_index(drop=True)


def _latest(rows: list[dict[str, Any]], record: dict[str, Any]) -> dict[str, Any] | None:
    """The latest row with the record's trial key (and attempt, when the record names one)."""
    key = _key(record)
    for row in reversed(rows):
        if _key(row) != key:
            continue
        if "attempt" in record and row.get("attempt") != record["attempt"]:
            continue
        return row
    return None


def _decide(row: dict[str, Any], accepted: bool, reason: str) -> None:
    if row["stop_host_ns"] is None:
        return
    row["status"] = ACCEPTED if accepted else REJECTED
    row["reason"] = "" if accepted else reason


def cannot_perform(session: Session) -> pd.DataFrame:
    """Tests (or muscle, side and method) that could not be done: test, muscle, side, method
    (None when the record names none), reason."""
    columns = ["test", "muscle", "side", "method", "reason"]
    rows = [
        {name: record.get(name) for name in columns}
        for record in session.event_records
        if record["type"] == ev.CANNOT_PERFORM
    ]
    rows += [
        {**{name: entry["change"].get(name) for name in columns[:4]}, "reason": entry["why"]}
        for entry in _audit_entries(session)
        if entry["what"] == audit.CANNOT_PERFORM
    ]
    return pd.DataFrame(rows, columns=columns)


def visit_label(session: Session) -> str:
    """The session's visit label after any ``reassign_visit`` audit entries."""
    label = session.metadata.visit
    for entry in _audit_entries(session):
        if entry["what"] == audit.REASSIGN_VISIT:
            label = str(entry["change"]["after"])
    return label


def notes(session: Session) -> pd.DataFrame:
    """Notes (seq, utc, text, corrected) with corrections from the audit log applied."""
    rows = {
        record["seq"]: {"seq": record["seq"], "utc": record["utc"], "text": record["text"]}
        for record in session.event_records
        if record["type"] == ev.NOTE
    }
    for row in rows.values():
        row["corrected"] = False
    for entry in _audit_entries(session):
        seq = entry["change"].get("event_seq") if entry["what"] == audit.CORRECT_NOTE else None
        if seq in rows:
            rows[seq]["text"] = entry["change"]["after"]
            rows[seq]["corrected"] = True
    return pd.DataFrame(list(rows.values()), columns=["seq", "utc", "text", "corrected"])
