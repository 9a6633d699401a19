"""``alsmotion gui [--simulate]``: the desktop application for a visit (extra ``gui``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.errors import require


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gui", help="open the desktop application for live capture and review"
    )
    parser.add_argument(
        "--simulate",
        action="store_true",
        help="use simulated twins of the IMU and the dynamometer instead of Bluetooth devices",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("alsmotion-data/sessions"),
        help="folder where sessions are recorded and earlier visits are found "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--export-dir",
        type=Path,
        default=Path("alsmotion-data/exports"),
        help="folder the visit exports are written to (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for module in ("PySide6.QtWidgets", "pyqtgraph"):
        require(module, extra="gui", feature="alsmotion gui")
    from alsmotion.gui.app import run as run_app

    return run_app(data_dir=args.data_dir, export_dir=args.export_dir, simulate=args.simulate)
