"""What the user interface is told about each device while recording."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from alsmotion.vocabulary import DeviceState

#: Device states reported by :meth:`alsmotion.acquisition.recorder.Recorder.status`.
STATES = tuple(DeviceState)


@dataclass(frozen=True)
class DeviceStatus:
    """Snapshot of one device for the user interface.

    Attributes
    ----------
    stream, address, model : which device.
    state : one of :data:`STATES`.
    battery_v : last battery voltage reported (V), None before the first report.
    low_power : the device warned that its battery is nearly empty.
    rate_hz : samples stored per second over the last 2 s.
    n_samples : samples stored in the session.
    n_gaps, n_missing_samples : gaps marked and the samples they lack (known or estimated).
    n_duplicates, n_malformed : duplicate samples dropped, notifications that could not be decoded.
    n_reconnects : successful reconnects.
    message : what the user should know (e.g. why the device is lost).
    """

    stream: str
    address: str
    model: str
    state: str
    battery_v: float | None = None
    low_power: bool = False
    rate_hz: float = 0.0
    n_samples: int = 0
    n_gaps: int = 0
    n_missing_samples: int = 0
    n_duplicates: int = 0
    n_malformed: int = 0
    n_reconnects: int = 0
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


#: Window (ns) over which :class:`StatusBoard` measures each stream's rate.
RATE_WINDOW_NS = 2_000_000_000
#: Rate marks (time, count) kept per stream before old ones are pruned.
MAX_RATE_MARKS = 256


class StatusBoard:
    """The devices' statuses, written by the recorder's parts and read by any thread.

    Parameters
    ----------
    statuses : the initial status of every stream.
    """

    def __init__(self, statuses: list[DeviceStatus]) -> None:
        self._lock = threading.Lock()
        self._statuses = {s.stream: s for s in statuses}
        self._marks: dict[str, list[tuple[int, int]]] = {s.stream: [] for s in statuses}

    def get(self, stream: str) -> DeviceStatus:
        with self._lock:
            return self._statuses[stream]

    def set(self, stream: str, **changes: Any) -> None:
        """Replace fields of ``stream``'s status."""
        with self._lock:
            self._statuses[stream] = replace(self._statuses[stream], **changes)

    def add(self, stream: str, **increments: int) -> None:
        """Add to counters of ``stream``'s status (``n_gaps=1``, ...)."""
        with self._lock:
            status = self._statuses[stream]
            changes = {name: getattr(status, name) + n for name, n in increments.items()}
            self._statuses[stream] = replace(status, **changes)

    def stored(self, stream: str, n_samples: int, now_mono_ns: int) -> None:
        """``n_samples`` more samples of ``stream`` stored at ``now_mono_ns``."""
        with self._lock:
            status = self._statuses[stream]
            total = status.n_samples + n_samples
            self._statuses[stream] = replace(status, n_samples=total)
            marks = self._marks[stream]
            marks.append((now_mono_ns, total))
            if len(marks) > MAX_RATE_MARKS:
                del marks[: MAX_RATE_MARKS // 2]

    def snapshot(self, now_mono_ns: int) -> dict[str, DeviceStatus]:
        """Every stream's status with its rate over the last 2 s."""
        with self._lock:
            result = {}
            for name, status in self._statuses.items():
                marks = [m for m in self._marks[name] if now_mono_ns - m[0] <= RATE_WINDOW_NS]
                self._marks[name] = marks
                rate = 0.0
                if len(marks) >= 2 and marks[-1][0] > marks[0][0]:
                    rate = (marks[-1][1] - marks[0][1]) / ((marks[-1][0] - marks[0][0]) / 1e9)
                result[name] = replace(status, rate_hz=rate)
            return result
