"""Typed records between the session's decisions and the measure tables: a trial as decided
(:class:`TrialRecord`), a test that could not be performed (:class:`CannotPerformRecord`), and the
key and row of one measure (:class:`MeasureKey`, :class:`MeasureRow`).

A strength record that names no method is a make test: :data:`alsmotion.vocabulary.DEFAULT_METHOD`
is applied here, once, when a record is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from alsmotion.session.events import STRENGTH_TEST
from alsmotion.vocabulary import DEFAULT_METHOD, Method, TrialStatus


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def record_method(test: str, method: Any) -> str:
    """The method of a record: its own, the default for a strength test that names none, or
    ``""`` for tests without methods (walks)."""
    text = _text(method)
    if text:
        return str(Method(text))
    return str(DEFAULT_METHOD) if test == STRENGTH_TEST else ""


@dataclass(frozen=True)
class TrialRecord:
    """One trial attempt as the event and audit logs decide it (a row of
    :func:`alsmotion.session.decisions.trials`).

    ``stop_host_ns`` is None for a trial that never stopped; ``extra`` holds further logged fields
    (``distance_m``, ``attempt``, ...).
    """

    test: str
    trial: int
    muscle: str
    side: str
    method: str
    status: TrialStatus
    reason: str
    start_host_ns: int
    stop_host_ns: int | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_decision(cls, row: Mapping[str, Any]) -> TrialRecord:
        known = {"test", "trial", "muscle", "side", "method", "status", "reason"}
        known |= {"start_host_ns", "stop_host_ns"}
        stop = row.get("stop_host_ns")
        test = str(row["test"])
        return cls(
            test=test,
            trial=int(row["trial"]),
            muscle=_text(row.get("muscle")),
            side=_text(row.get("side")),
            method=record_method(test, row.get("method")),
            status=TrialStatus(row["status"]),
            reason=_text(row.get("reason")),
            start_host_ns=int(row["start_host_ns"]),
            stop_host_ns=None if stop is None or pd.isna(stop) else int(stop),
            extra={k: v for k, v in row.items() if k not in known},
        )

    @property
    def stopped(self) -> bool:
        return self.stop_host_ns is not None

    def as_row(self) -> dict[str, Any]:
        """The record as the dict the walk analysis reads (``distance_m`` and the extras)."""
        return {
            "test": self.test,
            "trial": self.trial,
            "muscle": self.muscle,
            "side": self.side,
            "method": self.method,
            "status": str(self.status),
            "reason": self.reason,
            "start_host_ns": self.start_host_ns,
            "stop_host_ns": self.stop_host_ns,
            **self.extra,
        }


@dataclass(frozen=True)
class CannotPerformRecord:
    """A test, or one muscle, side and method of it, that could not be done, with the reason."""

    test: str
    muscle: str
    side: str
    method: str
    reason: str

    @classmethod
    def from_decision(cls, row: Mapping[str, Any]) -> CannotPerformRecord:
        test = str(row["test"])
        return cls(
            test=test,
            muscle=_text(row.get("muscle")),
            side=_text(row.get("side")),
            method=record_method(test, row.get("method")) if _text(row.get("muscle")) else "",
            reason=_text(row.get("reason")),
        )


@dataclass(frozen=True, order=True)
class MeasureKey:
    """What a measure is: domain, test, muscle, side, method and measure name (empty strings
    where a part does not apply, e.g. muscle and side of a walk or of the megascore)."""

    domain: str
    test: str
    muscle: str
    side: str
    method: str
    measure: str


@dataclass(frozen=True)
class MeasureRow:
    """One measure of a session with its unit, count behind it and ';'-joined flags."""

    key: MeasureKey
    value: float
    unit: str
    n: int
    flags: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.key.domain,
            "test": self.key.test,
            "measure": self.key.measure,
            "muscle": self.key.muscle,
            "side": self.key.side,
            "method": self.key.method,
            "value": self.value,
            "unit": self.unit,
            "n": self.n,
            "flags": self.flags,
        }
