"""``alsmotion verify-report FILE``: check that a sealed report (``validation.json`` or
``validation.html``) is unchanged since it was written. Exit 0 intact, 1 modified, 2 unreadable."""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli import EXIT_FAILURES, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify-report", help="check the SHA-256 a validation report carries of itself"
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="validation.json or .html")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.validation.seal import verify_report

    check = verify_report(args.file)
    if check.intact:
        print(f"{check.path}: intact (SHA-256 {check.stored_sha256})")
        return EXIT_OK
    print(
        f"{check.path}: MODIFIED since it was written (stored SHA-256 {check.stored_sha256}, "
        f"content now {check.computed_sha256})"
    )
    return EXIT_FAILURES
