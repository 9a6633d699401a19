"""Seal a session whose recording was interrupted (crash, power cut): hash what was kept.

A session that never reached ``close()`` has no manifest, so ``alsmotion verify`` reports it as
never closed. Sealing writes the manifest over the files as they are (torn tails included; the
reader skips them), makes the raw files read-only and records who sealed it, when and why in the
audit log, together with what the reader found (``Session.issues``). Nothing is rewritten.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from alsmotion.errors import SessionError
from alsmotion.session.audit import append_seal_entry
from alsmotion.session.manifest import raw_files, write_manifest
from alsmotion.session.reader import Session


def seal_interrupted_session(path: str | Path, *, who: str, why: str) -> dict[str, Any]:
    """Write the manifest of an interrupted session and log the sealing; return the audit entry."""
    path = Path(path)
    session = Session.open(path)
    if session.closed:
        raise SessionError("the session was closed normally; there is nothing to seal", path=path)
    issues = [issue for issue in session.issues if "not closed" not in issue]
    entry = append_seal_entry(
        path,
        who=who,
        why=why,
        change={"before": "not closed", "after": "sealed", "reader_issues": issues},
    )
    write_manifest(path)
    read_only = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for file in raw_files(path):
        os.chmod(file, read_only)
    return entry
