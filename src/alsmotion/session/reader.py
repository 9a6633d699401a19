"""Read a session directory: metadata, streams, events, gaps, timing fits and the audit log.

Torn tails (a stream's last record batch or the last event line cut short by a crash) are skipped
and reported in :attr:`Session.issues`; everything before them is returned. Files that are not
alsmotion sessions, or are damaged in the middle, raise :class:`SessionError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.session import events as ev
from alsmotion.session.jsonlines import read_lines
from alsmotion.session.layout import (
    AUDIT_FILE,
    COUNTER_COLUMN,
    DEVICE_TIME_COLUMN,
    EVENTS_FILE,
    FORMAT_NAME,
    HOST_TIME_COLUMN,
    METADATA_FILE,
    SCHEMA_METADATA_KEY,
    STREAM_SUFFIX,
    STREAMS_DIR,
)
from alsmotion.session.manifest import read_manifest
from alsmotion.session.metadata import SessionMetadata
from alsmotion.session.streamfile import StreamDescriptor


@dataclass(frozen=True)
class StreamData(StreamDescriptor):
    """One stream read back: its descriptor's fields, then samples (n, k) in SI units with
    per-sample timing.

    ``torn_tail`` is True when a partly written last record batch was skipped.
    """

    values: np.ndarray
    host_time_ns: np.ndarray
    device_time_s: np.ndarray
    counter: np.ndarray
    torn_tail: bool

    @property
    def n_samples(self) -> int:
        return len(self.host_time_ns)

    def channel_indices(self, unit: str) -> list[int]:
        """Indices of the channels measured in ``unit`` (e.g. ``m/s^2``)."""
        return [i for i, (_, channel_unit) in enumerate(self.channels) if channel_unit == unit]

    def to_frame(self) -> pd.DataFrame:
        """Timing columns then one column per channel (named ``<channel>``, unit in attrs)."""
        frame = pd.DataFrame(
            {
                HOST_TIME_COLUMN: self.host_time_ns,
                DEVICE_TIME_COLUMN: self.device_time_s,
                COUNTER_COLUMN: pd.array(self.counter, dtype="Int64"),
            }
        )
        for i, name in enumerate(self.channel_names):
            frame[name] = self.values[:, i]
        frame.attrs["units"] = dict(self.channels)
        frame.attrs["sampling_rate_hz"] = self.sampling_rate_hz
        return frame


def read_stream_file(path: Path) -> StreamData:
    """Read one ``.arrows`` stream file, skipping (and flagging) a torn tail."""
    import pyarrow as pa

    if path.stat().st_size == 0:
        raise SessionError(
            "stream file is empty: the recording stopped before the stream's first flush",
            path=path,
        )
    with pa.OSFile(str(path), "rb") as source:
        try:
            reader = pa.ipc.open_stream(source)
        except (pa.ArrowInvalid, OSError) as exc:
            raise SessionError(
                f"not an Arrow IPC stream ({exc}); is this really an alsmotion session file?",
                path=path,
            ) from None
        raw = (reader.schema.metadata or {}).get(SCHEMA_METADATA_KEY)
        try:
            descriptor = StreamDescriptor.from_dict(json.loads(raw or b""))
        except (TypeError, ValueError, KeyError, InvalidInputError):
            raise SessionError(
                "Arrow stream without an alsmotion stream descriptor: a foreign file", path=path
            ) from None
        batches = []
        torn_tail = False
        while True:
            try:
                batches.append(reader.read_next_batch())
            except StopIteration:
                break
            except (pa.ArrowInvalid, OSError):
                torn_tail = True
                break
    table = pa.Table.from_batches(batches, schema=reader.schema)
    names = descriptor.channel_names
    values = (
        np.column_stack([table.column(name).to_numpy() for name in names]).astype(np.float64)
        if table.num_rows
        else np.empty((0, len(names)))
    )
    counter = table.column(COUNTER_COLUMN).to_pandas().to_numpy(dtype=float, na_value=np.nan)
    return StreamData(
        **{item.name: getattr(descriptor, item.name) for item in fields(StreamDescriptor)},
        values=values,
        host_time_ns=table.column(HOST_TIME_COLUMN).to_numpy().astype(np.int64),
        device_time_s=table.column(DEVICE_TIME_COLUMN).to_numpy().astype(np.float64),
        counter=counter,
        torn_tail=torn_tail,
    )


@dataclass(frozen=True)
class Session:
    """A session read from disk. Open it with :meth:`Session.open`.

    Attributes
    ----------
    path : the session folder.
    metadata : :class:`SessionMetadata` as recorded.
    streams : stream name -> :class:`StreamData`.
    event_records : the events as recorded (list of dicts, in ``seq`` order).
    audit_records : the audit log entries (list of dicts, oldest first).
    manifest : the manifest, or None if the session was never closed.
    issues : what was found while reading (torn tails, no manifest, unreadable streams).
    """

    path: Path
    metadata: SessionMetadata
    streams: dict[str, StreamData]
    event_records: tuple[dict[str, Any], ...]
    audit_records: tuple[dict[str, Any], ...]
    manifest: dict[str, Any] | None
    issues: tuple[str, ...]

    @classmethod
    def open(cls, path: str | Path) -> Session:
        """Read the session folder at ``path``."""
        path = Path(path)
        if not path.is_dir():
            raise SessionError("not a folder: give the path of a session folder", path=path)
        metadata_path = path / METADATA_FILE
        if not metadata_path.is_file():
            raise SessionError(
                f"no {METADATA_FILE}: this folder is not an alsmotion session", path=path
            )
        try:
            document = json.loads(metadata_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SessionError(f"{METADATA_FILE} is not valid JSON ({exc})", path=path) from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            raise SessionError(f"{METADATA_FILE} is not alsmotion session metadata", path=path)
        try:
            metadata = SessionMetadata.from_dict(document["metadata"])
        except (KeyError, TypeError, InvalidInputError) as exc:
            raise SessionError(f"invalid session metadata: {exc}", path=path) from None
        issues: list[str] = []
        manifest = read_manifest(path)
        if manifest is None:
            issues.append("session was not closed (no manifest): recording was interrupted")
        streams: dict[str, StreamData] = {}
        for stream_path in sorted((path / STREAMS_DIR).glob(f"*{STREAM_SUFFIX}")):
            try:
                stream = read_stream_file(stream_path)
            except SessionError as exc:
                if manifest is not None:
                    raise
                issues.append(f"stream {stream_path.name} unreadable: {exc.reason}")
                continue
            if stream.torn_tail:
                issues.append(
                    f"stream {stream.name}: torn last record batch skipped "
                    f"({stream.n_samples} samples kept)"
                )
            streams[stream.name] = stream
        event_records, events_torn = read_lines(path / EVENTS_FILE)
        if events_torn:
            issues.append("events: torn last line skipped")
        audit_records, audit_torn = read_lines(path / AUDIT_FILE)
        if audit_torn:
            issues.append("audit log: torn last line skipped")
        return cls(
            path=path,
            metadata=metadata,
            streams=streams,
            event_records=tuple(event_records),
            audit_records=tuple(audit_records),
            manifest=manifest,
            issues=tuple(issues),
        )

    @property
    def closed(self) -> bool:
        return self.manifest is not None

    @property
    def events(self) -> pd.DataFrame:
        """Events as recorded, one row each (columns: seq, host_time_ns, utc, type, fields)."""
        columns = ["seq", "host_time_ns", "utc", "type"]
        frame = pd.DataFrame.from_records(list(self.event_records))
        if frame.empty:
            return pd.DataFrame(columns=columns)
        return frame[columns + [c for c in frame.columns if c not in columns]]

    @property
    def gaps(self) -> pd.DataFrame:
        """Data gaps: stream, start_host_ns, end_host_ns, reason."""
        columns = ["stream", "start_host_ns", "end_host_ns", "reason"]
        rows = [
            {name: record[name] for name in columns}
            for record in self.event_records
            if record["type"] == ev.DEVICE_GAP
        ]
        return pd.DataFrame(rows, columns=columns)

    @property
    def timing_fits(self) -> dict[str, dict[str, Any]]:
        """Last recorded device-to-host clock fit per stream."""
        return {
            record["stream"]: record["fit"]
            for record in self.event_records
            if record["type"] == ev.TIMING_FIT
        }

    @property
    def audit(self) -> pd.DataFrame:
        """The audit log, one row per entry."""
        return pd.DataFrame.from_records(list(self.audit_records))
