"""``alsmotion export SESSION... --out DIR``: process sessions and write the per-visit exports.

For a whole trial with caching and parallel workers use ``alsmotion process`` instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alsmotion.cli import EXIT_OK
from alsmotion.cli._paths import output_folder
from alsmotion.cli._processing_args import add_processing_arguments, processing_inputs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="process session folders and write visit tables, SDTM, reports (and BIDS)",
    )
    parser.add_argument("sessions", nargs="+", type=Path, metavar="SESSION", help="session folder")
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    add_processing_arguments(parser)
    parser.add_argument(
        "--bids", action="store_true", help="also write the raw streams as BIDS motion in DIR/bids"
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="also write trajectories.csv (slopes, mixed model, responders, left/right) and the "
        "cohort report",
    )
    parser.add_argument(
        "--treatment-start-day",
        type=float,
        metavar="DAY",
        help="with --statistics: split lead-in and on-treatment slopes at this study day",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.errors import InvalidInputError
    from alsmotion.export import write_exports
    from alsmotion.export.bids import export_bids
    from alsmotion.processing import process_session
    from alsmotion.processing.integrity import RAW_DATA_INTEGRITY

    settings, schedule = processing_inputs(args)
    results = [process_session(path, settings) for path in args.sessions]
    if args.treatment_start_day is not None and not args.statistics:
        raise InvalidInputError("--treatment-start-day needs --statistics")
    paths = write_exports(
        results,
        args.out,
        schedule=schedule,
        statistics=args.statistics,
        treatment_start_day=args.treatment_start_day,
    )
    print(f"{len(results)} sessions processed; {len(paths)} export files in {args.out}")
    for result in results:
        doubts = [flag for flag in result.flags if flag.startswith(RAW_DATA_INTEGRITY)]
        if doubts:
            print(f"warning: {result.session_id}: {'; '.join(doubts)}", file=sys.stderr)
    if args.bids:
        written = export_bids(args.sessions, args.out / "bids")
        print(f"BIDS motion dataset: {len(written)} files in {args.out / 'bids'}")
    return EXIT_OK
