"""What the connection side hands the stream consumer through the recorder's queue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notification:
    """The bytes of one notification, stamped on arrival (host monotonic ns)."""

    stream: str
    segment: int
    arrival_mono_ns: int
    data: bytes


@dataclass(frozen=True)
class LinkClosed:
    """Connection ``segment`` of ``stream`` is closed: release what it still holds."""

    stream: str
    segment: int


@dataclass(frozen=True)
class Shutdown:
    """The recording is over: store everything held and stop consuming."""


QueueMessage = Notification | LinkClosed | Shutdown
