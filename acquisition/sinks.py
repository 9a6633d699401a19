"""What the recorder writes to: a session and its streams (``alsmotion.session`` provides them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from alsmotion.recording import DeviceInfo


class StreamSink(Protocol):
    """What the recorder needs of a stream writer (:class:`alsmotion.session.StreamWriter`)."""

    def append(
        self,
        values: np.ndarray,
        *,
        host_time_ns: np.ndarray,
        device_time_s: np.ndarray | None = None,
        counter: np.ndarray | None = None,
    ) -> None: ...

    def flush(self) -> None: ...


class SessionSink(Protocol):
    """What the recorder needs of a session (:class:`alsmotion.session.SessionWriter`)."""

    def add_stream(
        self,
        name: str,
        *,
        kind: str,
        channels: Sequence[tuple[str, str]],
        sampling_rate_hz: float,
        device: DeviceInfo,
        extra: dict[str, Any] | None = None,
    ) -> Any: ...

    def log_event(self, event_type: str, /, **fields: Any) -> Any: ...

    def record_timing_fit(self, stream_name: str, fit: Any) -> Any: ...
