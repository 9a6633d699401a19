import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_helpers import IMU_CHANNELS, WITMOTION, metadata, write_small_session

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.session import Session, SessionWriter, validate_pseudonym
from alsmotion.session.layout import EVENTS_FILE, MANIFEST_FILE, METADATA_FILE
from alsmotion.session.manifest import check_manifest


def _make_writable(path: Path) -> None:
    os.chmod(path, 0o644)


def test_round_trip_keeps_samples_timing_metadata_and_events(tmp_path):
    path = write_small_session(tmp_path)
    session = Session.open(path)
    assert session.issues == ()
    assert session.metadata.participant_id == "ALS-001"
    assert session.metadata.host == "test-host"
    imu = session.streams["imu"]
    assert imu.sampling_rate_hz == 100.0
    assert imu.channels == IMU_CHANNELS
    assert imu.device == WITMOTION
    np.testing.assert_array_equal(imu.values[:, 0], np.arange(300))
    np.testing.assert_array_equal(imu.counter, np.arange(300))
    assert np.all(np.diff(imu.host_time_ns) == 10_000_000)
    assert np.isnan(imu.device_time_s).all()
    assert list(session.events["type"]) == [
        "session_started",
        "checkpoint",  # the stream was added
        "trial_started",
        "trial_stopped",
        "note",
        "checkpoint",  # on close
    ]
    assert list(session.events["seq"]) == [0, 1, 2, 3, 4, 5]
    frame = imu.to_frame()
    assert list(frame.columns[:3]) == ["host_time_ns", "device_time_s", "counter"]
    assert frame.attrs["units"]["gyr_x"] == "rad/s"
    assert check_manifest(path) == []


def test_manifest_lists_sha256_of_every_raw_file(tmp_path):
    path = write_small_session(tmp_path)
    manifest = json.loads((path / MANIFEST_FILE).read_text())
    assert sorted(manifest["files"]) == [EVENTS_FILE, METADATA_FILE, "streams/imu.arrows"]
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_gaps_and_timing_fits_are_recorded(tmp_path):
    with SessionWriter.create(tmp_path, metadata()) as writer:
        writer.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=100.0, device=WITMOTION
        )
        writer.mark_gap("imu", 1_000, 2_000, "counter jump of 12")
        writer.record_timing_fit("imu", {"offset_ns": 5.0, "slope": 1.007})
        with pytest.raises(InvalidInputError, match="no stream"):
            writer.mark_gap("force", 1, 2, "x")
    session = Session.open(writer.path)
    assert session.gaps.to_dict("records") == [
        {
            "stream": "imu",
            "start_host_ns": 1_000,
            "end_host_ns": 2_000,
            "reason": "counter jump of 12",
        }
    ]
    assert session.timing_fits == {"imu": {"offset_ns": 5.0, "slope": 1.007}}


@pytest.mark.parametrize(
    ("event", "fields", "message"),
    [
        ("trial_begun", {"test": "10MWT"}, "unknown event type"),
        ("trial_started", {"test": "10MWT"}, "needs field"),
        ("trial_started", {"test": "TUG", "trial": 1}, "unknown test code"),
        ("trial_started", {"test": "HHD", "trial": 1, "side": "left"}, "needs 'muscle'"),
        ("trial_started", {"test": "10MWT", "trial": 0}, "positive integer"),
        ("trial_rejected", {"test": "10MWT", "trial": 1}, "reason"),
        ("note", {"text": "x", "seq": 3}, "set by the session"),
    ],
)
def test_events_outside_the_vocabulary_are_refused(tmp_path, event, fields, message):
    with (
        SessionWriter.create(tmp_path, metadata()) as writer,
        pytest.raises(InvalidInputError, match=message),
    ):
        writer.log_event(event, **fields)


def test_sessions_are_never_overwritten(tmp_path):
    write_small_session(tmp_path)
    with pytest.raises(SessionError, match="never overwritten"):
        SessionWriter.create(tmp_path, metadata())


def test_append_checks_shapes(tmp_path):
    with SessionWriter.create(tmp_path, metadata()) as writer:
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=100.0, device=WITMOTION
        )
        with pytest.raises(InvalidInputError, match=r"expected \(n, 6\)"):
            imu.append(np.zeros((4, 3)), host_time_ns=np.zeros(4, dtype=np.int64))
        with pytest.raises(InvalidInputError, match="host_time_ns"):
            imu.append(np.zeros((4, 6)), host_time_ns=np.zeros(4))


# --- PHI -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "looks_like"),
    [
        ("John Smith", "name"),
        ("Smith, John", "name"),
        ("Smith", "name"),
        ("john.smith@example.org", "e-mail"),
        ("1954-03-12", "date"),
        ("12/03/1954", "date"),
        ("19540312", "date"),
        ("Mar 12 1954", "date"),
        ("+44 7700 900123", "phone or ID"),
        ("850312-1234", "phone or ID"),
    ],
)
def test_identifying_participant_ids_are_refused(text, looks_like):
    with pytest.raises(
        InvalidInputError, match=f"looks like .*{looks_like}.*use the study pseudonym"
    ):
        validate_pseudonym(text)
    with pytest.raises(InvalidInputError):
        metadata(participant_id=text)


@pytest.mark.parametrize("text", ["ALS-001", "ALS001", "TOFA-0012", "AB-12"])
def test_pseudonyms_matching_the_pattern_are_accepted(text):
    assert validate_pseudonym(text) == text


def test_pattern_mismatch_and_custom_patterns():
    with pytest.raises(InvalidInputError, match="does not match"):
        validate_pseudonym("als-001")
    assert validate_pseudonym("P07", pattern=r"^P\d{2}$") == "P07"
    with pytest.raises(InvalidInputError, match="e-mail"):
        validate_pseudonym("a@b", pattern=r".*")


# --- damaged, truncated and foreign files ----------------------------------------------------


def _stream_file(path: Path) -> Path:
    stream = path / "streams" / "imu.arrows"
    _make_writable(stream)
    return stream


@pytest.mark.parametrize("cut_bytes", [1, 7, 40, 200])
def test_torn_stream_tail_is_skipped_and_reported(tmp_path, cut_bytes):
    path = write_small_session(tmp_path)
    (path / MANIFEST_FILE).unlink()  # as after a crash: never closed
    stream = _stream_file(path)
    data = stream.read_bytes()
    end_marker = 8
    stream.write_bytes(data[: len(data) - end_marker - cut_bytes])
    session = Session.open(path)
    imu = session.streams["imu"]
    assert imu.torn_tail
    assert imu.n_samples == 200  # the first two flushed batches, none of the torn third
    np.testing.assert_array_equal(imu.values[:, 0], np.arange(200))
    assert any("torn last record batch" in issue for issue in session.issues)
    assert any("not closed" in issue for issue in session.issues)


def test_stream_without_end_marker_reads_fully(tmp_path):
    path = write_small_session(tmp_path)
    stream = _stream_file(path)
    stream.write_bytes(stream.read_bytes()[:-8])
    imu = Session.open(path).streams["imu"]
    assert imu.n_samples == 300 and not imu.torn_tail


def test_torn_event_line_is_skipped_and_reported(tmp_path):
    path = write_small_session(tmp_path)
    events = path / EVENTS_FILE
    _make_writable(events)
    n_events = len(Session.open(path).events)
    with events.open("ab") as handle:
        handle.write(b'{"seq":6,"type":"no')
    session = Session.open(path)
    assert len(session.events) == n_events
    assert "events: torn last line skipped" in session.issues


def test_damaged_event_line_in_the_middle_raises(tmp_path):
    path = write_small_session(tmp_path)
    events = path / EVENTS_FILE
    _make_writable(events)
    lines = events.read_bytes().split(b"\n")
    lines[1] = lines[1][:-5]
    events.write_bytes(b"\n".join(lines))
    with pytest.raises(SessionError, match="line 2: not valid JSON"):
        Session.open(path)


def test_foreign_stream_file_raises(tmp_path):
    path = write_small_session(tmp_path)
    stream = _stream_file(path)
    stream.write_bytes(b"timestamp,x,y,z\n0,1,2,3\n" * 10)
    with pytest.raises(SessionError, match="not an Arrow IPC stream"):
        Session.open(path)


def test_arrow_file_from_another_program_raises(tmp_path):
    import pyarrow as pa

    path = write_small_session(tmp_path)
    stream = _stream_file(path)
    table = pa.table({"x": [1.0, 2.0]})
    with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    with pytest.raises(SessionError, match="foreign file"):
        Session.open(path)


def test_flipped_byte_is_caught_by_the_manifest(tmp_path):
    path = write_small_session(tmp_path)
    stream = _stream_file(path)
    data = bytearray(stream.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stream.write_bytes(bytes(data))
    assert check_manifest(path) == [
        "streams/imu.arrows: SHA-256 differs from the manifest (file changed)"
    ]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "no session.json"),
        (lambda p: (p / METADATA_FILE).write_text("{not json"), "not valid JSON"),
        (lambda p: (p / METADATA_FILE).write_text('{"format": "other"}'), "not alsmotion"),
    ],
)
def test_folders_that_are_not_sessions_raise(tmp_path, setup, message):
    setup(tmp_path)
    with pytest.raises(SessionError, match=message):
        Session.open(tmp_path)


# --- crash safety ----------------------------------------------------------------------------

_CHILD = r"""
import sys, time
import numpy as np
from datetime import UTC, datetime
from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionMetadata, SessionWriter, writer as session_writer

session_writer.CHECKPOINT_INTERVAL_S = 0.3  # several checkpoints before the kill
meta = SessionMetadata("ALS-001", "baseline", "p", "OP1", start_utc=datetime(2026, 1, 5, tzinfo=UTC))
t0 = int(meta.start_utc.timestamp()) * 1_000_000_000
writer = SessionWriter.create(sys.argv[1], meta)
stream = writer.add_stream("imu", kind="imu", channels=[("acc_x", "m/s^2")],
                           sampling_rate_hz=200.0, device=DeviceInfo(model="sim"))
print(writer.path, flush=True)
i = 0
while True:
    at = t0 + i * 5_000_000
    stream.append(np.array([[float(i)]]), host_time_ns=np.array([at]), counter=np.array([i]))
    if i % 100 == 0:
        writer.log_event("note", text=f"sample {i}", host_time_ns=at)
    print(i, time.monotonic(), flush=True)
    i += 1
    time.sleep(0.005)
"""


@pytest.mark.slow
def test_sigkill_keeps_everything_flushed_before_the_last_second(tmp_path):
    progress: list[tuple[int, float]] = []
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        session_path = Path(child.stdout.readline().strip())
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            index, stamp = child.stdout.readline().split()
            progress.append((int(index), float(stamp)))
        kill_time = time.monotonic()
        child.send_signal(signal.SIGKILL)
        child.wait()
    appended_before = [i for i, stamp in progress if stamp <= kill_time - 1.0]
    assert appended_before, "the writer made no progress"
    session = Session.open(session_path)
    imu = session.streams["imu"]
    kept = imu.counter.astype(int)
    np.testing.assert_array_equal(kept, np.arange(len(kept)))  # a clean prefix, no holes
    np.testing.assert_array_equal(imu.values[:, 0], kept)
    assert len(kept) > max(appended_before)
    assert not session.closed
    assert any("not closed" in issue for issue in session.issues)
    assert session.integrity_problems == ()  # a crash: no damage, nothing missing
    assert session.events["type"].tolist().count("checkpoint") > 2
    notes = session.events.query("type == 'note'")["text"].tolist()
    assert notes[0] == "sample 0"


@settings(max_examples=60, deadline=None)
@given(
    letters=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4),
    hyphen=st.booleans(),
    digits=st.text("0123456789", min_size=2, max_size=4).filter(
        lambda d: not (len(d) == 4 and d[:2] in ("19", "20"))  # a year: refused
    ),
)
def test_every_pseudonym_of_the_default_pattern_is_accepted(letters, hyphen, digits):
    pseudonym = f"{letters}{'-' if hyphen else ''}{digits}"
    assert validate_pseudonym(pseudonym) == pseudonym


@settings(max_examples=60, deadline=None)
@given(
    user=st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,8})?", fullmatch=True),
    domain=st.from_regex(r"[a-z]{2,8}\.(org|com|de|fr)", fullmatch=True),
)
def test_e_mail_addresses_are_refused_whatever_the_pattern(user, domain):
    with pytest.raises(InvalidInputError, match="e-mail"):
        validate_pseudonym(f"{user}@{domain}", pattern=r".*")
