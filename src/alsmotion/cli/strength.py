"""``alsmotion strength FILE``: analyse the dynamometer trials of a CSV file.

Writes ``DIR/trials.csv`` (one row per trial) and ``DIR/summary.json`` (settings, one summary per
muscle and side, and the per-visit summary when a protocol is given).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from alsmotion._version import __version__
from alsmotion.cli._paths import output_folder
from alsmotion.strength.muscle import StrengthTrial, summarize_muscle_side
from alsmotion.strength.protocol import StrengthProtocol
from alsmotion.strength.settings import TrialSettings
from alsmotion.strength.table import read_force_table
from alsmotion.strength.trial import analyze_trial
from alsmotion.strength.visit import summarize_visit
from alsmotion.units import FORCE_FACTORS_TO_N


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "strength", help="analyse handheld-dynamometer trials from a CSV file"
    )
    parser.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="CSV with a header row; optional columns trial, muscle, side label the trials",
    )
    parser.add_argument(
        "--sampling-rate-hz", type=float, required=True, help="the device's nominal rate, Hz"
    )
    parser.add_argument(
        "--force-unit",
        choices=tuple(FORCE_FACTORS_TO_N),
        default="n",
        help="unit of the force column (default n)",
    )
    parser.add_argument("--force-column", default="force", help="force column (default force)")
    parser.add_argument(
        "--time-column", help="column of sample times in s (default: uniform at the rate)"
    )
    parser.add_argument(
        "--protocol", type=Path, help="strength protocol JSON: adds the per-visit summary"
    )
    parser.add_argument("--body-mass-kg", type=float, help="body mass for force per mass (N/kg)")
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    protocol = StrengthProtocol.from_file(args.protocol) if args.protocol else None
    settings = TrialSettings()
    table = read_force_table(
        args.file,
        force_column=args.force_column,
        force_unit=args.force_unit,
        time_column=args.time_column,
    )
    trials: list[StrengthTrial] = []
    rows: list[dict[str, object]] = []
    for (muscle, side, number), group in table.groupby(["muscle", "side", "trial"], sort=False):
        result = analyze_trial(
            group["force_n"].to_numpy(),
            sampling_rate_hz=args.sampling_rate_hz,
            time_s=group["time_s"].to_numpy() if args.time_column else None,
            settings=settings,
        )
        trial = StrengthTrial(
            muscle=str(muscle), side=str(side), trial=int(str(number)), result=result
        )
        trials.append(trial)
        rows.append(
            {"muscle": trial.muscle, "side": trial.side, "trial": trial.trial, **result.to_record()}
        )
    groups = dict.fromkeys((t.muscle, t.side) for t in trials)
    summary: dict[str, object] = {
        "alsmotion_version": __version__,
        "input": str(args.file),
        "force_unit": args.force_unit,
        "sampling_rate_hz": args.sampling_rate_hz,
        "settings": settings.to_dict(),
        "settings_hash": settings.settings_hash,
        "n_trials": len(trials),
        "n_valid": sum(bool(t.result is not None and t.result.valid) for t in trials),
        "muscles": [
            summarize_muscle_side(
                [t for t in trials if (t.muscle, t.side) == (muscle, side)],
                muscle=muscle,
                side=side,
                body_mass_kg=args.body_mass_kg,
            ).to_dict()
            for muscle, side in groups
        ],
    }
    if protocol is not None:
        summary["visit"] = summarize_visit(
            trials, protocol=protocol, body_mass_kg=args.body_mass_kg
        ).to_dict()

    args.out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out / "trials.csv", index=False)
    (args.out / "summary.json").write_text(
        json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    print(
        f"{summary['n_trials']} trial(s), {summary['n_valid']} valid: "
        f"wrote {args.out / 'trials.csv'} and {args.out / 'summary.json'}"
    )
    return 0
