"""``alsmotion strength FILE``: analyse the dynamometer trials of a CSV file (a table with a force
column, or a Tindeq Progressor app export).

Writes ``DIR/trials.csv`` (one row per trial), ``DIR/summary.json`` (settings, one summary per
muscle and side, and the per-visit summary when muscles and sides are labelled) and, for labelled
trials, ``DIR/visit_measures.csv``: the rows session processing gives (best and mean of valid
trials, CV, N/kg, asymmetry, % predicted, megascore), made by the same function.

``alsmotion strength-templates DIR`` writes the protocol, participant, reference and normative
files to fill in, and processing settings (``alsmotion process --settings``) that use them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from alsmotion.cli._paths import output_folder
from alsmotion.units import FORCE_FACTORS_TO_N, TIME_UNIT_SECONDS
from alsmotion.vocabulary import Method

FORMATS = ("auto", "table", "tindeq-csv")


def _force_unit(text: str) -> str:
    unit = text.strip().lower()
    if unit not in FORCE_FACTORS_TO_N:
        raise argparse.ArgumentTypeError(
            f"unknown force unit {text!r}: use one of {', '.join(FORCE_FACTORS_TO_N)}"
        )
    return unit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "strength", help="analyse handheld-dynamometer trials from a CSV file"
    )
    parser.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="CSV with a header row (optional columns trial, muscle, side label the trials), "
        "or a Tindeq Progressor app export",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="auto",
        help="table, tindeq-csv (header block then time,weight in kg), or auto (default)",
    )
    parser.add_argument(
        "--sampling-rate-hz", type=float, required=True, help="the device's nominal rate, Hz"
    )
    parser.add_argument(
        "--force-unit",
        type=_force_unit,
        default="n",
        help=f"unit of the force column, any case: {', '.join(FORCE_FACTORS_TO_N)} (default n)",
    )
    parser.add_argument("--force-column", default="force", help="force column (default force)")
    parser.add_argument(
        "--time-column", help="column of sample times (default: uniform at the rate)"
    )
    parser.add_argument(
        "--time-unit",
        choices=tuple(TIME_UNIT_SECONDS),
        default="s",
        help="unit of the time column (default s)",
    )
    parser.add_argument(
        "--method",
        choices=tuple(Method),
        help="make or break (default: the protocol's test type, else make)",
    )
    parser.add_argument(
        "--protocol", type=Path, help="strength protocol JSON (muscles, sides, trials planned)"
    )
    parser.add_argument(
        "--participant",
        type=Path,
        help="participant JSON: body_mass_kg, height_m, age_years, sex, lever_arms_m",
    )
    parser.add_argument("--body-mass-kg", type=float, help="body mass for force per mass (N/kg)")
    parser.add_argument(
        "--reference", type=Path, help="megascore reference CSV: muscle, side, mean_n, sd_n"
    )
    parser.add_argument(
        "--normative",
        help="normative torque CSV for %% predicted, or harbo_2012 for the shipped example",
    )
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.set_defaults(func=run)

    templates = subparsers.add_parser(
        "strength-templates",
        help="write protocol, participant, reference and normative files to fill in",
    )
    templates.add_argument(
        "out", type=output_folder, metavar="DIR", help="folder to write them into"
    )
    templates.set_defaults(func=write_templates)


def run(args: argparse.Namespace) -> int:
    from alsmotion.cli._strength_run import run_strength

    return run_strength(args)


def write_templates(args: argparse.Namespace) -> int:
    from alsmotion.cli._strength_run import run_templates

    return run_templates(args)
