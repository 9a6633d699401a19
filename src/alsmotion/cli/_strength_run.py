"""The work of ``alsmotion strength`` and ``strength-templates`` (imported when they run)."""

import argparse
import json
from pathlib import Path

import pandas as pd

from alsmotion._version import __version__
from alsmotion.errors import InvalidInputError
from alsmotion.strength.muscle import StrengthTrial, summarize_muscle_side
from alsmotion.strength.participant import ParticipantStrengthInfo
from alsmotion.strength.protocol import SIDES, StrengthProtocol
from alsmotion.strength.settings import TrialSettings
from alsmotion.strength.table import check_rate_matches_times, read_force_table
from alsmotion.strength.tindeq_csv import looks_like_tindeq_csv, read_tindeq_csv
from alsmotion.strength.trial import analyze_trial
from alsmotion.vocabulary import Method


def _participant(args: argparse.Namespace) -> ParticipantStrengthInfo:
    if args.participant is None:
        data = {} if args.body_mass_kg is None else {"body_mass_kg": args.body_mass_kg}
        return ParticipantStrengthInfo.from_mapping(data, source="--body-mass-kg")
    participant = ParticipantStrengthInfo.from_file(args.participant)
    if args.body_mass_kg is not None and args.body_mass_kg != participant.body_mass_kg:
        raise InvalidInputError(
            f"--body-mass-kg {args.body_mass_kg:g} differs from the participant file's "
            f"{participant.body_mass_kg}: give one"
        )
    return participant


def _read_trials(args: argparse.Namespace) -> tuple[pd.DataFrame, bool]:
    """The samples (``muscle, side, trial, force_n`` and maybe ``time_s``), and whether they
    have sample times."""
    tindeq = args.format == "tindeq-csv" or (
        args.format == "auto" and looks_like_tindeq_csv(args.file)
    )
    if tindeq:
        return read_tindeq_csv(args.file, time_unit=args.time_unit).to_frame(), True
    table = read_force_table(
        args.file,
        force_column=args.force_column,
        force_unit=args.force_unit,
        time_column=args.time_column,
        time_unit=args.time_unit,
    )
    return table, args.time_column is not None


def run_strength(args: argparse.Namespace) -> int:
    from alsmotion.processing.strength_trials import (
        StrengthVisitOptions,
        load_normative,
        load_reference,
        strength_visit_rows,
    )

    protocol = StrengthProtocol.from_file(args.protocol) if args.protocol else None
    participant = _participant(args)
    normative = load_normative(args.normative or "")
    reference = load_reference(str(args.reference) if args.reference else "")
    settings = TrialSettings()
    table, timed = _read_trials(args)
    trials: list[StrengthTrial] = []
    rows: list[dict[str, object]] = []
    for (muscle, side, number), group in table.groupby(["muscle", "side", "trial"], sort=False):
        name = f"{muscle} {side} trial {number}"
        times = group["time_s"].to_numpy() if timed else None
        if times is not None:
            check_rate_matches_times(times, args.sampling_rate_hz, what=f"{args.file}: {name}")
        result = analyze_trial(
            group["force_n"].to_numpy(),
            sampling_rate_hz=args.sampling_rate_hz,
            time_s=times,
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
        "participant_source": participant.source,
        "n_trials": len(trials),
        "n_valid": sum(bool(t.result is not None and t.result.valid) for t in trials),
        "muscles": [
            summarize_muscle_side(
                [t for t in trials if (t.muscle, t.side) == (muscle, side)],
                muscle=muscle,
                side=side,
                body_mass_kg=participant.body_mass_kg,
            ).to_dict()
            for muscle, side in groups
        ],
    }
    written = [args.out / "trials.csv", args.out / "summary.json"]
    visit_rows = None
    if all(side in SIDES for _, side in groups):
        method = args.method or (protocol.test_type if protocol else Method.MAKE)
        options = StrengthVisitOptions(
            summary_statistic=protocol.summary_statistic if protocol else "max",
            participant=participant,
            normative=normative,
            reference=reference,
            megascore_method=method,
            protocol=protocol,
        )
        measures, summaries = strength_visit_rows({method: trials}, options)
        summary["visit"] = summaries[method].to_dict()
        visit_rows = pd.DataFrame([row.to_dict() for row in measures])
        written.append(args.out / "visit_measures.csv")
    elif protocol is not None or normative is not None or reference is not None:
        raise InvalidInputError(
            "the per-visit summary (--protocol, --normative, --reference) needs trials labelled "
            "with side left or right: add muscle and side columns"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out / "trials.csv", index=False)
    (args.out / "summary.json").write_text(
        json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    if visit_rows is not None:
        visit_rows.to_csv(args.out / "visit_measures.csv", index=False)
    print(
        f"{summary['n_trials']} trial(s), {summary['n_valid']} valid: "
        f"wrote {', '.join(str(path) for path in written)}"
    )
    return 0


def run_templates(args: argparse.Namespace) -> int:
    from importlib import resources

    from alsmotion.processing import ProcessingSettings
    from alsmotion.strength.normative import HARBO_2012_RESOURCE
    from alsmotion.strength.participant import participant_template
    from alsmotion.strength.reference import REFERENCE_COLUMNS

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "protocol.json": StrengthProtocol().to_json() + "\n",
        "participant.json": participant_template(),
        "reference.csv": "# Megascore reference: mean and SD of force (N) per muscle and side.\n"
        + ",".join(REFERENCE_COLUMNS)
        + "\nknee_extension,left,300,80\nknee_extension,right,310,80\n",
        "normative.csv": resources.files("alsmotion")
        .joinpath("data", HARBO_2012_RESOURCE)
        .read_text(encoding="utf-8"),
        # for `alsmotion process --settings`: % predicted from this folder's normative table,
        # the megascore from the cohort's baselines (set strength_reference to use reference.csv)
        "processing_settings.json": json.dumps(
            ProcessingSettings(strength_normative=str((out / "normative.csv").resolve())).to_dict(),
            indent=2,
        )
        + "\n",
    }
    for name, text in files.items():
        path = out / name
        if path.exists():
            raise InvalidInputError(f"{path} exists: choose an empty folder")
        path.write_text(text, encoding="utf-8")
    print(f"wrote {', '.join(str(out / name) for name in files)}")
    return 0
