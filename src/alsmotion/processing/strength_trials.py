"""Dynamometry trials: each accepted trial's force curve through
:func:`alsmotion.strength.analyze_trial`, then the whole per-visit strength summary
(:func:`strength_visit_rows`, built on :func:`alsmotion.strength.summarize_visit`): per muscle,
side and method the best and the mean of valid trials, between-trial CV, force per body mass and
% predicted; per muscle and method the left/right asymmetry; per visit the megascore.

:func:`strength_visit_rows` is the one path from trials to visit measures: session processing
(``alsmotion process``, the GUI summary) and ``alsmotion strength`` call it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from alsmotion.processing.records import MeasureKey, MeasureRow, TrialRecord
from alsmotion.processing.result import flag_text
from alsmotion.processing.slicing import channels_in, sample_times_s, trial_mask
from alsmotion.session.events import STRENGTH_TEST
from alsmotion.session.reader import StreamData
from alsmotion.strength import (
    ForceTrialResult,
    NormativeTable,
    StrengthProtocol,
    StrengthReference,
    StrengthTrial,
    TrialSettings,
    VisitStrengthSummary,
    analyze_trial,
    load_harbo_2012,
    summarize_visit,
)
from alsmotion.strength.muscle import CANNOT_PERFORM, MEASURED, MuscleSideSummary
from alsmotion.strength.participant import ParticipantStrengthInfo
from alsmotion.strength.trial import rfd_unsupported_flag
from alsmotion.strength.visit import NO_LEVER_ARM, NO_NORMATIVE_EQUATION
from alsmotion.vocabulary import DEFAULT_METHOD, Side

#: Per-trial strength measures: ForceTrialResult attribute -> unit.
TRIAL_MEASURE_UNITS = {
    "peak_force_n": "N",
    "time_to_peak_s": "s",
    "rfd_0_100ms_n_per_s": "N/s",
    "impulse_ns": "N s",
}
#: Per-visit strength measures of a muscle, side and method: name -> unit. ``peak_force_n`` is
#: the protocol's summary statistic (best or mean of valid trials).
VISIT_MEASURE_UNITS = {
    "peak_force_n": "N",
    "peak_force_mean_n": "N",
    "peak_force_n_per_kg": "N/kg",
    "pct_predicted": "%",
    "between_trial_cv_pct": "%",
    "time_to_peak_s": "s",
    "rfd_0_100ms_n_per_s": "N/s",
}
#: Per muscle and method (side ``both``): |L - R| / max(L, R) x 100 of ``peak_force_n``.
ASYMMETRY_MEASURE = ("asymmetry_pct", "%")
#: Per visit (muscle, side and method empty): mean z-score over muscles and sides.
MEGASCORE_MEASURE = ("megascore_z", "z")

#: ``normative`` setting naming the Harbo 2012 example table shipped with alsmotion.
HARBO_2012 = "harbo_2012"

# Flags of the visit-level measures.
NO_BODY_MASS = "no_body_mass"
ASYMMETRY_NEEDS_BOTH_SIDES = "asymmetry_needs_both_sides"
MEGASCORE_REFERENCE = "megascore_reference"
#: Megascore reference computed across sessions, at export, from the participants' baselines.
BASELINE_COHORT = "baseline_cohort"


def megascore_reference_flag(source: str) -> str:
    """The flag stating where the megascore's mu and sigma come from."""
    return f"{MEGASCORE_REFERENCE}:{flag_text(source)}"


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def load_normative(name: str) -> NormativeTable | None:
    """The normative table a setting names: ``""`` none, ``harbo_2012`` the shipped example, else
    a CSV path (see :class:`alsmotion.strength.NormativeTable`)."""
    if not name:
        return None
    return load_harbo_2012() if name == HARBO_2012 else NormativeTable.from_csv(Path(name))


def load_reference(name: str) -> StrengthReference | None:
    """The megascore reference a setting names: ``""`` the baseline cohort (computed at export),
    else a CSV path (see :meth:`alsmotion.strength.StrengthReference.from_csv`). Its ``source``
    becomes ``<file name>@<first 12 hex digits of the file's SHA-256>``, so the megascore's flag
    names the exact table (the settings hash covers only the path)."""
    if not name:
        return None
    path = Path(name)
    reference = StrengthReference.from_csv(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return replace(reference, source=f"{path.name}@{digest}")


def analyze_force_trial(
    record: TrialRecord,
    force: StreamData | None,
    sample_time_ns: np.ndarray | None,
    trial_settings: TrialSettings,
) -> ForceTrialResult | None:
    """ForceTrialResult of one trial, or None when the force stream has no samples for it.

    ``sample_time_ns`` is when each force sample was taken
    (:meth:`alsmotion.session.reader.Session.sample_time_ns`; None: the arrival times)."""
    if force is None or record.stop_host_ns is None:
        return None
    times_ns = force.host_time_ns if sample_time_ns is None else sample_time_ns
    mask = trial_mask(times_ns, record.start_host_ns, record.stop_host_ns)
    values = channels_in(force, "N", mask, 1)
    if values is None or len(values) < 2:
        return None
    return analyze_trial(
        values[:, 0],
        sampling_rate_hz=force.sampling_rate_hz,
        time_s=sample_times_s(force, mask),
        settings=trial_settings,
    )


@dataclass(frozen=True)
class StrengthVisitOptions:
    """What turns a visit's trials into its summary besides the trials themselves.

    Attributes
    ----------
    summary_statistic : ``max`` or ``mean`` of valid trials as ``peak_force_n``.
    participant : body mass, sex, age, height and lever arms (and where they came from).
    normative : normative torque equations for % predicted, or None (no % predicted rows).
    reference : megascore mu and sigma per muscle and side, or None: the megascore row is left
        empty here and filled at export from the participants' baseline visits.
    megascore_method : the method whose forces make the megascore.
    protocol : the protocol the visit followed (muscles, sides, trials planned), or None to read
        it from the trials (the muscles and sides recorded, the highest trial number planned).
    """

    summary_statistic: str
    participant: ParticipantStrengthInfo
    normative: NormativeTable | None = None
    reference: StrengthReference | None = None
    megascore_method: str = DEFAULT_METHOD
    protocol: StrengthProtocol | None = None


def _protocol(trials: Sequence[StrengthTrial], method: str, statistic: str) -> StrengthProtocol:
    """The protocol a visit followed, read from its trials: the muscles and sides recorded, the
    highest trial number as the trials planned."""
    return StrengthProtocol(
        muscles=tuple(sorted({t.muscle for t in trials})),
        sides=tuple(sorted({t.side for t in trials})),
        trials_per_side=max(t.trial for t in trials),
        test_type=method,
        summary_statistic=statistic,
    )


def _status_flags(summary: MuscleSideSummary) -> list[str]:
    if summary.status == CANNOT_PERFORM:
        return [f"cannot_perform:{flag_text(summary.reason)}"]
    if summary.status != MEASURED:
        return [
            f"{summary.status}:{flag_text(summary.reason)}" if summary.reason else summary.status
        ]
    return []


def flags_bearing_on_rfd_0_100ms(trial_flags: Sequence[str]) -> list[str]:
    """The trial flags that bear on the 0-100 ms RFD: all but the other windows' "unsupported"
    (the exports' RFD row and the strength screen, which shows no other window, use it)."""
    own_window = rfd_unsupported_flag(100)
    return [flag for flag in trial_flags if not flag.endswith("_unsupported") or flag == own_window]


def _join(flags: Sequence[str]) -> str:
    return ";".join(sorted(set(flags)))


def strength_visit_rows(
    trials: Mapping[str, Sequence[StrengthTrial]],
    options: StrengthVisitOptions,
    *,
    group_flags: Mapping[tuple[str, str, str], Sequence[str]] | None = None,
) -> tuple[list[MeasureRow], dict[str, VisitStrengthSummary]]:
    """The visit's strength measures from its trials.

    Parameters
    ----------
    trials : method -> that method's trials (analysed, or cannot-perform with a reason).
    options : summary statistic, participant, normative table and megascore reference.
    group_flags : (muscle, side, method) -> flags added to that group's rows (e.g. ``data_gap``).

    Returns
    -------
    The rows (see :data:`VISIT_MEASURE_UNITS`, :data:`ASYMMETRY_MEASURE`,
    :data:`MEGASCORE_MEASURE`) and the :class:`VisitStrengthSummary` of each method.
    """
    group_flags = group_flags or {}
    participant = options.participant
    rows: list[MeasureRow] = []
    summaries: dict[str, VisitStrengthSummary] = {}
    for method, method_trials in sorted(trials.items()):
        if not method_trials:
            continue
        normative = options.normative if participant.subject is not None else None
        summary = summarize_visit(
            method_trials,
            protocol=options.protocol
            or _protocol(method_trials, method, options.summary_statistic),
            subject=participant.subject,
            body_mass_kg=None if participant.subject is not None else participant.body_mass_kg,
            normative=normative,
            lever_arms_m=participant.lever_arms_m,
            reference=options.reference if method == options.megascore_method else None,
        )
        summaries[method] = summary
        for muscle_summary in summary.muscles:
            extra = list(group_flags.get((muscle_summary.muscle, muscle_summary.side, method), ()))
            own = [
                t
                for t in method_trials
                if (t.muscle, t.side) == (muscle_summary.muscle, muscle_summary.side)
            ]
            rows += _muscle_side_rows(muscle_summary, own, method, extra, options)
        rows += _asymmetry_rows(summary, method, group_flags)
    rows.append(_megascore_row(summaries.get(options.megascore_method), options))
    return rows, summaries


def _key(summary: MuscleSideSummary, method: str, measure: str) -> MeasureKey:
    return MeasureKey("strength", STRENGTH_TEST, summary.muscle, summary.side, method, measure)


def _muscle_side_rows(
    summary: MuscleSideSummary,
    trials: Sequence[StrengthTrial],
    method: str,
    extra_flags: list[str],
    options: StrengthVisitOptions,
) -> list[MeasureRow]:
    pct_only = {NO_NORMATIVE_EQUATION, NO_LEVER_ARM}
    flags = [f for f in summary.flags if f not in pct_only] + _status_flags(summary) + extra_flags
    valid = [
        t.result
        for t in trials
        if t.result is not None and t.result.valid and t.result.peak_force_n is not None
    ]
    best = max(valid, key=lambda result: _number(result.peak_force_n)) if valid else None
    values = {
        "peak_force_n": (summary.force_n, []),
        "peak_force_mean_n": (summary.mean_force_n, []),
        "peak_force_n_per_kg": (
            summary.force_per_mass_n_per_kg,
            [NO_BODY_MASS] if options.participant.body_mass_kg is None else [],
        ),
        "between_trial_cv_pct": (summary.between_trial_cv_pct, []),
        "time_to_peak_s": (None if best is None else best.time_to_peak_s, []),
        # The 0-100 ms RFD comes from the best trial: it carries that trial's quality flags,
        # except the ones that name another window (plateau, 0-50 ms, 20-80 %).
        "rfd_0_100ms_n_per_s": (
            None if best is None else best.rfd_0_100ms_n_per_s,
            [] if best is None else flags_bearing_on_rfd_0_100ms(best.flags),
        ),
    }
    if options.normative is not None:
        missing = [f"pct_predicted_needs:{','.join(options.participant.missing)}"]
        own = [f for f in summary.flags if f in pct_only]
        values["pct_predicted"] = (
            summary.percent_predicted,
            own if options.participant.subject is not None else missing,
        )
    return [
        MeasureRow(
            key=_key(summary, method, name),
            value=_number(value),
            unit=VISIT_MEASURE_UNITS[name],
            n=summary.n_valid,
            flags=_join(flags + (own_flags if summary.force_n is not None else [])),
        )
        for name, (value, own_flags) in values.items()
    ]


def _asymmetry_rows(
    summary: VisitStrengthSummary,
    method: str,
    group_flags: Mapping[tuple[str, str, str], Sequence[str]],
) -> list[MeasureRow]:
    if set(summary.protocol.sides) != {Side.LEFT, Side.RIGHT}:
        return []
    name, unit = ASYMMETRY_MEASURE
    by_muscle = {a.muscle: a for a in summary.asymmetry}
    sides = {(m.muscle, m.side): m for m in summary.muscles}
    rows = []
    for muscle in summary.protocol.muscles:
        left, right = sides[(muscle, Side.LEFT)], sides[(muscle, Side.RIGHT)]
        flags = [
            *group_flags.get((muscle, Side.LEFT, method), ()),
            *group_flags.get((muscle, Side.RIGHT, method), ()),
        ]
        asymmetry = by_muscle.get(muscle)
        if asymmetry is None:
            flags.append(ASYMMETRY_NEEDS_BOTH_SIDES)
        rows.append(
            MeasureRow(
                key=MeasureKey("strength", STRENGTH_TEST, muscle, Side.BOTH, method, name),
                value=_number(None if asymmetry is None else asymmetry.asymmetry_pct),
                unit=unit,
                n=min(left.n_valid, right.n_valid),
                flags=_join(flags),
            )
        )
    return rows


def _megascore_row(
    summary: VisitStrengthSummary | None, options: StrengthVisitOptions
) -> MeasureRow:
    name, unit = MEGASCORE_MEASURE
    source = BASELINE_COHORT if options.reference is None else options.reference.source
    flags = [megascore_reference_flag(source), f"megascore_method:{options.megascore_method}"]
    value, n = None, 0
    if summary is not None:
        flags += list(summary.flags)
        value, n = summary.megascore, summary.n_megascore_muscles
    return MeasureRow(
        key=MeasureKey("strength", STRENGTH_TEST, "", "", "", name),
        value=_number(value),
        unit=unit,
        n=n,
        flags=_join(flags),
    )


def strength_trial_rows(result: ForceTrialResult | None) -> list[dict[str, Any]]:
    """Per-trial rows; an invalid curve keeps its values, with its reasons."""
    if result is None:
        return [
            {"measure": name, "value": np.nan, "unit": unit}
            for name, unit in TRIAL_MEASURE_UNITS.items()
        ]
    return [
        {"measure": name, "value": _number(getattr(result, name)), "unit": unit}
        for name, unit in TRIAL_MEASURE_UNITS.items()
    ]
