"""The cases of the raw-data integrity report (issue 13) as regression tests: crashes, a batch
killed by one file, tampering accepted by verify, silent misreads, CSV field shifts, --out on a
file, exit codes, and identifiers that escape the data folder."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from fuzz_integrity import (
    _rewrite_stream,
    build_session,
    make_writable,
    run_cli,
    unclose,
    write_interrupted,
)

from alsmotion.cli import EXIT_BAD_INPUT, EXIT_UNEXPECTED, main
from alsmotion.errors import AlsmotionError, InvalidInputError, InvalidRecordingError, SessionError
from alsmotion.processing import ProcessingSettings, process_session
from alsmotion.readers import read_csv_recording, read_geneactiv_csv
from alsmotion.session import (
    Session,
    SessionMetadata,
    SessionWriter,
    append_audit,
    validate_pseudonym,
    verify_session,
)
from alsmotion.session import decisions as dec
from alsmotion.session.audit import chain_problems as audit_chain_problems
from alsmotion.session.audit import entry_sha256
from alsmotion.session.layout import AUDIT_FILE, EVENTS_FILE, MANIFEST_FILE, METADATA_FILE
from alsmotion.session.pseudonym import validate_operator
from alsmotion.session.seal import seal_interrupted_session


@pytest.fixture
def session(tmp_path):
    path = build_session(tmp_path / "raw")
    make_writable(path)
    return path


def _json(path):
    return json.loads(path.read_text())


def _write_json(path, value):
    path.write_text(json.dumps(value))


# --- crashes become SessionError naming the file ---------------------------------------------


@pytest.mark.parametrize("hostile", ["1" * 5000, "[" * 100_000 + "]" * 100_000])
@pytest.mark.parametrize("name", [METADATA_FILE, MANIFEST_FILE, EVENTS_FILE, AUDIT_FILE])
def test_huge_numbers_and_deep_nesting_are_session_errors_naming_the_file(session, name, hostile):
    file = session / name
    if name.endswith(".jsonl"):
        lines = file.read_text().splitlines()
        lines[0] = hostile
        file.write_text("\n".join(lines) + "\n")
    else:
        file.write_text(hostile)
    with pytest.raises(SessionError) as err:
        Session.open(session)
        dec.trials(Session.open(session))
    assert name in str(err.value)
    if name.endswith(".jsonl") and name != AUDIT_FILE:
        assert err.value.line == 1
    assert not verify_session(session).ok


@pytest.mark.parametrize(
    "change",
    [
        lambda d: {**d, "metadata": "ab"},
        lambda d: {**d, "metadata": {**d["metadata"], "pseudonym_pattern": "([A-Z"}},
        lambda d: {**d, "metadata": {**d["metadata"], "participant_id": "../../etc"}},
        lambda d: {**d, "metadata": {**d["metadata"], "start_utc": 5}},
        lambda d: {**d, "format_version": "1"},
    ],
    ids=["metadata-text", "bad-pattern", "escaping-id", "start-number", "version-text"],
)
def test_bad_metadata_is_a_session_error(session, change):
    _write_json(session / METADATA_FILE, change(_json(session / METADATA_FILE)))
    with pytest.raises(SessionError, match=METADATA_FILE):
        Session.open(session)


def test_manifest_with_a_list_of_files_is_a_problem_not_a_crash(session):
    manifest = _json(session / MANIFEST_FILE)
    _write_json(session / MANIFEST_FILE, {**manifest, "files": []})
    opened = Session.open(session)
    assert any("'files'" in problem for problem in opened.integrity_problems)
    assert not verify_session(session).ok


def test_wrong_stream_descriptor_or_missing_columns_are_session_errors(session):
    stream = session / "streams" / "imu.arrows"
    original = stream.read_bytes()

    def wrong_type(batches, schema):
        schema = schema.with_metadata({b"alsmotion": b'["not", "a", "descriptor"]'})
        return [b.replace_schema_metadata(schema.metadata) for b in batches], schema

    def drop(column):
        def change(batches, schema):
            import pyarrow as pa

            index = schema.get_field_index(column)
            schema = schema.remove(index)
            cut = [
                pa.record_batch([c for k, c in enumerate(b.columns) if k != index], schema=schema)
                for b in batches
            ]
            return cut, schema

        return change

    for change in (wrong_type, drop("host_time_ns"), drop("acc_y")):
        stream.write_bytes(original)
        _rewrite_stream(stream, change)
        with pytest.raises(SessionError, match=r"imu\.arrows"):
            Session.open(session)


def test_surrogate_in_an_audit_entry_is_a_session_error_with_the_line(session):
    audit = session / AUDIT_FILE
    audit.write_text(audit.read_text().replace('"who":"OP2"', '"who":"\\ud800"'))
    with pytest.raises(SessionError) as err:
        Session.open(session)
    assert err.value.line == 2 and AUDIT_FILE in str(err.value)


def test_a_folder_named_like_a_stream_is_reported_not_read(session):
    (session / "streams" / "x.arrows").mkdir()
    opened = Session.open(session)
    assert "x" not in opened.streams
    assert any("x.arrows" in problem for problem in opened.integrity_problems)


# --- batch isolation ---------------------------------------------------------------------------


def test_one_malformed_session_json_is_one_errors_csv_row(tmp_path):
    raw = tmp_path / "raw"
    good = build_session(raw / "site1")
    bad = build_session(raw / "site2", participant="ALS-002")
    make_writable(bad)
    (bad / METADATA_FILE).write_text('{"format": "alsmotion-session", "metadata": ' + "[" * 5000)
    out = tmp_path / "out"
    code = main(["process", str(raw), "--out", str(out), "--workers", "1", "--no-reports"])
    assert code == 1
    rows = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text())))
    assert len(rows) == 1
    assert rows[0]["file"] == bad.relative_to(raw).as_posix()
    assert METADATA_FILE in rows[0]["reason"] and "nested deeper" in rows[0]["reason"]
    assert good.name.split("_")[0] in (out / "visit_measures.csv").read_text()


def test_a_session_folder_without_its_session_json_is_an_errors_csv_row(tmp_path):
    raw = tmp_path / "raw"
    build_session(raw / "site1")
    damaged = build_session(raw / "site2", participant="ALS-002")
    make_writable(damaged)
    (damaged / METADATA_FILE).unlink()
    (damaged / METADATA_FILE).mkdir()  # a folder in its place, or just deleted: not skipped
    out = tmp_path / "out"
    code = main(["process", str(raw), "--out", str(out), "--workers", "1", "--no-reports"])
    assert code == 1
    rows = list(csv.DictReader(io.StringIO((out / "errors.csv").read_text())))
    assert [row["file"] for row in rows] == [damaged.relative_to(raw).as_posix()]
    assert METADATA_FILE in rows[0]["reason"]


# --- tampering seen by verify -------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["files"]["session.json"].update(bytes=m["files"]["session.json"]["bytes"] + 1),
        lambda m: m.update(closed_utc="2020-01-01T00:00:00Z"),
        lambda m: m.update(closed_utc="2026-01-05T12:00:00.000000Z"),  # well-formed, but edited
        lambda m: m["audit"].update(n_entries=0),
        lambda m: m.update(format_version=2),
        lambda m: m.update(signed_by="someone"),
        lambda m: m["files"]["events.jsonl"].update(note="x"),
    ],
    ids=[
        "bytes",
        "closed_utc",
        "closed_utc-well-formed",
        "audit-anchor",
        "format_version",
        "extra-key",
        "extra-entry-key",
    ],
)
def test_verify_checks_every_manifest_field(session, change):
    manifest = _json(session / MANIFEST_FILE)
    change(manifest)
    _write_json(session / MANIFEST_FILE, manifest)
    assert not verify_session(session).ok
    assert Session.open(session).integrity_problems


def test_hidden_stream_is_not_read_and_fails_verify(session):
    shutil.copyfile(session / "streams" / "imu.arrows", session / "streams" / ".x.arrows")
    opened = Session.open(session)
    assert set(opened.streams) == {"imu", "force"}
    report = verify_session(session)
    assert any(".x.arrows" in problem for problem in report.problems)


def test_removing_the_last_audit_entry_fails_verify(session):
    (session / AUDIT_FILE).write_text("")
    report = verify_session(session)
    assert any("entries removed" in problem for problem in report.problems)
    with pytest.raises(SessionError, match="audit log is broken"):
        dec.notes(Session.open(session))


def test_audit_appends_keep_the_anchor_in_step(session):
    append_audit(
        session,
        who="OP3",
        what="reject_trial",
        why="participant stopped",
        change={"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"},
    )
    assert verify_session(session).ok
    trials = dec.trials(Session.open(session))
    assert trials.loc[trials["test"] == "10MWT", "status"].tolist() == ["rejected"]


# --- no silent misreads ------------------------------------------------------------------------


def _swap(batches, schema):
    batches[1], batches[2] = batches[2], batches[1]
    return batches, schema


def _duplicate(batches, schema):
    return [*batches, batches[2]], schema


def _drop(batches, schema):
    return [batches[0], batches[1], batches[3]], schema


def _edit(batches, schema):
    import pyarrow as pa

    batch = batches[2]
    columns = list(batch.columns)
    columns[3] = pa.array(np.asarray(columns[3]) + 1.0)
    batches[2] = pa.record_batch(columns, schema=batch.schema)
    return batches, schema


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: (p / "streams" / "force.arrows").unlink(),
        lambda p: (p / EVENTS_FILE).write_text(""),
        lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _swap),
        lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _duplicate),
        lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _drop),
        lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _edit),
    ],
    ids=["stream-deleted", "events-emptied", "swapped", "duplicated", "dropped", "edited"],
)
def test_changed_closed_session_is_flagged_on_every_measure_or_refused(session, damage):
    damage(session)
    result = process_session(session)
    assert all("raw_data_integrity" in flags for flags in result.measures["flags"])
    assert any(flag.startswith("raw_data_integrity") for flag in result.flags)
    with pytest.raises(SessionError, match="raw data differ"):
        process_session(session, ProcessingSettings(integrity_problems="refuse"))


def test_a_session_without_its_event_log_is_exported_with_its_problem_named(
    session, tmp_path, capsys
):
    (session / EVENTS_FILE).unlink()  # no trials: the session gives no measure at all
    out = tmp_path / "out"
    assert main(["export", str(session), "--out", str(out)]) == 0
    with (out / "visit_assignments.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert "raw_data_integrity" in row["session_flags"] and EVENTS_FILE in row["session_flags"]
    assert f"{EVENTS_FILE}: listed in the manifest but missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _swap), "out of order"),
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _duplicate), "repeats batch"),
        (lambda p: _swap_event_lines(p), "seq"),
        (lambda p: _rename_streams(p), "descriptor names stream"),
    ],
    ids=["swapped", "duplicated", "events-swapped", "stream-replaced"],
)
def test_unclosed_session_detects_repeats_reorders_and_replacements(session, damage, expected):
    unclose(session)
    damage(session)
    opened = Session.open(session)
    assert any(expected in problem for problem in opened.integrity_problems)


def _swap_event_lines(path):
    lines = (path / EVENTS_FILE).read_text().splitlines()
    lines[0], lines[1] = lines[1], lines[0]
    (path / EVENTS_FILE).write_text("\n".join(lines) + "\n")


def _rename_streams(path):
    imu, force = path / "streams" / "imu.arrows", path / "streams" / "force.arrows"
    imu.rename(path / "streams" / "tmp")
    force.rename(imu)
    (path / "streams" / "tmp").rename(force)


def test_a_stream_from_a_later_visit_is_detected_on_an_unclosed_session(session):
    unclose(session)
    metadata = _json(session / METADATA_FILE)
    metadata["metadata"]["start_utc"] = "2025-12-05T09:30:00.000000Z"  # its streams: a month on
    _write_json(session / METADATA_FILE, metadata)
    problems = Session.open(session).integrity_problems
    assert any("a day or more after the session started" in p for p in problems)
    result = process_session(session)
    assert all("raw_data_integrity" in flags for flags in result.measures["flags"])


def _edit_bytes_in_place(path):
    """Change one IMU value inside the stream file's bytes (as a hex editor would)."""
    import pyarrow as pa

    stream = path / "streams" / "imu.arrows"
    with pa.OSFile(str(stream), "rb") as source:
        reader = pa.ipc.open_stream(source)
        reader.read_next_batch(), reader.read_next_batch()
        start = source.tell()
        value = reader.read_next_batch().column("acc_x")[50].as_py()  # sample 150, batch 2
        end = source.tell()
    data = bytearray(stream.read_bytes())
    at = data.find(np.float64(value).tobytes(), start, end)
    data[at : at + 8] = np.float64(value + 0.25).tobytes()
    stream.write_bytes(bytes(data))
    assert Session.open(path).streams["imu"].values[150, 0] == value + 0.25  # read, not refused


def _cut_bytes_from_a_middle_batch(path):
    """Cut 100 bytes out of batch 1 (of 0-3): it reads into batch 2, which no longer parses."""
    import pyarrow as pa

    stream = path / "streams" / "imu.arrows"
    with pa.OSFile(str(stream), "rb") as source:
        pa.ipc.open_stream(source).read_next_batch()
        cut = source.tell() + 1000
    data = stream.read_bytes()
    stream.write_bytes(data[:cut] + data[cut + 100 :])


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_edit_bytes_in_place, "record batch(es) 2 differ from the SHA-256"),
        (_cut_bytes_from_a_middle_batch, "damaged in the middle, not a torn tail"),
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _edit), "2 differ from the SHA"),
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _drop), "batch(es) 2 break"),
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _swap), "batch(es) 1, 2 break"),
        (lambda p: _rewrite_stream(p / "streams" / "imu.arrows", _duplicate), "(es) 4 break"),
    ],
    ids=[
        "value-edited-in-the-bytes",
        "bytes-cut-from-a-middle-batch",
        "value-edited",
        "middle-dropped",
        "swapped",
        "duplicated",
    ],
)
def test_unclosed_session_checks_each_batch_against_its_sequence_number_and_sha256(
    session, damage, expected
):
    unclose(session)
    damage(session)
    problems = Session.open(session).integrity_problems
    assert any(p.startswith("stream imu.arrows: ") and expected in p for p in problems), problems
    result = process_session(session)
    assert all("raw_data_integrity" in flags for flags in result.measures["flags"])


def test_a_clean_unclosed_session_has_no_integrity_problem(session):
    unclose(session)
    opened = Session.open(session)
    assert opened.integrity_problems == ()
    assert not any("checksum" in issue for issue in opened.issues)


def test_decisions_refuse_a_broken_audit_chain(session):
    audit = session / AUDIT_FILE
    audit.write_text(audit.read_text().replace("typo", "changed"))
    opened = Session.open(session)
    assert opened.audit_problems
    with pytest.raises(SessionError, match="audit log is broken"):
        dec.notes(opened)
    with pytest.raises(SessionError):
        process_session(session)


# --- CSV readers -----------------------------------------------------------------------------


def _geneactiv(shared_data, tmp_path, edit):
    lines = (shared_data / "gaitpy-demo" / "demo_data.csv").read_bytes().decode("latin-1")
    lines = lines.splitlines()[:600]
    edit(lines)
    path = tmp_path / "g.csv"
    path.write_bytes("\r\n".join(lines).encode("latin-1") + b"\r\n")
    return path


def test_geneactiv_extra_or_missing_field_names_the_line(shared_data, tmp_path):
    def extra(lines):
        lines[200] += ",0.5"

    def missing(lines):
        lines[300] = ",".join(lines[300].split(",")[:6])

    for edit, line in ((extra, 201), (missing, 301)):
        with pytest.raises(InvalidRecordingError, match="fields") as err:
            read_geneactiv_csv(_geneactiv(shared_data, tmp_path, edit))
        assert err.value.line == line


def test_geneactiv_trailing_comma_reads_the_same_values(shared_data, tmp_path):
    clean = read_geneactiv_csv(_geneactiv(shared_data, tmp_path, lambda lines: None))

    def trailing(lines):
        for i in range(100, len(lines)):
            lines[i] += ","

    again = read_geneactiv_csv(_geneactiv(shared_data, tmp_path, trailing))
    np.testing.assert_array_equal(clean.accel_mps2, again.accel_mps2)


def test_csv_bad_time_value_names_its_line_and_no_overflow_warning(tmp_path):
    rows = ["t,ax,ay,az"] + [f"{k * 0.01:.2f},0.1,9.8,0.2" for k in range(2000)]
    rows[1329] = "oops,0.1,9.8,0.2"
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InvalidRecordingError) as err:
        read_csv_recording(path, accel_columns=["ax", "ay", "az"], accel_unit="g", time_column="t")
    assert err.value.line == 1330
    rows[1329] = "13.28,1e400,9.8,0.2"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InvalidRecordingError) as err:  # filterwarnings=error: no warning first
        read_csv_recording(path, accel_columns=["ax", "ay", "az"], accel_unit="g", time_column="t")
    assert err.value.line == 1330


# --- command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["gait", "{file}", "--sensor-height-m", "0.9"],
        ["strength", "{file}", "--sampling-rate-hz", "80"],
        ["export", "{session}"],
        ["process", "{root}"],
        ["record", "--device", "imu=SIM", "--participant", "ALS-001", "--visit", "v", "--simulate"],
        ["demo"],
        ["validate", "--strength-trials", "0"],
    ],
    ids=lambda argv: argv[0],
)
def test_out_naming_an_existing_file_is_refused_up_front(tmp_path, capsys, argv):
    blocker = tmp_path / "taken.txt"
    blocker.write_text("not a folder")
    for target in (blocker, blocker / "inside"):
        filled = [a.format(file=blocker, session=tmp_path, root=tmp_path) for a in argv] + [
            "--out",
            str(target),
        ]
        with pytest.raises(SystemExit) as exit_info:
            main(filled)
        assert exit_info.value.code == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert "give a folder" in err and "Traceback" not in err


def test_unexpected_errors_exit_3_with_one_line_and_a_bug_report_hint(monkeypatch, capsys):
    import alsmotion.cli.info as info

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(info, "run", broken)
    assert main(["info", "x.csv"]) == EXIT_UNEXPECTED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: boom" in err and "report" in err
    assert run_cli(["verify", "/nonexistent"]) == ""  # a refusal, exit 2: in the documented set


# --- identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ALS-001", "P001", "sub-01", "S01", "ALS-01-003", "TOFA-0012"])
def test_common_pseudonym_schemes_are_accepted(text):
    assert validate_pseudonym(text) == text


@pytest.mark.parametrize(
    "text", ["SMITH-01", "JONES01", "JS-1950", "ALS-\uff10\uff10\uff11", "ALS-\u0660\u0660\u0661"]
)
def test_surname_like_and_non_ascii_pseudonyms_are_refused(text):
    with pytest.raises(InvalidInputError):
        validate_pseudonym(text)


@pytest.mark.parametrize("text", ["../../etc", "/etc/passwd", "a\x00b", "A" * 10_000, "x_y"])
def test_unsafe_ids_are_refused_whatever_the_pattern(text, tmp_path):
    with pytest.raises(InvalidInputError, match="ASCII"):
        validate_pseudonym(text, pattern=r".*")
    with pytest.raises(AlsmotionError):
        SessionWriter.create(
            tmp_path,
            SessionMetadata(
                participant_id=text,
                visit="v",
                protocol="p",
                operator="OP1",
                pseudonym_pattern=r".*",
            ),
        )
    assert list(tmp_path.iterdir()) == []


def test_bad_pattern_and_operator_phi_are_input_errors():
    for pattern in ("([A-Z", "a{99999999999}"):  # the second overflows re's repeat count
        with pytest.raises(InvalidInputError, match="regular expression"):
            validate_pseudonym("ALS-001", pattern=pattern)
    for operator in ("jane.doe@example.org", "Smith", "1954-03-12", "a/b"):
        with pytest.raises(InvalidInputError):
            validate_operator(operator)
    assert validate_operator("OP1") == "OP1"


def test_record_takes_a_study_pattern_and_refuses_phi_operators(tmp_path, capsys):
    base = ["record", "--device", "imu=SIM", "--visit", "v", "--out", str(tmp_path)]
    code = main([*base, "--participant", "XY12345", "--operator", "OP1"])
    assert code == EXIT_BAD_INPUT and "pseudonym pattern" in capsys.readouterr().err
    code = main([*base, "--participant", "ALS-001", "--operator", "jane@example.org"])
    assert code == EXIT_BAD_INPUT and "e-mail" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- validation inputs: a report to verify and a site's reference recordings -------------------


@pytest.mark.parametrize("hostile", ["1" * 5000, "[" * 100_000 + "]" * 100_000])
def test_verify_report_on_hostile_json_is_an_input_error(tmp_path, capsys, hostile):
    report = tmp_path / "validation.json"
    report.write_text('{"report_sha256": "0", "x": ' + hostile + "}")
    assert main(["verify-report", str(report)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "validation.json" in err and "unexpected" not in err


def test_a_site_reference_folder_in_the_wrong_layout_names_the_dataset(shared_data, tmp_path):
    from alsmotion.validation import iter_reference_recordings

    folder = tmp_path / "mobilised-lab-HA001"
    shutil.copytree(shared_data / "mobilised-lab-HA001", folder)
    (folder / "participant.json").write_text('{"height_m": 1.8}')  # no sensor_height_m
    with pytest.raises(InvalidRecordingError, match="Test5_Trial1") as err:
        next(iter_reference_recordings(tmp_path, datasets=("mobilised-lab-HA001",)))
    assert err.value.path == folder
    (folder / "participant.json").write_text('{"height_m": ' + "9" * 5000 + "}")
    with pytest.raises(InvalidRecordingError, match=r"participant\.json"):
        next(iter_reference_recordings(tmp_path, datasets=("mobilised-lab-HA001",)))


# --- found by the independent harness (s20 audit) --------------------------------------------


def test_absurd_stream_values_are_flagged_and_kept_out_of_the_numerics(session):
    import pyarrow as pa

    def absurd(batches, schema):
        batch = batches[1]
        arrays = list(batch.columns)
        values = arrays[3].to_numpy().copy()
        values[5] = 1e300  # a damaged float: numpy's norm overflowed (a RuntimeWarning)
        arrays[3] = pa.array(values)
        return [
            *batches[:1],
            pa.RecordBatch.from_arrays(arrays, schema=schema),
            *batches[2:],
        ], schema

    _rewrite_stream(session / "streams" / "imu.arrows", absurd)
    unclose(session)
    opened = Session.open(session)
    assert any("beyond +/-1e+06" in problem for problem in opened.integrity_problems)
    assert np.isnan(opened.streams["imu"].values).sum() == 1
    result = process_session(session)  # filterwarnings=error: no overflow warning
    assert all("raw_data_integrity" in flags for flags in result.measures["flags"])


def test_an_event_log_deleted_or_copied_from_another_session_is_detected(session, tmp_path):
    unclose(session)
    (session / EVENTS_FILE).unlink()
    assert any("missing" in p for p in Session.open(session).integrity_problems)
    metadata = _json(session / METADATA_FILE)
    metadata["metadata"]["start_utc"] = "2026-03-05T09:30:00.000000Z"  # another visit's log
    _write_json(session / METADATA_FILE, metadata)
    other = build_session(tmp_path / "other")
    shutil.copyfile(other / EVENTS_FILE, session / EVENTS_FILE)
    problems = Session.open(session).integrity_problems
    assert any("event log from another recording" in p for p in problems)


def test_a_manifest_without_its_self_hash_fails_verify(session):
    manifest = _json(session / MANIFEST_FILE)
    del manifest["manifest_sha256"]  # with it gone, an edited closed_utc could not be told
    _write_json(session / MANIFEST_FILE, manifest)
    report = verify_session(session)
    assert any("no manifest_sha256" in problem for problem in report.problems)
    assert Session.open(session).integrity_problems


# --- unclosed sessions: the writer's cross-checks (session format 2) --------------------------

FORMAT_1_SESSION = Path(__file__).parent / "data" / "session-format-1"


@pytest.fixture
def interrupted(tmp_path):
    """An unclosed session as a crash leaves it: checkpoints after flush rounds 2 and 4 of 5."""
    path, _ = write_interrupted(tmp_path)
    make_writable(path)
    return path


def _flagged_everywhere(path, expected):
    problems = Session.open(path).integrity_problems
    assert any(expected in problem for problem in problems), problems
    result = process_session(path)
    assert len(result.measures) and all(
        "raw_data_integrity" in flags for flags in result.measures["flags"]
    )


def test_a_crash_state_reads_without_integrity_problems(interrupted):
    opened = Session.open(interrupted)
    assert opened.integrity_problems == () and opened.audit_problems == ()
    assert [r["type"] for r in opened.event_records].count("checkpoint") == 4


@pytest.mark.parametrize("damage", ["empty", "delete"])
def test_an_emptied_or_deleted_event_log_is_detected(interrupted, damage):
    events = interrupted / EVENTS_FILE
    events.write_text("") if damage == "empty" else events.unlink()
    expected = "session_started event (log emptied)" if damage == "empty" else "missing"
    problems = Session.open(interrupted).integrity_problems
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("damage", ["empty", "delete"])
def test_an_emptied_or_deleted_audit_log_is_detected_and_refused(interrupted, damage):
    audit = interrupted / AUDIT_FILE
    audit.write_text("") if damage == "empty" else audit.unlink()
    opened = Session.open(interrupted)
    assert any("create_session entry (log deleted or emptied)" in p for p in opened.audit_problems)
    with pytest.raises(SessionError, match="audit log is broken"):
        dec.trials(opened)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["metadata"].update(operator="OP9"),
        lambda d: d["metadata"].update(visit="day30"),
        lambda d: d["metadata"].update(start_utc="2026-01-05T10:30:00.000000Z"),
        lambda d: d["metadata"]["extra"].update(sensor_height_m=1.1),
        lambda d: d.update(format_version=1),  # a downgrade to switch the checks off
    ],
    ids=["operator", "visit", "start", "extra", "format-version"],
)
def test_an_edited_session_json_is_detected(interrupted, edit):
    document = _json(interrupted / METADATA_FILE)
    edit(document)
    _write_json(interrupted / METADATA_FILE, document)
    _flagged_everywhere(interrupted, f"{METADATA_FILE}: differs from the SHA-256 logged")


def test_an_audit_log_from_another_session_is_detected(interrupted, tmp_path):
    other = build_session(tmp_path / "other", participant="ALS-002")
    shutil.copyfile(other / AUDIT_FILE, interrupted / AUDIT_FILE)
    problems = Session.open(interrupted).audit_problems
    assert any("names another session.json" in problem for problem in problems), problems


def _strip_stamps(path):
    import pyarrow as pa

    stream = path / "streams" / "imu.arrows"
    with pa.OSFile(str(stream), "rb") as source:
        reader = pa.ipc.open_stream(source)
        schema, batches = reader.schema, list(reader)
    with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in batches:  # as alsmotion wrote them before stamping batches
            writer.write_batch(batch)


def test_a_stream_with_its_stamps_stripped_is_detected(interrupted):
    _strip_stamps(interrupted)
    _flagged_everywhere(interrupted, "stamps stripped")


def _cut_batches(path, keep):
    _rewrite_stream(
        path / "streams" / "imu.arrows", lambda batches, schema: (batches[:keep], schema)
    )


def test_batches_cut_before_the_last_checkpoint_are_detected(interrupted):
    _cut_batches(interrupted, 4)  # 1 schema + 5 data batches; the last checkpoint counted 5
    _flagged_everywhere(interrupted, "batches removed from the end")


def test_batches_cut_after_the_last_checkpoint_look_like_a_crash(interrupted):
    _cut_batches(interrupted, 5)  # what a crash just after the checkpoint leaves
    assert Session.open(interrupted).integrity_problems == ()


def test_a_deleted_stream_is_detected(interrupted):
    (interrupted / "streams" / "force.arrows").unlink()
    _flagged_everywhere(interrupted, "missing or unreadable, but the checkpoint")


def test_events_cut_from_the_end_are_detected_against_the_streams(interrupted):
    lines = (interrupted / EVENTS_FILE).read_text().splitlines(keepends=True)
    (interrupted / EVENTS_FILE).write_text("".join(lines[:-2]))  # trial_stopped and a checkpoint
    problems = Session.open(interrupted).integrity_problems
    assert any("events removed from the end of the log" in p for p in problems), problems


def test_an_event_edited_before_the_last_checkpoint_is_detected(interrupted):
    lines = (interrupted / EVENTS_FILE).read_text().splitlines(keepends=True)
    started = json.loads(lines[3])
    assert started["type"] == "trial_started"
    started["host_time_ns"] += 500_000_000  # the walk now starts 0.5 s later
    lines[3] = json.dumps(started) + "\n"
    (interrupted / EVENTS_FILE).write_text("".join(lines))
    _flagged_everywhere(interrupted, "differ from the SHA-256 it recorded (events edited")


def test_a_consistent_cut_of_logs_and_streams_back_to_a_checkpoint_looks_like_a_crash(
    interrupted,
):
    """The honest limit: cutting events and streams back to one checkpoint is what a crash at
    that moment leaves (the trial's stop is lost, the trial reads as incomplete)."""
    lines = (interrupted / EVENTS_FILE).read_text().splitlines(keepends=True)
    (interrupted / EVENTS_FILE).write_text("".join(lines[:-2]))
    for name in ("imu", "force"):
        _rewrite_stream(
            interrupted / "streams" / f"{name}.arrows",
            lambda batches, schema: (batches[:3], schema),
        )
    opened = Session.open(interrupted)
    assert opened.integrity_problems == ()
    assert dec.trials(opened)["status"].tolist() == ["incomplete"]


@pytest.fixture
def format_1(tmp_path):
    """A session written by the previous writer (session format 1, batch stamps without event
    counts), made with tests/fuzz_integrity.py:build_session at commit 54e4551."""
    (path,) = FORMAT_1_SESSION.iterdir()
    copy = tmp_path / path.name
    shutil.copytree(path, copy)
    make_writable(copy)
    return copy


def test_a_previous_format_session_reads_clean_closed_and_with_a_note_unclosed(format_1):
    closed = Session.open(format_1)
    assert closed.issues == () and verify_session(format_1).ok
    unclose(format_1)
    opened = Session.open(format_1)
    assert opened.integrity_problems == () and opened.audit_problems == ()
    assert any("session format 1: without a manifest" in issue for issue in opened.issues)
    (format_1 / EVENTS_FILE).write_text("")  # not detectable in format 1: no false alarm either
    assert Session.open(format_1).integrity_problems == ()


def test_streams_written_without_batch_stamps_are_read_with_one_note(format_1):
    unclose(format_1)
    _strip_stamps(format_1)
    opened = Session.open(format_1)
    assert opened.integrity_problems == ()
    notes = [issue for issue in opened.issues if "carry no checksums" in issue]
    assert notes == [
        "stream imu.arrows: record batches carry no checksums (written before alsmotion stamped "
        "them); without a manifest an edited value cannot be detected"
    ]
    assert opened.streams["imu"].n_samples == 300


def test_writer_events_are_not_for_callers(tmp_path):
    with SessionWriter.create(tmp_path, SessionMetadata("ALS-001", "baseline", "p", "OP1")) as w:
        for kind in ("session_started", "checkpoint", "audit_appended"):
            with pytest.raises(InvalidInputError, match="logged by the session writer"):
                w.log_event(kind, session_json_sha256="0" * 64, streams={})
    with pytest.raises(InvalidInputError, match="unknown audit action"):
        append_audit(w.path, who="OP1", what="create_session", why="x", change={})


# --- unclosed sessions: audit entries mirrored in the event log (session format 2) -------------

#: Reviews appended to the interrupted session: the last one wins, so removing entries from the
#: end changes trial 1's status.
REVIEWS = ("rejected", "accepted", "rejected", "accepted", "rejected")


@pytest.fixture
def reviewed(interrupted):
    """The interrupted session with :data:`REVIEWS` of its 10MWT trial 1 in the audit log."""
    before = "accepted"
    for after in REVIEWS:
        append_audit(
            interrupted,
            who="OP2",
            what="reject_trial" if after == "rejected" else "accept_trial",
            why="video review",
            change={"test": "10MWT", "trial": 1, "before": before, "after": after},
        )
        before = after
    return interrupted


def _audit_lines(path):
    return (path / AUDIT_FILE).read_bytes().split(b"\n")[:-1]


def _write_rechained(path, entries):
    """Write audit entries with their seq and hash chain recomputed (a careful editor's log,
    whose chain verifies)."""
    previous = "0" * 64
    lines = []
    for index, entry in enumerate(entries):
        entry = {**entry, "seq": index, "prev_sha256": previous}
        entry["sha256"] = previous = entry_sha256(entry)
        lines.append(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    (path / AUDIT_FILE).write_text("".join(lines))


def _status(path):
    return dec.trials(Session.open(path)).set_index("test").loc["10MWT", "status"]


def test_reviews_of_an_unclosed_session_are_mirrored_and_read_clean(reviewed):
    opened = Session.open(reviewed)
    assert opened.integrity_problems == () and opened.audit_problems == ()
    mirrors = [r for r in opened.event_records if r["type"] == "audit_appended"]
    assert [m["audit_seq"] for m in mirrors] == [1, 2, 3, 4, 5]
    assert [m["audit_sha256"] for m in mirrors] == [e["sha256"] for e in opened.audit_records[1:]]
    assert _status(reviewed) == "rejected"


@pytest.mark.parametrize("n_removed", [1, 3])
def test_audit_entries_removed_from_the_end_are_detected_and_refused(reviewed, n_removed):
    lines = _audit_lines(reviewed)
    (reviewed / AUDIT_FILE).write_bytes(b"".join(line + b"\n" for line in lines[:-n_removed]))
    opened = Session.open(reviewed)  # the chain of what is left verifies
    assert any("entries removed from the end" in p for p in opened.audit_problems)
    with pytest.raises(SessionError, match="audit log is broken"):
        dec.trials(opened)


@pytest.mark.parametrize("change", ["edit", "swap", "remove_middle"])
def test_audit_entries_edited_swapped_or_removed_are_detected_even_rechained(reviewed, change):
    entries = [json.loads(line) for line in _audit_lines(reviewed)]
    if change == "edit":
        entries[5]["change"]["after"] = "accepted"
    elif change == "swap":
        entries[2], entries[3] = entries[3], entries[2]
    else:
        del entries[4]
    _write_rechained(reviewed, entries)
    opened = Session.open(reviewed)
    assert not audit_chain_problems(list(opened.audit_records))
    assert any("is not the one event" in p for p in opened.audit_problems), opened.audit_problems
    with pytest.raises(SessionError, match="audit log is broken"):
        dec.notes(opened)
    with pytest.raises(SessionError, match="audit log is broken"):
        process_session(reviewed)


def test_a_crash_at_any_byte_of_an_audit_append_gives_no_false_alarm(reviewed, tmp_path):
    """The entry is written before its event: every cut of the last entry's line (its event
    not yet written) and of its event's line (the entry complete) reads clean."""
    audit_bytes = (reviewed / AUDIT_FILE).read_bytes()
    event_bytes = (reviewed / EVENTS_FILE).read_bytes()
    audit_start = audit_bytes.rstrip(b"\n").rfind(b"\n") + 1
    event_start = event_bytes.rstrip(b"\n").rfind(b"\n") + 1
    states = [(cut, event_start) for cut in range(audit_start, len(audit_bytes) + 1)]
    states += [(len(audit_bytes), cut) for cut in range(event_start + 1, len(event_bytes) + 1)]
    for audit_cut, event_cut in states:
        (reviewed / AUDIT_FILE).write_bytes(audit_bytes[:audit_cut])
        (reviewed / EVENTS_FILE).write_bytes(event_bytes[:event_cut])
        opened = Session.open(reviewed)
        problems = opened.integrity_problems + opened.audit_problems
        assert problems == (), (audit_cut, event_cut, problems)
        n_entries = len(opened.audit_records)
        assert n_entries == (6 if audit_cut == len(audit_bytes) else 5)
    assert len(states) > 300, len(states)


def test_a_cut_of_an_audit_entry_whose_event_was_written_is_detected(reviewed):
    """Not a crash state: the event naming the entry is written only after the entry."""
    audit_bytes = (reviewed / AUDIT_FILE).read_bytes()
    start = audit_bytes.rstrip(b"\n").rfind(b"\n") + 1
    for cut in range(start, len(audit_bytes), 37):
        (reviewed / AUDIT_FILE).write_bytes(audit_bytes[:cut])
        assert any("removed from the end" in p for p in Session.open(reviewed).audit_problems)


def test_a_consistent_cut_of_the_audit_log_and_its_events_looks_like_a_crash(reviewed):
    """The honest limit: removing the last entries together with the events that name them is
    what a crash before those appends leaves."""
    lines = _audit_lines(reviewed)
    (reviewed / AUDIT_FILE).write_bytes(b"".join(line + b"\n" for line in lines[:-2]))
    events = (reviewed / EVENTS_FILE).read_bytes().split(b"\n")[:-1]
    (reviewed / EVENTS_FILE).write_bytes(b"".join(line + b"\n" for line in events[:-2]))
    opened = Session.open(reviewed)
    assert opened.integrity_problems == () and opened.audit_problems == ()
    assert _status(reviewed) == "rejected"  # REVIEWS[2]: the third review is the last one left


def test_the_last_checkpoint_edited_before_an_audit_appended_event_is_detected(reviewed):
    """Without a later event the last checkpoint's own line is unprotected (a crash-like
    state); a review's event holds the SHA-256 of the lines before it."""
    lines = (reviewed / EVENTS_FILE).read_text().splitlines()
    index = max(i for i, line in enumerate(lines) if '"type":"checkpoint"' in line)
    record = json.loads(lines[index])
    record["note"] = "inserted"
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    (reviewed / EVENTS_FILE).write_text("".join(line + "\n" for line in lines))
    problems = Session.open(reviewed).integrity_problems
    assert any("audit_appended event" in p and "differ" in p for p in problems), problems


def test_an_unclosed_session_with_a_torn_event_log_takes_audit_entries_only_once_sealed(
    interrupted,
):
    with (interrupted / EVENTS_FILE).open("ab") as handle:
        handle.write(b'{"seq": 99, "ty')  # the crash cut an event line
    change = {"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"}
    review = {"who": "OP2", "what": "reject_trial", "why": "video review", "change": change}
    with pytest.raises(SessionError, match="seal the session first"):
        append_audit(interrupted, **review)
    assert len(_audit_lines(interrupted)) == 1
    seal_interrupted_session(interrupted, who="OP2", why="crash")
    append_audit(interrupted, **review)
    assert verify_session(interrupted).ok
    assert Session.open(interrupted).audit_problems == ()


def test_closed_and_format_1_sessions_take_audit_entries_without_events(session, tmp_path):
    format_1 = tmp_path / "f1"
    shutil.copytree(FORMAT_1_SESSION, format_1)
    format_1 = next(format_1.iterdir())
    unclose(format_1)
    change = {"test": "10MWT", "trial": 1, "before": "accepted", "after": "rejected"}
    for path in (session, format_1):
        events = (path / EVENTS_FILE).read_bytes()
        append_audit(path, who="OP2", what="reject_trial", why="video", change=change)
        assert (path / EVENTS_FILE).read_bytes() == events
        assert Session.open(path).audit_problems == ()
