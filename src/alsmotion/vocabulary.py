"""Closed vocabularies of alsmotion, each defined here once as a :class:`enum.StrEnum`.

A member compares equal to its text (``Side.LEFT == "left"``), so values read from event logs,
CSV files or JSON need no conversion; ``Side("left")`` refuses anything outside the vocabulary.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """Types of the events of a session's event log (``events.jsonl``)."""

    TEST_STARTED = "test_started"
    TEST_STOPPED = "test_stopped"
    TRIAL_STARTED = "trial_started"
    TRIAL_STOPPED = "trial_stopped"
    TRIAL_ACCEPTED = "trial_accepted"
    TRIAL_REJECTED = "trial_rejected"
    CANNOT_PERFORM = "cannot_perform"
    DEVICE_CONNECTED = "device_connected"
    DEVICE_DISCONNECTED = "device_disconnected"
    DEVICE_GAP = "device_gap"
    TIMING_FIT = "timing_fit"
    NOTE = "note"
    REFERENCE_VALUE = "reference_value"
    SESSION_STARTED = "session_started"
    CHECKPOINT = "checkpoint"
    AUDIT_APPENDED = "audit_appended"


class TrialStatus(StrEnum):
    """What became of a trial: accepted, rejected (operator or audit), cannot perform (the test
    was not possible: a result with a reason), incomplete (never stopped), invalid (accepted but
    its curve failed the analysis)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANNOT_PERFORM = "cannot_perform"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"


class Side(StrEnum):
    """Body side of a strength measure; ``both`` marks a left/right comparison (asymmetry)."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


#: Sides a trial can be recorded on.
TRIAL_SIDES = (Side.LEFT, Side.RIGHT)


class Method(StrEnum):
    """Handheld-dynamometry method: make (patient pushes against a still device) or break (the
    examiner overcomes the patient; reads 16-51 % higher, Burns 2005)."""

    MAKE = "make"
    BREAK = "break"


#: Method of a strength trial or cannot-perform record that does not name one.
DEFAULT_METHOD = Method.MAKE


class DeviceState(StrEnum):
    """Connection state of a recording device as reported to the user interface."""

    CONNECTING = "connecting"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"
    LOST = "lost"
    STOPPED = "stopped"
