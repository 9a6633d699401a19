"""The manifest written when a session closes: SHA-256 and size of every raw file.

The audit log is not listed as a file: it grows after recording and protects itself with a hash
chain. A chain cannot tell that its last entries were removed, so the manifest anchors it:
``audit`` holds the number of entries and the hash of the last one, updated by every
:func:`alsmotion.session.append_audit`. A log shorter than its anchor, or one that does not
continue the anchored entry, fails verification.

``manifest_sha256`` is the SHA-256 of the manifest's other fields (canonical JSON), so an edit
of a field no file can contradict (``closed_utc``, the anchor) shows too. Like every hash here it
detects changes made without alsmotion, not a forger who rewrites the whole manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from alsmotion.atomicio import atomic_write_text
from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.session.jsonlines import read_json_document, read_lines
from alsmotion.session.layout import (
    AUDIT_FILE,
    FORMAT_NAME,
    MANIFEST_FILE,
    MANIFEST_FORMAT_VERSION,
)
from alsmotion.session.metadata import format_utc, parse_utc, utc_now

_CHUNK_BYTES = 1 << 20
_SELF_HASH = "manifest_sha256"
_MANIFEST_FIELDS = ("format", "format_version", "closed_utc", "files", "audit", _SELF_HASH)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def raw_files(session_dir: Path) -> list[Path]:
    """Files the manifest covers, sorted: every file but the manifest and the audit log, hidden
    files included (a hidden file in a closed session is a file added after closing)."""
    skip = {MANIFEST_FILE, AUDIT_FILE}
    return sorted(
        path
        for path in session_dir.rglob("*")
        if (path.is_file() or path.is_symlink())
        and path.relative_to(session_dir).as_posix() not in skip
    )


def manifest_self_sha256(manifest: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of every manifest field but ``manifest_sha256``."""
    body = {key: value for key, value in manifest.items() if key != _SELF_HASH}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _write(session_dir: Path, manifest: dict[str, Any]) -> None:
    manifest[_SELF_HASH] = manifest_self_sha256(manifest)
    atomic_write_text(session_dir / MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True))


def write_manifest(session_dir: Path) -> dict[str, Any]:
    """Hash every raw file and write ``manifest.json`` atomically; return the manifest."""
    files = {
        path.relative_to(session_dir).as_posix(): {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
        for path in raw_files(session_dir)
    }
    records, _ = read_lines(session_dir / AUDIT_FILE)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": MANIFEST_FORMAT_VERSION,
        "closed_utc": format_utc(utc_now()),
        "files": files,
        "audit": audit_anchor(records),
    }
    _write(session_dir, manifest)
    return manifest


def audit_anchor(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest's anchor of an audit log: its number of entries and its last entry's hash."""
    return {
        "n_entries": len(records),
        "last_sha256": str(records[-1].get("sha256")) if records else "0" * 64,
    }


def anchor_audit(session_dir: Path, records: list[dict[str, Any]]) -> None:
    """Rewrite a closed session's manifest with the anchor of ``records`` (after an append)."""
    manifest = read_manifest(session_dir)
    if manifest is None:
        return
    manifest["audit"] = audit_anchor(records)
    _write(session_dir, manifest)


def audit_anchor_problems(manifest: dict[str, Any], records: list[dict[str, Any]]) -> list[str]:
    """Whether the audit log ``records`` is the one the manifest anchors (empty list: it is)."""
    anchor = manifest.get("audit")
    if not isinstance(anchor, dict) or set(anchor) != {"n_entries", "last_sha256"}:
        return ["manifest: no valid audit anchor ('audit': n_entries, last_sha256)"]
    n = anchor["n_entries"]
    if type(n) is not int or n < 0:
        return [f"manifest: audit anchor n_entries {n!r} is not a count"]
    if len(records) < n:
        return [f"audit log: {len(records)} entries, the manifest anchors {n} (entries removed)"]
    if len(records) > n:
        return [
            f"audit log: {len(records) - n} entries after the manifest's anchor (appended "
            "without alsmotion, or interrupted while anchoring)"
        ]
    if audit_anchor(records)["last_sha256"] != anchor["last_sha256"]:
        return ["audit log: its last entry is not the one the manifest anchors (log replaced)"]
    return []


def read_manifest(session_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when the session was never closed.

    Raises :class:`SessionError` when ``manifest.json`` is not a JSON object naming the session
    format; its other fields are checked by :func:`check_manifest`.
    """
    path = session_dir / MANIFEST_FILE
    if not (path.exists() or path.is_symlink()):
        return None
    if path.is_symlink() or not path.is_file():
        raise SessionError("manifest is not a regular file", path=path)
    manifest = read_json_document(path, what="manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise SessionError("not an alsmotion session manifest", path=path)
    return manifest


def manifest_field_problems(manifest: dict[str, Any]) -> list[str]:
    """What is wrong with the manifest's own fields (empty list: well-formed)."""
    problems = []
    if _SELF_HASH not in manifest:
        problems.append(
            f"manifest: no {_SELF_HASH} (removed, or closed by an alsmotion that did not write "
            "it): closed_utc and the audit anchor cannot be checked"
        )
    elif manifest[_SELF_HASH] != manifest_self_sha256(manifest):
        problems.append(
            f"manifest: {_SELF_HASH} does not match its fields (manifest edited after closing)"
        )
    extra = sorted(set(manifest) - set(_MANIFEST_FIELDS))
    if extra:
        problems.append(f"manifest: unexpected field(s) {', '.join(map(repr, extra))}")
    version = manifest.get("format_version")
    if type(version) is not int or version != MANIFEST_FORMAT_VERSION:
        problems.append(
            f"manifest: format_version {version!r}, this alsmotion writes {MANIFEST_FORMAT_VERSION}"
        )
    closed = manifest.get("closed_utc")
    try:
        if not isinstance(closed, str) or format_utc(parse_utc(closed)) != closed:
            raise InvalidInputError("not alsmotion's UTC format")
    except InvalidInputError:
        problems.append(f"manifest: closed_utc {closed!r} is not a UTC time as alsmotion writes")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        problems.append("manifest: 'files' is not a non-empty mapping of file names")
        return problems
    for name, entry in sorted(files.items(), key=lambda item: str(item[0])):
        if not isinstance(entry, dict) or set(entry) != {"sha256", "bytes"}:
            problems.append(f"{name}: manifest entry is not {{'sha256', 'bytes'}}")
            continue
        digest, size = entry["sha256"], entry["bytes"]
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            problems.append(f"{name}: manifest sha256 {digest!r} is not 64 hex digits")
        if type(size) is not int or size < 0:
            problems.append(f"{name}: manifest size {size!r} is not a byte count")
    return problems


def check_manifest(session_dir: Path, manifest: dict[str, Any] | None = None) -> list[str]:
    """Problems found comparing the session's files with its manifest (empty list: all match).

    Every manifest field is checked, every listed file must exist with the listed size and
    SHA-256, and every file present (hidden files included) must be listed.
    """
    if manifest is None:
        manifest = read_manifest(session_dir)
    if manifest is None:
        return ["no manifest.json: the session was never closed (recording interrupted?)"]
    problems = manifest_field_problems(manifest)
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        listed = {}
    present = {path.relative_to(session_dir).as_posix(): path for path in raw_files(session_dir)}
    for name, entry in sorted(listed.items(), key=lambda item: str(item[0])):
        path = present.get(name)
        if path is None:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        if path.is_symlink():
            problems.append(f"{name}: is a symbolic link, not the recorded file")
            continue
        if not isinstance(entry, dict):
            continue
        try:
            size = path.stat().st_size
            digest = sha256_file(path) if size == entry.get("bytes") else ""
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror})")
            continue
        if size != entry.get("bytes"):
            problems.append(
                f"{name}: {size} bytes, the manifest says {entry.get('bytes')!r} (file changed)"
            )
        elif digest != entry.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (file changed)")
    for name in sorted(set(present) - set(listed)):
        problems.append(f"{name}: not listed in the manifest (file added after closing)")
    return problems
