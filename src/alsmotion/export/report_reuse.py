"""Reuse a participant's report when nothing it is drawn from has changed.

Drawing the PNGs is the slowest export (about 0.6 s of CPU per participant), and a rerun of a
trial with cached results would otherwise redraw every report. Beside each report folder's files,
``.report-inputs.json`` records the SHA-256 of what the report was made from (the participant's
rows of ``visit_measures``, the reliability and trajectory tables, its home days, the schedule, the report code, the
alsmotion and matplotlib versions) and of every file written. A report is reused only when that digest matches and every file is still there unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from alsmotion._version import __version__
from alsmotion.atomicio import atomic_write_text

#: Record of the inputs and files of one participant's report, inside its folder.
INPUTS_FILE = ".report-inputs.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def report_inputs_sha256(tables: Sequence[pd.DataFrame | None], context: str) -> str:
    """SHA-256 of everything a participant's report is drawn from: its tables (None: absent),
    a text of any other input (e.g. the schedule) and the code."""
    import matplotlib

    from alsmotion.export import names, report, report_home

    digest = hashlib.sha256()
    for table in tables:
        text = "\0absent\0" if table is None else table.to_csv(index=False, lineterminator="\n")
        digest.update(text.encode("utf-8") + b"\0")
    digest.update(context.encode("utf-8") + b"\0")
    for module in (report, report_home, names):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(f"{__version__}\0{matplotlib.__version__}".encode())
    return digest.hexdigest()


def _reusable(folder: Path, inputs_sha256: str) -> bool:
    try:
        record = json.loads((folder / INPUTS_FILE).read_text(encoding="utf-8"))
        return record["inputs_sha256"] == inputs_sha256 and all(
            _sha256(folder / name) == sha for name, sha in record["files"].items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def reuse_or_write_report(
    tables: Sequence[pd.DataFrame | None], context: str, folder: Path, write: Callable[[], Path]
) -> Path:
    """Return ``folder/report.html`` when the report there was made from the same ``tables``,
    ``context`` and code and is intact; otherwise call ``write`` (which draws it into ``folder``)
    and record it."""
    inputs_sha256 = report_inputs_sha256(tables, context)
    html_path = folder / "report.html"
    if _reusable(folder, inputs_sha256):
        return html_path
    (folder / INPUTS_FILE).unlink(missing_ok=True)  # a report cut short is never taken as whole
    html_path = write()
    files = {
        path.name: _sha256(path)
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix in (".html", ".pdf", ".png")
    }
    record = {"inputs_sha256": inputs_sha256, "files": files}
    atomic_write_text(folder / INPUTS_FILE, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return html_path
