"""Command-line options shared by the commands that process sessions into per-visit exports."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alsmotion.processing import ProcessingSettings
    from alsmotion.visits import StudySchedule


def add_processing_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--settings`` (processing settings JSON) and ``--schedule`` (visit schedule TOML)."""
    parser.add_argument(
        "--settings", type=Path, metavar="FILE", help="processing settings JSON (default: built-in)"
    )
    parser.add_argument(
        "--schedule",
        type=Path,
        metavar="FILE",
        help="visit schedule TOML (default: baseline, day 30, day 90, day 180)",
    )


def processing_inputs(args: argparse.Namespace) -> tuple[ProcessingSettings, StudySchedule | None]:
    """The settings and schedule the options name (None: the default schedule)."""
    from alsmotion.processing import ProcessingSettings
    from alsmotion.visits import StudySchedule

    settings = (
        ProcessingSettings()
        if args.settings is None
        else ProcessingSettings.from_file(args.settings)
    )
    schedule = None if args.schedule is None else StudySchedule.from_toml(args.schedule)
    return settings, schedule
