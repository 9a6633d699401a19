"""Simulated time for asyncio tests: an event loop that jumps to its next timer when nothing is
ready, and the clock the recorder and the twins read from it. A 4 s recording then takes as long
as its computing, on any machine load, and every arrival falls exactly where the twins put it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

NS_PER_S = 1_000_000_000


class VirtualClock:
    """A monotonic clock moved only by :class:`VirtualTimeLoop` (the recorder's ``Clock``)."""

    def __init__(self) -> None:
        self.now_ns = 0
        self._utc_at_zero_ns = time.time_ns()

    def monotonic_ns(self) -> int:
        return self.now_ns

    def time_ns(self) -> int:
        return self._utc_at_zero_ns + self.now_ns


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on ``clock``: when no callback is ready and no file descriptor is readable,
    it advances the clock to its next timer instead of sleeping. Threads that call back into
    the loop (``call_soon_threadsafe``) still wake it, in real time."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self.clock = clock
        real_select = self._selector.select

        def select(timeout: float | None = None) -> list[Any]:
            ready = real_select(0)
            if ready or timeout is None or timeout <= 0:
                return ready if ready or timeout is not None else real_select(None)
            self.clock.now_ns += max(1, round(timeout * NS_PER_S))
            return []

        self._selector.select = select  # type: ignore[method-assign]

    def time(self) -> float:
        return self.clock.now_ns / NS_PER_S


def run_virtual(clock: VirtualClock, coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a :class:`VirtualTimeLoop` driven by ``clock``."""
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(clock)) as runner:
        return runner.run(coroutine)
