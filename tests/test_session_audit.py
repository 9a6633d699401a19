import hashlib
import json
import os
import re

import pytest
from session_helpers import write_small_session

from alsmotion.cli import main
from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.session import Session, append_audit, verify_session
from alsmotion.session import decisions as dec
from alsmotion.session.layout import AUDIT_FILE, EVENTS_FILE


def _reject_walk(path, why="participant stopped halfway"):
    return append_audit(
        path,
        who="OP2",
        what="reject_trial",
        why=why,
        change={"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"},
    )


def _audited(tmp_path):
    path = write_small_session(tmp_path)
    _reject_walk(path)
    append_audit(
        path,
        who="OP2",
        what="reassign_visit",
        why="baseline repeated because of device failure",
        change={"before": "baseline", "after": "unscheduled"},
    )
    append_audit(
        path,
        who="OP1",
        what="correct_note",
        why="typo",
        change={
            "event_seq": _note_seq(path),
            "before": "participant used a cane",
            "after": "used a walker",
        },
    )
    return path


def _note_seq(path):
    return next(r["seq"] for r in Session.open(path).event_records if r["type"] == "note")


def test_audit_entries_chain_and_record_who_when_what_why(tmp_path):
    path = _audited(tmp_path)
    entries = Session.open(path).audit_records
    assert [e["seq"] for e in entries] == [0, 1, 2, 3]
    assert entries[0]["prev_sha256"] == "0" * 64
    assert entries[0]["what"] == "create_session" and entries[0]["who"] == "OP1"
    assert entries[1]["prev_sha256"] == entries[0]["sha256"]
    assert entries[1]["who"] == "OP2" and entries[1]["utc"].endswith("Z")
    assert entries[1]["change"]["before"] == "accepted"
    report = verify_session(path)
    assert report.ok and report.n_audit_entries == 4 and report.n_files == 3


def test_decisions_apply_the_audit_log_without_touching_events(tmp_path):
    path = write_small_session(tmp_path)
    assert dec.trials(Session.open(path))["status"].tolist() == ["accepted"]
    path = _audited(tmp_path / "audited")
    session = Session.open(path)
    trials = dec.trials(session)
    assert trials[["status", "reason"]].values.tolist() == [
        ["rejected", "participant stopped halfway"]
    ]
    assert dec.visit_label(session) == "unscheduled"
    assert session.metadata.visit == "baseline"
    assert dec.notes(session).to_dict("records") == [
        {
            "seq": _note_seq(path),
            "utc": session.event_records[_note_seq(path)]["utc"],
            "text": "used a walker",
            "corrected": True,
        }
    ]
    listed = json.loads((path / "manifest.json").read_text())["files"][EVENTS_FILE]
    assert hashlib.sha256((path / EVENTS_FILE).read_bytes()).hexdigest() == listed["sha256"]
    append_audit(
        path,
        who="OP3",
        what="accept_trial",
        why="video review: walk was complete",
        change={"test": "10MWT", "trial": 1, "before": "rejected", "after": "accepted"},
    )
    assert dec.trials(Session.open(path))["status"].tolist() == ["accepted"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"what": "delete_trial"}, "unknown audit action"),
        ({"who": " "}, "non-empty 'who'"),
        ({"change": {"test": "10MWT", "trial": 1}}, "before, after"),
    ],
)
def test_incomplete_audit_entries_are_refused(tmp_path, kwargs, message):
    path = write_small_session(tmp_path)
    arguments = {
        "who": "OP2",
        "what": "reject_trial",
        "why": "x",
        "change": {"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"},
    }
    with pytest.raises(InvalidInputError, match=message):
        append_audit(path, **(arguments | kwargs))


def _rewrite_audit(path, edit):
    audit = path / AUDIT_FILE
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    entries = edit(entries)
    audit.write_text("".join(json.dumps(e) + "\n" for e in entries))


def _edit_why(entries):
    entries[0]["why"] = "no reason"
    return entries


def _edit_and_rehash(entries):
    from alsmotion.session.audit import entry_sha256

    entries[0]["who"] = "someone else"
    entries[0]["sha256"] = entry_sha256(entries[0])
    return entries


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_edit_why, "entry 0: content does not match its hash"),
        (_edit_and_rehash, "entry 1: does not chain"),
        (lambda entries: entries[1:], "entry 0: sequence number 1"),
        (lambda entries: [entries[1], entries[0], entries[2]], "entry 0: sequence number 1"),
    ],
)
def test_audit_tampering_is_detected(tmp_path, edit, message):
    path = _audited(tmp_path)
    _rewrite_audit(path, edit)
    report = verify_session(path)
    assert not report.ok
    assert any(message in problem for problem in report.problems), report.problems
    with pytest.raises(SessionError, match="audit log is broken"):
        _reject_walk(path)


def test_changed_raw_event_is_detected(tmp_path):
    path = write_small_session(tmp_path)
    events = path / EVENTS_FILE
    os.chmod(events, 0o644)
    events.write_text(events.read_text().replace("cane", "walker"))
    manifest_problem, digest_problem = verify_session(path).problems
    assert re.fullmatch(
        r"events\.jsonl: (\d+) bytes, the manifest says (\d+) \(file changed\)", manifest_problem
    )
    assert "differ from the SHA-256 it recorded (events edited" in digest_problem


def test_verify_cli_exit_codes(tmp_path, capsys):
    good = write_small_session(tmp_path / "a")
    assert main(["verify", str(good)]) == 0
    assert "OK (3 files match the manifest, 1 audit entries chained)" in capsys.readouterr().out
    bad = _audited(tmp_path / "b")
    _rewrite_audit(bad, _edit_why)
    assert main(["verify", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "content does not match its hash (edited)" in out
    assert main(["verify", str(tmp_path / "nothing")]) == 2
    assert "not an alsmotion session folder" in capsys.readouterr().err


def test_a_repeated_trial_number_keeps_both_attempts(tmp_path):
    from session_helpers import metadata

    from alsmotion.session import SessionWriter

    with SessionWriter.create(tmp_path, metadata()) as writer:
        fields = {"test": "HHD", "trial": 1, "muscle": "grip", "side": "left"}
        for attempt, stamp in ((1, 100), (2, 300)):
            writer.log_event("trial_started", host_time_ns=stamp, attempt=attempt, **fields)
            writer.log_event("trial_stopped", host_time_ns=stamp + 50, attempt=attempt, **fields)
            if attempt == 1:
                writer.log_event("trial_rejected", reason="elbow moved", **fields)
    table = dec.trials(Session.open(writer.path))
    assert table[["attempt", "start_host_ns", "status", "reason"]].values.tolist() == [
        [1, 100, "rejected", "elbow moved"],
        [2, 300, "accepted", ""],
    ]
    append_audit(
        writer.path,
        who="OP2",
        what="accept_trial",
        why="video review: the elbow stayed still",
        change={**fields, "attempt": 1, "before": "rejected", "after": "accepted"},
    )
    assert dec.trials(Session.open(writer.path))["status"].tolist() == ["accepted", "accepted"]


def test_sealing_an_interrupted_session_makes_it_verifiable(tmp_path, capsys):
    path = write_small_session(tmp_path)
    (path / "manifest.json").unlink()
    stream, events = path / "streams" / "imu.arrows", path / EVENTS_FILE
    os.chmod(stream, 0o644)
    os.chmod(events, 0o644)
    # As a crash leaves it: the last batch torn, so close() logged no last checkpoint.
    stream.write_bytes(stream.read_bytes()[:-20])
    events.write_text("".join(events.read_text().splitlines(keepends=True)[:-1]))
    assert main(["verify", str(path)]) == 1
    assert "never closed" in capsys.readouterr().out
    assert main(["seal", str(path), "--who", "OP1", "--why", "laptop battery died"]) == 0
    assert "torn last record batch" in capsys.readouterr().out
    report = verify_session(path)
    assert report.ok
    assert report.notes == ("stream imu: torn last record batch skipped (200 samples kept)",)
    assert main(["verify", str(path)]) == 0
    assert "note (recorded when sealed): stream imu: torn" in capsys.readouterr().out
    entry = Session.open(path).audit_records[-1]
    assert (entry["what"], entry["who"], entry["change"]["after"]) == (
        "seal_interrupted",
        "OP1",
        "sealed",
    )
    assert main(["seal", str(path), "--who", "OP1", "--why", "again"]) == 2


def test_an_unfinished_trial_is_incomplete_with_no_stop_time(tmp_path):
    from session_helpers import metadata

    from alsmotion.session import SessionWriter

    with SessionWriter.create(tmp_path, metadata()) as writer:
        writer.log_event(
            "trial_started", host_time_ns=1_767_605_400_000_000_001, test="6MWT", trial=1
        )
    row = dec.trials(Session.open(writer.path)).to_dict("records")[0]
    assert row["start_host_ns"] == 1_767_605_400_000_000_001  # exact, not rounded through float
    assert row["stop_host_ns"] is None and row["status"] == "incomplete"
