"""``alsmotion validate --out DIR``: the validation report (``validation.json``,
``validation.html``) on the shared reference recordings or a site's own; see
:mod:`alsmotion.validation.report`."""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli import EXIT_OK
from alsmotion.cli._paths import output_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate every algorithm on reference recordings and write the report"
    )
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="reference recordings in the shared layout (default: the shared recordings found "
        "beside the checkout or in $ALSMOTION_SHARED_DATA)",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        metavar="NAME",
        help="only this dataset (gaitpy-demo, mobilised-lab-HA001, ipol-healthy-L5); repeat",
    )
    parser.add_argument(
        "--sessions",
        type=Path,
        metavar="DIR",
        help="site reference sessions (walks with a stopwatch or walkway value) to include",
    )
    parser.add_argument(
        "--strength-trials",
        type=int,
        default=80,
        metavar="N",
        help="simulated make tests for the strength agreement (0: none; default 80)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.errors import InvalidInputError
    from alsmotion.validation.report import build_validation, write_validation

    if args.strength_trials < 0:
        raise InvalidInputError(f"--strength-trials must be >= 0, got {args.strength_trials}")
    content = build_validation(
        args.data,
        datasets=tuple(args.dataset) if args.dataset else None,
        sessions_dir=args.sessions,
        strength_trials=args.strength_trials,
        progress=not args.no_progress,
    )
    paths = write_validation(content, args.out)
    print(f"{len(content['figures'])} figures from {len(content['data_files'])} data files")
    for row in content["agreement"]:
        print(
            f"  {row['label']}: n {row['n']}, bias {row['bias']:.4g}, LoA {row['loa_low']:.4g} "
            f"to {row['loa_high']:.4g} {row['unit']}"
        )
    print(f"wrote {paths['json']} and {paths['html']}")
    return EXIT_OK
