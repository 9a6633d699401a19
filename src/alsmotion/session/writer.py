"""Write one session while recording: metadata, streams, events, and a manifest on close.

Besides what the caller logs, the writer logs (format 2) a ``session_started`` event and a
``create_session`` audit entry holding the SHA-256 of ``session.json`` (both written before
``session.json`` itself, so every session folder holding it has them), and ``checkpoint`` events:
when a stream is added, every :data:`CHECKPOINT_INTERVAL_S` while batches are written and on
close. A session cut off by a crash can then tell an emptied log, an edited ``session.json`` and
record batches removed before the last checkpoint from what a crash leaves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from alsmotion.atomicio import atomic_write_bytes
from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.recording import DeviceInfo
from alsmotion.session import events as ev
from alsmotion.session.audit import start_audit_log
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

#: While record batches are written a checkpoint event is logged at least this often (s). Batches
#: cut from the end of a stream file before its last checkpoint are an integrity problem; a cut
#: after it (up to this long) cannot be told from a crash. About 290 kB of events per hour of a
#: two-stream recording.
CHECKPOINT_INTERVAL_S = 5.0


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
        self._events_digest = hashlib.sha256()  # of the event log's lines so far
        self._checkpoint_lock = threading.Lock()
        self._checkpointed: dict[str, tuple[int, str]] = {}
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
        text = json.dumps(document, indent=2, sort_keys=True).encode("utf-8")
        digest = hashlib.sha256(text).hexdigest()
        writer = cls(path, metadata, flush_interval_s=flush_interval_s)
        start = metadata.start_utc - datetime(1970, 1, 1, tzinfo=UTC)
        writer._append_event(
            ev.SESSION_STARTED,
            host_time_ns=start // timedelta(microseconds=1) * 1000,
            session_json_sha256=digest,
        )
        start_audit_log(path, who=metadata.operator, session_json_sha256=digest)
        atomic_write_bytes(path / METADATA_FILE, text)  # last: a folder with it is a session
        return writer

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
            event_count=lambda: self._next_seq,
        )
        self.streams[name] = stream
        if self._flusher is None:
            self._flusher = threading.Thread(
                target=self._flush_loop, name=f"alsmotion-flush-{self.path.name}", daemon=True
            )
            self._flusher.start()
        self.checkpoint()  # the stream's existence is on record from now on
        return stream

    def log_event(
        self, event_type: str, /, *, host_time_ns: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Append an event (vocabulary in :mod:`alsmotion.session.events`) and fsync it.

        ``host_time_ns`` defaults to now (ns since the Unix epoch). Returns the stored record.
        """
        self._require_open()
        if event_type in ev.WRITER_EVENT_TYPES:
            raise InvalidInputError(f"{event_type!r} events are logged by the session writer")
        ev.validate_event(event_type, fields)
        try:
            json.dumps(fields)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"event fields must be JSON-able: {exc}") from None
        return self._append_event(event_type, host_time_ns=host_time_ns, **fields)

    def _append_event(
        self, event_type: str, /, *, host_time_ns: int | None, **fields: Any
    ) -> dict[str, Any]:
        stamp = time.time_ns() if host_time_ns is None else int(host_time_ns)
        with self._event_lock:
            record = {
                "seq": self._next_seq,
                "host_time_ns": stamp,
                "utc": format_utc_ns(stamp),
                "type": event_type,
                **fields,
            }
            if event_type == ev.CHECKPOINT:
                record["events_sha256"] = self._events_digest.hexdigest()
            self._events_digest.update(append_line(self.path / EVENTS_FILE, record))
            self._next_seq += 1  # after the fsync: batches stamp only events on disk
        return record

    def checkpoint(self) -> dict[str, Any] | None:
        """Log a ``checkpoint`` event: per stream, the record batches on disk (fsync'd) and the
        SHA-256 of the last one, and the SHA-256 of the event log's lines before it. The writer does this when a stream is added, every
        :data:`CHECKPOINT_INTERVAL_S` while batches are written and on close; returns the event,
        or None when no batch was written since the last checkpoint."""
        with self._checkpoint_lock:
            written = {name: stream.written() for name, stream in list(self.streams.items())}
            if written == self._checkpointed:
                return None
            record = self._append_event(
                ev.CHECKPOINT,
                host_time_ns=None,
                streams={
                    name: {"n_batches": n_batches, "last_sha256": last_sha256}
                    for name, (n_batches, last_sha256) in written.items()
                },
            )
            self._checkpointed = written
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
        self.checkpoint()
        write_manifest(self.path)
        read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        for path in raw_files(self.path):
            os.chmod(path, read_only)
        self.closed = True

    def _flush_loop(self) -> None:
        next_checkpoint = time.monotonic() + CHECKPOINT_INTERVAL_S
        while not self._stop_flusher.wait(self.flush_interval_s / 2):
            for stream in list(self.streams.values()):
                stream.flush_if_due()
            if time.monotonic() >= next_checkpoint:
                self.checkpoint()
                next_checkpoint = time.monotonic() + CHECKPOINT_INTERVAL_S

    def _require_open(self) -> None:
        if self.closed:
            raise SessionError("the session is closed", path=self.path)
