"""The gait validation: run the pipeline on every shared recording and score it against the reference.

:func:`validate_gait` returns plain :class:`ValidationRecord` rows (recording, measure, metric, value,
evaluation). Each figure comes twice: ``in-sample`` (the settings as given, whose data-fitted
constants may have been chosen on these very recordings) and ``left-out`` (every constant named in
``fitted`` re-fitted without the participant being scored: leave-one-participant-out). A setting not
fitted to data gives the same figure in both.

Figures per recording, and pooled per dataset and activity (``recording`` =
``<dataset>/<activity>``, ``participant`` = ``all``); measures and metrics:

- ``initial_contacts``: ``recall``, ``precision`` (one-to-one within ``tolerance_s``; detected events
  count only inside the reference's annotated spans widened by :data:`FALSE_CONTACT_MARGIN_S`, see
  :func:`initial_contact_match`), ``timing_bias_s`` (median detected - reference).
- ``stride_time``: ``mae_s`` over matched strides not touching a turn, ``mae_all_s`` over all;
  over the same straight strides ``bias_s`` (mean detected - reference) and the Bland-Altman 95 %
  limits of agreement ``loa_low_s``, ``loa_high_s`` (bias -/+ 1.96 SD).
- ``stride_time_cv``: ``abs_difference_pp`` between the pipeline's steady-walking CV and the CV of the
  reference's steady strides (pooled: the mean over recordings, ``n`` = recordings with both);
  per recording also ``reference_pct`` and ``detected_pct``.
- ``turn_flags`` (recordings with reference turns): ``turning_flagged``, ``straight_flagged``,
  ``touching_turn_steady`` (see :class:`~alsmotion.validation.gait_metrics.TurnFlagRates`).
- ``foot_labels``: ``accuracy`` over matched strides, ``accuracy_touching_turn``.
- ``gait_speed`` (recordings with reference bouts): ``bout_mae_mps``, ``bout_bias_pct`` (mean of
  error / reference speed), ``bouts_with_strides`` (``n`` = reference bouts); with reference stride
  speeds also ``kept_reference_speed_pct``: the reference speed of the reference strides a detected
  stride matches against that of all reference strides (%, 0 when the strides kept are not the
  fast or the slow ones; ``n`` = matched strides with a reference speed).
- ``walkway_distance`` (recordings with a protocol distance and a known body height):
  ``detected_over_protocol``, the distance walked between the first and the last reference
  contact (:func:`~alsmotion.validation.gait_metrics.walked_distance_m`) over the protocol's; pooled
  the mean over recordings, ``trial_sd`` and ``participant_sd`` (SD of the participants' means).
  A loose check of the length level, not a length truth (see ``ReferenceRecording.walkway_m``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.gait import GaitResult, GaitSettings, analyze_gait
from alsmotion.validation.gait_metrics import (
    EventMatch,
    bout_speed_errors,
    foot_label_accuracy,
    kept_speed_bias_pct,
    match_events,
    match_strides,
    reference_steady_cv_pct,
    stride_time_errors_s,
    turn_flag_rates,
    walked_distance_m,
    within_spans,
)
from alsmotion.validation.reference_data import (
    ReferenceRecording,
    find_shared_data,
    iter_reference_recordings,
)

#: Tolerance (s) of one-to-one initial-contact matching (the issue's acceptance criterion).
IC_TOLERANCE_S = 0.15
IN_SAMPLE = "in-sample"
LEFT_OUT = "left-out"
WITH_GYRO = "accel+gyro"
ACCEL_ONLY = "accel"

#: Columns of :func:`records_frame`, in order.
RECORD_COLUMNS = (
    "recording",
    "participant",
    "reference",
    "sensors",
    "measure",
    "metric",
    "value",
    "unit",
    "n",
    "evaluation",
)


@dataclass(frozen=True)
class ValidationRecord:
    """One validation figure.

    Attributes
    ----------
    recording : :attr:`ReferenceRecording.name`, or ``<dataset>/<activity>`` for pooled figures.
    participant : the participant scored, ``all`` for pooled figures.
    reference : the reference system (``foot sensors``, ``INDIP``, ``GaitPy 1.6.1``).
    sensors : ``accel+gyro`` or ``accel`` (the gyroscope withheld from the pipeline).
    measure, metric : what is scored and how (see the module docstring).
    value : the figure (NaN when it cannot be computed), in ``unit``.
    unit : ``1`` (a share), ``s``, ``pp``, ``%``, ``m/s``, ``count``.
    n : number of items behind the value (events, strides, bouts or recordings).
    evaluation : ``in-sample`` or ``left-out``.
    """

    recording: str
    participant: str
    reference: str
    sensors: str
    measure: str
    metric: str
    value: float
    unit: str
    n: int
    evaluation: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class GaitRun:
    """The pipeline's result on one reference recording with one sensor set and settings."""

    recording: ReferenceRecording
    sensors: str
    settings: GaitSettings
    result: GaitResult


@dataclass(frozen=True)
class FittedSetting:
    """A gait setting chosen from data: its :class:`GaitSettings` field and how it is fitted.

    ``fit(training_runs, settings)`` returns the value fitted on runs of the other participants
    (made with ``settings``); it must not look at any other recording.
    """

    name: str
    fit: Callable[[Sequence[GaitRun], GaitSettings], float]


def _length_ratios(run: GaitRun) -> list[float]:
    """Reference over detected length on one run: per true reference bout, its speed over the
    pipeline's; for a walkway protocol (known body height), the protocol distance over the walked."""
    recording = run.recording
    errors = bout_speed_errors(recording.bouts, run.result.strides)
    found = errors[errors["n_strides"] > 0]
    ratios = list(found["reference_speed_mps"] / found["speed_mps"])
    if recording.walkway_m is not None and not recording.height_is_fallback:
        walked_m, _ = walked_distance_m(
            recording.initial_contacts_s, run.result.strides, tolerance_s=IC_TOLERANCE_S
        )
        if np.isfinite(walked_m) and walked_m > 0:
            ratios.append(recording.walkway_m / walked_m)
    return ratios


def fit_pendulum_correction(runs: Sequence[GaitRun], settings: GaitSettings) -> float:
    """Pendulum correction K that makes the median over training participants of their median
    length ratio (reference / detected: true bout speeds, and walkway distances, see
    :func:`_length_ratios`) 1. Runs with a gyroscope, or without one when the recording has none.
    GaitPy's bout speeds (another algorithm) are used only when no training run has a true
    reference. Returns the current K when no training run has any.

    Not in :data:`DATA_FITTED_SETTINGS`: IPOL's walkway is too loose a length reference (its level
    depends on the unrecorded start, stop and U-turn geometry; see the README), and HA001 is the
    only participant with true speeds, so the fold that leaves HA001 out fits IPOL alone.
    """
    chosen = [r for r in runs if r.sensors == WITH_GYRO or r.recording.gyro_rads is None]
    per_participant: dict[str, list[float]] = {}
    for run in chosen:
        if run.recording.reference_is_truth:
            per_participant.setdefault(run.recording.participant, []).extend(_length_ratios(run))
    per_participant = {name: values for name, values in per_participant.items() if values}
    if not per_participant:
        for run in chosen:
            per_participant.setdefault(run.recording.participant, []).extend(_length_ratios(run))
        per_participant = {name: values for name, values in per_participant.items() if values}
    if not per_participant:
        return settings.pendulum_correction
    medians = [float(np.median(values)) for values in per_participant.values()]
    return float(settings.pendulum_correction * np.median(medians))


PENDULUM_CORRECTION = FittedSetting("pendulum_correction", fit_pendulum_correction)

#: Strides whose gyroscope heading change exceeds this (deg) calibrate the acceleration estimate.
CLEAR_TURN_DEG = 60.0


def fit_turn_felt_fraction(runs: Sequence[GaitRun], settings: GaitSettings) -> float:
    """Share of the centripetal acceleration the accelerometer feels, against the gyroscope.

    For every training recording run both with and without its gyroscope (the same initial
    contacts), the strides the gyroscope sees turning by more than :data:`CLEAR_TURN_DEG` give the
    ratio of the acceleration-only heading estimate to the measured one; the fraction is the
    current one times their median. Uses no reference annotation. Returns the current fraction
    when no training recording has a gyroscope turn.
    """
    by_recording: dict[str, dict[str, GaitRun]] = {}
    for run in runs:
        by_recording.setdefault(run.recording.name, {})[run.sensors] = run
    ratios: list[np.ndarray] = []
    for pair in by_recording.values():
        if WITH_GYRO not in pair or ACCEL_ONLY not in pair:
            continue
        keys = ["ic_time_s", "bout_id"]
        measured = pair[WITH_GYRO].result.strides[[*keys, "heading_change_deg"]]
        estimated = pair[ACCEL_ONLY].result.strides[[*keys, "heading_change_deg"]]
        both = measured.merge(estimated, on=keys, suffixes=("_gyro", "_accel"))
        gyro = both["heading_change_deg_gyro"].abs().to_numpy()
        accel = both["heading_change_deg_accel"].abs().to_numpy()
        clear = (gyro > CLEAR_TURN_DEG) & np.isfinite(accel)
        ratios.append(accel[clear] / gyro[clear])
    pooled = np.concatenate(ratios) if ratios else np.zeros(0)
    if not len(pooled):
        return settings.turn_felt_fraction
    return float(min(settings.turn_felt_fraction * np.median(pooled), 1.0))


TURN_FELT_FRACTION = FittedSetting("turn_felt_fraction", fit_turn_felt_fraction)


@dataclass(frozen=True)
class GridFittedSetting:
    """A gait setting chosen from ``candidates`` as the one with the least ``loss`` on the runs
    of the other participants (each recording is run once per candidate)."""

    name: str
    candidates: tuple[float, ...]
    loss: Callable[[Sequence[GaitRun]], float]


def stride_time_cv_loss(runs: Sequence[GaitRun]) -> float:
    """Mean |pipeline stride-time CV - reference steady CV| (pp) over the runs having both, whose
    reference is true strides (GaitPy's strides are another algorithm's); infinite when none has."""
    differences = [
        abs(
            run.result.summary.stride_time_cv_pct
            - reference_steady_cv_pct(run.recording.strides)[0]
        )
        for run in runs
        if run.recording.reference_is_truth
    ]
    finite = [d for d in differences if np.isfinite(d)]
    return float(np.mean(finite)) if finite else float("inf")


MAX_STRIDE_TIME_DEVIATION = GridFittedSetting(
    "max_stride_time_deviation", (0.2, 0.25, 0.3), stride_time_cv_loss
)


#: How far (s) outside a true reference's annotated spans detected initial contacts are counted
#: (as false when unmatched), in the scores and in :func:`initial_contact_error_loss`. A span ends
#: at the walk's last annotated contact (an IPOL trial, an INDIP bout of HA001) and a closing
#: contact lies half a step or more after the walk's last detected one, so the 0.15 s matching
#: tolerance alone misses most false closing contacts (IPOL trial 1-3's lies 0.26 s after its
#: last heel strike). No real heel strike outside a span is closer: every one IPOL's metadata
#: holds outside a trial (22 of 58 trials have any, the walker leaving) is 0.43 s or more after
#: it, none before it (HA001's INDIP bouts, 5.3 s or more apart, have no detected contact 0.15 to
#: 0.4 s outside them). Margins of 0.3, 0.6 and 1 s choose the same closing-step ratio on all the
#: true references as 0.4.
FALSE_CONTACT_MARGIN_S = 0.4


def initial_contact_match(run: GaitRun, *, tolerance_s: float) -> EventMatch:
    """The run's initial contacts matched one-to-one to the reference's within ``tolerance_s`` (s).

    Detected contacts count inside the reference's annotated spans widened by
    :data:`FALSE_CONTACT_MARGIN_S` (or the tolerance, if larger) on both sides. GaitPy's spans
    (another algorithm's bouts, ending 2.4 s or more after its last contact) are widened by the
    tolerance only: the margin's reason, true heel strikes bounding the span, does not hold there.
    """
    recording = run.recording
    margin_s = (
        max(tolerance_s, FALSE_CONTACT_MARGIN_S) if recording.reference_is_truth else tolerance_s
    )
    detected = run.result.initial_contacts_s
    inside = within_spans(detected, recording.evaluation_spans_s, margin_s=margin_s)
    return match_events(recording.initial_contacts_s, detected[inside], tolerance_s=tolerance_s)


def initial_contact_error_loss(runs: Sequence[GaitRun]) -> float:
    """(Missed + false initial contacts) / reference contacts, pooled over the runs whose
    reference is true contacts (GaitPy's are another algorithm's): matched one-to-one within
    :data:`IC_TOLERANCE_S` and counted as scored (:func:`initial_contact_match`). Infinite when no
    run has a true reference contact."""
    matches = [
        initial_contact_match(run, tolerance_s=IC_TOLERANCE_S)
        for run in runs
        if run.recording.reference_is_truth
    ]
    n_reference = sum(m.n_reference for m in matches)
    if not n_reference:
        return float("inf")
    errors = sum(m.n_reference + m.n_detected - 2 * m.n_matched for m in matches)
    return errors / n_reference


#: The closing-step impact ratio with the fewest missed + false contacts on the other participants'
#: true references. Candidates around the 0.2 first chosen on IPOL: at 0.1 and below every walk end
#: of the true-reference recordings gets its closing contact (0 gives the same contacts), so the
#: grid starts there; 0.3 already loses five IPOL closing steps of 0.2's and 0.4 six of HA001's.
CLOSING_IMPACT_RATIO = GridFittedSetting(
    "closing_impact_ratio", (0.1, 0.15, 0.2, 0.3), initial_contact_error_loss
)


def run_recording(
    recording: ReferenceRecording, settings: GaitSettings, *, sensors: str
) -> GaitRun:
    """Run the gait pipeline on ``recording`` with ``settings`` (``sensors``: with or without gyro)."""
    gyro = recording.gyro_rads if sensors == WITH_GYRO else None
    result = analyze_gait(
        recording.accel_mps2,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=recording.sensor_height_m,
        height_m=None if recording.sensor_height_m is not None else recording.height_m,
        gyro_rads=gyro,
        settings=settings,
    )
    return GaitRun(recording=recording, sensors=sensors, settings=settings, result=result)


@dataclass(frozen=True)
class _Scores:
    """Intermediate per-run quantities that pool across recordings."""

    ic_errors_s: np.ndarray
    n_reference_ic: int
    n_detected_ic: int
    pairs: pd.DataFrame
    cv_reference_pct: float
    cv_detected_pct: float
    bouts: pd.DataFrame
    reference_speeds_mps: np.ndarray
    participant: str
    walkway_ratio: float


def _score(run: GaitRun, *, tolerance_s: float) -> _Scores:
    recording, strides = run.recording, run.result.strides
    match = initial_contact_match(run, tolerance_s=tolerance_s)
    pairs = match_strides(recording.strides, strides, tolerance_s=tolerance_s)
    cv_reference, _ = reference_steady_cv_pct(recording.strides)
    walkway_ratio = float("nan")
    if recording.walkway_m is not None and not recording.height_is_fallback:
        walked_m, _ = walked_distance_m(
            recording.initial_contacts_s, strides, tolerance_s=tolerance_s
        )
        walkway_ratio = walked_m / recording.walkway_m
    return _Scores(
        ic_errors_s=match.errors_s,
        n_reference_ic=match.n_reference,
        n_detected_ic=match.n_detected,
        pairs=pairs,
        cv_reference_pct=cv_reference,
        cv_detected_pct=run.result.summary.stride_time_cv_pct,
        bouts=bout_speed_errors(recording.bouts, strides),
        reference_speeds_mps=recording.strides["speed_mps"].to_numpy(dtype=float),
        participant=recording.participant,
        walkway_ratio=walkway_ratio,
    )


def _figures(scores: Sequence[_Scores], *, has_turns: bool, per_recording: bool) -> list[tuple]:
    """(measure, metric, value, unit, n) of one recording or a pool of recordings."""
    errors_s = np.concatenate([s.ic_errors_s for s in scores])
    n_reference = sum(s.n_reference_ic for s in scores)
    n_detected = sum(s.n_detected_ic for s in scores)
    nan = float("nan")
    out: list[tuple] = [
        (
            "initial_contacts",
            "recall",
            len(errors_s) / n_reference if n_reference else nan,
            "1",
            n_reference,
        ),
        (
            "initial_contacts",
            "precision",
            len(errors_s) / n_detected if n_detected else nan,
            "1",
            n_detected,
        ),
        (
            "initial_contacts",
            "timing_bias_s",
            float(np.median(errors_s)) if len(errors_s) else nan,
            "s",
            len(errors_s),
        ),
    ]
    pairs = pd.concat([s.pairs for s in scores], ignore_index=True)
    signed_errors = stride_time_errors_s(pairs) if len(pairs) else np.zeros(0)
    stride_errors = np.abs(signed_errors)
    # Reference strides without a duration (INDIP marks some invalid) are not scored.
    timed = np.isfinite(stride_errors)
    straight = timed & (~pairs["ref_in_turn"].astype(bool).to_numpy() if len(pairs) else timed)
    out += [
        (
            "stride_time",
            "mae_s",
            float(stride_errors[straight].mean()) if straight.any() else nan,
            "s",
            int(straight.sum()),
        ),
        (
            "stride_time",
            "mae_all_s",
            float(stride_errors[timed].mean()) if timed.any() else nan,
            "s",
            int(timed.sum()),
        ),
    ]
    straight_errors = signed_errors[straight]
    bias = float(straight_errors.mean()) if straight.any() else nan
    spread = 1.96 * float(straight_errors.std(ddof=1)) if straight.sum() > 1 else nan
    out += [
        ("stride_time", "bias_s", bias, "s", int(straight.sum())),
        ("stride_time", "loa_low_s", bias - spread, "s", int(straight.sum())),
        ("stride_time", "loa_high_s", bias + spread, "s", int(straight.sum())),
    ]
    cv_pairs = np.array([(s.cv_reference_pct, s.cv_detected_pct) for s in scores]).reshape(-1, 2)
    both = np.isfinite(cv_pairs).all(axis=1)
    difference = np.abs(cv_pairs[both, 1] - cv_pairs[both, 0])
    out.append(
        (
            "stride_time_cv",
            "abs_difference_pp",
            float(difference.mean()) if both.any() else nan,
            "pp",
            int(both.sum()),
        )
    )
    if per_recording:
        out += [
            ("stride_time_cv", "reference_pct", float(cv_pairs[0, 0]), "%", 1),
            ("stride_time_cv", "detected_pct", float(cv_pairs[0, 1]), "%", 1),
        ]
    if has_turns and len(pairs):
        rates = turn_flag_rates(pairs)
        out += [
            ("turn_flags", "turning_flagged", rates.turning_flagged, "1", rates.n_turning),
            ("turn_flags", "straight_flagged", rates.straight_flagged, "1", rates.n_straight),
            ("turn_flags", "touching_turn_steady", rates.touching_steady, "1", rates.n_touching),
        ]
    if len(pairs) and pairs["ref_foot"].isin(["left", "right"]).any():
        accuracy, n = foot_label_accuracy(pairs)
        out.append(("foot_labels", "accuracy", accuracy, "1", n))
        if has_turns:
            accuracy, n = foot_label_accuracy(pairs[pairs["ref_in_turn"].astype(bool)])
            out.append(("foot_labels", "accuracy_touching_turn", accuracy, "1", n))
    bouts = pd.concat([s.bouts for s in scores], ignore_index=True)
    if len(bouts):
        found = bouts[bouts["n_strides"] > 0]
        relative = found["error_mps"] / found["reference_speed_mps"]
        out += [
            (
                "gait_speed",
                "bout_mae_mps",
                float(found["error_mps"].abs().mean()) if len(found) else nan,
                "m/s",
                len(found),
            ),
            (
                "gait_speed",
                "bout_bias_pct",
                float(100 * relative.mean()) if len(found) else nan,
                "%",
                len(found),
            ),
            ("gait_speed", "bouts_with_strides", float(len(found)), "count", len(bouts)),
        ]
    reference_speeds = np.concatenate([s.reference_speeds_mps for s in scores])
    if len(bouts) and np.isfinite(reference_speeds).any():
        kept = pairs["ref_speed_mps"].to_numpy(dtype=float) if len(pairs) else np.zeros(0)
        bias, n_kept = kept_speed_bias_pct(kept, reference_speeds)
        out.append(("gait_speed", "kept_reference_speed_pct", bias, "%", n_kept))
    walkway = pd.DataFrame(
        {"participant": [s.participant for s in scores], "ratio": [s.walkway_ratio for s in scores]}
    ).dropna()
    if len(walkway):
        ratio = walkway["ratio"]
        out.append(("walkway_distance", "detected_over_protocol", ratio.mean(), "1", len(ratio)))
        if not per_recording:
            means = walkway.groupby("participant")["ratio"].mean()
            out += [
                ("walkway_distance", "trial_sd", ratio.std(), "1", len(ratio)),
                ("walkway_distance", "participant_sd", means.std(), "1", len(means)),
            ]
    return out


def evaluate_runs(
    runs: Iterable[GaitRun], *, evaluation: str, tolerance_s: float = IC_TOLERANCE_S
) -> list[ValidationRecord]:
    """Score runs: per-recording figures, then pooled per (dataset, activity, sensors)."""
    records: list[ValidationRecord] = []
    groups: dict[tuple[str, str, str], list[_Scores]] = {}
    references: dict[tuple[str, str, str], tuple[str, bool]] = {}
    for run in runs:
        recording = run.recording
        scores = _score(run, tolerance_s=tolerance_s)
        has_turns = len(recording.turn_spans_s) > 0
        key = (recording.dataset, recording.activity, run.sensors)
        groups.setdefault(key, []).append(scores)
        references[key] = (recording.reference_system, has_turns)
        for measure, metric, value, unit, n in _figures(
            [scores], has_turns=has_turns, per_recording=True
        ):
            records.append(
                ValidationRecord(
                    recording.name,
                    recording.participant,
                    recording.reference_system,
                    run.sensors,
                    measure,
                    metric,
                    float(value),
                    unit,
                    int(n),
                    evaluation,
                )
            )
    for (dataset, activity, sensors), scores_list in groups.items():
        reference, has_turns = references[(dataset, activity, sensors)]
        for measure, metric, value, unit, n in _figures(
            scores_list, has_turns=has_turns, per_recording=False
        ):
            records.append(
                ValidationRecord(
                    f"{dataset}/{activity}",
                    "all",
                    reference,
                    sensors,
                    measure,
                    metric,
                    float(value),
                    unit,
                    int(n),
                    evaluation,
                )
            )
    return records


def _progress(items: list, enabled: bool, description: str) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="run")


def validate_gait(
    data_dir: str | Path | None = None,
    *,
    settings: GaitSettings | None = None,
    fitted: Sequence[FittedSetting | GridFittedSetting] | None = None,
    datasets: tuple[str, ...] | None = None,
    tolerance_s: float = IC_TOLERANCE_S,
    progress: bool = False,
) -> list[ValidationRecord]:
    """Run the whole gait validation on the shared recordings and return its figures.

    Parameters
    ----------
    data_dir : the shared reference-data folder; found by :func:`find_shared_data` when None.
    settings : pipeline settings (default :class:`GaitSettings`()).
    fitted : settings fitted to data, re-fitted leave-one-participant-out for the ``left-out``
        figures; default :data:`DATA_FITTED_SETTINGS` (the defaults' data-fitted constants).
    datasets : restrict to some datasets (see :func:`iter_reference_recordings`).
    tolerance_s : one-to-one initial-contact matching tolerance (s).
    progress : show a progress bar (tqdm, on stderr).

    Returns
    -------
    list of :class:`ValidationRecord`: the in-sample figures, then the left-out ones. Every
    recording with a gyroscope is scored with and without it.
    """
    folder = find_shared_data(data_dir)
    base = settings if settings is not None else GaitSettings()
    to_fit = DATA_FITTED_SETTINGS if fitted is None else tuple(fitted)
    recordings = list(iter_reference_recordings(folder, datasets=datasets))
    jobs = [
        (recording, sensors)
        for recording in recordings
        for sensors in (
            (WITH_GYRO, ACCEL_ONLY) if recording.gyro_rads is not None else (ACCEL_ONLY,)
        )
    ]
    in_sample = [
        run_recording(recording, base, sensors=sensors)
        for recording, sensors in _progress(jobs, progress, "gait validation, in-sample")
    ]
    records = evaluate_runs(in_sample, evaluation=IN_SAMPLE, tolerance_s=tolerance_s)
    # A candidate equal to the setting as given reuses the in-sample runs.
    grid_runs = {
        (item.name, value): in_sample
        if value == getattr(base, item.name)
        else [
            run_recording(recording, dataclasses.replace(base, **{item.name: value}), sensors=s)
            for recording, s in jobs
        ]
        for item in _progress(
            [i for i in to_fit if isinstance(i, GridFittedSetting)], progress, "candidates"
        )
        for value in item.candidates
    }
    if not to_fit:
        left_out = in_sample
    else:
        folds: dict[str, GaitSettings] = {}
        for participant in dict.fromkeys(r.participant for r in recordings):
            training = [run for run in in_sample if run.recording.participant != participant]
            values: dict[str, Any] = {}
            for item in to_fit:
                if isinstance(item, GridFittedSetting):
                    losses = [
                        item.loss(
                            [
                                run
                                for run in grid_runs[(item.name, value)]
                                if run.recording.participant != participant
                            ]
                        )
                        for value in item.candidates
                    ]
                    values[item.name] = item.candidates[int(np.argmin(losses))]
                else:
                    values[item.name] = item.fit(training, base)
            folds[participant] = dataclasses.replace(base, **values)
        left_out = [
            run_recording(recording, folds[recording.participant], sensors=sensors)
            for recording, sensors in _progress(jobs, progress, "gait validation, left-out")
        ]
    records += evaluate_runs(left_out, evaluation=LEFT_OUT, tolerance_s=tolerance_s)
    return records


#: The default settings' constants that were fitted to the shared recordings (re-fitted per fold):
#: the share of centripetal acceleration felt without a gyroscope (against the gyroscopes), the
#: stride-time deviation that ends steady walking (against the reference CVs) and the impact ratio
#: of the closing step that ends a walk (against the reference contacts). The pendulum
#: correction is the published Mobilise-D value; pass ``fitted=(*DATA_FITTED_SETTINGS,
#: PENDULUM_CORRECTION)`` to see what a correction fitted to these recordings (HA001's bouts and
#: IPOL's walkway) would give, left out.
DATA_FITTED_SETTINGS: tuple[FittedSetting | GridFittedSetting, ...] = (
    TURN_FELT_FRACTION,
    MAX_STRIDE_TIME_DEVIATION,
    CLOSING_IMPACT_RATIO,
)


def records_frame(records: Iterable[ValidationRecord]) -> pd.DataFrame:
    """The records as a DataFrame with columns :data:`RECORD_COLUMNS`."""
    return pd.DataFrame([r.to_dict() for r in records], columns=list(RECORD_COLUMNS))


def validation_table(
    records: Iterable[ValidationRecord], *, pooled_only: bool = False
) -> pd.DataFrame:
    """Wide table: one row per (recording, sensors, measure, metric) with the ``in-sample`` and
    ``left-out`` values side by side, and ``n``. ``pooled_only`` keeps the per-dataset rows."""
    frame = records_frame(records)
    if pooled_only:
        frame = frame[frame["participant"] == "all"]
    keys = ["recording", "sensors", "measure", "metric", "unit"]
    order = frame.drop_duplicates(keys)[keys]
    wide = frame.set_index([*keys, "evaluation"])["value"].unstack("evaluation")
    wide = wide.reindex(columns=[IN_SAMPLE, LEFT_OUT])
    counts = frame[frame["evaluation"] == LEFT_OUT].set_index(keys)["n"]
    wide["n"] = counts.reindex(wide.index)
    wide = wide.reindex(pd.MultiIndex.from_frame(order))
    wide.columns.name = None
    return wide.reset_index()
