"""Write one session while recording: metadata, streams, events, and a manifest on close."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from alsmotion.atomicio import atomic_write_text
from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.recording import DeviceInfo
from alsmotion.session import events as ev
from alsmotion.session.jsonlines import append_line
from alsmotion.session.layout import (
    EVENTS_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    METADATA_FILE,
    STREAM_SUFFIX,
    STREAMS_DIR,
)
from alsmotion.session.manifest import raw_files, write_manifest
from alsmotion.session.metadata import SessionMetadata, format_utc_ns
from alsmotion.session.streamfile import StreamWriter, open_stream_writer

#: Buffered samples are flushed and fsync'd at least this often (the contract says within 1 s).
DEFAULT_FLUSH_INTERVAL_S = 0.25


def _jsonable(fit: Any) -> dict[str, Any]:
    if isinstance(fit, Mapping):
        return dict(fit)
    if hasattr(fit, "to_dict"):
        return dict(fit.to_dict())
    if dataclasses.is_dataclass(fit) and not isinstance(fit, type):
        return dataclasses.asdict(fit)
    raise InvalidInputError("a timing fit must be a mapping, a dataclass or have to_dict()")


class SessionWriter:
    """Writes one session directory; use :meth:`create`, preferably as a context manager.

    Thread-safe: streams may be appended from one thread while events are logged from another.
    A background thread flushes streams that stop receiving samples, so every sample is on disk
    (fsync'd) within ``flush_interval_s`` plus one flush.
    """

    def __init__(self, path: Path, metadata: SessionMetadata, *, flush_interval_s: float):
        self.path = path
        self.metadata = metadata
        self.flush_interval_s = flush_interval_s
        self.streams: dict[str, StreamWriter] = {}
        self._event_lock = threading.Lock()
        self._next_seq = 0
        self._stop_flusher = threading.Event()
        self._flusher: threading.Thread | None = None
        self.closed = False

    @classmethod
    def create(
        cls,
        parent_dir: str | Path,
        metadata: SessionMetadata,
        *,
        flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
    ) -> SessionWriter:
        """Create ``parent_dir/<participant>_<visit>_<start>/`` and write its metadata.

        Parameters
        ----------
        parent_dir : folder that receives the session folder (created if missing).
        metadata : validated session metadata.
        flush_interval_s : longest time (s) samples stay buffered in memory; at most 1 s.
        """
        if not 0 < flush_interval_s <= 1.0:
            raise InvalidInputError(f"flush_interval_s must be in (0, 1] s, got {flush_interval_s}")
        parent = Path(parent_dir)
        if parent.exists() and not parent.is_dir():
            raise InvalidInputError(f"{parent}: not a folder: give the folder receiving sessions")
        path = parent / metadata.directory_name
        if path.resolve().parent != parent.resolve():  # the validated names make this unreachable
            raise InvalidInputError(f"session folder {path} would fall outside {parent}")
        try:
            (path / STREAMS_DIR).mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise SessionError(
                "a session with this participant, visit and start time already exists; "
                "sessions are never overwritten",
                path=path,
            ) from None
        except OSError as exc:
            raise SessionError(f"cannot create the session folder ({exc})", path=path) from None
        document = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION}
        document["metadata"] = metadata.to_dict()
        atomic_write_text(path / METADATA_FILE, json.dumps(document, indent=2, sort_keys=True))
        (path / EVENTS_FILE).touch()
        return cls(path, metadata, flush_interval_s=flush_interval_s)

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def add_stream(
        self,
        name: str,
        *,
        kind: str,
        channels: Sequence[tuple[str, str]],
        sampling_rate_hz: float,
        device: DeviceInfo,
        extra: dict[str, Any] | None = None,
    ) -> StreamWriter:
        """Add a stream (file ``streams/<name>.arrows``) and return its writer.

        Parameters
        ----------
        name : stream name, e.g. ``imu`` or ``force``.
        kind : what it measures, e.g. ``imu`` (accelerometer m/s^2 + gyroscope rad/s), ``force``.
        channels : (channel name, SI unit) pairs, e.g. ``("acc_x", "m/s^2")``, ``("force", "N")``.
        sampling_rate_hz : nominal sampling rate (Hz).
        device : model, serial, firmware of the device.
        extra : further JSON-able facts (placement, BLE address, ...).
        """
        self._require_open()
        stream = open_stream_writer(
            self.path / STREAMS_DIR,
            name=name,
            kind=kind,
            channels=channels,
            sampling_rate_hz=sampling_rate_hz,
            device=device,
            extra=extra,
            flush_interval_s=self.flush_interval_s,
            suffix=STREAM_SUFFIX,
        )
        self.streams[name] = stream
        if self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_loop, name=f"alsmotion-flush-{self.path.name}", daemon=True
            )
            self._flusher.start()
        return stream

    def log_event(
        self, event_type: str, /, *, host_time_ns: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Append an event (vocabulary in :mod:`alsmotion.session.events`) and fsync it.

        ``host_time_ns`` defaults to now (ns since the Unix epoch). Returns the stored record.
        """
        self._require_open()
        ev.validate_event(event_type, fields)
        stamp = time.time_ns() if host_time_ns is None else int(host_time_ns)
        try:
            json.dumps(fields)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"event fields must be JSON-able: {exc}") from None
        with self._event_lock:
            record = {
                "seq": self._next_seq,
                "host_time_ns": stamp,
                "utc": format_utc_ns(stamp),
                "type": event_type,
                **fields,
            }
            append_line(self.path / EVENTS_FILE, record)
            self._next_seq += 1
        return record

    def mark_gap(
        self, stream_name: str, start_host_ns: int, end_host_ns: int, reason: str
    ) -> dict[str, Any]:
        """Record that ``stream_name`` lost data between two host times (ns)."""
        if stream_name not in self.streams:
            raise InvalidInputError(f"no stream {stream_name!r} in this session")
        if int(end_host_ns) < int(start_host_ns):
            raise InvalidInputError("a gap must end after it starts")
        return self.log_event(
            ev.DEVICE_GAP,
            stream=stream_name,
            start_host_ns=int(start_host_ns),
            end_host_ns=int(end_host_ns),
            reason=reason,
        )

    def record_timing_fit(self, stream_name: str, fit: Any) -> dict[str, Any]:
        """Record a device-to-host clock fit (a mapping, dataclass or object with to_dict())."""
        if stream_name not in self.streams:
            raise InvalidInputError(f"no stream {stream_name!r} in this session")
        return self.log_event(ev.TIMING_FIT, stream=stream_name, fit=_jsonable(fit))

    def close(self) -> None:
        """Flush and close every stream, write ``manifest.json``, make raw files read-only."""
        if self.closed:
            return
        self._stop_flusher.set()
        if self._flusher is not None:
            self._flusher.join()
        for stream in self.streams.values():
            stream.close()
        write_manifest(self.path)
        read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        for path in raw_files(self.path):
            os.chmod(path, read_only)
        self.closed = True

    def _flush_loop(self) -> None:
        while not self._stop_flusher.wait(self.flush_interval_s / 2):
            for stream in list(self.streams.values()):
                stream.flush_if_due()

    def _require_open(self) -> None:
        if self.closed:
            raise SessionError("the session is closed", path=self.path)
