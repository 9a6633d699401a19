"""Mutation fuzzing of raw sessions and CSV recordings, shared by the fuzz tests and
``benchmarks/fuzz_integrity.py`` (which runs more cases).

Each case copies a clean input, applies one seeded mutation and runs it through the API (and,
for some cases, the CLI). :func:`run_session_case` / :func:`run_csv_case` return a
:class:`CaseOutcome`; a case fails when

* anything outside :class:`alsmotion.errors.AlsmotionError` is raised (a crash; a warning counts
  too, as pytest turns warnings into errors);
* ``verify`` accepts a closed session whose files changed (a tamper accept);
* a session reads or processes to data different from what was recorded without an integrity
  issue, or a CSV reads to values that are not in the file (a silent misread);
* a CLI exit code is outside the documented set, or the CLI prints a traceback.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import random
import shutil
import stat
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from alsmotion.cli import EXIT_CODES, main
from alsmotion.errors import AlsmotionError
from alsmotion.recording import DeviceInfo
from alsmotion.session import Session, SessionMetadata, SessionWriter, append_audit, verify_session
from alsmotion.session import decisions as dec
from alsmotion.session.audit import GENESIS_SHA256, entry_sha256
from alsmotion.session.jsonlines import dumps_canonical
from alsmotion.session.layout import AUDIT_FILE, EVENTS_FILE, MANIFEST_FILE, METADATA_FILE

START_NS = 1_767_605_400_000_000_000  # 2026-01-05T09:30:00Z
IMU = (
    ("acc_x", "m/s^2"),
    ("acc_y", "m/s^2"),
    ("acc_z", "m/s^2"),
    ("gyr_x", "rad/s"),
    ("gyr_y", "rad/s"),
    ("gyr_z", "rad/s"),
)

#: Hostile JSON values put in place of a field's value.
HOSTILE_VALUES: tuple[Any, ...] = (
    "ab",
    "",
    [],
    {},
    None,
    True,
    -1,
    0,
    1e308,
    "\ud800",
    "x" * 5000,
    [[[[[]]]]],
    {"a": {"b": {"c": [1, 2, 3]}}},
    "../../etc",
    "1954-03-12",
)


@dataclass
class CaseOutcome:
    """What one fuzz case found: ``failure`` is empty when the case passed."""

    kind: str
    mutation: str
    failure: str = ""
    seconds: float = 0.0
    refused: bool = False
    flagged: bool = False
    #: The data read differ from what was recorded and nothing was flagged: what a crash could
    #: have done (not a failure).
    unflagged_change: bool = False


# --- clean inputs --------------------------------------------------------------------------


def build_session(parent: Path, *, participant: str = "ALS-001") -> Path:
    """A closed session: IMU (100 Hz) and force (80 Hz) streams in 3 record batches each, a walk
    and a strength trial, a note, and one audit entry."""
    metadata = SessionMetadata(
        participant_id=participant,
        visit="baseline",
        protocol="gait-hhd-v1",
        operator="OP1",
        host="fuzz-host",
        start_utc=datetime.fromtimestamp(START_NS / 1e9, UTC),
    )
    device = DeviceInfo(manufacturer="WitMotion", model="WT901BLECL", serial="A1")
    with SessionWriter.create(parent, metadata) as writer:
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU, sampling_rate_hz=100.0, device=device
        )
        force = writer.add_stream(
            "force", kind="force", channels=(("force", "N"),), sampling_rate_hz=80.0, device=device
        )
        n_imu, n_force = 300, 240
        imu_host = START_NS + np.arange(n_imu, dtype=np.int64) * 10_000_000
        imu_values = np.column_stack(
            [np.sin(np.arange(n_imu) / (5 + k)) + (9.81 if k == 2 else 0) for k in range(6)]
        )
        force_host = START_NS + np.arange(n_force, dtype=np.int64) * 12_500_000
        force_values = 200 * np.exp(-(((np.arange(n_force) - 120) / 40.0) ** 2))
        for part in np.array_split(np.arange(n_imu), 3):
            imu.append(
                imu_values[part],
                host_time_ns=imu_host[part],
                device_time_s=part / 100.0,
                counter=part,
            )
            imu.flush()
        for part in np.array_split(np.arange(n_force), 3):
            force.append(force_values[part], host_time_ns=force_host[part])
            force.flush()
        writer.log_event("trial_started", test="10MWT", trial=1, host_time_ns=int(imu_host[10]))
        writer.log_event("trial_stopped", test="10MWT", trial=1, host_time_ns=int(imu_host[-10]))
        hhd = {"test": "HHD", "trial": 1, "muscle": "knee_extension", "side": "left"}
        writer.log_event("trial_started", method="make", host_time_ns=int(force_host[20]), **hhd)
        writer.log_event("trial_stopped", host_time_ns=int(force_host[-20]), **hhd)
        note = writer.log_event(
            "note", text="participant used a cane", host_time_ns=int(imu_host[-1])
        )
    append_audit(
        writer.path,
        who="OP2",
        what="correct_note",
        why="typo",
        change={"event_seq": note["seq"], "before": note["text"], "after": "used a cane"},
    )
    return writer.path


def write_interrupted(parent: Path) -> tuple[Path, Path]:
    """An unclosed session as a crash leaves it, and the same session closed.

    IMU and force streams flushed in 6 rounds, a checkpoint after rounds 2 and 4, trial events in
    between; the folder is copied (everything written is on disk: a crash at that moment) after
    round 5, then the writer finishes and closes. Returns (interrupted copy, closed session).
    """
    metadata = SessionMetadata(
        participant_id="ALS-001",
        visit="baseline",
        protocol="gait-hhd-v1",
        operator="OP1",
        host="fuzz-host",
        start_utc=datetime.fromtimestamp(START_NS / 1e9, UTC),
    )
    device = DeviceInfo(manufacturer="WitMotion", model="WT901BLECL", serial="A1")
    interrupted = parent / "interrupted"
    with SessionWriter.create(parent / "closed", metadata, flush_interval_s=1.0) as writer:
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU, sampling_rate_hz=100.0, device=device
        )
        force = writer.add_stream(
            "force", kind="force", channels=(("force", "N"),), sampling_rate_hz=80.0, device=device
        )
        for round_ in range(6):
            part = np.arange(round_ * 50, (round_ + 1) * 50)
            host = START_NS + part * 10_000_000
            imu.append(np.sin(part[:, None] / (5 + np.arange(6))), host_time_ns=host, counter=part)
            imu.flush()
            force.append(200 * np.exp(-(((part - 150) / 40.0) ** 2)), host_time_ns=host)
            force.flush()
            if round_ == 1:
                writer.log_event("trial_started", test="10MWT", trial=1, host_time_ns=int(host[0]))
            if round_ == 3:
                writer.log_event("trial_stopped", test="10MWT", trial=1, host_time_ns=int(host[0]))
            if round_ in (1, 3):
                writer.checkpoint()
            if round_ == 4:
                shutil.copytree(writer.path, interrupted / writer.path.name)
    return interrupted / writer.path.name, writer.path


def crash_states(parent: Path) -> tuple[Path, list[tuple[dict[str, int], str, int, int]]]:
    """Write a session (as :func:`write_interrupted`, to its close) noting every file's size
    after each fsync. Returns the closed session and the states a crash can leave: the sizes at
    one fsync, with one file that grows by the next fsync (name, from, to size) cut anywhere
    between (the files are append-only, so a state is each file's first bytes)."""
    snapshots: list[dict[str, int]] = []
    real_fsync = os.fsync
    folder: list[Path] = []

    def fsync(fd: int) -> None:
        real_fsync(fd)
        for session in folder or sorted((parent / "closed").glob("*")):
            folder[:] = [session]
            snapshots.append(
                {
                    p.relative_to(session).as_posix(): p.stat().st_size
                    for p in session.rglob("*")
                    if p.is_file()
                }
            )

    os.fsync = fsync
    try:
        closed = write_interrupted(parent)[1]
    finally:
        os.fsync = real_fsync
    states = []
    for before, after in itertools.pairwise(snapshots):
        for name in sorted(after):
            if after[name] != before.get(name) and (closed / name).exists():
                states.append((before, name, before.get(name, 0), after[name]))
    return closed, states


_ATOMIC_FILES = (METADATA_FILE, MANIFEST_FILE)


def materialize_crash(
    closed: Path, target: Path, state: tuple[dict[str, int], str, int, int], cut: int
) -> Path:
    """The session of a crash ``state`` with its growing file cut to ``cut`` bytes."""
    sizes, growing, _, _ = state
    for name, size in {**sizes, growing: cut}.items():
        source = closed / name
        if not source.exists() or (name in _ATOMIC_FILES and not size):
            continue  # a temporary file renamed since, or an atomic file not yet in place
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as handle:
            (target / name).write_bytes(handle.read(size))
    return target


def unclose(path: Path) -> None:
    """Turn a closed session into one whose recording was interrupted (no manifest)."""
    make_writable(path)
    (path / MANIFEST_FILE).unlink()


#: Reviews :func:`review_unclosed` appends (10MWT trial 1: rejected, then accepted again).
UNCLOSED_REVIEWS = (
    ("reject_trial", "accepted", "rejected"),
    ("accept_trial", "rejected", "accepted"),
)


def review_unclosed(path: Path) -> None:
    """Append :data:`UNCLOSED_REVIEWS` to an unclosed session's audit log (session format 2
    mirrors each in the event log)."""
    for what, before, after in UNCLOSED_REVIEWS:
        append_audit(
            path,
            who="OP2",
            what=what,
            why="video review",
            change={"test": "10MWT", "trial": 1, "before": before, "after": after},
        )


def make_writable(path: Path) -> None:
    for file in path.rglob("*"):
        if file.is_file() and not file.is_symlink():
            os.chmod(file, stat.S_IRUSR | stat.S_IWUSR)


def snapshot(session: Session) -> dict[str, Any]:
    """Everything the session's data consists of, for comparing with what was recorded."""
    return {
        "metadata": session.metadata.to_dict(),
        "streams": {
            name: (
                stream.values.tobytes(),
                stream.host_time_ns.tobytes(),
                stream.device_time_s.tobytes(),
                stream.counter.tobytes(),
                stream.channels,
                stream.sampling_rate_hz,
            )
            for name, stream in session.streams.items()
        },
        "events": list(session.event_records),
        "audit": list(session.audit_records),
    }


def _is_prefix(short: dict[str, Any], full: dict[str, Any]) -> bool:
    """True when ``short`` is ``full`` cut short (torn tails): what a crash may lose."""
    if short["metadata"] != full["metadata"] or set(short["streams"]) - set(full["streams"]):
        return False
    for name, parts in short["streams"].items():
        if not all(full["streams"][name][k].startswith(parts[k]) for k in range(4)):
            return False
    n_events, n_audit = len(short["events"]), len(short["audit"])
    return (
        short["events"] == full["events"][:n_events] and short["audit"] == full["audit"][:n_audit]
    )


# --- session mutations ---------------------------------------------------------------------


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


def _rewrite_json(file: Path, change: Callable[[Any], Any]) -> None:
    document = json.loads(file.read_text())
    file.write_text(json.dumps(change(document)))


def _hostile_json(rng: random.Random) -> str:
    choice = rng.randrange(6)
    if choice == 0:
        return "1" * rng.choice([400, 4301, 5000, 100_000])
    if choice == 1:
        depth = rng.choice([65, 1000, 100_000])
        return "[" * depth + "]" * depth
    if choice == 2:
        return '{"a": "\\ud800"}'
    if choice == 3:
        return '{"a": 1e999999}'
    if choice == 4:
        return "\x00\xff\xfe"
    return json.dumps({"format": "alsmotion-session", "metadata": "ab", "files": []})


def _set_random_leaf(document: Any, rng: random.Random, value: Any) -> Any:
    """Replace one value somewhere in ``document`` (or delete a key, or add one)."""
    if not isinstance(document, dict | list) or not document:
        return value
    if isinstance(document, dict):
        key = rng.choice(sorted(document))
        action = rng.randrange(5)
        if action == 0:
            del document[key]
        elif action == 1:
            document[f"extra_{rng.randrange(100)}"] = value
        elif action == 2 and isinstance(document[key], dict | list) and document[key]:
            document[key] = _set_random_leaf(document[key], rng, value)
        else:
            document[key] = value
        return document
    index = rng.randrange(len(document))
    document[index] = _set_random_leaf(document[index], rng, value)
    return document


def _rewrite_stream(
    file: Path,
    change: Callable[[list[Any], Any], tuple[list[Any], Any]],
    *,
    keep_stamps: bool = True,
) -> None:
    import pyarrow as pa

    with pa.OSFile(str(file), "rb") as source:
        reader = pa.ipc.open_stream(source)
        schema = reader.schema
        stamped = list(reader.iter_batches_with_custom_metadata())
    originals = [batch for batch, _ in stamped]
    stamps = {id(batch): stamp for batch, stamp in stamped}
    batches, schema = change(list(originals), schema)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, schema) as writer:
        for index, batch in enumerate(batches):
            # Each batch keeps its stamp (sequence number, SHA-256) wherever it moved; a batch
            # edited in place keeps the stamp of the batch it replaced, as an editor would.
            stamp = stamps.get(id(batch), stamped[min(index, len(stamped) - 1)][1])
            writer.write_batch(batch, custom_metadata=stamp if keep_stamps else None)
    file.write_bytes(sink.getvalue())


def _edit_value(batches: list[Any], schema: Any, rng: random.Random) -> tuple[list[Any], Any]:
    import pyarrow as pa

    filled = [i for i, b in enumerate(batches) if b.num_rows]
    index = rng.choice(filled)
    batch = batches[index]
    column = rng.randrange(batch.num_columns)
    row = rng.randrange(batch.num_rows)
    arrays = list(batch.columns)
    values = arrays[column].to_pylist()
    values[row] = (values[row] or 0) + (1 if pa.types.is_integer(arrays[column].type) else 0.5)
    arrays[column] = pa.array(values, type=arrays[column].type)
    batches[index] = pa.record_batch(arrays, schema=batch.schema)
    return batches, schema


def _stream_mutations(rng: random.Random) -> dict[str, Callable]:
    import pyarrow as pa

    def duplicate(batches, schema):
        filled = [b for b in batches if b.num_rows]
        position = rng.randrange(1, len(batches) + 1)
        return [*batches[:position], rng.choice(filled), *batches[position:]], schema

    def swap(batches, schema):
        filled = [i for i, b in enumerate(batches) if b.num_rows]
        i, j = rng.sample(filled, 2)
        batches[i], batches[j] = batches[j], batches[i]
        return batches, schema

    def drop(batches, schema):
        filled = [i for i, b in enumerate(batches) if b.num_rows]
        del batches[rng.choice(filled)]
        return batches, schema

    def metadata(batches, schema):
        raw = _hostile_json(rng).encode("utf-8", "surrogatepass")
        if rng.random() < 0.5:
            descriptor = json.loads(schema.metadata[b"alsmotion"])
            raw = json.dumps(_set_random_leaf(descriptor, rng, rng.choice(HOSTILE_VALUES))).encode(
                "utf-8", "surrogatepass"
            )
        schema = schema.with_metadata({b"alsmotion": raw})
        return [b.replace_schema_metadata(schema.metadata) for b in batches], schema

    def drop_column(batches, schema):
        column = rng.randrange(len(schema))
        schema = schema.remove(column)
        return [
            pa.record_batch([c for k, c in enumerate(b.columns) if k != column], schema=schema)
            for b in batches
        ], schema

    return {
        "stream:duplicate_batch": duplicate,
        "stream:swap_batches": swap,
        "stream:drop_batch": drop,
        "stream:edit_value": lambda b, s: _edit_value(b, s, rng),
        "stream:hostile_descriptor": metadata,
        "stream:drop_column": drop_column,
    }


def _lines_mutation(file: Path, rng: random.Random) -> str:
    lines = file.read_bytes().split(b"\n")[:-1]
    if not lines:
        file.write_bytes(b"{}\n")
        return "lines:was_empty"
    action = rng.choice(["delete", "duplicate", "swap", "edit", "hostile", "empty_file"])
    i = rng.randrange(len(lines))
    if action == "delete":
        del lines[i]
    elif action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "swap" and len(lines) > 1:
        j = (i + 1) % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif action == "edit":
        record = json.loads(lines[i])
        record = _set_random_leaf(record, rng, rng.choice(HOSTILE_VALUES))
        lines[i] = json.dumps(record).encode("utf-8", "surrogatepass")
    elif action == "hostile":
        lines[i] = _hostile_json(rng).encode("utf-8", "surrogatepass")
    else:
        lines = []
    file.write_bytes(b"".join(line + b"\n" for line in lines))
    return f"lines:{action}"


#: What session format 2 lets an unclosed session detect besides its batch stamps: an emptied or
#: deleted log, an edited session.json field, a stream rewritten without stamps, record batches
#: cut from the end of a stream before the last checkpoint (in these sessions, close's), audit
#: entries removed from the end, or edited or swapped with the chain recomputed (each entry
#: appended without a manifest is named by an event).
CROSS_CHECK_MUTATIONS = (
    "empty_log",
    "edit_session_json",
    "strip_stamps",
    "cut_tail",
    "audit_entries",
)


def cross_check_mutation(path: Path, rng: random.Random) -> str:
    """Apply one of the :data:`CROSS_CHECK_MUTATIONS`; return its name (``cross:...``)."""
    make_writable(path)
    streams = sorted((path / "streams").glob("*.arrows"))
    choice = rng.choice(CROSS_CHECK_MUTATIONS)
    return "cross:" + _apply_cross_check(path, rng, streams, choice)


def _apply_cross_check(path: Path, rng: random.Random, streams: list[Path], choice: str) -> str:
    if choice == "empty_log":
        file = rng.choice([path / EVENTS_FILE, path / AUDIT_FILE])
        if rng.random() < 0.5:
            file.write_bytes(b"")
            return f"{choice}:{file.name}:emptied"
        file.unlink()
        return f"{choice}:{file.name}:deleted"
    if choice == "edit_session_json":
        document = json.loads((path / METADATA_FILE).read_text())
        field, value = rng.choice(
            [
                ("operator", "OP9"),
                ("visit", "day30"),
                ("site", "S2"),
                ("protocol", "gait-hhd-v2"),
                ("start_utc", "2026-01-05T10:30:00.000000Z"),
                ("extra", {"sensor_height_m": 1.1}),
                ("format_version", 1),
            ]
        )
        if field == "format_version":
            document[field] = value
        else:
            document["metadata"][field] = value
        (path / METADATA_FILE).write_text(json.dumps(document, indent=rng.choice([None, 2])))
        return f"{choice}:{field}"
    if choice == "audit_entries":
        return f"{choice}:{_change_audit_entries(path / AUDIT_FILE, rng)}"
    file = rng.choice(streams)
    if choice == "strip_stamps":
        _rewrite_stream(file, lambda batches, schema: (batches, schema), keep_stamps=False)
        return f"{choice}:{file.name}"
    n_cut = rng.randint(1, 3)
    _rewrite_stream(file, lambda batches, schema: (batches[: len(batches) - n_cut], schema))
    return f"{choice}:{file.name}:{n_cut}"


def _change_audit_entries(file: Path, rng: random.Random) -> str:
    """Remove 1-3 audit entries from the end (the first stays), or edit one or swap two after the
    first and recompute the chain (a log whose hash chain verifies)."""
    entries = [json.loads(line) for line in file.read_bytes().split(b"\n")[:-1]]
    action = rng.choice(["remove_last", "edit", "swap"])
    if action == "swap" and len(entries) < 3:  # one entry after the first: nothing to swap
        action = "edit"
    if action == "remove_last":
        n_removed = rng.randint(1, min(3, len(entries) - 1))
        del entries[-n_removed:]
        action += f":{n_removed}"
    elif action == "edit":
        entries[rng.randrange(1, len(entries))]["why"] = "changed afterwards"
    else:
        i = rng.randrange(1, len(entries) - 1)
        entries[i], entries[i + 1] = entries[i + 1], entries[i]
    previous = GENESIS_SHA256
    for index, entry in enumerate(entries):
        entry.update(seq=index, prev_sha256=previous)
        entry["sha256"] = previous = entry_sha256(entry)
    file.write_text("".join(dumps_canonical(entry) + "\n" for entry in entries))
    return action


def mutate_session(path: Path, rng: random.Random, *, other: Path) -> str:
    """Apply one random mutation to the session at ``path``; return its name."""
    make_writable(path)
    files = _files(path)
    streams = sorted((path / "streams").glob("*.arrows"))
    kind = rng.choice(
        [
            "flip",
            "truncate",
            "delete",
            "add",
            "json",
            "json_hostile",
            "events",
            "audit",
            "stream",
            "stream",
            "rename_stream",
            "replace_stream",
            "dir_arrows",
            "symlink",
            "manifest_field",
            "cross_check",
            "cross_check",
        ]
    )
    if kind == "cross_check":
        return cross_check_mutation(path, rng)
    if kind == "flip":
        file = rng.choice(files)
        data = bytearray(file.read_bytes())
        if not data:
            return "flip:empty"
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        file.write_bytes(bytes(data))
        return f"flip:{file.name}"
    if kind == "truncate":
        file = rng.choice(files)
        data = file.read_bytes()
        file.write_bytes(data[: rng.randrange(len(data) + 1)])
        return f"truncate:{file.name}"
    if kind == "delete":
        file = rng.choice(files)
        file.unlink()
        return f"delete:{file.name}"
    if kind == "add":
        target = rng.choice(
            [
                path / ".hidden",
                path / "streams" / ".x.arrows",
                path / "streams" / "extra.arrows",
                path / "notes.txt",
            ]
        )
        source = rng.choice(streams) if streams else None
        if target.suffix == ".arrows" and source is not None:
            shutil.copyfile(source, target)
        else:
            target.write_text("added after closing\n")
        return f"add:{target.name}"
    if kind in ("json", "json_hostile"):
        file = rng.choice([path / METADATA_FILE, path / MANIFEST_FILE])
        if not file.exists():
            file = path / METADATA_FILE
        if kind == "json_hostile":
            file.write_bytes(_hostile_json(rng).encode("utf-8", "surrogatepass"))
        else:
            value = rng.choice(HOSTILE_VALUES)
            text = json.dumps(
                _set_random_leaf(json.loads(file.read_text()), rng, value), ensure_ascii=False
            )
            file.write_bytes(text.encode("utf-8", "surrogatepass"))
        return f"{kind}:{file.name}"
    if kind == "events":
        return "events:" + _lines_mutation(path / EVENTS_FILE, rng)
    if kind == "audit":
        return "audit:" + _lines_mutation(path / AUDIT_FILE, rng)
    if kind == "stream" and streams:
        name, change = rng.choice(sorted(_stream_mutations(rng).items()))
        try:
            _rewrite_stream(rng.choice(streams), change)
        except (ValueError, IndexError):
            return f"{name}:not_applicable"
        return name
    if kind == "rename_stream" and len(streams) == 2:
        a, b = streams
        tmp = a.with_name("tmp.swap")
        a.rename(tmp)
        b.rename(a)
        tmp.rename(b)
        return "rename_stream:swap_names"
    if kind == "replace_stream" and streams:
        victim = rng.choice(streams)
        donor = other / "streams" / victim.name
        shutil.copyfile(donor, victim)
        return "replace_stream:from_other_session"
    if kind == "dir_arrows":
        (path / "streams" / "x.arrows").mkdir()
        return "dir_arrows"
    if kind == "symlink":
        victim = rng.choice(files)
        victim.unlink()
        victim.symlink_to(other / victim.relative_to(path))
        return f"symlink:{victim.name}"
    if kind == "manifest_field" and (path / MANIFEST_FILE).exists():
        field = rng.choice(["bytes", "closed_utc", "format_version", "extra", "files_empty"])

        def change(manifest):
            if field == "bytes":
                entry = manifest["files"][rng.choice(sorted(manifest["files"]))]
                entry["bytes"] += rng.choice([-1, 1, 1000])
            elif field == "closed_utc":
                manifest["closed_utc"] = rng.choice(["yesterday", "2026-01-05T09:30:00Z", 5])
            elif field == "format_version":
                manifest["format_version"] = rng.choice([2, "1", 1.0, True])
            elif field == "extra":
                manifest["signed_by"] = "nobody"
            else:
                manifest["files"] = rng.choice([[], {}])
            return manifest

        _rewrite_json(path / MANIFEST_FILE, change)
        return f"manifest_field:{field}"
    file = rng.choice(files)
    file.write_bytes(file.read_bytes() + b"\x00")
    return f"append_nul:{file.name}"


# --- running a case --------------------------------------------------------------------------


def _guarded(call: Callable[[], Any]) -> tuple[Any, str]:
    """Run ``call``; return (result, "") or (None, "") for an AlsmotionError, or (None, why) for
    anything else (a crash). Warnings are errors here too."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return call(), ""
    except AlsmotionError:
        return None, ""
    except Exception as exc:  # the point of the fuzzer: anything else is a crash
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"


def run_cli(argv: list[str]) -> str:
    """Run the CLI in-process; return why it failed the contract ("" when it kept it)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception as exc:  # main must never let one out
            return f"CLI raised {type(exc).__name__}: {exc}"
    text = err.getvalue()
    if code not in EXIT_CODES:
        return f"CLI exit code {code} not in {EXIT_CODES}"
    if "Traceback" in text:
        return "CLI printed a traceback"
    if code == 3:
        return f"CLI unexpected error: {text.strip()[:300]}"
    return ""


def run_session_case(
    work: Path,
    clean: Path,
    other: Path,
    rng: random.Random,
    *,
    closed: bool,
    process: bool,
    cli: bool,
    mutate: Callable[[Path, random.Random], str] | None = None,
) -> CaseOutcome:
    """Copy ``clean``, mutate it (:func:`mutate_session`, or ``mutate``) and check it through
    the API (and the CLI when ``cli``)."""
    from alsmotion.processing import process_session

    case = work / f"case-{rng.randrange(10**9)}"
    path = case / clean.name
    shutil.copytree(clean, path, symlinks=True)
    if not closed:
        unclose(path)
        review_unclosed(path)
    before = _files_digest(path)
    original = snapshot(Session.open(path))
    mutation = mutate_session(path, rng, other=other) if mutate is None else mutate(path, rng)
    changed = _files_digest(path) != before
    outcome = CaseOutcome("closed" if closed else "unclosed", mutation)
    started = time.perf_counter()
    session, crash = _guarded(lambda: Session.open(path))
    if crash:
        outcome.failure = f"Session.open crashed: {crash}"
    report, crash = _guarded(lambda: verify_session(path))
    if crash and not outcome.failure:
        outcome.failure = f"verify crashed: {crash}"
    if closed and changed and report is not None and report.ok and not outcome.failure:
        outcome.failure = "verify accepted a changed sealed session"
    if session is None:
        outcome.refused = True
    else:
        for replay in (dec.trials, dec.cannot_perform, dec.notes, dec.visit_label):
            _, crash = _guarded(lambda replay=replay: replay(session))
            if crash and not outcome.failure:
                outcome.failure = f"decisions.{replay.__name__} crashed: {crash}"
        flagged = bool(session.integrity_problems or session.audit_problems)
        outcome.flagged = flagged
        now = snapshot(session)
        torn = any("torn" in issue for issue in session.issues)
        # What a crash could have done (a cut-off end) is no misread in an unclosed session.
        cut_off = _is_prefix(now, original) and (torn or not closed)
        outcome.unflagged_change = now != original and not flagged
        explained = flagged or cut_off
        detectable = closed or _detectable_when_unclosed(mutation)
        if now != original and not explained and not outcome.failure and detectable:
            outcome.failure = "data differ from what was recorded, without an issue"
        if mutation.startswith("cross:") and changed and not flagged and not outcome.failure:
            outcome.failure = "a change the session format cross-checks was not detected"
        if process:
            result, crash = _guarded(lambda: process_session(path))
            if crash and not outcome.failure:
                outcome.failure = f"process_session crashed: {crash}"
            if result is not None and session.integrity_problems and not outcome.failure:
                measure_flags = list(result.measures["flags"])
                if not all("raw_data_integrity" in flags for flags in measure_flags):
                    outcome.failure = "integrity problem not flagged on every measure"
    if cli and not outcome.failure:
        commands = [["verify", str(path)], ["export", str(path), "--out", str(case / "out")]]
        if not closed:
            commands.append(["seal", str(path), "--who", "OP9", "--why", "fuzz"])
        for argv in commands:
            outcome.failure = outcome.failure or run_cli(argv)
    outcome.seconds = time.perf_counter() - started
    shutil.rmtree(case, ignore_errors=True)
    return outcome


def run_crash_case(
    work: Path, closed: Path, state: tuple[dict[str, int], str, int, int], rng: random.Random
) -> CaseOutcome:
    """Open a crash state (its growing file cut at a random byte): it must read with no
    integrity or audit problem and hold a prefix of the closed session's data (a false alarm
    or a misread fails the case). A state before ``session.json`` exists is no session."""
    _, growing, low, high = state
    # session.json and the manifest are written atomically (renamed into place): all or nothing
    cut = rng.choice([low, high]) if growing in _ATOMIC_FILES else rng.randint(low, high)
    outcome = CaseOutcome("crash", f"{growing}@{cut}")
    started = time.perf_counter()
    target = materialize_crash(
        closed, work / f"crash-{rng.randrange(10**9)}" / closed.name, state, cut
    )
    session, crash = _guarded(lambda: Session.open(target))
    if crash:
        outcome.failure = f"Session.open crashed: {crash}"
    elif session is None:
        outcome.refused = True
        if (target / METADATA_FILE).exists():
            outcome.failure = "a crash state with its session.json does not read"
    else:
        problems = session.integrity_problems + session.audit_problems
        outcome.flagged = bool(problems)
        if problems:
            outcome.failure = f"false alarm: {problems[0]}"
        elif not _is_prefix(snapshot(session), snapshot(Session.open(closed))):
            outcome.failure = "data differ from a prefix of what was recorded"
    outcome.seconds = time.perf_counter() - started
    shutil.rmtree(target.parent, ignore_errors=True)
    return outcome


def _detectable_when_unclosed(mutation: str) -> bool:
    """Mutations an unclosed session (no manifest) must still detect: record batches edited,
    dropped, repeated or reordered and bits flipped in a stream file (each batch carries its
    sequence number and the SHA-256 of the descriptor and its values; a flip in the file's
    framing ends the read as a torn tail, what a crash leaves), event lines repeated or
    reordered, a stream renamed or taken from another recording; and with session format 2's
    cross-checks (logs started with the SHA-256 of session.json, checkpoints, batches stamped
    with the event count, audit entries named by events) logs emptied or deleted, session.json
    edited, streams deleted or cut short (close logged a last checkpoint), audit entries removed,
    repeated, reordered or edited and the :data:`CROSS_CHECK_MUTATIONS`."""
    return mutation.startswith("cross:") or mutation in (
        "delete:events.jsonl",
        "delete:audit.jsonl",
        "delete:imu.arrows",
        "delete:force.arrows",
        "truncate:imu.arrows",
        "truncate:force.arrows",
        "json:session.json",
        "json_hostile:session.json",
        "flip:session.json",
        "events:lines:empty_file",
        "audit:lines:empty_file",
        "audit:lines:delete",
        "audit:lines:duplicate",
        "audit:lines:swap",
        "audit:lines:edit",
        "truncate:audit.jsonl",
        "flip:imu.arrows",
        "flip:force.arrows",
        "stream:duplicate_batch",
        "stream:swap_batches",
        "stream:drop_batch",
        "stream:edit_value",
        "stream:hostile_descriptor",
        "events:lines:delete",
        "events:lines:duplicate",
        "events:lines:swap",
        "rename_stream:swap_names",
        "add:.x.arrows",
        "replace_stream:from_other_session",
    )


def _files_digest(path: Path) -> dict[str, bytes]:
    return {
        p.relative_to(path).as_posix(): (b"link:" + str(os.readlink(p)).encode())
        if p.is_symlink()
        else p.read_bytes()
        for p in path.rglob("*")
        if p.is_file() or p.is_symlink()
    }


def force_table_lines(n_rows: int) -> list[str]:
    """A clean force CSV for ``alsmotion strength``: time, force (N), trial, temperature."""
    return ["time_s,force,trial,temperature_c"] + [
        f"{k / 80:.4f},{200 * np.exp(-((((k % 160) - 80) / 30) ** 2)):.3f},{1 + k // 160},31.5"
        for k in range(n_rows)
    ]


def read_force_csv(path: Path) -> Any:
    from alsmotion.strength.table import read_force_table

    return read_force_table(path, force_column="force", force_unit="n", time_column="time_s")


def force_values(table: Any) -> np.ndarray:
    return table[["time_s", "force_n", "trial"]].to_numpy(dtype=float)


FORCE_CLI = ["--sampling-rate-hz", "80", "--time-column", "time_s"]


# --- CSV mutations ---------------------------------------------------------------------------


def mutate_csv_lines(
    lines: list[str], first: int, rng: random.Random
) -> tuple[list[str], str, int | None]:
    """Mutate a CSV (``lines`` without line ends, data from index ``first``); return the lines,
    the mutation's name and the 1-based line a reader must name when it refuses (or None)."""
    lines = list(lines)
    i = rng.randrange(first, len(lines))
    fields = lines[i].split(",")
    action = rng.choice(
        [
            "extra_field",
            "missing_field",
            "trailing_comma_all",
            "bad_time",
            "huge_number",
            "overflow",
            "nan_text",
            "blank_line",
            "nul",
            "latin1",
            "truncate",
            "swap_rows",
            "flip",
            "long_line",
            "edit_value",
        ]
    )
    expect_line: int | None = None
    if action == "extra_field":
        fields.insert(rng.randrange(1, len(fields) + 1), "1.5")
        lines[i] = ",".join(fields)
        expect_line = i + 1
    elif action == "missing_field":
        del fields[rng.randrange(1, len(fields))]
        lines[i] = ",".join(fields)
        expect_line = i + 1
    elif action == "trailing_comma_all":
        lines = lines[:first] + [line + "," for line in lines[first:]]
    elif action == "bad_time":
        fields[0] = rng.choice(["2019-13-45 99:99:99:999", "yesterday", "", "12:00"])
        lines[i] = ",".join(fields)
        expect_line = i + 1
    elif action == "huge_number":
        fields[rng.randrange(1, 4)] = "9" * rng.choice([30, 400, 5000])
        lines[i] = ",".join(fields)
    elif action == "overflow":
        fields[rng.randrange(1, 4)] = rng.choice(["1e400", "-1e308", "inf", "1e308"])
        lines[i] = ",".join(fields)
    elif action == "nan_text":
        fields[rng.randrange(1, 4)] = rng.choice(["nan", "NaN", "-", "x"])
        lines[i] = ",".join(fields)
    elif action == "blank_line":
        lines.insert(i, "")
    elif action == "nul":
        lines[i] = lines[i][: len(lines[i]) // 2] + "\x00" + lines[i][len(lines[i]) // 2 :]
    elif action == "latin1":
        lines[i] = lines[i] + "\xe9"
    elif action == "truncate":
        lines = lines[: i + 1]
        lines[-1] = lines[-1][: rng.randrange(len(lines[-1]) + 1)]
    elif action == "swap_rows" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif action == "flip":
        chars = list(lines[i])
        if chars:
            chars[rng.randrange(len(chars))] = rng.choice("0,.-e:x ")
        lines[i] = "".join(chars)
    elif action == "long_line":
        lines[i] = lines[i] + "," * 10_000
        expect_line = i + 1
    else:
        column = rng.randrange(1, 4)
        fields[column] = f"{float(fields[column]) + 0.25:.4f}"
        lines[i] = ",".join(fields)
    return lines, action, expect_line


def run_csv_case(
    work: Path,
    lines: list[str],
    first: int,
    reader: Callable[[Path], Any],
    rng: random.Random,
    *,
    kind: str,
    line_end: str,
    cli_args: list[str] | None,
    values: Callable[[Any], np.ndarray] = lambda recording: recording.accel_mps2,
    command: str = "gait",
) -> CaseOutcome:
    """Mutate a CSV and read it; refusals must name the mutated line, successes must hold the
    file's values (for a trailing comma on every row: the same as the clean file)."""
    mutated, action, expect_line = mutate_csv_lines(lines, first, rng)
    file = work / f"{kind}-{rng.randrange(10**9)}.csv"
    file.write_bytes(line_end.join(mutated).encode("latin-1", "replace") + line_end.encode())
    outcome = CaseOutcome(kind, action)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = reader(file)
    except AlsmotionError as exc:
        outcome.refused = True
        line = getattr(exc, "line", None)
        if expect_line is not None and line != expect_line:
            outcome.failure = f"refusal names line {line}, the mutation is on line {expect_line}"
        if str(file) not in str(exc):
            outcome.failure = f"refusal does not name the file: {exc}"
    except Exception as exc:  # a crash
        outcome.failure = f"reader crashed: {type(exc).__name__}: {str(exc)[:200]}"
    else:
        if expect_line is not None:
            outcome.failure = f"{action} on line {expect_line} was read without an error"
        elif action == "trailing_comma_all":
            clean_file = work / f"clean-{kind}.csv"
            clean_file.write_bytes(line_end.join(lines).encode("latin-1") + line_end.encode())
            expected = reader(clean_file)
            if not np.array_equal(values(expected), values(result), equal_nan=True):
                outcome.failure = "a trailing comma on every row changed the values read"
    if cli_args is not None and not outcome.failure:
        out_dir = work / f"out-{rng.randrange(10**9)}"
        outcome.failure = run_cli([command, str(file), *cli_args, "--out", str(out_dir)])
        shutil.rmtree(out_dir, ignore_errors=True)
    outcome.seconds = time.perf_counter() - started
    file.unlink(missing_ok=True)
    return outcome
