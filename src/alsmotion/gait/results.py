"""Result types of the gait pipeline: a frozen summary and a frozen result holding the tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

#: Columns of ``GaitResult.strides``, in order (units in the names; ``*_pct`` in percent).
STRIDE_COLUMNS = (
    "bout_id",
    "ic_time_s",
    "fc_time_s",
    "stride_time_s",
    "step_time_s",
    "step_time_asymmetry_s",
    "stance_time_s",
    "swing_time_s",
    "initial_double_support_s",
    "terminal_double_support_s",
    "double_support_s",
    "single_support_s",
    "step_length_m",
    "stride_length_m",
    "gait_speed_mps",
    "cadence_spm",
    "heading_change_deg",
    "foot",
    "is_turn",
    "is_steady",
    "gap_bridged",
)

#: Columns of ``GaitResult.bouts``.
BOUT_COLUMNS = (
    "bout_id",
    "start_s",
    "end_s",
    "duration_s",
    "n_steps",
    "n_strides",
    "n_turn_strides",
    "gait_speed_mps",
    "cadence_spm",
    "stride_time_s",
    "step_length_m",
)


def json_scalar(value: Any) -> Any:
    """JSON-friendly scalar: NaN becomes None, numpy numbers become Python numbers."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_fields(result: Any) -> dict[str, Any]:
    """Every field of a result dataclass, in order, as JSON-able values (:func:`json_scalar`;
    tuples such as ``flags`` become lists)."""
    return {
        item.name: list(value) if isinstance(value, tuple) else json_scalar(value)
        for item in fields(result)
        for value in (getattr(result, item.name),)
    }


@dataclass(frozen=True)
class GaitSummary:
    """Per-recording gait measures (means over strides) with counts and quality flags.

    ``stride_time_sd_s`` and ``stride_time_cv_pct`` come from the ``n_steady_strides`` strides of
    steady straight walking only (bout ends and turns excluded), pooled within bouts.
    """

    gait_speed_mps: float
    cadence_spm: float
    stride_time_s: float
    stride_time_sd_s: float
    stride_time_cv_pct: float
    step_length_m: float
    n_strides: int
    n_steady_strides: int
    n_bouts: int
    walking_time_s: float
    flags: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of every field, in order; NaN values become None and flags a list."""
        return json_fields(self)

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame of :meth:`to_dict` (flags joined by ``;``)."""
        row = self.to_dict()
        row["flags"] = ";".join(self.flags)
        return pd.DataFrame([row])


@dataclass(frozen=True)
class DetectedStrides:
    """The strides of one recording before bouts and summary
    (:func:`~alsmotion.gait.pipeline.detect_strides`).

    Attributes
    ----------
    strides : one row per stride, columns :data:`STRIDE_COLUMNS`.
    ic_s : every initial contact (s from the first sample), sorted.
    step_bout : per step (between consecutive contacts), its bout number; -1 outside bouts.
    flags : flags about the input and the method (gaps, no sensor height, no gyroscope, ...).
    sensor_height_m : sensor height used by the pendulum model (NaN when unknown).
    """

    strides: pd.DataFrame
    ic_s: np.ndarray
    step_bout: np.ndarray
    flags: tuple[str, ...]
    sensor_height_m: float


@dataclass(frozen=True)
class GaitResult:
    """Everything the gait pipeline found in one recording.

    Attributes
    ----------
    strides : one row per stride, columns :data:`STRIDE_COLUMNS`; times in s from the first sample.
    bouts : one row per gait bout, columns :data:`BOUT_COLUMNS`.
    summary : :class:`GaitSummary`.
    initial_contacts_s : every initial contact (s) inside a bout, for plotting.
    settings : the exact settings used (JSON-able dict); ``settings_hash`` its SHA-256.
    sensor_height_m : sensor height used by the pendulum model (NaN when unknown).
    """

    strides: pd.DataFrame
    bouts: pd.DataFrame
    summary: GaitSummary
    initial_contacts_s: np.ndarray
    settings: dict[str, Any]
    settings_hash: str
    sensor_height_m: float

    @property
    def flags(self) -> tuple[str, ...]:
        return self.summary.flags

    def to_dict(self) -> dict[str, Any]:
        """Summary, settings and their hash as one JSON-able dict."""
        return {
            **self.summary.to_dict(),
            "sensor_height_m": json_scalar(self.sensor_height_m),
            "settings": self.settings,
            "settings_hash": self.settings_hash,
        }
