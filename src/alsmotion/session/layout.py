"""File names and format identifiers of a session directory.

::

    <participant>_<visit>_<YYYYmmddTHHMMSSZ>/
        session.json           metadata (written once, atomically, when the session is created)
        streams/<name>.arrows  one Arrow IPC stream file per stream, record batches appended
        events.jsonl           event log, one JSON line per event, fsync'd (starts with
                               session_started; checkpoint events while recording;
                               audit_appended events after audit entries appended
                               while there is no manifest)
        manifest.json          SHA-256 of every file above, written by close()
        audit.jsonl            changes after recording, hash-chained (never in the manifest),
                               starting with a create_session entry
"""

from __future__ import annotations

FORMAT_NAME = "alsmotion-session"
#: Version of the session format this alsmotion writes (``format_version`` in session.json).
#: Version 2 starts the event log with a ``session_started`` event and the audit log with a
#: ``create_session`` entry (both holding the SHA-256 of session.json), requires stamped record
#: batches that also carry the event count, and logs ``checkpoint`` events.
FORMAT_VERSION = 2
#: Session formats this alsmotion reads; version 1 sessions lack the version 2 cross-checks.
READABLE_FORMAT_VERSIONS = (1, 2)
#: First session format whose files cross-check one another (:mod:`alsmotion.session.continuity`).
CROSS_CHECKED_FORMAT = 2
#: Version of the manifest format (unchanged since version 1 of the session format).
MANIFEST_FORMAT_VERSION = 1
STREAM_FORMAT_NAME = "alsmotion-stream"

METADATA_FILE = "session.json"
EVENTS_FILE = "events.jsonl"
MANIFEST_FILE = "manifest.json"
AUDIT_FILE = "audit.jsonl"
STREAMS_DIR = "streams"
STREAM_SUFFIX = ".arrows"

#: Key of the stream descriptor (JSON) in each Arrow schema's metadata.
SCHEMA_METADATA_KEY = b"alsmotion"

#: Keys of the custom metadata the writer stamps on every record batch of a stream file: the
#: batch's sequence number in its file (ASCII decimal, 0 for the first, empty batch) and the
#: SHA-256 of its values (hex; see :func:`alsmotion.session.streamfile.batch_sha256`).
BATCH_SEQUENCE_KEY = b"alsmotion_batch_seq"
BATCH_SHA256_KEY = b"alsmotion_batch_sha256"
#: Key of a further stamp (format 2): how many events the event log held when the batch was
#: written (ASCII decimal), so that events removed from the end of the log show against streams.
BATCH_EVENT_COUNT_KEY = b"alsmotion_event_count"

#: Timing columns of every stream file, before the channel columns.
HOST_TIME_COLUMN = "host_time_ns"
DEVICE_TIME_COLUMN = "device_time_s"
COUNTER_COLUMN = "counter"
TIMING_COLUMNS = (HOST_TIME_COLUMN, DEVICE_TIME_COLUMN, COUNTER_COLUMN)
