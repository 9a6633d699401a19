"""Validation against the shared reference recordings: loaders, gait metrics and the whole run.

- :mod:`alsmotion.validation.reference_data`: :func:`iter_reference_recordings` and one loader per
  dataset, each giving a :class:`ReferenceRecording` (signals in SI units, reference on one clock).
- :mod:`alsmotion.validation.gait_metrics`: pure metric functions (one-to-one event matching,
  stride-time errors, CV, turn-flag rates, left/right accuracy, per-bout speed errors).
- :mod:`alsmotion.validation.gait`: :func:`validate_gait`, which runs the pipeline on every shared
  recording and returns :class:`ValidationRecord` rows, in-sample and leave-one-participant-out.
"""

from alsmotion.validation.gait import (
    DATA_FITTED_SETTINGS,
    IC_TOLERANCE_S,
    PENDULUM_CORRECTION,
    RECORD_COLUMNS,
    FittedSetting,
    GaitRun,
    ValidationRecord,
    evaluate_runs,
    fit_pendulum_correction,
    records_frame,
    run_recording,
    validate_gait,
    validation_table,
)
from alsmotion.validation.gait_metrics import (
    EventMatch,
    TurnFlagRates,
    bout_speed_errors,
    coefficient_of_variation_pct,
    foot_label_accuracy,
    match_events,
    match_strides,
    reference_steady_cv_pct,
    stride_time_errors_s,
    turn_flag_rates,
    within_spans,
)
from alsmotion.validation.reference_data import (
    REFERENCE_BOUT_COLUMNS,
    REFERENCE_STRIDE_COLUMNS,
    ReferenceRecording,
    find_shared_data,
    ipol_trial_names,
    iter_reference_recordings,
    load_gaitpy_demo,
    load_ha001,
    load_ipol_trial,
)

__all__ = [
    "DATA_FITTED_SETTINGS",
    "IC_TOLERANCE_S",
    "PENDULUM_CORRECTION",
    "RECORD_COLUMNS",
    "REFERENCE_BOUT_COLUMNS",
    "REFERENCE_STRIDE_COLUMNS",
    "EventMatch",
    "FittedSetting",
    "GaitRun",
    "ReferenceRecording",
    "TurnFlagRates",
    "ValidationRecord",
    "bout_speed_errors",
    "coefficient_of_variation_pct",
    "evaluate_runs",
    "find_shared_data",
    "fit_pendulum_correction",
    "foot_label_accuracy",
    "ipol_trial_names",
    "iter_reference_recordings",
    "load_gaitpy_demo",
    "load_ha001",
    "load_ipol_trial",
    "match_events",
    "match_strides",
    "records_frame",
    "reference_steady_cv_pct",
    "run_recording",
    "stride_time_errors_s",
    "turn_flag_rates",
    "validate_gait",
    "validation_table",
    "within_spans",
]
