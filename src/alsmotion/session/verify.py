"""Check a session: its files against the manifest, its audit hash chain, and its readability."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alsmotion.errors import SessionError
from alsmotion.session.audit import SEAL_INTERRUPTED, chain_problems, entry_problems
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
    acknowledged: set[str] = set()
    for entry in records:
        change = entry.get("change")
        if entry.get("what") == SEAL_INTERRUPTED and isinstance(change, dict):
            issues = change.get("reader_issues")
            if isinstance(issues, list):
                acknowledged.update(issue for issue in issues if isinstance(issue, str))
    return acknowledged


def verify_session(path: str | Path) -> VerificationReport:
    """Verify every manifest field, the size and SHA-256 of every raw file, that no file was
    added (hidden ones included), the audit chain and that the session reads.

    Raises :class:`SessionError` only when ``path`` is not a session at all; anything wrong inside
    a session is listed in the report's ``problems``.
    """
    path = Path(path)
    if not (path / METADATA_FILE).is_file():
        raise SessionError(f"no {METADATA_FILE}: not an alsmotion session folder", path=path)
    problems: list[str] = []
    notes: list[str] = []
    try:
        records, torn = read_lines(path / AUDIT_FILE)
    except SessionError as exc:
        records, torn = [], False
        problems.append(f"audit log: {exc}")
    if torn:
        problems.append("audit log: torn last line")
    try:
        session = Session.open(path)
    except SessionError as exc:
        problems.append(f"session does not read: {exc}")
        problems += chain_problems(records) + entry_problems(records)
        try:
            problems += check_manifest(path)
        except SessionError as manifest_exc:
            problems.append(str(manifest_exc))
        return VerificationReport(path, tuple(problems), (), len(records), 0)
    if session.manifest is None:
        problems.append("no manifest.json: the session was never closed (recording interrupted?)")
    problems += list(session.audit_problems)
    acknowledged = _acknowledged(records)
    for issue in session.issues:
        if "not closed" in issue or issue.startswith("audit log"):
            continue
        is_note = issue in acknowledged and issue not in session.integrity_problems
        (notes if is_note else problems).append(issue)
    listed = session.manifest.get("files") if session.manifest else None
    return VerificationReport(
        path=path,
        problems=tuple(problems),
        notes=tuple(notes),
        n_audit_entries=len(records),
        n_files=len(listed) if isinstance(listed, dict) else 0,
    )
