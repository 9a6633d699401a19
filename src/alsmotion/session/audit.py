"""Audit log of changes made after recording (``audit.jsonl``): append-only and hash-chained.

Each entry is one JSON line with ``seq``, ``utc`` (when, UTC), ``who``, ``what`` (one of
:data:`AUDIT_ACTIONS`), ``why``, ``change`` (what it applies to, with ``before`` and ``after``),
``prev_sha256`` (the previous entry's hash, 64 zeros for the first) and ``sha256`` (SHA-256 of the
entry's canonical JSON without ``sha256``). Editing, reordering or deleting an entry in the middle
breaks the chain; raw files are never rewritten (the manifest would catch it).

Actions and the keys their ``change`` needs besides ``before`` and ``after``:

- ``reject_trial`` / ``accept_trial``: ``test``, ``trial`` (+ ``muscle``, ``side`` for HHD);
  ``before``/``after`` are ``"accepted"``/``"rejected"``.
- ``reassign_visit``: the session's visit label changes from ``before`` to ``after``.
- ``correct_note``: ``event_seq`` of the note; ``before``/``after`` are the texts.
- ``cannot_perform``: ``test`` (+ ``muscle``, ``side``); records afterwards that a test could not
  be done (``before`` None, ``after`` the reason).
- ``reference_value``: ``test``, ``trial``, ``quantity``, ``reference_method``; a site reference
  value of a walk (stopwatch time, walkway speed) entered afterwards (``before`` the earlier value
  or None, ``after`` the value).
- ``seal_interrupted``: the manifest of an interrupted recording was written afterwards
  (:func:`alsmotion.session.seal.seal_interrupted_session`).
- ``create_session``: the first entry of every session of format 2, written by the session
  writer (:func:`start_audit_log`): who created the session and ``session_json_sha256``, the
  SHA-256 of its ``session.json`` (``before`` None, ``after`` ``"created"``). An empty audit log
  in such a session was emptied.

On a session of format 2 without a manifest (a recording cut off by a crash) every entry
appended is mirrored by an ``audit_appended`` event in the event log, written after the entry:
the entry's ``seq`` and ``sha256`` (the head of the chain) and the SHA-256 of the event lines
before it. An entry removed, edited or reordered later then no longer matches the event that
names it; a closed session's manifest anchors the log instead.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.session import events as ev
from alsmotion.session.jsonlines import (
    append_line,
    dumps_canonical,
    parse_json_document,
    read_file_bytes,
    read_lines,
)
from alsmotion.session.layout import AUDIT_FILE, CROSS_CHECKED_FORMAT, EVENTS_FILE, METADATA_FILE
from alsmotion.session.manifest import anchor_audit, read_manifest
from alsmotion.session.metadata import format_utc, format_utc_ns, utc_now
from alsmotion.session.pseudonym import validate_operator
from alsmotion.vocabulary import EventType

GENESIS_SHA256 = "0" * 64

REJECT_TRIAL = "reject_trial"
ACCEPT_TRIAL = "accept_trial"
REASSIGN_VISIT = "reassign_visit"
CORRECT_NOTE = "correct_note"
#: Records afterwards a test that could not be performed (same name as the event it stands for).
CANNOT_PERFORM = EventType.CANNOT_PERFORM
SEAL_INTERRUPTED = "seal_interrupted"
CREATE_SESSION = "create_session"
REFERENCE_VALUE = EventType.REFERENCE_VALUE

#: Keys each action's ``change`` must hold (besides ``before`` and ``after``).
AUDIT_ACTIONS: dict[str, tuple[str, ...]] = {
    REJECT_TRIAL: ("test", "trial"),
    ACCEPT_TRIAL: ("test", "trial"),
    REASSIGN_VISIT: (),
    CORRECT_NOTE: ("event_seq",),
    CANNOT_PERFORM: ("test",),
    SEAL_INTERRUPTED: (),
    REFERENCE_VALUE: ("test", "trial", "quantity", "reference_method"),
    CREATE_SESSION: ("session_json_sha256",),
}


def entry_sha256(entry: dict[str, Any]) -> str:
    """SHA-256 of an entry's canonical JSON, without its own ``sha256`` field."""
    body = {key: value for key, value in entry.items() if key != "sha256"}
    return hashlib.sha256(dumps_canonical(body).encode("utf-8")).hexdigest()


def append_audit(
    session_path: str | Path, *, who: str, what: str, why: str, change: dict[str, Any]
) -> dict[str, Any]:
    """Append one change to a session's audit log and return the stored entry.

    On a closed session the manifest's anchor is updated; on an unclosed one of format 2 an
    ``audit_appended`` event mirrors the entry (refused when the event log ends in a torn line:
    seal the session first). Not for a session still being recorded: append after ``close()``.

    Parameters
    ----------
    session_path : the session folder.
    who : the person making the change: an operator code or login name (checked like
        :func:`alsmotion.session.pseudonym.validate_operator`: no names or e-mail addresses).
    what : the action, one of :data:`AUDIT_ACTIONS`.
    why : the reason, in words.
    change : what the action applies to, with ``before`` and ``after`` values.
    """
    return _append(Path(session_path), who=who, what=what, why=why, change=change, sealing=False)


def append_seal_entry(
    session_path: Path, *, who: str, why: str, change: dict[str, Any]
) -> dict[str, Any]:
    """Append the ``seal_interrupted`` entry of
    :func:`alsmotion.session.seal.seal_interrupted_session`: as :func:`append_audit`, but an
    event log ending in a torn line (what a crash often leaves) takes no mirror event; the
    manifest written next anchors the entry."""
    return _append(
        session_path, who=who, what=SEAL_INTERRUPTED, why=why, change=change, sealing=True
    )


def _append(
    path: Path, *, who: str, what: str, why: str, change: dict[str, Any], sealing: bool
) -> dict[str, Any]:
    if not (path / METADATA_FILE).is_file():
        raise SessionError("not an alsmotion session folder", path=path)
    if what not in AUDIT_ACTIONS or what == CREATE_SESSION:
        raise InvalidInputError(
            f"unknown audit action {what!r}: use one of "
            f"{', '.join(action for action in AUDIT_ACTIONS if action != CREATE_SESSION)}"
        )
    for name, value in (("who", who), ("why", why)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"an audit entry needs a non-empty {name!r}")
    who = validate_operator(who)  # an operator code, never a name or an e-mail address
    missing = [key for key in (*AUDIT_ACTIONS[what], "before", "after") if key not in change]
    if missing:
        raise InvalidInputError(f"audit action {what!r} needs change keys {', '.join(missing)}")
    records, torn = read_lines(path / AUDIT_FILE)
    if torn:
        raise SessionError(
            "the audit log ends in a torn line; run `alsmotion verify` and repair it first",
            path=path,
        )
    problems = chain_problems(records)
    if problems:
        raise SessionError(f"the audit log is broken ({problems[0]}); not appending", path=path)
    mirror = _event_log_to_mirror_in(path, sealing=sealing)
    entry = _chained_entry(records, who=who, what=what, why=why, change=change)
    append_line(path / AUDIT_FILE, entry)
    if mirror is not None:  # after the entry: a crash in between leaves an entry no event names
        n_events, events_sha256 = mirror
        now_ns = time.time_ns()
        append_line(
            path / EVENTS_FILE,
            {
                "seq": n_events,
                "host_time_ns": now_ns,
                "utc": format_utc_ns(now_ns),
                "type": ev.AUDIT_APPENDED,
                "audit_seq": entry["seq"],
                "audit_sha256": entry["sha256"],
                "events_sha256": events_sha256,
            },
        )
    anchor_audit(path, [*records, entry])
    return entry


def _event_log_to_mirror_in(path: Path, *, sealing: bool) -> tuple[int, str] | None:
    """The number of events and the SHA-256 of the event log of an unclosed session of format 2
    (None: closed, of format 1, or being sealed with a torn event log)."""
    if read_manifest(path) is not None:
        return None
    document = parse_json_document(
        read_file_bytes(path / METADATA_FILE, what=METADATA_FILE),
        path=path / METADATA_FILE,
        what=METADATA_FILE,
    )
    version = document.get("format_version") if isinstance(document, dict) else None
    if type(version) is not int or version < CROSS_CHECKED_FORMAT:
        return None
    events, torn = read_lines(path / EVENTS_FILE)
    if torn and sealing:
        return None
    if torn:
        raise SessionError(
            "the session was not closed and its event log ends in a torn line (the recording "
            "was interrupted while logging), so the audit entry cannot be recorded in it: seal "
            "the session first (`alsmotion seal`), then append",
            path=path,
        )
    raw = read_file_bytes(path / EVENTS_FILE, what=EVENTS_FILE) if events else b""
    return len(events), hashlib.sha256(raw).hexdigest()


def _chained_entry(
    records: list[dict[str, Any]], *, who: str, what: str, why: str, change: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": len(records),
        "utc": format_utc(utc_now()),
        "who": who,
        "what": what,
        "why": why,
        "change": dict(change),
        "prev_sha256": records[-1]["sha256"] if records else GENESIS_SHA256,
    }
    try:
        entry["sha256"] = entry_sha256(entry)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"audit change must be JSON-able: {exc}") from None
    return entry


def start_audit_log(session_path: Path, *, who: str, session_json_sha256: str) -> dict[str, Any]:
    """Write the ``create_session`` entry that starts a new session's audit log (called by the
    session writer before it writes ``session.json``, whose SHA-256 it records)."""
    entry = _chained_entry(
        [],
        who=validate_operator(who),
        what=CREATE_SESSION,
        why="session created by the recorder",
        change={"before": None, "after": "created", "session_json_sha256": session_json_sha256},
    )
    append_line(session_path / AUDIT_FILE, entry)
    return entry


def chain_problems(records: list[dict[str, Any]]) -> list[str]:
    """What breaks the hash chain of ``records`` (empty list: intact)."""
    problems = []
    previous = GENESIS_SHA256
    for index, entry in enumerate(records):
        if entry.get("seq") != index:
            problems.append(
                f"audit log: entry {index}: sequence number {entry.get('seq')} (entry removed?)"
            )
        if entry.get("prev_sha256") != previous:
            problems.append(f"audit log: entry {index}: does not chain to the entry before it")
        if entry.get("sha256") != entry_sha256(entry):
            problems.append(f"audit log: entry {index}: content does not match its hash (edited)")
        previous = entry.get("sha256", "")
    return problems


def entry_problems(records: list[dict[str, Any]]) -> list[str]:
    """Entries that do not have the shape :func:`append_audit` writes (empty list: all do)."""
    problems = []
    for index, entry in enumerate(records):
        what, change = entry.get("what"), entry.get("change")
        if not isinstance(what, str) or what not in AUDIT_ACTIONS:
            problems.append(f"audit log: entry {index}: unknown action {what!r:.60}")
            continue
        if not all(isinstance(entry.get(name), str) for name in ("who", "why", "utc")):
            problems.append(f"audit log: entry {index}: 'who', 'why' and 'utc' must be text")
        if not isinstance(change, dict):
            problems.append(f"audit log: entry {index}: 'change' is not a JSON object")
            continue
        missing = [key for key in (*AUDIT_ACTIONS[what], "before", "after") if key not in change]
        if missing:
            problems.append(f"audit log: entry {index}: change lacks {', '.join(missing)}")
        elif what == CORRECT_NOTE and not isinstance(change["event_seq"], int):
            problems.append(f"audit log: entry {index}: event_seq is not an event number")
    return problems
