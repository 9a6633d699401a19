"""Check a session: its files against the manifest, its audit hash chain, and its readability."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alsmotion.errors import SessionError
from alsmotion.session.audit import SEAL_INTERRUPTED, chain_problems
from alsmotion.session.jsonlines import read_lines
from alsmotion.session.layout import AUDIT_FILE, METADATA_FILE
from alsmotion.session.manifest import check_manifest
from alsmotion.session.reader import Session


@dataclass(frozen=True)
class VerificationReport:
    """Outcome of :func:`verify_session`: ``ok`` is True when nothing failed.

    ``notes`` lists what the reader found in a session sealed after an interruption (torn tails
    acknowledged in its ``seal_interrupted`` audit entry): known, recorded, not failures.
    """

    path: Path
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    n_audit_entries: int
    n_files: int

    @property
    def ok(self) -> bool:
        return not self.problems


def _acknowledged(records: list[dict[str, Any]]) -> set[str]:
    return {
        issue
        for entry in records
        if entry.get("what") == SEAL_INTERRUPTED
        for issue in entry.get("change", {}).get("reader_issues", [])
    }


def verify_session(path: str | Path) -> VerificationReport:
    """Verify the manifest SHA-256 of every raw file, the audit chain and that the session reads.

    Raises :class:`SessionError` only when ``path`` is not a session at all; anything wrong inside
    a session is listed in the report's ``problems``.
    """
    path = Path(path)
    if not (path / METADATA_FILE).is_file():
        raise SessionError(f"no {METADATA_FILE}: not an alsmotion session folder", path=path)
    problems: list[str] = []
    try:
        records, torn = read_lines(path / AUDIT_FILE)
    except SessionError as exc:
        records, torn = [], False
        problems.append(f"audit log: {exc.reason}")
    if torn:
        problems.append("audit log: torn last line")
    problems += chain_problems(records)
    try:
        problems += check_manifest(path)
    except SessionError as exc:
        problems.append(exc.reason)
    notes: list[str] = []
    manifest = None
    try:
        session = Session.open(path)
    except SessionError as exc:
        problems.append(f"session does not read: {exc}")
    else:
        manifest = session.manifest
        acknowledged = _acknowledged(records)
        for issue in session.issues:
            if "not closed" in issue or issue.startswith("audit log"):
                continue
            (notes if issue in acknowledged else problems).append(issue)
    n_files = len(manifest["files"]) if manifest else 0
    return VerificationReport(
        path=path,
        problems=tuple(problems),
        notes=tuple(notes),
        n_audit_entries=len(records),
        n_files=n_files,
    )
