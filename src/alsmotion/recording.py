"""In-memory data model of one sensor recording, in SI units.

A :class:`Recording` holds the streams of one device (accelerometer, gyroscope, force) sampled on a
common clock, with the per-sample time, the UTC start and the device's identity. Readers in
:mod:`alsmotion.readers` build it; the gait and strength pipelines take its arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.units import validate_sampling_rate_hz

#: SI unit of each stream kind.
STREAM_UNITS = {"accel": "m/s^2", "gyro": "rad/s", "force": "N"}


@dataclass(frozen=True)
class DeviceInfo:
    """Identity of the device that made a recording (from file headers or BLE Device Information)."""

    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    firmware: str = ""
    hardware: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "manufacturer": self.manufacturer,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "hardware": self.hardware,
        }


@dataclass(frozen=True)
class Stream:
    """One sensor stream: ``values`` is (n_samples, n_channels) in the SI unit of ``kind``."""

    kind: str
    values: np.ndarray
    channel_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in STREAM_UNITS:
            raise InvalidInputError(
                f"unknown stream kind {self.kind!r}: use one of {', '.join(STREAM_UNITS)}"
            )
        values = np.asarray(self.values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[1] != len(self.channel_names):
            raise InvalidInputError(
                f"{self.kind} stream has shape {values.shape} but {len(self.channel_names)} "
                "channel names"
            )
        object.__setattr__(self, "values", values)

    @property
    def unit(self) -> str:
        return STREAM_UNITS[self.kind]


@dataclass(frozen=True)
class Recording:
    """Streams of one device on one clock.

    Attributes
    ----------
    sampling_rate_hz : nominal sampling rate (Hz).
    time_s : per-sample time in seconds from the first sample (monotonic).
    streams : stream kind -> :class:`Stream`, all with ``len(time_s)`` samples.
    start_utc : UTC time of the first sample, when known.
    device : identity of the recording device.
    source : file the recording was read from, when any.
    """

    sampling_rate_hz: float
    time_s: np.ndarray
    streams: Mapping[str, Stream]
    start_utc: datetime | None = None
    device: DeviceInfo = field(default_factory=DeviceInfo)
    source: Path | None = None

    def __post_init__(self) -> None:
        validate_sampling_rate_hz(self.sampling_rate_hz)
        time_s = np.asarray(self.time_s, dtype=float)
        object.__setattr__(self, "time_s", time_s)
        for stream in self.streams.values():
            if len(stream.values) != len(time_s):
                raise InvalidInputError(
                    f"{stream.kind} stream has {len(stream.values)} samples but time_s has "
                    f"{len(time_s)}"
                )

    @property
    def n_samples(self) -> int:
        return len(self.time_s)

    @property
    def duration_s(self) -> float:
        return float(self.n_samples / self.sampling_rate_hz)

    def _stream(self, kind: str) -> np.ndarray | None:
        stream = self.streams.get(kind)
        return None if stream is None else stream.values

    @property
    def accel_mps2(self) -> np.ndarray | None:
        return self._stream("accel")

    @property
    def gyro_rads(self) -> np.ndarray | None:
        return self._stream("gyro")

    @property
    def force_n(self) -> np.ndarray | None:
        stream = self.streams.get("force")
        return None if stream is None else stream.values[:, 0]
