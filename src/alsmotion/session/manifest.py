"""The manifest written when a session closes: SHA-256 and size of every raw file.

The audit log is not listed: it grows after recording and protects itself with a hash chain.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from alsmotion.atomicio import atomic_write_text
from alsmotion.errors import SessionError
from alsmotion.session.layout import (
    AUDIT_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    MANIFEST_FILE,
)
from alsmotion.session.metadata import format_utc, utc_now

_CHUNK_BYTES = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def raw_files(session_dir: Path) -> list[Path]:
    """Files the manifest covers, sorted: everything but the manifest, the audit log, temp files."""
    skip = {MANIFEST_FILE, AUDIT_FILE}
    return sorted(
        path
        for path in session_dir.rglob("*")
        if path.is_file() and path.name not in skip and not path.name.startswith(".")
    )


def write_manifest(session_dir: Path) -> dict[str, Any]:
    """Hash every raw file and write ``manifest.json`` atomically; return the manifest."""
    files = {
        path.relative_to(session_dir).as_posix(): {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
        }
        for path in raw_files(session_dir)
    }
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "closed_utc": format_utc(utc_now()),
        "files": files,
    }
    atomic_write_text(session_dir / MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def read_manifest(session_dir: Path) -> dict[str, Any] | None:
    """The manifest, or None when the session was never closed."""
    path = session_dir / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"manifest is not valid JSON ({exc})", path=path) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise SessionError("not an alsmotion session manifest", path=path)
    return manifest


def check_manifest(session_dir: Path) -> list[str]:
    """Problems found comparing the files with the manifest (empty list: all match)."""
    manifest = read_manifest(session_dir)
    if manifest is None:
        return ["no manifest.json: the session was never closed (recording interrupted?)"]
    problems = []
    listed: dict[str, dict[str, Any]] = manifest.get("files", {})
    for name, entry in sorted(listed.items()):
        path = session_dir / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (file changed)")
    for path in raw_files(session_dir):
        name = path.relative_to(session_dir).as_posix()
        if name not in listed:
            problems.append(f"{name}: not listed in the manifest (file added after closing)")
    return problems
