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

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import InvalidInputError, SessionError


def dumps_canonical(record: Any) -> str:
    """JSON with sorted keys and no spaces: the same record always gives the same text."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def append_line(path: Path, record: dict[str, Any]) -> bytes:
    """Append ``record`` as one line and fsync it; return the bytes written."""
    data = (dumps_canonical(record) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return data


#: Longest line (bytes) of an events or audit log; a real record is well under 1 kB.
MAX_LINE_BYTES = 1024 * 1024


def read_lines(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """Return the records of a JSON-lines file and whether a torn last line was skipped.

    Raises :class:`SessionError` naming the file and line when a complete line is not a JSON
    object within the limits of :func:`alsmotion.boundedjson.loads_bounded`.
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise SessionError("is not a regular file (a link or a folder)", path=path)
    if not path.exists():
        return [], False
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SessionError(f"cannot read the file ({exc.strerror})", path=path) from None
    lines = raw.split(b"\n")
    torn = lines[-1] != b""
    complete = lines[:-1]
    records = []
    for number, line in enumerate(complete, start=1):
        try:
            record = loads_bounded(line, max_bytes=MAX_LINE_BYTES)
        except InvalidInputError as exc:
            raise SessionError(
                f"not valid JSON ({exc}): the file was damaged after it was written; restore it "
                "from a copy "
                "whose manifest verifies",
                path=path,
                line=number,
            ) from None
        if not isinstance(record, dict):
            raise SessionError("not a JSON object", path=path, line=number)
        records.append(record)
    return records, torn


def read_json_document(path: Path, *, what: str) -> Any:
    """Parse the JSON file ``path`` within limits; ``what`` names it in errors."""
    return parse_json_document(read_file_bytes(path, what=what), path=path, what=what)


def read_file_bytes(path: Path, *, what: str) -> bytes:
    """The bytes of ``path``; :class:`SessionError` naming ``what`` when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SessionError(f"cannot read {what} ({exc.strerror})", path=path) from None


def parse_json_document(raw: bytes, *, path: Path, what: str) -> Any:
    """Parse the bytes ``raw`` of the JSON file ``path`` within limits."""
    try:
        return loads_bounded(raw)
    except InvalidInputError as exc:
        raise SessionError(f"{what} is not valid JSON ({exc})", path=path) from None
