"""Command-line options shared by commands that read an IMU recording file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from alsmotion.errors import InvalidInputError

if TYPE_CHECKING:
    from alsmotion.readers._chunked import GridSource
    from alsmotion.recording import Recording


def _columns(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(","))
    if len(names) != 3 or not all(names):
        raise argparse.ArgumentTypeError(f"expected three comma-separated names, got {text!r}")
    return names


def add_imu_arguments(parser: argparse.ArgumentParser) -> None:
    """Add FILE and the format, unit, column and rate options of an IMU recording."""
    parser.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="recording file, or an alsmotion session folder (its lumbar IMU stream)",
    )
    add_imu_format_arguments(parser)


def add_imu_format_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the format, unit, column and rate options of IMU recording files."""
    parser.add_argument(
        "--format",
        choices=("auto", "geneactiv-csv", "csv"),
        default="auto",
        help="file format (default: GENEActiv when the header says so, else generic CSV)",
    )
    parser.add_argument(
        "--sampling-rate-hz", type=float, help="sampling rate when the file has no time column"
    )
    parser.add_argument(
        "--accel-unit",
        choices=("g", "mps2"),
        default="g",
        help="unit of the acceleration columns (default g)",
    )
    parser.add_argument(
        "--gyro-unit",
        choices=("dps", "rads"),
        default="dps",
        help="unit of the gyroscope columns (default dps)",
    )
    parser.add_argument(
        "--accel-columns",
        type=_columns,
        default=("x", "y", "z"),
        help="acceleration columns (default x,y,z)",
    )
    parser.add_argument(
        "--gyro-columns", type=_columns, help="gyroscope columns, when the file has them"
    )
    parser.add_argument(
        "--time-column", help="column of times (numbers in --time-unit, or ISO 8601)"
    )
    parser.add_argument(
        "--time-unit",
        choices=("s", "ms", "us", "ns"),
        default="s",
        help="unit of a numeric time column (default s)",
    )


def read_imu(args: argparse.Namespace) -> Recording:
    """Read the recording the IMU options describe: a file, or a session folder's IMU stream."""
    from alsmotion.readers.session_imu import is_session_folder, read_session_imu

    if is_session_folder(args.file):
        return read_session_imu(args.file)
    return read_imu_file(args.file, args)


def read_imu_file(path: Path, args: argparse.Namespace) -> Recording:
    """Read the recording file ``path`` whole, as the format options of ``args`` describe."""
    return open_imu_file(path, args).to_recording()


def open_imu_file(path: Path, args: argparse.Namespace) -> GridSource:
    """Check the recording file ``path`` (read chunk by chunk), as the format options of
    ``args`` describe, ready to be read again chunk by chunk."""
    from alsmotion.readers.csv_table import open_csv_recording
    from alsmotion.readers.geneactiv import is_geneactiv_csv, open_geneactiv_csv

    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file or session folder")
    geneactiv = args.format == "geneactiv-csv" or (args.format == "auto" and is_geneactiv_csv(path))
    if geneactiv:
        return open_geneactiv_csv(path)
    return open_csv_recording(
        path,
        accel_columns=args.accel_columns,
        accel_unit=args.accel_unit,
        gyro_columns=args.gyro_columns,
        gyro_unit=args.gyro_unit,
        time_column=args.time_column,
        time_unit=args.time_unit,
        sampling_rate_hz=args.sampling_rate_hz,
    )
