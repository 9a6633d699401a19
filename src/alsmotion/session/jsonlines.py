"""Append-only JSON-lines files: each record is one line, written and fsync'd in one call.

Reading keeps every complete line; an unterminated last line (the process died while writing it)
is a torn tail: skipped and reported, never parsed as a record. A broken line anywhere else means
the file was damaged after the fact and raises :class:`SessionError`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from alsmotion.errors import SessionError


def dumps_canonical(record: Any) -> str:
    """JSON with sorted keys and no spaces: the same record always gives the same text."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line and fsync it."""
    data = (dumps_canonical(record) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Return the records of a JSON-lines file and whether a torn last line was skipped."""
    if not path.exists():
        return [], False
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    torn = lines[-1] != b""
    complete = lines[:-1]
    records = []
    for number, line in enumerate(complete, start=1):
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SessionError(
                f"line {number} is not valid JSON ({exc}): the file was damaged after it was "
                "written; restore it from a copy whose manifest verifies",
                path=path,
            ) from None
        if not isinstance(record, dict):
            raise SessionError(f"line {number} is not a JSON object", path=path)
        records.append(record)
    return records, torn
