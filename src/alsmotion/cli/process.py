"""``alsmotion process RAW_ROOT --out OUT``: reprocess a whole trial into per-visit exports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alsmotion.cli import EXIT_FAILURES, EXIT_OK
from alsmotion.cli._numbers import hours_of_a_day, whole_number_at_least
from alsmotion.cli._paths import output_folder
from alsmotion.cli._processing_args import add_processing_arguments, processing_inputs

_positive_int = whole_number_at_least(1)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "process",
        help="reprocess every session under a folder into per-visit exports",
        description=(
            "Find the sessions under RAW_ROOT (native session folders and GENEActiv CSV files; "
            "sessions whose protocol starts with 'home' are home recordings, as are the device "
            "files of --home), process each on local processes or a Dask cluster, and write the "
            "per-visit exports (home recordings as home_gait rows of the visit windows, their "
            "days in OUT/home/), errors.csv and run.json into OUT. Unchanged sessions and home "
            "recordings come from OUT/.cache. "
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
    home = parser.add_argument_group("home recordings (as alsmotion home takes them)")
    home.add_argument(
        "--home",
        type=Path,
        action="append",
        default=[],
        metavar="DIR_OR_FILE",
        help="home device files (.cwa, .gt3x, .bin) or a folder of them, labelled by a sidecar "
        "<name>.json (participant_id, visit, sensor_height_m or height_m) or by "
        "<participant>/<visit>/ folders; repeatable",
    )
    home.add_argument(
        "--timezone",
        default="UTC",
        metavar="ZONE",
        help="IANA time zone of the participants' days (default UTC)",
    )
    home.add_argument(
        "--min-worn-hours",
        type=hours_of_a_day,
        default=12.0,
        metavar="H",
        help="worn hours that make a day valid (default 12, as Mobilise-D)",
    )
    home.add_argument(
        "--window-days",
        type=_positive_int,
        default=7,
        metavar="DAYS",
        help="days after each visit that form its home window (default 7)",
    )
    home.add_argument(
        "--min-valid-days",
        type=_positive_int,
        default=3,
        metavar="DAYS",
        help="valid days below which a home window's rows are flagged (default 3)",
    )
    home.add_argument(
        "--skip-damaged-blocks",
        action="store_true",
        help=".cwa files: read a damaged block as no data instead of refusing the file",
    )
    parser.add_argument(
        "--force", action="store_true", help="recompute every session, ignoring the cache"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.batch import BatchProcessor
    from alsmotion.batch.home import HomeSettings

    settings, schedule = processing_inputs(args)
    home = HomeSettings(
        min_worn_hours=args.min_worn_hours,
        timezone=args.timezone,
        skip_damaged_blocks=args.skip_damaged_blocks,
    )
    processor = BatchProcessor(
        settings,
        workers=args.workers,
        scheduler=args.scheduler,
        force=args.force,
        schedule=schedule,
        reports=args.reports,
        home=home,
        home_paths=args.home,
        home_window_days=args.window_days,
        home_min_valid_days=args.min_valid_days,
    ).run(args.raw_root, args.out)
    summary = processor.summary_
    print(
        f"{summary.n_sessions} sessions ({summary.n_home} home recordings): "
        f"{summary.n_computed} processed, {summary.n_cached} "
        f"from cache, {summary.n_failed} failed; exports in {args.out}",
        file=sys.stderr,
    )
    if summary.n_failed:
        print(f"failed sessions are listed in {args.out / 'errors.csv'}", file=sys.stderr)
        return EXIT_FAILURES
    return EXIT_OK
