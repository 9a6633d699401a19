"""``alsmotion export SESSION... --out DIR``: process sessions and write the per-visit exports.

For a whole trial with caching and parallel workers use ``alsmotion process`` instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="process session folders and write visit tables, SDTM, reports (and BIDS)",
    )
    parser.add_argument("sessions", nargs="+", type=Path, metavar="SESSION", help="session folder")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--schedule", type=Path, metavar="TOML", help="study schedule (default: the trial's)"
    )
    parser.add_argument(
        "--settings", type=Path, metavar="JSON", help="processing settings (default: built-in)"
    )
    parser.add_argument(
        "--bids", action="store_true", help="also write the raw streams as BIDS motion in DIR/bids"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.export import write_exports
    from alsmotion.export.bids import export_bids
    from alsmotion.processing import ProcessingSettings, process_session
    from alsmotion.visits import StudySchedule

    settings = (
        ProcessingSettings()
        if args.settings is None
        else ProcessingSettings.from_file(args.settings)
    )
    schedule = None if args.schedule is None else StudySchedule.from_toml(args.schedule)
    results = [process_session(path, settings) for path in args.sessions]
    paths = write_exports(results, args.out, schedule=schedule)
    print(f"{len(results)} sessions processed; {len(paths)} export files in {args.out}")
    if args.bids:
        written = export_bids(args.sessions, args.out / "bids")
        print(f"BIDS motion dataset: {len(written)} files in {args.out / 'bids'}")
    return EXIT_OK
