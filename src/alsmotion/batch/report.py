"""What a run leaves beside the exports: ``errors.csv`` (one row per failed session) and
``run.json`` (software, settings, executor and counts of the run)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alsmotion.atomicio import atomic_write_bytes
from alsmotion.batch.sources import SessionSource

ERRORS_FILE = "errors.csv"
RUN_FILE = "run.json"
ERRORS_COLUMNS = ("participant", "visit", "file", "reason")


@dataclass(frozen=True)
class SessionFailure:
    """A session that could not be processed, named so a data manager can find and fix it.

    Attributes
    ----------
    participant_id, visit : as far as discovery could tell (``""`` when unknown).
    file : the session directory or recording, relative to the raw-data root.
    reason : one line saying what was wrong.
    """

    participant_id: str
    visit: str
    file: str
    reason: str

    @classmethod
    def of(cls, source: SessionSource, raw_root: Path, reason: str) -> SessionFailure:
        try:
            file = source.path.relative_to(raw_root).as_posix()
        except ValueError:
            file = source.path.as_posix()
        return cls(source.participant_id, source.visit, file, reason)

    def to_dict(self) -> dict[str, str]:
        return {
            "participant": self.participant_id,
            "visit": self.visit,
            "file": self.file,
            "reason": self.reason,
        }


def write_errors_csv(out_dir: Path, failures: Iterable[SessionFailure]) -> Path:
    """Write ``errors.csv`` (header only when nothing failed), rows sorted by file."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ERRORS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for failure in sorted(failures, key=lambda item: (item.file, item.reason)):
        writer.writerow(failure.to_dict())
    path = out_dir / ERRORS_FILE
    atomic_write_bytes(path, buffer.getvalue().encode("utf-8"))
    return path


def write_run_json(out_dir: Path, record: dict[str, Any]) -> Path:
    """Write ``run.json`` with the run's ``record`` (sorted keys, UTF-8)."""
    path = out_dir / RUN_FILE
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
    return path
