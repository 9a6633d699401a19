"""Many home recordings to one set of tables: days, bouts and strides of every participant."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alsmotion.home.pipeline import (
    DEFAULT_TIMEZONE,
    HomeResult,
    analyze_home_recording,
    daily_table,
    device_offset_flags,
)
from alsmotion.home.sources import HomeRecording
from alsmotion.home.wear import DEFAULT_MIN_WORN_HOURS, wear_by_day


@dataclass(frozen=True)
class HomeTables:
    """``daily`` (one row per participant and day, with ``source``, ``source_sha256``,
    ``recorded_visit`` and ``flags``), ``bouts`` (one row per walking bout) and ``strides``
    (strides in bouts), each with ``participant_id`` and ``measurement_date``; the worn hours
    that made a day valid and the time zone whose calendar days they are."""

    daily: pd.DataFrame
    bouts: pd.DataFrame
    strides: pd.DataFrame
    min_worn_hours: float
    timezone: str = DEFAULT_TIMEZONE


def _with_progress(
    recording: HomeRecording, chunks: Iterator[tuple[int, np.ndarray]], enabled: bool
) -> Iterator[tuple[int, np.ndarray]]:
    from tqdm import tqdm

    with tqdm(
        total=round(recording.duration_h, 2),
        desc=f"{recording.participant_id} {recording.path.name}",
        unit="h",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n:.1f}/{total:.1f} h [{elapsed}<{remaining}]",
    ) as bar:
        for first, accel in chunks:
            yield first, accel
            bar.update(len(accel) / recording.sampling_rate_hz / 3600.0)


@dataclass(frozen=True)
class AnalysedRecording:
    """One recording's :class:`~alsmotion.home.pipeline.HomeResult` with the labels the study
    tables carry (``source`` is the recording's file or folder name). It pickles, so a batch
    worker can return it and a cache can keep it."""

    participant_id: str
    source: str
    visit: str
    source_sha256: str
    flags: tuple[str, ...]
    duration_h: float
    result: HomeResult


def analyze_recording(
    recording: HomeRecording,
    *,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
    timezone: str = DEFAULT_TIMEZONE,
    progress: bool = False,
) -> AnalysedRecording:
    """Run :func:`alsmotion.home.pipeline.analyze_home_recording` on ``recording`` chunk by chunk
    (``progress``: a bar on stderr in hours of recording), with days in ``timezone``; a device
    clock offset that ``timezone`` does not have is flagged
    (:func:`~alsmotion.home.pipeline.device_offset_flags`)."""
    result = analyze_home_recording(
        _with_progress(recording, recording.chunks(), progress),
        sampling_rate_hz=recording.sampling_rate_hz,
        n_samples=recording.n_samples,
        start=recording.start_utc,
        participant_id=recording.participant_id,
        sensor_height_m=recording.sensor_height_m,
        height_m=recording.height_m,
        min_worn_hours=min_worn_hours,
        timezone=timezone,
    )
    return AnalysedRecording(
        participant_id=recording.participant_id,
        source=recording.path.name,
        visit=recording.visit,
        source_sha256=recording.source_sha256,
        flags=recording.flags
        + device_offset_flags(
            recording.device_utc_offset_s,
            recording.start_utc,
            recording.duration_h * 3600.0,
            timezone,
        ),
        duration_h=recording.duration_h,
        result=result,
    )


def analyze_recordings(
    recordings: Sequence[HomeRecording],
    *,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
    timezone: str = DEFAULT_TIMEZONE,
    progress: bool = False,
) -> HomeTables:
    """:func:`analyze_recording` of every recording, then :func:`combine_recordings`."""
    analysed = [
        analyze_recording(
            recording, min_worn_hours=min_worn_hours, timezone=timezone, progress=progress
        )
        for recording in recordings
    ]
    return combine_recordings(analysed, min_worn_hours=min_worn_hours, timezone=timezone)


def combine_recordings(
    analysed: Sequence[AnalysedRecording],
    *,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
    timezone: str = DEFAULT_TIMEZONE,
) -> HomeTables:
    """The study tables of analysed recordings, in the order given. A participant's recordings
    give one row per date: a minute counts once when recordings overlap, worn when any of them
    was worn; ``source``, ``source_sha256``, ``recorded_visit`` and ``flags`` then list every
    recording of that date (``;``)."""
    days, bouts, strides = [], [], []
    by_participant: dict[str, list[AnalysedRecording]] = {}
    for item in analysed:
        by_participant.setdefault(item.participant_id, []).append(item)
    for participant, items in by_participant.items():
        source = [{"source": item.source, "recorded_visit": item.visit} for item in items]
        own_bouts = _concat(
            [
                item.result.bouts.assign(**labels)
                for item, labels in zip(items, source, strict=True)
            ],
            ["measurement_date", "start_s"],
        )
        own_strides = _concat(
            [
                item.result.strides[item.result.strides["home_bout"] >= 0].assign(
                    participant_id=participant, **labels
                )
                for item, labels in zip(items, source, strict=True)
            ],
            ["measurement_date", "ic_time_s"],
        )
        daily = daily_table(
            _merged_wear([item.result for item in items], min_worn_hours),
            own_bouts,
            own_strides,
            participant,
        )
        days.append(daily.merge(_day_sources(items), on="measurement_date", how="left"))
        bouts.append(own_bouts)
        strides.append(own_strides)
    return HomeTables(
        daily=_concat(days, ["participant_id", "measurement_date"]),
        bouts=_concat(bouts, ["participant_id", "measurement_date", "start_s"]),
        strides=_concat(strides, ["participant_id", "measurement_date", "ic_time_s"]),
        min_worn_hours=min_worn_hours,
        timezone=timezone,
    )


def _merged_wear(results: list[HomeResult], min_worn_hours: float) -> pd.DataFrame:
    """:func:`wear_by_day` over the union of the recordings' minutes (UTC minute starts)."""
    worn = pd.concat(
        [
            pd.Series(~result.non_wear_minutes, index=result.minute_times.floor("min"))
            for result in results
        ]
    )
    worn = worn.groupby(level=0).max()
    minutes = pd.DatetimeIndex(worn.index).tz_convert(results[0].start.tz)
    return wear_by_day(~worn.to_numpy(bool), minutes=minutes, min_worn_hours=min_worn_hours)


def _day_sources(items: list[AnalysedRecording]) -> pd.DataFrame:
    """Per date, the recordings that cover it: names, SHA-256, visit labels and flags."""
    rows = []
    for item in items:
        flags = sorted({*item.flags, *item.result.flags})
        for date in item.result.daily["measurement_date"]:
            rows.append(
                {
                    "measurement_date": date,
                    "source": item.source,
                    "recorded_visit": item.visit,
                    "source_sha256": item.source_sha256,
                    "flags": ";".join(flags),
                }
            )
    frame = pd.DataFrame(rows)

    def joined(values: pd.Series) -> str:
        parts = sorted({part for value in values for part in str(value).split(";") if part})
        return ";".join(parts)

    return frame.groupby("measurement_date", as_index=False).agg(
        {column: joined for column in ("source", "recorded_visit", "source_sha256", "flags")}
    )


def _concat(frames: list[pd.DataFrame], order: list[str]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=order)
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(order, kind="stable")
        .reset_index(drop=True)
    )
