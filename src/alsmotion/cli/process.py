"""``alsmotion process RAW_ROOT --out OUT``: reprocess a whole trial into per-visit exports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alsmotion.cli import EXIT_FAILURES, EXIT_OK
from alsmotion.cli._numbers import whole_number_at_least
from alsmotion.cli._paths import output_folder
from alsmotion.cli._processing_args import add_processing_arguments, processing_inputs

_positive_int = whole_number_at_least(1)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "process",
        help="reprocess every session under a folder into per-visit exports",
        description=(
            "Find the sessions under RAW_ROOT (native session folders and GENEActiv CSV files), "
            "process each on local processes or a Dask cluster, and write the per-visit exports, "
            "errors.csv and run.json into OUT. Unchanged sessions come from OUT/.cache. "
            "Exit code 0: all sessions processed; 1: some failed (see OUT/errors.csv); "
            "2: bad arguments."
        ),
    )
    parser.add_argument("raw_root", type=Path, metavar="RAW_ROOT", help="folder of raw sessions")
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="OUT", help="output folder"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="local worker processes (default: one per core)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://HOST:8786 (needs alsmotion[dask])",
    )
    add_processing_arguments(parser)
    parser.add_argument(
        "--no-reports",
        dest="reports",
        action="store_false",
        help="skip the per-participant HTML/PNG reports (the slowest export)",
    )
    parser.add_argument(
        "--force", action="store_true", help="recompute every session, ignoring the cache"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.batch import BatchProcessor

    settings, schedule = processing_inputs(args)
    processor = BatchProcessor(
        settings,
        workers=args.workers,
        scheduler=args.scheduler,
        force=args.force,
        schedule=schedule,
        reports=args.reports,
    ).run(args.raw_root, args.out)
    summary = processor.summary_
    print(
        f"{summary.n_sessions} sessions: {summary.n_computed} processed, {summary.n_cached} "
        f"from cache, {summary.n_failed} failed; exports in {args.out}",
        file=sys.stderr,
    )
    if summary.n_failed:
        print(f"failed sessions are listed in {args.out / 'errors.csv'}", file=sys.stderr)
        return EXIT_FAILURES
    return EXIT_OK
