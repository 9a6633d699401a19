"""``alsmotion home RECORDINGS... --out DIR``: days of lower-back IMU to daily walking measures,
walking bouts, per-visit-window measures and a plot per participant."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from alsmotion.cli._imu_args import add_imu_format_arguments, open_imu_file
from alsmotion.cli._numbers import hours_of_a_day, whole_number_at_least
from alsmotion.cli._paths import output_folder
from alsmotion.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

    from alsmotion.home.sources import HomeRecording


_positive_int = whole_number_at_least(1)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "home",
        help="home recordings to daily walking measures, bouts and per-visit-window rows",
        description="Analyse days of lower-back IMU recorded at home (native alsmotion session "
        "folders, Axivity .cwa, ActiGraph .gt3x and GENEActiv .bin files, GENEActiv CSV exports "
        "or generic CSV files) chunk by chunk: wear time (van Hees 2013 criteria on 30-min "
        "windows, 60-min in the night), valid days, Mobilise-D walking bouts and daily measures. "
        "Writes "
        "DIR/daily.csv, DIR/bouts.csv, DIR/visit_windows.csv (one row per participant, visit "
        "window and measure) and DIR/plots/<participant>.png.",
    )
    parser.add_argument(
        "recordings",
        type=Path,
        nargs="+",
        metavar="RECORDING",
        help="session folder, device file (.cwa, .gt3x, .bin) or CSV file of a home recording",
    )
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.add_argument(
        "--visits",
        type=Path,
        metavar="CSV",
        help="visit dates (participant_id, visit, visit_date; e.g. visit_assignments.csv of "
        "alsmotion export): each visit's window is the --window-days days after it (default: "
        "the visit label each home session was recorded with)",
    )
    parser.add_argument(
        "--window-days",
        type=_positive_int,
        default=7,
        metavar="DAYS",
        help="days after each visit that form its home window (default 7)",
    )
    parser.add_argument(
        "--min-worn-hours",
        type=hours_of_a_day,
        default=12.0,
        metavar="H",
        help="worn hours that make a day valid (default 12, as Mobilise-D)",
    )
    parser.add_argument(
        "--min-valid-days",
        type=_positive_int,
        default=3,
        metavar="DAYS",
        help="valid days below which a window's rows are flagged (default 3)",
    )
    parser.add_argument(
        "--timezone",
        default="UTC",
        metavar="ZONE",
        help="IANA time zone the participants live in (e.g. Europe/Amsterdam): days run from "
        "local midnight to midnight, and the night is found from local noon to noon (default "
        "UTC)",
    )
    parser.add_argument(
        "--participant", metavar="ID", help="participant pseudonym of CSV recordings"
    )
    parser.add_argument(
        "--start-utc",
        metavar="TIME",
        help="UTC start of CSV recordings that do not carry one (ISO 8601)",
    )
    height = parser.add_mutually_exclusive_group()
    height.add_argument(
        "--sensor-height-m",
        type=float,
        help="sensor height above the ground (m); default: the session's metadata",
    )
    height.add_argument(
        "--height-m", type=float, help="body height (m); the sensor is taken at 0.53 x height"
    )
    add_imu_format_arguments(parser)
    parser.add_argument(
        "--skip-damaged-blocks",
        action="store_true",
        help=".cwa files: read a damaged block as no data (flagged damaged_blocks_skipped:<n>) "
        "instead of refusing the file",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def _open(path: Path, args: argparse.Namespace) -> HomeRecording:
    import pandas as pd

    from alsmotion.home.sources import (
        DEVICE_FILE_SUFFIXES,
        home_recording_from,
        read_home_device_file,
        read_home_session,
    )

    if path.is_dir():
        recording = read_home_session(path)
        if args.sensor_height_m is None and args.height_m is None:
            return recording
        from dataclasses import replace

        return replace(recording, sensor_height_m=args.sensor_height_m, height_m=args.height_m)
    if not path.exists():
        raise InvalidInputError(f"{path}: no such file or session folder")
    if args.participant is None:
        raise InvalidInputError(
            f"{path}: a CSV or device file does not name its participant: give --participant ID"
        )
    if path.suffix.lower() in DEVICE_FILE_SUFFIXES:
        return read_home_device_file(
            path,
            participant_id=args.participant,
            sensor_height_m=args.sensor_height_m,
            height_m=args.height_m,
            skip_damaged=args.skip_damaged_blocks,
        )
    start = None
    if args.start_utc is not None:
        try:
            start = pd.Timestamp(args.start_utc)
        except ValueError:
            raise InvalidInputError(
                f"--start-utc {args.start_utc!r} is not an ISO 8601 time (e.g. "
                "2026-01-05T00:00:00Z)"
            ) from None
    return home_recording_from(
        open_imu_file(path, args),
        participant_id=args.participant,
        start_utc=start,
        sensor_height_m=args.sensor_height_m,
        height_m=args.height_m,
    )


def read_visits(path: Path) -> pd.DataFrame:
    """The visit dates of ``--visits`` (primary rows only when the table says which)."""
    import pandas as pd

    try:
        visits = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InvalidInputError(f"{path}: cannot read the visits table ({exc})") from None
    missing = {"participant_id", "visit", "visit_date"} - set(visits.columns)
    if missing:
        raise InvalidInputError(
            f"{path}: the visits table lacks column(s) {', '.join(sorted(missing))}; give "
            "participant_id, visit, visit_date (visit_assignments.csv of alsmotion export works)"
        )
    if "primary" in visits.columns:
        visits = visits[visits["primary"].str.lower() == "true"]
    dates = pd.to_datetime(visits["visit_date"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax())
        raise InvalidInputError(
            f"{path}: visit_date {visits['visit_date'].iloc[row]!r} is not a date (YYYY-MM-DD)"
        )
    return visits.assign(visit_date=dates.dt.strftime("%Y-%m-%d"))


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from alsmotion.export.tables import write_csv
    from alsmotion.home.pipeline import local_start
    from alsmotion.home.plot import plot_home_days
    from alsmotion.home.study import analyze_recordings
    from alsmotion.home.windows import attach_visit_windows, window_measures, windows_from_labels

    local_start(pd.Timestamp(0), args.timezone)  # an unknown zone fails before any reading
    visits = read_visits(args.visits) if args.visits is not None else None
    recordings = [_open(path, args) for path in args.recordings]
    tables = analyze_recordings(
        recordings,
        min_worn_hours=args.min_worn_hours,
        timezone=args.timezone,
        progress=not args.no_progress,
    )
    daily = (
        windows_from_labels(tables.daily)
        if visits is None
        else attach_visit_windows(tables.daily, visits, window_days=args.window_days)
    )
    windows = window_measures(
        daily, tables.bouts, tables.strides, min_valid_days=args.min_valid_days
    )
    out: Path = args.out
    written = [
        write_csv(daily, out / "daily.csv"),
        write_csv(tables.bouts, out / "bouts.csv"),
        write_csv(windows, out / "visit_windows.csv"),
    ]
    for participant, days in daily.groupby("participant_id", sort=True):
        own_visits = None if visits is None else visits[visits["participant_id"] == participant]
        written.append(
            plot_home_days(
                days,
                out / "plots" / f"{participant}.png",
                visits=own_visits,
                min_worn_hours=args.min_worn_hours,
            )
        )
    valid = daily["valid_day"].astype(bool)
    n_windows = len(windows.drop_duplicates(["participant_id", "visit"]))
    print(
        f"{len(recordings)} recording(s), {daily['participant_id'].nunique()} participant(s): "
        f"{int(valid.sum())} valid of {len(daily)} days, {len(tables.bouts)} walking bouts, "
        f"{n_windows} visit window(s)"
    )
    if visits is None and (daily["visit"] == "").any():
        print("note: days of recordings without a visit label are in no window (give --visits)")
    print("wrote " + ", ".join(str(path) for path in written))
    return 0
