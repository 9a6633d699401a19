"""Argument types for paths, checked when the command line is read (before any work is done)."""

from __future__ import annotations

import argparse
from pathlib import Path


def output_folder(text: str) -> Path:
    """An ``--out`` folder: it may exist (as a folder) or be created; a file in its place, or on
    the way to it, is refused at once instead of after the work."""
    path = Path(text)
    for ancestor in (path, *path.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                what = (
                    "names an existing file"
                    if ancestor == path
                    else f"is inside the file {ancestor}"
                )
                raise argparse.ArgumentTypeError(
                    f"{text} {what}: give a folder (it is created if missing)"
                )
            break
    return path
