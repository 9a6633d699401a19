"""SHA-256 of a session's raw content: the part of the cache key that says "the data changed"."""

from __future__ import annotations

import hashlib

from alsmotion.batch.sources import SessionSource
from alsmotion.session.manifest import sha256_file


def source_sha256(source: SessionSource) -> str:
    """Hex SHA-256 over every file of a session: its path relative to the session and its bytes.

    Renaming, adding, removing or editing any file (an audit-log entry included) changes it.

    Raises
    ------
    OSError
        When a file cannot be read.
    """
    base = source.path if source.kind == "native" else source.path.parent
    digest = hashlib.sha256()
    for file in source.files():
        digest.update(file.relative_to(base).as_posix().encode("utf-8"))
        digest.update(b"\0")
        digest.update(sha256_file(file).encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()
