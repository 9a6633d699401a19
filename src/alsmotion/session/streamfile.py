"""One stream of a session as an Arrow IPC stream file (``streams/<name>.arrows``).

Columns: ``host_time_ns`` (int64, host arrival time, ns since the Unix epoch), ``device_time_s``
(float64, the device's own timestamp, NaN when it sends none), ``counter`` (int64, the device's
packet/sample counter, null when it sends none), then one float64 column per channel in its SI
unit. The schema metadata key ``alsmotion`` holds the stream descriptor as JSON: format, name,
kind, channels with units, nominal sampling rate, device identity and extra facts.

Why Arrow IPC stream files: every record batch is a self-delimiting message appended to the file,
so a process killed at any moment leaves all flushed batches readable and a partly written last
message fails to parse at exactly that message (seen under SIGKILL, DOMAIN.md section 7).

Arrow IPC carries no checksum, so each record batch is stamped (custom metadata) with its sequence
number in the file, the SHA-256 of its values and the number of events logged so far: a session
without a manifest (a recording cut off by a crash) still shows an edited value, a flipped bit, a
dropped, repeated or reordered batch and events removed from the end of the event log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.recording import DeviceInfo
from alsmotion.session.layout import (
    BATCH_EVENT_COUNT_KEY,
    BATCH_SEQUENCE_KEY,
    BATCH_SHA256_KEY,
    COUNTER_COLUMN,
    DEVICE_TIME_COLUMN,
    HOST_TIME_COLUMN,
    SCHEMA_METADATA_KEY,
    STREAM_FORMAT_NAME,
    TIMING_COLUMNS,
)
from alsmotion.units import validate_sampling_rate_hz

#: Nominal stream rates accepted (wearable sensors and dynamometers sit well inside).
MIN_RATE_HZ = 0.001
MAX_RATE_HZ = 100_000.0

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def batch_sha256(descriptor_json: bytes, columns: Sequence[Any]) -> str:
    """Hex SHA-256 of a record batch as written: the stream descriptor (the schema metadata's
    JSON bytes, so a changed rate or unit shows too), then for each column (pyarrow array of a
    fixed-width type) in schema order one byte per row (1 valid, 0 null) and the raw bytes of its
    value slots (little-endian int64/float64, the slots of nulls included as stored).

    Raises ValueError when a column's buffers are shorter than its length (a damaged batch).
    """
    digest = hashlib.sha256(descriptor_json)
    for column in columns:
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        digest.update(np.asarray(valid, dtype=np.uint8).tobytes())
        width = column.type.byte_width
        start, stop = column.offset * width, (column.offset + len(column)) * width
        buffer = column.buffers()[1]
        slots = memoryview(buffer)[start:stop] if buffer is not None else memoryview(b"")
        if slots.nbytes != stop - start:
            raise ValueError(f"column of {len(column)} values holds {slots.nbytes} bytes")
        digest.update(slots)
    return digest.hexdigest()


@dataclass(frozen=True)
class StreamDescriptor:
    """What a stream holds: name, kind, channels (name, SI unit), nominal rate, device."""

    name: str
    kind: str
    channels: tuple[tuple[str, str], ...]
    sampling_rate_hz: float
    device: DeviceInfo
    extra: dict[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise InvalidInputError(
                f"stream name {self.name!r} must be letters, digits, '_' or '-' (e.g. 'imu')"
            )
        if not isinstance(self.kind, str) or not self.kind:
            raise InvalidInputError("stream kind must not be empty (e.g. 'imu', 'force')")
        if not all(isinstance(part, str) for channel in self.channels for part in channel):
            raise InvalidInputError(f"stream {self.name!r}: channel names and units must be text")
        channels = tuple((name, unit) for name, unit in self.channels)
        names = [name for name, _ in channels]
        if not channels or len(set(names)) != len(names):
            raise InvalidInputError(f"stream {self.name!r} needs unique channel names, got {names}")
        clash = sorted(set(names) & set(TIMING_COLUMNS))
        if clash:
            raise InvalidInputError(f"channel names {clash} are reserved for timing columns")
        if any(not unit for _, unit in channels):
            raise InvalidInputError(f"every channel of stream {self.name!r} needs its SI unit")
        object.__setattr__(self, "channels", channels)
        rate_hz = validate_sampling_rate_hz(self.sampling_rate_hz)
        if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
            raise InvalidInputError(
                f"stream {self.name!r}: sampling_rate_hz {rate_hz:g} is outside "
                f"[{MIN_RATE_HZ:g}, {MAX_RATE_HZ:g}] Hz"
            )
        object.__setattr__(self, "sampling_rate_hz", rate_hz)

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.channels)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STREAM_FORMAT_NAME,
            "name": self.name,
            "kind": self.kind,
            "channels": [list(channel) for channel in self.channels],
            "sampling_rate_hz": self.sampling_rate_hz,
            "device": self.device.to_dict(),
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamDescriptor:
        if data.get("format") != STREAM_FORMAT_NAME:
            raise InvalidInputError("not an alsmotion stream descriptor")
        return cls(
            name=data["name"],
            kind=data["kind"],
            channels=tuple((name, unit) for name, unit in data["channels"]),
            sampling_rate_hz=data["sampling_rate_hz"],
            device=DeviceInfo(**data["device"]),
            extra=dict(data.get("extra") or {}),
        )

    def arrow_schema(self) -> Any:
        import pyarrow as pa

        fields = [
            pa.field(HOST_TIME_COLUMN, pa.int64(), nullable=False),
            pa.field(DEVICE_TIME_COLUMN, pa.float64()),
            pa.field(COUNTER_COLUMN, pa.int64()),
            *(pa.field(name, pa.float64()) for name in self.channel_names),
        ]
        metadata = {SCHEMA_METADATA_KEY: json.dumps(self.to_dict(), sort_keys=True).encode()}
        return pa.schema(fields, metadata=metadata)


class StreamWriter:
    """Appends samples of one stream; flushes and fsyncs buffered samples at least every
    ``flush_interval_s`` (the session's background flusher covers streams that go quiet).

    Create it with :meth:`alsmotion.session.SessionWriter.add_stream`; ``event_count`` returns
    how many events of the session are on disk (stamped on each batch).
    """

    def __init__(
        self,
        path: Path,
        descriptor: StreamDescriptor,
        *,
        flush_interval_s: float,
        event_count: Callable[[], int],
    ):
        import pyarrow as pa

        self.path = path
        self.descriptor = descriptor
        self.flush_interval_s = flush_interval_s
        self.n_samples = 0
        self._lock = threading.Lock()
        self._pending: list[tuple[np.ndarray, ...]] = []
        self._last_flush = time.monotonic()
        self._schema = descriptor.arrow_schema()
        self._descriptor_json = self._schema.metadata[SCHEMA_METADATA_KEY]
        self._file = path.open("xb")
        self._writer = pa.ipc.new_stream(self._file, self._schema)
        self._event_count = event_count
        self._n_batches = 0
        self._last_sha256 = ""
        self._on_disk = (0, "")
        # An empty first batch puts the schema (the stream descriptor) on disk at once.
        self._write_batch([pa.array([], type=column.type) for column in self._schema])
        self._sync()
        self._closed = False

    @property
    def name(self) -> str:
        return self.descriptor.name

    def append(
        self,
        values: np.ndarray,
        *,
        host_time_ns: np.ndarray,
        device_time_s: np.ndarray | None = None,
        counter: np.ndarray | None = None,
    ) -> None:
        """Append ``n`` samples.

        Parameters
        ----------
        values : (n, k) float, one column per channel, in the channels' SI units ((n,) if k == 1).
        host_time_ns : (n,) int64 host arrival time, ns since the Unix epoch (UTC).
        device_time_s : (n,) float device timestamps in seconds, if the device sends them.
        counter : (n,) int device packet/sample counter, if the device sends one.
        """
        n_channels = len(self.descriptor.channels)
        data = np.asarray(values, dtype=np.float64)
        if data.ndim == 1 and n_channels == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] != n_channels:
            raise InvalidInputError(
                f"stream {self.name!r}: values have shape {data.shape}, expected (n, {n_channels})"
            )
        n = data.shape[0]
        host = np.asarray(host_time_ns)
        if host.shape != (n,) or not np.issubdtype(host.dtype, np.integer):
            raise InvalidInputError(
                f"stream {self.name!r}: host_time_ns must be ({n},) integers (ns since the epoch)"
            )
        device = (
            np.full(n, np.nan)
            if device_time_s is None
            else np.asarray(device_time_s, dtype=np.float64)
        )
        count = np.zeros(n, dtype=np.int64) if counter is None else np.asarray(counter)
        if device.shape != (n,) or count.shape != (n,):
            raise InvalidInputError(
                f"stream {self.name!r}: device_time_s and counter must have shape ({n},)"
            )
        count_valid = np.full(n, counter is not None)
        with self._lock:
            if self._closed:
                raise SessionError(f"stream {self.name!r} is closed", path=self.path)
            self._pending.append(
                (data, host.astype(np.int64), device, count.astype(np.int64), count_valid)
            )
            self.n_samples += n
            if time.monotonic() - self._last_flush >= self.flush_interval_s:
                self._flush_locked()

    def flush(self) -> None:
        """Write buffered samples as one record batch and fsync the file."""
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def flush_if_due(self) -> None:
        """Flush when the oldest buffered sample waited ``flush_interval_s`` or longer."""
        with self._lock:
            due = time.monotonic() - self._last_flush >= self.flush_interval_s
            if due and not self._closed:
                self._flush_locked()

    def written(self) -> tuple[int, str]:
        """Record batches on disk (fsync'd) so far and the SHA-256 of the last one."""
        with self._lock:
            return self._on_disk

    def close(self) -> None:
        """Flush, write the end-of-stream marker and close the file."""
        with self._lock:
            if self._closed:
                return
            self._flush_locked()
            self._writer.close()
            self._sync()
            self._file.close()
            self._closed = True

    def _flush_locked(self) -> None:
        import pyarrow as pa

        self._last_flush = time.monotonic()
        if not self._pending:
            return
        data, host, device, count, valid = (
            np.concatenate(parts) for parts in zip(*self._pending, strict=True)
        )
        self._pending.clear()
        columns = [
            pa.array(host, type=pa.int64()),
            pa.array(device, type=pa.float64()),
            pa.array(count, type=pa.int64(), mask=~valid),
            *(pa.array(data[:, i], type=pa.float64()) for i in range(data.shape[1])),
        ]
        self._write_batch(columns)
        self._sync()

    def _write_batch(self, columns: list[Any]) -> None:
        """Write one record batch stamped with its sequence number, SHA-256 and the event count
        (the caller fsyncs it before :meth:`written` counts it)."""
        import pyarrow as pa

        digest = batch_sha256(self._descriptor_json, columns)
        stamp = {
            BATCH_SEQUENCE_KEY: str(self._n_batches).encode(),
            BATCH_SHA256_KEY: digest.encode(),
            BATCH_EVENT_COUNT_KEY: str(self._event_count()).encode(),
        }
        batch = pa.record_batch(columns, schema=self._schema)
        self._writer.write_batch(batch, custom_metadata=stamp)
        self._n_batches += 1
        self._last_sha256 = digest

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._on_disk = (self._n_batches, self._last_sha256)


def open_stream_writer(
    streams_dir: Path,
    *,
    name: str,
    kind: str,
    channels: Sequence[tuple[str, str]],
    sampling_rate_hz: float,
    device: DeviceInfo,
    extra: dict[str, Any] | None,
    flush_interval_s: float,
    suffix: str,
    event_count: Callable[[], int],
) -> StreamWriter:
    """Create ``streams/<name><suffix>`` with its descriptor and return its writer."""
    descriptor = StreamDescriptor(
        name=name,
        kind=kind,
        channels=tuple(channels),
        sampling_rate_hz=sampling_rate_hz,
        device=device,
        extra=dict(extra or {}),
    )
    path = streams_dir / f"{name}{suffix}"
    if path.exists():
        raise InvalidInputError(f"stream {name!r} already exists in this session")
    return StreamWriter(
        path, descriptor, flush_interval_s=flush_interval_s, event_count=event_count
    )
