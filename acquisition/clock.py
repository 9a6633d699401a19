"""The clocks the recorder reads, injectable so tests can drive time themselves."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Host time: a monotonic clock for intervals and the wall clock for UTC stamps."""

    def monotonic_ns(self) -> int: ...

    def time_ns(self) -> int: ...


class SystemClock:
    """The host's own clocks (``time.monotonic_ns`` and ``time.time_ns``)."""

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def time_ns(self) -> int:
        return time.time_ns()
