"""Foreign recordings (GENEActiv CSV) as gait-only sessions.

A lumbar recording made outside alsmotion has no trial events, so the gait pipeline runs over the
whole recording and its summary becomes the session's measures, under domain ``gait`` and test
:data:`FOREIGN_GAIT_TEST`. The sidecar JSON (see :mod:`alsmotion.batch.sources`) may add
``height_m``, ``sensor_height_m`` (m) and ``study_id``.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pandas as pd

from alsmotion.batch.fingerprint import source_sha256
from alsmotion.batch.sources import SessionSource
from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.gait import GaitSettings, analyze_gait
from alsmotion.processing import (
    ALGORITHM_VERSION,
    MEASURE_COLUMNS,
    TRIAL_COLUMNS,
    ProcessingSettings,
    SessionResult,
)
from alsmotion.processing.walks import WALK_MEASURE_UNITS
from alsmotion.readers import read_geneactiv_csv
from alsmotion.session import SessionMetadata

#: Test label of the measures of a foreign recording (the whole recording, not a timed walk).
FOREIGN_GAIT_TEST = "recording"

#: Gait summary fields reported for a foreign recording, in export order.
_SUMMARY_MEASURES = (
    "gait_speed_mps",
    "cadence_spm",
    "stride_time_s",
    "stride_time_cv_pct",
    "step_length_m",
)


def read_sidecar(source: SessionSource) -> dict[str, Any]:
    if source.sidecar is None:
        return {}
    try:
        values = loads_bounded(source.sidecar.read_bytes())
    except (OSError, InvalidInputError) as exc:
        raise InvalidRecordingError(
            f"cannot read the sidecar ({exc})", path=source.sidecar
        ) from None
    if not isinstance(values, dict):
        raise InvalidRecordingError("the sidecar must be a JSON object", path=source.sidecar)
    return values


def optional_metres(values: dict[str, Any], name: str, source: SessionSource) -> float | None:
    value = values.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidRecordingError(
            f"{name} must be a number of metres, got {value!r}", path=source.sidecar
        ) from None


def _default_study_id() -> str:
    return str(next(item.default for item in fields(SessionMetadata) if item.name == "study_id"))


def process_foreign_recording(source: SessionSource, settings: ProcessingSettings) -> SessionResult:
    """Gait measures of a GENEActiv CSV recording, as a session result.

    Parameters
    ----------
    source : a ``geneactiv-csv`` source with participant and visit.
    settings : processing settings (its ``gait`` settings are used).

    Raises
    ------
    InvalidRecordingError
        When participant or visit is unknown, the start time is unknown, or the file is unreadable.
    """
    if not source.participant_id or not source.visit:
        raise InvalidRecordingError(
            "participant and visit unknown: put the file in <participant>/<visit>/ or add a "
            f"sidecar {source.path.with_suffix('.json').name} with participant_id and visit",
            path=source.path,
        )
    labels = read_sidecar(source)
    recording = read_geneactiv_csv(source.path)
    if recording.start_utc is None or recording.accel_mps2 is None:
        raise InvalidRecordingError(
            "the header gives no time zone, so the UTC start (and the visit day) is unknown",
            path=source.path,
        )
    gait_settings = GaitSettings.from_dict(settings.gait) if settings.gait else GaitSettings()
    gait = analyze_gait(
        recording.accel_mps2,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=optional_metres(labels, "sensor_height_m", source),
        height_m=optional_metres(labels, "height_m", source),
        settings=gait_settings,
    )
    summary = gait.summary
    flags = ";".join(sorted(summary.flags))
    measures = pd.DataFrame(
        [
            {
                "domain": "gait",
                "test": FOREIGN_GAIT_TEST,
                "measure": name,
                "muscle": "",
                "side": "",
                "method": "",
                "value": float(getattr(summary, name)),
                "unit": WALK_MEASURE_UNITS[name],
                "n": int(summary.n_strides),
                "flags": flags,
            }
            for name in _SUMMARY_MEASURES
        ],
        columns=MEASURE_COLUMNS,
    )
    stamp = recording.start_utc.strftime("%Y%m%dT%H%M%SZ")
    return SessionResult(
        participant_id=source.participant_id,
        visit=source.visit,
        session_id=f"{source.participant_id}_{source.visit}_{stamp}",
        session_start_utc=recording.start_utc,
        study_id=str(labels.get("study_id") or _default_study_id()),
        measures=measures,
        trials=pd.DataFrame(columns=TRIAL_COLUMNS),
        source_sha256=source_sha256(source),
        settings_hash=settings.settings_hash,
        algorithm_version=ALGORITHM_VERSION,
        flags=("foreign_recording",),
    )
