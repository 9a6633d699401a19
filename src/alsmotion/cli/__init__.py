"""The ``alsmotion`` command line.

Each subcommand lives in its own module of this package with ``register(subparsers)``, which adds
its parser and sets ``func`` to a callable taking the parsed arguments and returning an exit code.
Errors alsmotion raises on purpose end the command with a one-line reason and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from alsmotion._version import __version__
from alsmotion.errors import AlsmotionError

#: Subcommand modules, in the order ``alsmotion --help`` lists them.
COMMAND_MODULES = (
    "info",
    "gait",
    "strength",
    "scan",
    "record",
    "verify",
    "seal",
    "reference",
    "export",
    "process",
    "validate",
    "verify-report",
    "demo",
    "gui",
)

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alsmotion",
        description="Instrumented motor assessment for ALS trials: gait and strength.",
    )
    parser.add_argument("--version", action="version", version=f"alsmotion {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"alsmotion.cli.{name.replace('-', '_')}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AlsmotionError as exc:
        print(f"alsmotion {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"alsmotion {args.command}: interrupted", file=sys.stderr)
        return 130
