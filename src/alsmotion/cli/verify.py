"""``alsmotion verify SESSION...``: check manifests and audit hash chains.

Exit 0 when every session verifies, 1 when any was tampered with or fails (each problem printed),
2 when a path is not a session.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli import EXIT_FAILURES, EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify", help="check a session's files against its manifest and its audit log chain"
    )
    parser.add_argument("sessions", nargs="+", type=Path, metavar="SESSION", help="session folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.session import verify_session

    failed = 0
    for path in args.sessions:
        report = verify_session(path)
        if report.ok:
            print(
                f"{path}: OK ({report.n_files} files match the manifest, "
                f"{report.n_audit_entries} audit entries chained)"
            )
            for note in report.notes:
                print(f"  note (recorded when sealed): {note}")
            continue
        failed += 1
        print(f"{path}: FAILED")
        for problem in report.problems:
            print(f"  - {problem}")
    return EXIT_FAILURES if failed else EXIT_OK
