"""Cross-checks of a session's files against one another (session format 2).

A closed session is checked against its manifest; a session cut off by a crash has none, so the
writer leaves evidence in each file about the others:

* the event log starts with ``session_started`` and the audit log with ``create_session``, both
  holding the SHA-256 of ``session.json`` as written: an empty log, or a ``session.json`` edited
  afterwards, shows;
* ``checkpoint`` events record per stream the record batches on disk and the last one's SHA-256,
  and the SHA-256 of the event log's lines before them: batches missing before the last
  checkpoint, and events edited, removed or inserted before it, show;
* every record batch carries the number of events logged when it was written: events removed
  from the end of the log show against any batch written after them;
* an audit entry appended while there is no manifest is followed by an ``audit_appended``
  event naming its ``seq`` and ``sha256`` (the chain's head then) and holding the SHA-256 of
  the event lines before it, as a checkpoint does: audit entries removed, edited or reordered,
  and events changed before it, show. An entry that no event names yet is what a crash
  between the two writes leaves, and is accepted.

What stays undetectable without a manifest: a cut of the logs and the streams back to one
moment (a checkpoint, an ``audit_appended`` event, or later) is what a crash leaves, and a forger
who recomputes every hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from alsmotion.session import events as ev
from alsmotion.session.audit import CREATE_SESSION
from alsmotion.session.layout import (
    CROSS_CHECKED_FORMAT,
    EVENTS_FILE,
    METADATA_FILE,
    STREAM_SUFFIX,
)


def _first(records: Sequence[Mapping[str, Any]], key: str, value: str) -> Mapping[str, Any] | None:
    return records[0] if records and records[0].get(key) == value else None


def start_problems(
    format_version: int,
    metadata_sha256: str,
    events: Sequence[Mapping[str, Any]],
    audit: Sequence[Mapping[str, Any]],
) -> tuple[list[str], list[str]]:
    """Integrity problems and audit-log problems of the logs' first entries: missing in a
    format 2 session (a log emptied or its start removed), or naming another ``session.json``."""
    integrity: list[str] = []
    audit_problems: list[str] = []
    started = _first(events, "type", ev.SESSION_STARTED)
    created = _first(audit, "what", CREATE_SESSION)
    if format_version >= CROSS_CHECKED_FORMAT:
        if not events:
            integrity.append(
                f"{EVENTS_FILE}: empty, but this session format starts every event log with a "
                "session_started event (log emptied)"
            )
        elif started is None:
            integrity.append(
                f"{EVENTS_FILE}: does not start with the session_started event (first events "
                "removed, or the log replaced)"
            )
        if not audit:
            audit_problems.append(
                "audit log: missing or empty, but this session format starts it with a "
                "create_session entry (log deleted or emptied)"
            )
        elif created is None:
            audit_problems.append(
                "audit log: does not start with the create_session entry (log replaced)"
            )
    started_sha256 = started.get("session_json_sha256") if started else None
    change = created.get("change") if created else None
    created_sha256 = change.get("session_json_sha256") if isinstance(change, dict) else None
    logged = started_sha256 if started_sha256 is not None else created_sha256
    if logged is not None and logged != metadata_sha256:
        integrity.append(
            f"{METADATA_FILE}: differs from the SHA-256 logged when the session was created "
            "(edited afterwards, or the logs taken from another session)"
        )
    elif created_sha256 is not None and created_sha256 != metadata_sha256:
        audit_problems.append(
            "audit log: its create_session entry names another session.json (log taken from "
            "another session)"
        )
    return integrity, audit_problems


def checkpoint_problems(
    events: Sequence[Mapping[str, Any]], batch_sha256s: Mapping[str, Sequence[str]]
) -> list[str]:
    """Streams that hold fewer record batches than a checkpoint recorded on disk, or another
    batch at the checkpoint's last place; ``batch_sha256s`` maps each readable stream file's
    name (without suffix) to its batches' SHA-256 in file order. One problem per stream."""
    problems = []
    reported: set[str] = set()
    for record in events:
        if record["type"] != ev.CHECKPOINT:
            continue
        for name, entry in record["streams"].items():
            if name in reported:
                continue
            digests = batch_sha256s.get(name)
            n_batches, where = entry["n_batches"], f"the checkpoint at event {record['seq']}"
            file = f"{name:.64}{STREAM_SUFFIX}"
            if digests is None:
                problems.append(
                    f"stream {file}: missing or unreadable, but {where} recorded {n_batches} "
                    "record batch(es) of it on disk (file deleted or damaged)"
                )
            elif len(digests) < n_batches:
                problems.append(
                    f"stream {file}: {len(digests)} readable record batch(es), but {where} "
                    f"recorded {n_batches} on disk (batches removed from the end, or the file "
                    "cut)"
                )
            elif digests[n_batches - 1] != entry["last_sha256"]:
                problems.append(
                    f"stream {file}: record batch {n_batches - 1} is not the one {where} "
                    "recorded (batches replaced)"
                )
            else:
                continue
            reported.add(name)
    return problems


def events_digest_problems(raw: bytes, events: Sequence[Mapping[str, Any]]) -> list[str]:
    """Checkpoints and ``audit_appended`` events whose ``events_sha256`` differs from the
    SHA-256 of the lines before them (``raw``: the event log's bytes; ``events``: its records,
    one per complete line). Only the first such event is reported."""
    digest = hashlib.sha256()
    for line, record in zip(raw.split(b"\n"), events, strict=False):
        kind = record["type"]
        if kind in ev.DIGEST_EVENT_TYPES and record["events_sha256"] != digest.hexdigest():
            return [
                f"{EVENTS_FILE}: the lines before the {kind} event {record['seq']} differ "
                "from the SHA-256 it recorded (events edited, removed or inserted)"
            ]
        digest.update(line + b"\n")
    return []


def event_count_problems(
    n_events: int, event_counts: Mapping[str, Sequence[int | None]]
) -> list[str]:
    """Record batches stamped with more events than the log holds: events removed from its end
    (a crash loses at most an event being written, which no batch counts yet)."""
    problems = []
    for name, counts in sorted(event_counts.items()):
        over = [(index, count) for index, count in enumerate(counts) if (count or 0) > n_events]
        if over:
            index, count = over[0]
            problems.append(
                f"{EVENTS_FILE}: {n_events} events, but record batch {index} of stream "
                f"{name}{STREAM_SUFFIX} was written when {count} had been logged (events removed "
                "from the end of the log)"
            )
    return problems


def audit_mirror_problems(
    events: Sequence[Mapping[str, Any]], audit: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Audit entries an ``audit_appended`` event names that the audit log lacks or holds with
    another hash (entries removed, edited, replaced or reordered; the event is written after
    its entry, so a crash never leaves one naming an entry not on disk). Only the first is
    reported."""
    for record in events:
        if record["type"] != ev.AUDIT_APPENDED:
            continue
        index, where = record["audit_seq"], f"event {record['seq']}"
        if index >= len(audit):
            return [
                f"audit log: {len(audit)} entries, but {where} recorded entry {index} appended "
                "(entries removed from the end)"
            ]
        if audit[index].get("sha256") != record["audit_sha256"]:
            return [
                f"audit log: entry {index} is not the one {where} recorded (entries edited, "
                "removed, replaced or reordered)"
            ]
    return []
