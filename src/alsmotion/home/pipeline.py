"""A long home recording, chunk by chunk, to wear time, walking bouts and daily measures.

Memory is bounded by the chunk: per chunk the minute statistics for wear are folded in and the
gait pipeline (:func:`alsmotion.gait.pipeline.detect_strides`: the strides of
:func:`~alsmotion.gait.pipeline.analyze_gait`, without its bouts and summary) finds the strides in
the stretches where the trunk moves (:mod:`alsmotion.home.screen`); only minute statistics and
strides are kept. Bouts are then formed over the whole recording with the Mobilise-D rules
(:mod:`alsmotion.home.bouts`), so a bout cut by a chunk edge is joined again when the break is
short.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.gait.measures import summary_flags
from alsmotion.gait.pipeline import detect_strides
from alsmotion.gait.settings import GaitSettings
from alsmotion.home.aggregate import aggregate_walking_bouts
from alsmotion.home.bouts import walking_bouts
from alsmotion.home.screen import candidate_spans
from alsmotion.home.wear import DEFAULT_MIN_WORN_HOURS, MinuteStats, non_wear_minutes, wear_by_day
from alsmotion.units import validate_sampling_rate_hz

SV95C_NAME = "stride_velocity_p95_mps"


DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class HomeResult:
    """Daily table (wear, validity, walking time, SV95C-like centile, Mobilise-D codes), bouts,
    strides, the per-minute non-wear mask from ``start`` (local time of the first sample) and
    the (k, 2) spans (s from the start) the gait pipeline ran on, with flags."""

    daily: pd.DataFrame
    bouts: pd.DataFrame
    strides: pd.DataFrame
    non_wear_minutes: np.ndarray
    start: pd.Timestamp
    gait_spans_s: np.ndarray
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def minute_times(self) -> pd.DatetimeIndex:
        """Local start time of every minute of :attr:`non_wear_minutes`."""
        return self.start + pd.to_timedelta(np.arange(len(self.non_wear_minutes)), unit="min")


def local_start(start: pd.Timestamp, timezone: str) -> pd.Timestamp:
    """``start`` in the IANA time zone ``timezone``: converted when it carries a zone, taken as
    that zone's clock time when it does not."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"unknown time zone {timezone!r}: give an IANA name such as Europe/Amsterdam or UTC"
        ) from None
    stamp = pd.Timestamp(start)
    return stamp.tz_localize(zone) if stamp.tzinfo is None else stamp.tz_convert(zone)


def device_offset_flags(
    offset_s: int | None, start_utc: pd.Timestamp, duration_s: float, timezone: str
) -> tuple[str, ...]:
    """``device_utc_offset_differs:<+HH:MM>`` when a device file declares a clock offset from
    UTC (``offset_s``) that ``timezone`` takes at no time of the recording's year (a device set
    up in winter keeps its winter offset in summer: that is not flagged): the device was set up
    in another zone, or on a computer whose zone was set wrong. The samples are put on UTC by
    the declared offset either way; the flag says to check which."""
    if offset_s is None:
        return ()
    start = local_start(start_utc, timezone)
    moments = [start, start + pd.Timedelta(seconds=duration_s)]
    moments += [
        local_start(pd.Timestamp(start.year, month, 15, tz="UTC"), timezone) for month in (1, 7)
    ]
    zone_offsets = {
        (moment.tz_localize(None) - moment.tz_convert("UTC").tz_localize(None)).total_seconds()
        for moment in moments
    }
    if offset_s in zone_offsets:
        return ()
    hours, rest = divmod(abs(offset_s), 3600)
    sign = "-" if offset_s < 0 else "+"
    return (f"device_utc_offset_differs:{sign}{hours:02d}:{rest // 60:02d}",)


def stride_velocity_p95(strides: pd.DataFrame) -> dict[str, float]:
    """SV95C-like: 95th centile (m/s) of the speed of every stride of the period, with the strides
    and hours of walking behind it (not the EMA-qualified ankle-worn SV95C itself)."""
    speeds = strides["gait_speed_mps"].to_numpy(float)
    speeds = speeds[np.isfinite(speeds)]
    return {
        SV95C_NAME: float(np.percentile(speeds, 95)) if len(speeds) else float("nan"),
        "sv95c_n_strides": float(len(speeds)),
        # a lumbar stride starts at every step, so consecutive strides overlap by half: the
        # strides' summed duration is twice the walking time (hence 2 x 3600 s per hour)
        "sv95c_walking_h": float(strides["stride_time_s"].sum() / 7200.0),
    }


def analyze_home_recording(
    chunks: Iterable[tuple[int, np.ndarray]],
    *,
    sampling_rate_hz: float,
    n_samples: int,
    start: pd.Timestamp,
    participant_id: str,
    sensor_height_m: float | None = None,
    height_m: float | None = None,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
    timezone: str = DEFAULT_TIMEZONE,
) -> HomeResult:
    """Wear, bouts and daily measures from ``chunks`` of (first sample, (n, 3) m/s^2); days
    are calendar days in ``timezone`` (IANA name; a ``start`` without a zone is that zone's
    clock time)."""
    rate = validate_sampling_rate_hz(sampling_rate_hz)
    stamp = local_start(start, timezone)
    stats = MinuteStats(int(np.ceil(n_samples / (60 * rate))))
    stride_parts, span_parts = [], []
    flags: set[str] = set()
    for first, accel in chunks:
        stats.add(first, accel, sampling_rate_hz=rate)
        spans = candidate_spans(accel, sampling_rate_hz=rate)
        span_parts.append((spans + first) / rate)
        found = _strides_in_spans(
            accel, spans, sampling_rate_hz=rate, sensor_height_m=sensor_height_m, height_m=height_m
        )
        if found is not None:
            part, span_flags = found
            flags.update(span_flags)
            part["ic_time_s"] += first / rate
            stride_parts.append(part)
    strides = (
        pd.concat(stride_parts, ignore_index=True)
        if stride_parts
        else pd.DataFrame(
            columns=["ic_time_s", "stride_time_s", "gait_speed_mps", "stride_length_m", "is_turn"]
        )
    )
    off = non_wear_minutes(stats, sampling_rate_hz=rate, start=stamp)
    bouts, stride_bout = walking_bouts(strides)
    strides["home_bout"] = stride_bout
    for table, column in ((bouts, "start_s"), (strides, "ic_time_s")):
        table["measurement_date"] = (
            stamp + pd.to_timedelta(table[column].astype(float), unit="s")
        ).dt.strftime("%Y-%m-%d")
    bouts.insert(0, "participant_id", participant_id)
    minutes = stamp + pd.to_timedelta(np.arange(len(off)), unit="min")
    wear = wear_by_day(off, minutes=minutes, min_worn_hours=min_worn_hours)
    daily = daily_table(wear, bouts, strides[strides["home_bout"] >= 0], participant_id)
    gait_spans_s = np.concatenate(span_parts) if span_parts else np.zeros((0, 2))
    return HomeResult(daily, bouts, strides, off, stamp, gait_spans_s, tuple(sorted(flags)))


#: The candidate spans of a chunk are analysed end to end in one gait-pipeline call (the
#: pipeline's cost is mostly per stretch analysed, not per sample), joined by a straight line of
#: this length (s) from the last sample of one to the first of the next: no step for the event
#: detection to take for a contact. Each span starts and ends with 2 s at rest (the screen's
#: margin), so no stride reaches a join.
SPAN_SEPARATOR_S = 1.0


def _ramp(first: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
    """``n`` samples on the straight line from ``first`` to ``last`` (both excluded); NaN ends
    give missing samples."""
    weight = (np.arange(1, n + 1) / (n + 1))[:, None]
    return first + weight * (last - first)


def _strides_in_spans(
    accel: np.ndarray,
    spans: np.ndarray,
    *,
    sampling_rate_hz: float,
    sensor_height_m: float | None,
    height_m: float | None,
) -> tuple[pd.DataFrame, list[str]] | None:
    """Strides (``ic_time_s`` from the chunk's start) and flags of the gait pipeline run on the
    ``spans`` of ``accel`` put end to end (:data:`SPAN_SEPARATOR_S` apart); None without any."""
    if not len(spans):
        return None
    n_join = round(SPAN_SEPARATOR_S * sampling_rate_hz)
    pieces = []
    for index, (a, b) in enumerate(spans):
        pieces.append(accel[a:b])
        if index + 1 < len(spans):
            pieces.append(_ramp(accel[b - 1], accel[spans[index + 1, 0]], n_join))
    lengths = spans[:, 1] - spans[:, 0] + n_join
    packed_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    packed = np.vstack(pieces)
    settings = GaitSettings()
    try:
        found = detect_strides(
            packed,
            sampling_rate_hz=sampling_rate_hz,
            settings=settings,
            sensor_height_m=sensor_height_m,
            height_m=height_m,
        )
    except InsufficientDataError:
        return None
    strides = found.strides
    flags = list(
        summary_flags(
            strides, min_variability_strides=settings.min_variability_strides, flags=found.flags
        )
    )
    ic_sample = strides["ic_time_s"].to_numpy(float) * sampling_rate_hz
    span = np.searchsorted(packed_start, ic_sample, side="right") - 1
    strides["ic_time_s"] += (spans[span, 0] - packed_start[span]) / sampling_rate_hz
    return strides, flags


def daily_table(
    wear: pd.DataFrame, bouts: pd.DataFrame, strides: pd.DataFrame, participant_id: str
) -> pd.DataFrame:
    """One row per day of ``wear`` (:func:`wear_by_day`): wear, walking minutes, the SV95C-like
    centile of the day's ``strides`` (those in bouts) and the Mobilise-D codes of its ``bouts``."""
    codes = aggregate_walking_bouts(bouts) if len(bouts) else pd.DataFrame()
    rows = []
    for day in wear.itertuples(index=False):
        day_bouts = bouts[bouts["measurement_date"] == day.measurement_date]
        row = {
            "participant_id": participant_id,
            "measurement_date": day.measurement_date,
            "worn_h": day.worn_h,
            "recorded_h": day.recorded_h,
            "valid_day": bool(day.valid_day),
            "walking_min": float(day_bouts["duration_s"].sum() / 60.0),
            **stride_velocity_p95(strides[strides["measurement_date"] == day.measurement_date]),
        }
        rows.append(row)
    daily = pd.DataFrame(rows)
    if len(codes):
        daily = daily.merge(codes, on=["participant_id", "measurement_date"], how="left")
    return daily
