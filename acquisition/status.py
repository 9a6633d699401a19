"""What the user interface is told about each device while recording."""

from __future__ import annotations

from dataclasses import dataclass
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
