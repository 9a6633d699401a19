"""``alsmotion seal SESSION --who NAME --why TEXT``: seal an interrupted recording.

Writes the manifest of a session that never closed (crash, power cut) over the files as they are
and records the sealing in the audit log, so that ``alsmotion verify`` can check it from then on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "seal", help="write the manifest of an interrupted session and log who sealed it and why"
    )
    parser.add_argument("session", type=Path, metavar="SESSION", help="session folder")
    parser.add_argument("--who", required=True, help="who seals it (user name or code)")
    parser.add_argument("--why", required=True, help="why, e.g. 'laptop battery died'")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.session.seal import seal_interrupted_session

    entry = seal_interrupted_session(args.session, who=args.who, why=args.why)
    issues = entry["change"]["reader_issues"]
    print(f"{args.session}: sealed ({len(issues)} reader issue(s) recorded in the audit log)")
    for issue in issues:
        print(f"  - {issue}")
    return EXIT_OK
