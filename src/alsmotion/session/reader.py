"""Read a session directory: metadata, streams, events, gaps, timing fits and the audit log.

Torn tails (a stream's last record batch or the last event line cut short by a crash) are skipped
and reported in :attr:`Session.issues`; everything before them is returned. Files that are not
alsmotion sessions, or are damaged in the middle, raise :class:`SessionError`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import AlsmotionError, SessionError
from alsmotion.session import audit, continuity
from alsmotion.session import events as ev
from alsmotion.session.jsonlines import parse_json_document, read_file_bytes, read_lines
from alsmotion.session.layout import (
    AUDIT_FILE,
    BATCH_EVENT_COUNT_KEY,
    BATCH_SEQUENCE_KEY,
    BATCH_SHA256_KEY,
    COUNTER_COLUMN,
    CROSS_CHECKED_FORMAT,
    DEVICE_TIME_COLUMN,
    EVENTS_FILE,
    FORMAT_NAME,
    HOST_TIME_COLUMN,
    METADATA_FILE,
    READABLE_FORMAT_VERSIONS,
    SCHEMA_METADATA_KEY,
    STREAM_SUFFIX,
    STREAMS_DIR,
)
from alsmotion.session.manifest import audit_anchor_problems, check_manifest, read_manifest
from alsmotion.session.metadata import SessionMetadata, format_utc_ns
from alsmotion.session.streamfile import StreamDescriptor, batch_sha256
from alsmotion.timing import recorded_timeline_ns
from alsmotion.units import MAX_ABS_VALUE


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


#: Largest device timestamp read as one (s; about 30,000 years, epoch-based device clocks
#: included); anything beyond is damage.
MAX_DEVICE_TIME_S = 1e12

#: A record batch whose first host time is this much earlier than the batch before it is out
#: of order (clock-fit updates move host times by milliseconds, a batch spans 0.1 s or more).
BATCH_BACKSTEP_TOLERANCE_NS = 10_000_000


def _descriptor(reader: Any, path: Path) -> StreamDescriptor:
    raw = (reader.schema.metadata or {}).get(SCHEMA_METADATA_KEY)
    if raw is None:
        raise SessionError(
            "Arrow stream without an alsmotion stream descriptor: a foreign file", path=path
        )
    try:
        data = loads_bounded(raw, max_bytes=1024 * 1024)
        if not isinstance(data, dict) or not isinstance(data.get("device"), dict):
            raise TypeError("descriptor or its device is not a JSON object")
        descriptor = StreamDescriptor.from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError, AlsmotionError) as exc:
        raise SessionError(f"invalid alsmotion stream descriptor ({exc})", path=path) from None
    expected = descriptor.arrow_schema().remove_metadata()
    if not reader.schema.remove_metadata().equals(expected):
        raise SessionError(
            f"columns {reader.schema.names} do not match the stream descriptor (expected "
            f"{expected.names} as int64/float64): the file was altered or is foreign",
            path=path,
        )
    return descriptor


#: Start of an Arrow IPC message: the continuation marker, then the metadata length (int32,
#: little-endian, a multiple of 8, here below 64 KiB), so that scanning damaged bytes tries few
#: places.
_IPC_MESSAGE_START = re.compile(
    b"\xff{4}(?=[" + b"".join(re.escape(bytes([n])) for n in range(0, 256, 8)) + b"].\x00\x00)",
    re.DOTALL,
)


def _readable_batch_after(path: Path, offset: int, schema: Any) -> int | None:
    """Byte offset of a readable record batch after the unreadable message at ``offset``, or
    None. A crash leaves at most one partly written message at the end; a readable batch after
    it means the file was damaged in the middle (bytes cut out or changed)."""
    import pyarrow as pa

    with path.open("rb") as handle:
        handle.seek(offset)
        rest = handle.read()
    buffer = pa.py_buffer(rest)
    for start in _IPC_MESSAGE_START.finditer(rest, 1):
        try:
            message = pa.ipc.read_message(buffer.slice(start.start()))
            pa.ipc.read_record_batch(message, schema)
        except (pa.ArrowException, OSError, EOFError, ValueError, TypeError):
            continue
        return offset + start.start()
    return None


def _listed(indices: list[int]) -> str:
    shown = ", ".join(str(index) for index in indices[:10])
    return shown + (f" and {len(indices) - 10} more" if len(indices) > 10 else "")


def _decimal(raw: bytes | None) -> int | None:
    return int(raw) if raw is not None and raw.isdigit() and len(raw) <= 18 else None


def _stamp_problems(
    path: Path, stamps: list[dict[bytes, bytes]], digests: list[str], *, counts_required: bool
) -> tuple[list[str], list[int | None]]:
    """Record batches whose contents differ from the SHA-256 written with them, and sequence
    numbers out of step (a batch dropped, repeated or moved): one line per kind, naming the
    batches (their index in the file, from 0). Also each batch's event count (None if absent;
    an unreadable one, or one missing where ``counts_required``, is an unreadable stamp)."""
    unreadable, changed, out_of_step = [], [], []
    counts: list[int | None] = []
    expected = 0
    for index, (stamp, digest) in enumerate(zip(stamps, digests, strict=True)):
        raw_count = stamp.get(BATCH_EVENT_COUNT_KEY)
        counts.append(_decimal(raw_count))
        if not stamp:
            continue
        sequence = _decimal(stamp.get(BATCH_SEQUENCE_KEY))
        bad_count = counts[-1] is None and (raw_count is not None or counts_required)
        if sequence is None or bad_count:
            unreadable.append(index)
            continue
        if stamp.get(BATCH_SHA256_KEY) != digest.encode():
            changed.append(index)
        if sequence != expected:
            out_of_step.append(index)
        expected = max(expected, sequence + 1)
    problems = []
    if unreadable:
        problems.append(
            f"stream {path.name}: record batch(es) {_listed(unreadable)} have an unreadable "
            "sequence number or event count (altered)"
        )
    if changed:
        problems.append(
            f"stream {path.name}: record batch(es) {_listed(changed)} differ from the SHA-256 "
            "written with them (values or descriptor edited or damaged)"
        )
    if out_of_step:
        problems.append(
            f"stream {path.name}: record batch(es) {_listed(out_of_step)} break the sequence "
            "numbers written with them (batches dropped, repeated or out of order)"
        )
    return problems, counts


class _BatchCheck(NamedTuple):
    problems: list[str]
    notes: list[str]
    #: SHA-256 of each record batch as read, in file order ("" for a damaged one).
    sha256s: list[str]
    #: Events logged when each batch was written, from its stamp (None: not stamped).
    event_counts: list[int | None]


def _batch_problems(
    path: Path,
    descriptor_json: bytes,
    batches: list[Any],
    stamps: list[dict[bytes, bytes]],
    *,
    stamps_required: bool,
) -> _BatchCheck:
    """Integrity problems of the record batches and notes (batches written without stamps).

    Stamped batches are checked against their sequence number and SHA-256; every batch is
    checked for repeats and host times out of order (what an unstamped stream still shows).
    With ``stamps_required`` (session format 2) a stream without stamps is a problem.
    """
    problems: list[str] = []
    notes: list[str] = []
    digests = []
    for index, batch in enumerate(batches):
        try:
            digests.append(batch_sha256(descriptor_json, batch.columns))
        except ValueError as exc:
            problems.append(f"stream {path.name}: record batch {index} is damaged ({exc})")
            digests.append("")
    unstamped = [index for index, stamp in enumerate(stamps) if not stamp]
    if unstamped and len(unstamped) == len(stamps) and stamps_required:
        problems.append(
            f"stream {path.name}: record batches carry no sequence numbers and checksums, which "
            "this session format writes on every batch (stamps stripped: the file was rewritten)"
        )
    elif unstamped and len(unstamped) == len(stamps):
        notes.append(
            f"stream {path.name}: record batches carry no checksums (written before alsmotion "
            "stamped them); without a manifest an edited value cannot be detected"
        )
    elif unstamped:
        problems.append(
            f"stream {path.name}: record batch(es) {_listed(unstamped)} carry no sequence "
            "number and checksum while the others do (inserted or rewritten)"
        )
    stamp_problems, event_counts = _stamp_problems(
        path, stamps, digests, counts_required=stamps_required
    )
    problems += stamp_problems
    seen: dict[str, int] = {}
    previous_last: int | None = None
    for index, (batch, key) in enumerate(zip(batches, digests, strict=True)):
        if batch.num_rows == 0:
            continue
        host = batch.column(0).to_numpy(zero_copy_only=False)
        if key and key in seen:
            problems.append(
                f"stream {path.name}: record batch {index} repeats batch {seen[key]} "
                "(duplicated data)"
            )
        seen.setdefault(key, index)
        if previous_last is not None and host[0] < previous_last - BATCH_BACKSTEP_TOLERANCE_NS:
            problems.append(
                f"stream {path.name}: record batch {index} starts "
                f"{(previous_last - int(host[0])) / 1e9:.3f} s before the batch before it ends "
                "(batches out of order)"
            )
        if len(host) > 1 and np.any(np.diff(host) < -BATCH_BACKSTEP_TOLERANCE_NS):
            problems.append(f"stream {path.name}: host times step back inside record batch {index}")
        previous_last = int(host[-1])
    return _BatchCheck(problems, notes, digests, event_counts)


def read_stream_file(path: Path) -> StreamData:
    """Read one ``.arrows`` stream file, skipping (and flagging) a torn tail.

    Raises :class:`SessionError` naming the file (and the byte offset of a damaged message) when
    it is not an alsmotion stream.
    """
    return _read_stream(path, stamps_required=False)[0]


def _open_ipc_stream(source: Any, path: Path) -> Any:
    """The Arrow IPC stream reader of an open stream file, its schema names checked."""
    import pyarrow as pa

    try:
        reader = pa.ipc.open_stream(source)
        reader.schema.names  # noqa: B018 - names that are not UTF-8 fail here
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise SessionError(
            f"not an Arrow IPC stream ({exc}); is this really an alsmotion session file?",
            path=path,
        ) from None
    return reader


def _read_stream(path: Path, *, stamps_required: bool) -> tuple[StreamData, _BatchCheck]:
    """The stream and what its record batches show (integrity problems and notes for
    :attr:`Session.issues`, each batch's SHA-256 and event count)."""
    import pyarrow as pa

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SessionError(f"cannot read the stream file ({exc.strerror})", path=path) from None
    if size == 0:
        raise SessionError(
            "stream file is empty: the recording stopped before the stream's first flush",
            path=path,
        )
    try:
        source = pa.OSFile(str(path), "rb")
    except (pa.ArrowException, OSError) as exc:
        raise SessionError(f"cannot open the stream file ({exc})", path=path) from None
    with source:
        reader = _open_ipc_stream(source, path)
        descriptor = _descriptor(reader, path)
        batches = []
        stamps: list[dict[bytes, bytes]] = []
        torn_tail = False
        later: int | None = None
        while True:
            offset = source.tell()
            try:
                batch, stamp = reader.read_next_batch_with_custom_metadata()
            except StopIteration:
                break
            except (pa.ArrowException, OSError, UnicodeDecodeError):
                torn_tail = True
                later = _readable_batch_after(path, offset, reader.schema)
                break
            if not batch.schema.equals(reader.schema, check_metadata=False):
                raise SessionError("record batch of another schema", path=path, offset=offset)
            batches.append(batch)
            stamps.append(dict(stamp) if stamp is not None else {})
    try:
        table = pa.Table.from_batches(batches, schema=reader.schema)
        names = descriptor.channel_names
        values = (
            np.column_stack([table.column(name).to_numpy() for name in names]).astype(np.float64)
            if table.num_rows
            else np.empty((0, len(names)))
        )
        if table.column(HOST_TIME_COLUMN).null_count:
            raise SessionError("host_time_ns has missing values", path=path)
        counter = table.column(COUNTER_COLUMN).to_pandas().to_numpy(dtype=float, na_value=np.nan)
        host = table.column(HOST_TIME_COLUMN).to_numpy().astype(np.int64)
        device = table.column(DEVICE_TIME_COLUMN).to_numpy().astype(np.float64)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise SessionError(f"stream columns do not read as numbers ({exc})", path=path) from None
    descriptor_json = reader.schema.metadata[SCHEMA_METADATA_KEY]
    check = _batch_problems(path, descriptor_json, batches, stamps, stamps_required=stamps_required)
    problems = check.problems
    if torn_tail and later is not None:
        problems.append(
            f"stream {path.name}: record batch {len(batches)} (byte {offset}) is unreadable but "
            f"a readable one follows at byte {later}: damaged in the middle, not a torn tail "
            "(the batches after it are not read)"
        )
    absurd = ~np.isnan(values) & ~(np.abs(values) <= MAX_ABS_VALUE)
    if absurd.any():  # damage, not a reading: kept out of the numerics as missing samples
        problems.append(
            f"stream {path.name}: {int(absurd.sum())} value(s) infinite or beyond "
            f"+/-{MAX_ABS_VALUE:g} (not a reading; read as missing)"
        )
        values = np.where(absurd, np.nan, values)
    absurd_device = ~np.isnan(device) & ~(np.abs(device) <= MAX_DEVICE_TIME_S)
    if absurd_device.any():  # damage: a device clock of 30,000 years would break the clock fit
        problems.append(
            f"stream {path.name}: {int(absurd_device.sum())} device time(s) infinite or beyond "
            f"+/-{MAX_DEVICE_TIME_S:g} s (not a device time; read as missing)"
        )
        device = np.where(absurd_device, np.nan, device)
    stream = StreamData(
        **{item.name: getattr(descriptor, item.name) for item in fields(StreamDescriptor)},
        values=values,
        host_time_ns=host,
        device_time_s=device,
        counter=counter,
        torn_tail=torn_tail,
    )
    return stream, check


def iter_stream_batches(path: Path) -> tuple[StreamDescriptor, Iterator[Any]]:
    """The descriptor of the ``.arrows`` stream file ``path`` and an iterator over its record
    batches (pyarrow), read one at a time from the file (not a memory map, whose pages would
    count in the process's resident memory), so a week-long stream is never in memory at once. A torn last batch ends the iteration (as :func:`read_stream_file` skips it).

    Raises :class:`SessionError` naming the file when it is not an alsmotion stream.
    """
    import pyarrow as pa

    try:
        source = pa.OSFile(str(path), "rb")
    except (pa.ArrowException, OSError) as exc:
        raise SessionError(f"cannot open the stream file ({exc})", path=path) from None
    try:
        reader = _open_ipc_stream(source, path)
        descriptor = _descriptor(reader, path)
    except BaseException:
        source.close()  # the caller never gets the iterator that would close it
        raise

    def batches() -> Iterator[Any]:
        with source:
            while True:
                try:
                    yield reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowException, OSError, UnicodeDecodeError):
                    return  # a torn tail: everything before it was read

    return descriptor, batches()


#: A stream whose first sample is stamped this long before or after the session started belongs
#: to another recording (a stream file copied from another visit's session).
_FIRST_SAMPLE_FROM_START_NS = 24 * 3600 * 1_000_000_000


def _stream_time_problems(stream: StreamData, metadata: SessionMetadata) -> list[str]:
    if not stream.n_samples:
        return []
    start_ns = int(metadata.start_utc.timestamp()) * 1_000_000_000
    first_ns = int(stream.host_time_ns[0])
    if abs(first_ns - start_ns) >= _FIRST_SAMPLE_FROM_START_NS:
        when = "before" if first_ns < start_ns else "after"
        return [
            f"stream {stream.name}: first sample {format_utc_ns(first_ns)} is a day or more "
            f"{when} the session started (stream from another recording?)"
        ]
    return []


def _event_time_problems(records: list[dict[str, Any]], metadata: SessionMetadata) -> list[str]:
    """An event log whose first event is a day or more from the session start is another
    session's (copied in)."""
    first = records[0].get("host_time_ns") if records else None
    if type(first) is not int:
        return []  # no events, or a malformed one that event_log_problems names
    start_ns = int(metadata.start_utc.timestamp()) * 1_000_000_000
    if abs(first - start_ns) >= _FIRST_SAMPLE_FROM_START_NS:
        return [
            f"events: first event {format_utc_ns(first)} is a day or more from the session "
            "start (event log from another recording?)"
        ]
    return []


def read_session_metadata(path: Path) -> SessionMetadata:
    """The metadata of the session folder ``path`` (``session.json``), validated."""
    return _read_session_document(path)[0]


def _read_session_document(path: Path) -> tuple[SessionMetadata, int, str]:
    """The metadata of ``path/session.json``, its format version and the file's SHA-256."""
    metadata_path = path / METADATA_FILE
    if metadata_path.is_symlink() or not metadata_path.is_file():
        raise SessionError(
            f"no {METADATA_FILE}: this folder is not an alsmotion session", path=path
        )
    raw = read_file_bytes(metadata_path, what=METADATA_FILE)
    document = parse_json_document(raw, path=metadata_path, what=METADATA_FILE)
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise SessionError("not alsmotion session metadata", path=metadata_path)
    version = document.get("format_version")
    if type(version) is not int or version not in READABLE_FORMAT_VERSIONS:
        raise SessionError(
            f"format_version {version!r}: this alsmotion reads versions "
            f"{', '.join(map(str, READABLE_FORMAT_VERSIONS))}",
            path=metadata_path,
        )
    values = document.get("metadata")
    if not isinstance(values, dict):
        raise SessionError("'metadata' is not a JSON object", path=metadata_path)
    try:
        metadata = SessionMetadata.from_dict(values)
    except (KeyError, TypeError, ValueError, AlsmotionError) as exc:
        raise SessionError(f"invalid session metadata: {exc}", path=metadata_path) from None
    return metadata, version, hashlib.sha256(raw).hexdigest()


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
    issues : what was found while reading (torn tails, no manifest, unreadable streams, and
        everything in ``integrity_problems`` and ``audit_problems``).
    integrity_problems : the data differ from what was recorded or cannot be trusted to be
        it: manifest mismatches, repeated or out-of-order record batches, a broken event
        sequence, a renamed or replaced stream.
    audit_problems : the audit log's hash chain is broken or an entry is malformed; decisions
        (:mod:`alsmotion.session.decisions`) refuse to replay such a log.
    """

    path: Path
    metadata: SessionMetadata
    streams: dict[str, StreamData]
    event_records: tuple[dict[str, Any], ...]
    audit_records: tuple[dict[str, Any], ...]
    manifest: dict[str, Any] | None
    issues: tuple[str, ...]
    integrity_problems: tuple[str, ...] = ()
    audit_problems: tuple[str, ...] = ()
    _sample_times_ns: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def open(cls, path: str | Path) -> Session:
        """Read the session folder at ``path``.

        A closed session is checked against its manifest (every field, every file's size and
        SHA-256, files added or removed, hidden ones included); on every session the record
        batches, the event sequence and the audit chain are checked, and the files against one
        another (:mod:`alsmotion.session.continuity`: the logs' first entries against
        session.json, the checkpoints against the streams and the event log, the batches'
        event counts against the log, the ``audit_appended`` events against the audit log).
        Whatever is found is listed
        in :attr:`issues` (and the data-changing part in :attr:`integrity_problems`).

        Raises
        ------
        SessionError
            When ``path`` is not a readable session; the message names the file (and line).
        """
        path = Path(path)
        if not path.is_dir():
            raise SessionError("not a folder: give the path of a session folder", path=path)
        metadata, format_version, metadata_sha256 = _read_session_document(path)
        cross_checked = format_version >= CROSS_CHECKED_FORMAT
        issues: list[str] = []
        integrity: list[str] = []
        manifest = read_manifest(path)
        if manifest is None:
            issues.append("session was not closed (no manifest): recording was interrupted")
            if not cross_checked:
                issues.append(
                    f"session format {format_version}: without a manifest an emptied event or "
                    "audit log, an edited session.json, batches without stamps and batches cut "
                    "from the end cannot be detected"
                )
        else:
            integrity += check_manifest(path, manifest)
        streams: dict[str, StreamData] = {}
        batch_sha256s: dict[str, list[str]] = {}
        event_counts: dict[str, list[int | None]] = {}
        streams_dir = path / STREAMS_DIR
        entries = sorted(streams_dir.iterdir()) if streams_dir.is_dir() else []
        for stream_path in entries:
            if not stream_path.name.endswith(STREAM_SUFFIX):
                continue
            if stream_path.name.startswith("."):
                integrity.append(f"{STREAMS_DIR}/{stream_path.name}: hidden stream file ignored")
                continue
            if stream_path.is_symlink() or not stream_path.is_file():
                integrity.append(f"{STREAMS_DIR}/{stream_path.name}: not a regular file, ignored")
                continue
            try:
                stream, check = _read_stream(stream_path, stamps_required=cross_checked)
            except SessionError as exc:
                if manifest is not None:
                    raise
                issues.append(f"stream {stream_path.name} unreadable: {exc.reason}")
                continue
            integrity += check.problems
            issues += check.notes
            file_stem = stream_path.name.removesuffix(STREAM_SUFFIX)
            batch_sha256s[file_stem] = check.sha256s
            event_counts[file_stem] = check.event_counts
            if stream.name != file_stem:
                integrity.append(
                    f"stream {stream_path.name}: its descriptor names stream {stream.name!r} "
                    "(file renamed or replaced)"
                )
                continue
            integrity += _stream_time_problems(stream, metadata)
            if stream.torn_tail:
                issues.append(
                    f"stream {stream.name}: torn last record batch skipped "
                    f"({stream.n_samples} samples kept)"
                )
            streams[stream.name] = stream
        if not (path / EVENTS_FILE).exists() and not (path / EVENTS_FILE).is_symlink():
            integrity.append(f"{EVENTS_FILE}: missing (the writer creates it with the session)")
        event_records, events_torn = read_lines(path / EVENTS_FILE)
        if events_torn:
            issues.append("events: torn last line skipped")
        integrity += ev.event_log_problems(event_records, path=path / EVENTS_FILE)
        integrity += _event_time_problems(event_records, metadata)
        integrity += continuity.checkpoint_problems(event_records, batch_sha256s)
        if event_records:
            raw_events = read_file_bytes(path / EVENTS_FILE, what=EVENTS_FILE)
            integrity += continuity.events_digest_problems(raw_events, event_records)
        integrity += continuity.event_count_problems(len(event_records), event_counts)
        audit_records, audit_torn = read_lines(path / AUDIT_FILE)
        if audit_torn:
            issues.append("audit log: torn last line skipped")
        start_integrity, audit_problems = continuity.start_problems(
            format_version, metadata_sha256, event_records, audit_records
        )
        integrity += start_integrity
        audit_problems += audit.chain_problems(audit_records)
        audit_problems += continuity.audit_mirror_problems(event_records, audit_records)
        audit_problems += audit.entry_problems(audit_records)
        if manifest is not None:
            audit_problems += audit_anchor_problems(manifest, audit_records)
        return cls(
            path=path,
            metadata=metadata,
            streams=streams,
            event_records=tuple(event_records),
            audit_records=tuple(audit_records),
            manifest=manifest,
            issues=tuple(issues + integrity + audit_problems),
            integrity_problems=tuple(integrity),
            audit_problems=tuple(audit_problems),
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

    def sample_time_ns(self, stream_name: str) -> np.ndarray:
        """When each sample of a stream was taken (ns since the epoch, UTC): its device time on
        the clock fits the recorder logged per connection (BLE latency and jitter removed,
        drift corrected; see :func:`alsmotion.timing.recorded_timeline_ns`), the arrival time
        where the device sent no clock. Trials are cut and streams aligned on these times."""
        cached = self._sample_times_ns.get(stream_name)
        if cached is None:
            stream = self.streams[stream_name]
            fits = [
                record["fit"]
                for record in self.event_records
                if record["type"] == ev.TIMING_FIT and record["stream"] == stream_name
            ]
            cached = recorded_timeline_ns(stream.host_time_ns, stream.device_time_s, fits)
            cached.setflags(write=False)
            self._sample_times_ns[stream_name] = cached
        return cached

    @property
    def audit(self) -> pd.DataFrame:
        """The audit log, one row per entry."""
        return pd.DataFrame.from_records(list(self.audit_records))
