"""Event vocabulary of a session's event log (``events.jsonl``).

Every event is one JSON line: ``seq`` (0, 1, 2, ...), ``host_time_ns`` (host clock, ns since the
Unix epoch, UTC), ``utc`` (the same instant as ISO 8601), ``type`` (one of the names below) and the
type's fields. :data:`REQUIRED_FIELDS` lists the fields each type must carry; any other JSON-able
field may be added (e.g. ``distance_m`` on a walk, ``method`` on a strength trial).

Test codes: the timed walks ``10MWT``, ``T25FW``, ``2MWT``, ``6MWT`` and ``HHD`` for handheld
dynamometry. Strength trials carry ``muscle`` (e.g. ``knee_extension``), ``side`` (``left`` or
``right``) and ``method`` (``make`` or ``break``).

A trial is the time between its ``trial_started`` and ``trial_stopped`` events; it counts unless a
``trial_rejected`` event (or a later audit entry) rejects it. ``reference_value`` stores a site
reference measurement of a walk trial taken beside the IMU (``quantity`` ``walk_time_s`` from a
stopwatch, ``distance_m``, or ``gait_speed_mps`` from a walkway; ``value``; ``reference_method``,
e.g. ``stopwatch``), used by ``alsmotion validate --sessions``. A trial repeated under the same
number is a new attempt (optionally numbered with an ``attempt`` field); later events about that
trial apply to its latest attempt unless they name one. ``cannot_perform`` records that a test
(or one muscle and side) could not be done, with the reason: a result, not a blank.
``session_started``, ``checkpoint`` and ``audit_appended`` are written by alsmotion itself
(:data:`WRITER_EVENT_TYPES`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.vocabulary import TRIAL_SIDES, EventType, Method

TEST_STARTED = EventType.TEST_STARTED
TEST_STOPPED = EventType.TEST_STOPPED
TRIAL_STARTED = EventType.TRIAL_STARTED
TRIAL_STOPPED = EventType.TRIAL_STOPPED
TRIAL_ACCEPTED = EventType.TRIAL_ACCEPTED
TRIAL_REJECTED = EventType.TRIAL_REJECTED
CANNOT_PERFORM = EventType.CANNOT_PERFORM
DEVICE_CONNECTED = EventType.DEVICE_CONNECTED
DEVICE_DISCONNECTED = EventType.DEVICE_DISCONNECTED
DEVICE_GAP = EventType.DEVICE_GAP
TIMING_FIT = EventType.TIMING_FIT
NOTE = EventType.NOTE
REFERENCE_VALUE = EventType.REFERENCE_VALUE
SESSION_STARTED = EventType.SESSION_STARTED
CHECKPOINT = EventType.CHECKPOINT
AUDIT_APPENDED = EventType.AUDIT_APPENDED

#: Fields each event type must carry (besides seq, host_time_ns, utc, type).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    TEST_STARTED: ("test",),
    TEST_STOPPED: ("test",),
    TRIAL_STARTED: ("test", "trial"),
    TRIAL_STOPPED: ("test", "trial"),
    TRIAL_ACCEPTED: ("test", "trial"),
    TRIAL_REJECTED: ("test", "trial", "reason"),
    CANNOT_PERFORM: ("test", "reason"),
    DEVICE_CONNECTED: ("stream",),
    DEVICE_DISCONNECTED: ("stream",),
    DEVICE_GAP: ("stream", "start_host_ns", "end_host_ns", "reason"),
    TIMING_FIT: ("stream", "fit"),
    NOTE: ("text",),
    REFERENCE_VALUE: ("test", "trial", "quantity", "value", "reference_method"),
    SESSION_STARTED: ("session_json_sha256",),
    CHECKPOINT: ("streams", "events_sha256"),
    AUDIT_APPENDED: ("audit_seq", "audit_sha256", "events_sha256"),
}

#: Events only the session writer logs (format 2): ``session_started`` first, holding the
#: SHA-256 of session.json as written; ``checkpoint`` when a stream is added, every few seconds
#: while batches are written and on close, holding per stream ``n_batches`` (record batches
#: fsync'd so far) and ``last_sha256`` (the last one's SHA-256), and ``events_sha256``, the
#: SHA-256 of the log's lines before it; ``audit_appended`` after each audit entry appended to a
#: session without a manifest (:func:`alsmotion.session.append_audit`), holding the entry's
#: ``audit_seq`` and ``audit_sha256`` (its ``sha256``, the head of the audit chain) and
#: ``events_sha256`` as a checkpoint does.
WRITER_EVENT_TYPES = (SESSION_STARTED, CHECKPOINT, AUDIT_APPENDED)
#: Writer events holding ``events_sha256``, the SHA-256 of the event log's lines before them.
DIGEST_EVENT_TYPES = (CHECKPOINT, AUDIT_APPENDED)

EVENT_TYPES = tuple(REQUIRED_FIELDS)

#: Codes of the timed walk tests (their distances and durations are in
#: ``alsmotion.gait.TIMED_WALK_TESTS``; a walk without a fixed distance logs ``distance_m`` on
#: ``trial_stopped``, or on its ``trial_accepted`` when the distance is measured after the walk).
WALK_TESTS = ("10MWT", "T25FW", "2MWT", "6MWT")
STRENGTH_TEST = "HHD"
TEST_CODES = (*WALK_TESTS, STRENGTH_TEST)
#: Test of the measures of a session without trial events, processed as a continuous recording
#: (:mod:`alsmotion.processing.continuous`); not a test code of the event log.
CONTINUOUS_TEST = "continuous"
SIDES = tuple(TRIAL_SIDES)
METHODS = tuple(Method)

#: Fields that identify one trial (strength trials add muscle and side).
TRIAL_KEY_FIELDS = ("test", "muscle", "side", "trial")
#: Field of a ``trial_accepted`` event: why a timed walk (2MWT, 6MWT) stopped before its time.
STOPPED_EARLY_REASON = "stopped_early_reason"

RESERVED_FIELDS = ("seq", "host_time_ns", "utc", "type")


def validate_event(event_type: str, fields: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidInputError` if an event does not follow the vocabulary."""
    if event_type not in REQUIRED_FIELDS:
        raise InvalidInputError(
            f"unknown event type {event_type!r}: use one of {', '.join(EVENT_TYPES)}"
        )
    reserved = sorted(set(fields) & set(RESERVED_FIELDS))
    if reserved:
        raise InvalidInputError(f"event fields {reserved} are set by the session, not the caller")
    missing = [name for name in REQUIRED_FIELDS[event_type] if name not in fields]
    if missing:
        raise InvalidInputError(f"event {event_type!r} needs field(s) {', '.join(missing)}")
    test = fields.get("test")
    if test is not None and test not in TEST_CODES:
        raise InvalidInputError(f"unknown test code {test!r}: use one of {', '.join(TEST_CODES)}")
    if test == STRENGTH_TEST and event_type in (TRIAL_STARTED, TRIAL_STOPPED):
        for name in ("muscle", "side"):
            if not fields.get(name):
                raise InvalidInputError(f"a {STRENGTH_TEST} {event_type} event needs {name!r}")
    side = fields.get("side")
    if side is not None and side not in SIDES:
        raise InvalidInputError(f"side must be one of {', '.join(SIDES)}, got {side!r}")
    method = fields.get("method")
    if method is not None and method not in METHODS:
        raise InvalidInputError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    trial = fields.get("trial")
    if trial is not None and (isinstance(trial, bool) or not isinstance(trial, int) or trial < 1):
        raise InvalidInputError(f"trial must be a positive integer, got {trial!r}")
    for name, value in fields.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInputError(f"event field {name!r} is {value}: use a finite number")


#: Fields of specific event types that must be whole numbers of nanoseconds.
_NS_FIELDS = ("start_host_ns", "end_host_ns")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_sha256(value: Any) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def _is_checkpoint(streams: Any) -> bool:
    return isinstance(streams, dict) and all(
        isinstance(entry, dict)
        and set(entry) == {"n_batches", "last_sha256"}
        and _is_int(entry["n_batches"])
        and entry["n_batches"] >= 1
        and _is_sha256(entry["last_sha256"])
        for entry in streams.values()
    )


def event_log_problems(records: Sequence[Mapping[str, Any]], *, path: Path) -> list[str]:
    """Check the event log as read: every record must follow the vocabulary (else
    :class:`SessionError` naming the line) and ``seq`` must run 0, 1, 2, ... in file order.

    Returns the sequence problems (a line removed, repeated or moved), one per break.
    """
    problems = []
    for line, record in enumerate(records, start=1):
        kind = record.get("type")
        if not _is_int(record.get("seq")) or not _is_int(record.get("host_time_ns")):
            raise SessionError(
                "event without integer 'seq' and 'host_time_ns'", path=path, line=line
            )
        if not isinstance(kind, str) or not isinstance(record.get("utc"), str):
            raise SessionError("event without a 'type' and 'utc' text", path=path, line=line)
        fields = {k: v for k, v in record.items() if k not in RESERVED_FIELDS}
        try:
            validate_event(kind, fields)
        except InvalidInputError as exc:
            raise SessionError(str(exc), path=path, line=line) from None
        if kind == DEVICE_GAP and not all(_is_int(record[name]) for name in _NS_FIELDS):
            raise SessionError("device_gap times are not integer ns", path=path, line=line)
        if kind == TIMING_FIT and not isinstance(record["fit"], dict):
            raise SessionError("timing_fit 'fit' is not a JSON object", path=path, line=line)
        if kind == SESSION_STARTED and not _is_sha256(record["session_json_sha256"]):
            raise SessionError("session_started without a SHA-256", path=path, line=line)
        if kind == CHECKPOINT and not (
            _is_checkpoint(record["streams"]) and _is_sha256(record["events_sha256"])
        ):
            raise SessionError(
                "checkpoint without 'streams' {stream: {n_batches, last_sha256}} and "
                "'events_sha256'",
                path=path,
                line=line,
            )
        if kind == AUDIT_APPENDED and not (
            _is_int(record["audit_seq"])
            and record["audit_seq"] >= 1
            and _is_sha256(record["audit_sha256"])
            and _is_sha256(record["events_sha256"])
        ):
            raise SessionError(
                "audit_appended without an 'audit_seq' (>= 1), 'audit_sha256' and 'events_sha256'",
                path=path,
                line=line,
            )
        if "distance_m" in fields and not (
            fields["distance_m"] is None
            or (
                isinstance(fields["distance_m"], int | float)
                and not isinstance(fields["distance_m"], bool)
            )
        ):
            raise SessionError("distance_m is not a number", path=path, line=line)
        if record["seq"] != line - 1:
            problems.append(
                f"events: line {line} has seq {record['seq']}, expected {line - 1} "
                "(event removed, repeated or moved)"
            )
    return problems
