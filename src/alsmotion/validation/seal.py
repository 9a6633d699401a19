"""Self-checking reports: a report file carries the SHA-256 of its own content, and
:func:`verify_report` recomputes it, so any edit after writing shows.

- JSON: the top-level key ``report_sha256`` holds the SHA-256 of the canonical JSON (sorted
  keys, no spaces) of every other key.
- HTML: the hash stands wherever the placeholder of 64 zeros stood when it was computed (a
  ``<meta name="alsmotion-report-sha256">`` tag and the footer); it is the SHA-256 of the
  UTF-8 text with every occurrence of the hash put back to the placeholder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import InvalidInputError
from alsmotion.settings_io import canonical_json, sha256_hex

HASH_KEY = "report_sha256"
PLACEHOLDER = "0" * 64
_META = re.compile(r'<meta name="alsmotion-report-sha256" content="([0-9a-f]{64})">')


def json_ready(value: Any) -> Any:
    """``value`` with NaN/inf floats as None and tuples as lists (strict JSON)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return json_ready(value.item())
    return value


def seal_json(content: dict[str, Any]) -> str:
    """Indented JSON text of ``content`` with its ``report_sha256``."""
    body = json_ready({key: item for key, item in content.items() if key != HASH_KEY})
    sealed = {**body, HASH_KEY: sha256_hex(canonical_json(body))}
    return json.dumps(sealed, indent=2, sort_keys=True, allow_nan=False) + "\n"


def seal_html(text: str) -> str:
    """``text`` (holding the placeholder in its meta tag) with the placeholder replaced by the
    SHA-256 of the text."""
    if f'<meta name="alsmotion-report-sha256" content="{PLACEHOLDER}">' not in text:
        raise InvalidInputError("the HTML has no alsmotion-report-sha256 meta tag to seal")
    return text.replace(PLACEHOLDER, sha256_hex(text))


@dataclass(frozen=True)
class ReportCheck:
    """Outcome of :func:`verify_report`: ``intact`` when the stored and computed hashes agree."""

    path: Path
    kind: str
    stored_sha256: str
    computed_sha256: str

    @property
    def intact(self) -> bool:
        return self.stored_sha256 == self.computed_sha256


def verify_report(path: str | Path) -> ReportCheck:
    """Recompute the SHA-256 of a sealed JSON or HTML report (by its suffix)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read report {file}: {exc}") from exc
    if file.suffix.lower() == ".json":
        try:
            content = loads_bounded(text)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{file} is not a JSON report ({exc})") from None
        if not isinstance(content, dict) or not isinstance(content.get(HASH_KEY), str):
            raise InvalidInputError(f"{file} has no {HASH_KEY!r}: not a sealed alsmotion report")
        stored = content.pop(HASH_KEY)
        return ReportCheck(file, "json", stored, sha256_hex(canonical_json(content)))
    if file.suffix.lower() in (".html", ".htm"):
        match = _META.search(text)
        if match is None:
            raise InvalidInputError(f"{file} has no alsmotion-report-sha256 meta tag")
        stored = match.group(1)
        return ReportCheck(file, "html", stored, sha256_hex(text.replace(stored, PLACEHOLDER)))
    raise InvalidInputError(f"{file}: verify-report reads .json or .html reports")
