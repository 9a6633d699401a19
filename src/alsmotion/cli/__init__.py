"""The ``alsmotion`` command line.

Each subcommand lives in its own module of this package with ``register(subparsers)``, which adds
its parser and sets ``func`` to a callable taking the parsed arguments and returning an exit code.
Exit codes (the same for every command; see the README):

- 0: done, nothing wrong;
- 1: done, but something was found wrong (``verify``: a session failed; ``process``: some
  sessions failed, listed in errors.csv; ``record``: a device was lost);
- 2: refused: bad arguments or bad input, with a one-line reason (alsmotion's own errors,
  files that cannot be read or written);
- 3: an unexpected error inside alsmotion (a bug): a one-line message asking for a bug report
  (set ``ALSMOTION_DEBUG=1`` to see the traceback);
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from alsmotion._version import __version__
from alsmotion.errors import AlsmotionError

#: Subcommand modules, in the order ``alsmotion --help`` lists them.
COMMAND_MODULES = (
    "info",
    "gait",
    "home",
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
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130
#: Every exit code the command line returns.
EXIT_CODES = (EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_UNEXPECTED, EXIT_INTERRUPTED)
BUG_REPORT_HINT = (
    "this is a bug in alsmotion: please report it with the command you ran and this line "
    "(ALSMOTION_DEBUG=1 shows the traceback)"
)


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
    for stream in (sys.stdout, sys.stderr):  # file names that are not UTF-8 never crash a print
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AlsmotionError as exc:
        print(f"alsmotion {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a file or folder that cannot be read or written
        print(f"alsmotion {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"alsmotion {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # anything else is a bug: one line, its own exit code
        if os.environ.get("ALSMOTION_DEBUG"):
            raise
        print(
            f"alsmotion {args.command}: unexpected error: {type(exc).__name__}: "
            f"{_one_line(exc)}; {BUG_REPORT_HINT}",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line, printable whatever the terminal's encoding."""
    text = " ".join(str(exc).split())
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")
