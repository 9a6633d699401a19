"""Check a session: its files against the manifest, its audit hash chain, and its readability."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alsmotion.errors import SessionError
from alsmotion.session.audit import chain_problems
from alsmotion.session.jsonlines import read_lines
from alsmotion.session.layout import AUDIT_FILE, METADATA_FILE
from alsmotion.session.manifest import check_manifest
from alsmotion.session.reader import Session


@dataclass(frozen=True)
class VerificationReport:
    """Outcome of :func:`verify_session`: ``ok`` is True when nothing failed."""

    path: Path
    problems: tuple[str, ...]
    n_audit_entries: int
    n_files: int

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_session(path: str | Path) -> VerificationReport:
    """Verify the manifest SHA-256 of every raw file, the audit chain and that the session reads.

    Raises :class:`SessionError` only when ``path`` is not a session at all; anything wrong inside
    a session is listed in the report's ``problems``.
    """
    path = Path(path)
    if not (path / METADATA_FILE).is_file():
        raise SessionError(f"no {METADATA_FILE}: not an alsmotion session folder", path=path)
    problems = []
    try:
        problems += check_manifest(path)
    except SessionError as exc:
        problems.append(exc.reason)
    try:
        session = Session.open(path)
    except SessionError as exc:
        problems.append(f"session does not read: {exc}")
        manifest = None
    else:
        problems += [issue for issue in session.issues if "not closed" not in issue]
        manifest = session.manifest
    try:
        records, torn = read_lines(path / AUDIT_FILE)
    except SessionError as exc:
        records, torn = [], False
        problems.append(f"audit log: {exc.reason}")
    if torn:
        problems.append("audit log: torn last line")
    problems += chain_problems(records)
    n_files = len(manifest["files"]) if manifest else 0
    return VerificationReport(
        path=path, problems=tuple(problems), n_audit_entries=len(records), n_files=n_files
    )
