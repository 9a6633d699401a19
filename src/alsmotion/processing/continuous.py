"""A session without trial events (``alsmotion record`` run without ``--trial``), processed as a
continuous recording: gait over the whole IMU stream and the efforts found in the force stream,
each analysed as a trial of unknown muscle and side.

Every measure is flagged :data:`CONTINUOUS_RECORDING` and reported under the test
:data:`alsmotion.session.events.CONTINUOUS_TEST`, so that no one mistakes it for a protocol trial:
the gait has no clinical timed speed (there is no start, stop or distance), the strength no
muscle, side or method (so no force per body mass, % predicted, asymmetry or megascore).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import AlsmotionError
from alsmotion.gait import GaitSettings
from alsmotion.processing.records import MeasureKey, MeasureRow, TrialRecord
from alsmotion.processing.session_trials import _optional_float
from alsmotion.processing.settings import ProcessingSettings
from alsmotion.processing.slicing import DATA_GAP, on_nominal_grid
from alsmotion.processing.strength_trials import VISIT_MEASURE_UNITS
from alsmotion.processing.walks import WalkTrial, gait_measures, gait_of_samples
from alsmotion.session.events import CONTINUOUS_TEST
from alsmotion.session.reader import Session
from alsmotion.strength import ForceTrialResult, TrialSettings, analyze_trial, find_efforts
from alsmotion.strength.muscle import CV_NEEDS_TWO_TRIALS, between_trial_cv_pct
from alsmotion.vocabulary import TrialStatus

#: Flag of every measure of a session processed as a continuous recording.
CONTINUOUS_RECORDING = "continuous_recording"
#: Flag of the efforts of a continuous recording: the muscle and side were not recorded.
MUSCLE_NOT_RECORDED = "muscle_not_recorded"
#: Flag of the strength measures of a continuous recording in which no effort was found.
NO_EFFORT_FOUND = "no_effort_found"
#: Flag of the strength measures of a continuous recording in which no effort was valid.
NO_VALID_EFFORT = "no_valid_effort"

#: The session strength measures of a continuous recording (those that need no muscle or side).
EFFORT_MEASURES = (
    "peak_force_n",
    "peak_force_mean_n",
    "between_trial_cv_pct",
    "time_to_peak_s",
    "rfd_0_100ms_n_per_s",
)


def is_continuous(trials: pd.DataFrame, not_done: pd.DataFrame) -> bool:
    """True for a session with no trial and no cannot-perform event: a continuous recording."""
    return trials.empty and not_done.empty


def _stream_flags(session: Session, stream_name: str) -> list[str]:
    gaps = session.gaps
    return [DATA_GAP] if (gaps["stream"] == stream_name).any() else []


def continuous_gait_measures(
    session: Session, settings: ProcessingSettings, gait_settings: GaitSettings
) -> list[dict[str, Any]]:
    """Gait measures over the whole IMU stream (none without an IMU stream with 3 accelerometer
    channels), lost samples as NaN gaps that the gait pipeline bridges or splits at."""
    imu = session.streams.get(settings.imu_stream)
    if imu is None or len(imu.channel_indices("m/s^2")) < 3 or imu.n_samples == 0:
        return []
    accel_columns = imu.channel_indices("m/s^2")[:3]
    gyro_columns = imu.channel_indices("rad/s")[:3]
    grid, _ = on_nominal_grid(
        imu.values,
        session.sample_time_ns(settings.imu_stream),
        sampling_rate_hz=imu.sampling_rate_hz,
    )
    extra = session.metadata.extra
    strides, summary, contacts_s, flags = gait_of_samples(
        grid[:, accel_columns],
        grid[:, gyro_columns] if len(gyro_columns) == 3 else None,
        sampling_rate_hz=imu.sampling_rate_hz,
        sensor_height_m=_optional_float(extra.get("sensor_height_m")),
        height_m=_optional_float(extra.get("height_m")),
        gait_settings=gait_settings,
        walking_aid=bool(extra.get("walking_aid")),
    )
    nan = float("nan")
    walk = WalkTrial(CONTINUOUS_TEST, 1, nan, nan, nan, strides, summary, tuple(flags), contacts_s)
    flags += [CONTINUOUS_RECORDING, *_stream_flags(session, settings.imu_stream)]
    rows = gait_measures(
        [walk], flags, min_variability_strides=gait_settings.min_variability_strides
    )
    return [
        MeasureRow(
            key=MeasureKey("gait", CONTINUOUS_TEST, "", "", "", row["measure"]),
            value=float(row["value"]),
            unit=row["unit"],
            n=int(row["n"]),
            flags=row["flags"],
        ).to_dict()
        for row in rows
    ]


@dataclass(frozen=True)
class Effort:
    """One effort found in a continuous force recording, analysed as a trial: its record (test
    :data:`CONTINUOUS_TEST`, trial = effort number, no muscle, side or method) and result (None
    when the analysis refused the window, the reason in the record)."""

    record: TrialRecord
    result: ForceTrialResult | None


def find_session_efforts(session: Session, settings: ProcessingSettings) -> list[Effort]:
    """The efforts of the force stream (:func:`alsmotion.strength.find_efforts`), each analysed
    with :func:`alsmotion.strength.analyze_trial` on its window of the nominal sample grid."""
    force = session.streams.get(settings.force_stream)
    columns = [] if force is None else force.channel_indices("N")
    if force is None or not columns or force.n_samples == 0:
        return []
    rate_hz = force.sampling_rate_hz
    grid, first_ns = on_nominal_grid(
        force.values[:, columns[0]],
        session.sample_time_ns(settings.force_stream),
        sampling_rate_hz=rate_hz,
    )
    trial_settings = TrialSettings.from_dict(settings.strength)
    efforts = []
    windows = find_efforts(grid, sampling_rate_hz=rate_hz, settings=trial_settings)
    for number, (start, stop) in enumerate(windows, start=1):
        result: ForceTrialResult | None
        try:
            result = analyze_trial(
                grid[start:stop], sampling_rate_hz=rate_hz, settings=trial_settings
            )
        except AlsmotionError as exc:
            result, reasons = None, [str(exc)]
        else:
            reasons = list(result.reasons)
        valid = result is not None and result.valid
        efforts.append(
            Effort(
                TrialRecord(
                    test=CONTINUOUS_TEST,
                    trial=number,
                    muscle="",
                    side="",
                    method="",
                    status=TrialStatus.ACCEPTED if valid else TrialStatus.INVALID,
                    reason=";".join([*reasons, CONTINUOUS_RECORDING, MUSCLE_NOT_RECORDED]),
                    start_host_ns=first_ns + round(start * 1e9 / rate_hz),
                    stop_host_ns=first_ns + round((stop - 1) * 1e9 / rate_hz),
                ),
                result,
            )
        )
    return efforts


def effort_measures(
    efforts: list[Effort], session: Session, settings: ProcessingSettings
) -> list[dict[str, Any]]:
    """Session strength measures of a continuous recording's efforts: the best valid effort's
    peak force, time to peak and 0-100 ms RFD, the mean peak and between-effort CV (none without
    a force stream)."""
    if settings.force_stream not in session.streams:
        return []
    valid = [e.result for e in efforts if e.result is not None and e.result.valid]
    peaks = np.array([float(r.peak_force_n) for r in valid if r.peak_force_n is not None])
    flags = [
        CONTINUOUS_RECORDING,
        MUSCLE_NOT_RECORDED,
        *_stream_flags(session, settings.force_stream),
    ]
    if not efforts:
        flags.append(NO_EFFORT_FOUND)
    elif not len(peaks):
        flags.append(NO_VALID_EFFORT)
    best = max(valid, key=lambda r: float(r.peak_force_n or 0.0)) if len(peaks) else None
    values = {
        "peak_force_n": float(peaks.max()) if len(peaks) else None,
        "peak_force_mean_n": float(peaks.mean()) if len(peaks) else None,
        "between_trial_cv_pct": between_trial_cv_pct(peaks) if len(peaks) >= 2 else None,
        "time_to_peak_s": None if best is None else best.time_to_peak_s,
        "rfd_0_100ms_n_per_s": None if best is None else best.rfd_0_100ms_n_per_s,
    }
    rows = []
    for name in EFFORT_MEASURES:
        own = [CV_NEEDS_TWO_TRIALS] if name == "between_trial_cv_pct" and len(peaks) < 2 else []
        value = values[name]
        rows.append(
            MeasureRow(
                key=MeasureKey("strength", CONTINUOUS_TEST, "", "", "", name),
                value=float("nan") if value is None else float(value),
                unit=VISIT_MEASURE_UNITS[name],
                n=len(peaks),
                flags=";".join(sorted(set(flags + own))),
            ).to_dict()
        )
    return rows


__all__ = [
    "CONTINUOUS_RECORDING",
    "EFFORT_MEASURES",
    "MUSCLE_NOT_RECORDED",
    "Effort",
    "continuous_gait_measures",
    "effort_measures",
    "find_session_efforts",
    "is_continuous",
]
