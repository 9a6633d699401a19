"""Many home recordings to one set of tables: days, bouts and strides of every participant."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alsmotion.home.pipeline import analyze_home_recording
from alsmotion.home.sources import HomeRecording
from alsmotion.home.wear import DEFAULT_MIN_WORN_HOURS


@dataclass(frozen=True)
class HomeTables:
    """``daily`` (one row per participant and day, with ``source``, ``source_sha256``,
    ``recorded_visit`` and ``flags``), ``bouts`` (one row per walking bout) and ``strides``
    (strides in bouts), each with ``participant_id`` and ``measurement_date``; the worn hours
    that made a day valid."""

    daily: pd.DataFrame
    bouts: pd.DataFrame
    strides: pd.DataFrame
    min_worn_hours: float


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


def analyze_recordings(
    recordings: Sequence[HomeRecording],
    *,
    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS,
    progress: bool = False,
) -> HomeTables:
    """Run :func:`alsmotion.home.pipeline.analyze_home_recording` on every recording, chunk by
    chunk (``progress``: a bar per recording on stderr, in hours of recording)."""
    days, bouts, strides = [], [], []
    for recording in recordings:
        result = analyze_home_recording(
            _with_progress(recording, recording.chunks(), progress),
            sampling_rate_hz=recording.sampling_rate_hz,
            n_samples=recording.n_samples,
            start=recording.start_utc,
            participant_id=recording.participant_id,
            sensor_height_m=recording.sensor_height_m,
            height_m=recording.height_m,
            min_worn_hours=min_worn_hours,
        )
        source = {"source": recording.path.name, "recorded_visit": recording.visit}
        flags = ";".join(sorted({*recording.flags, *result.flags}))
        days.append(
            result.daily.assign(**source, source_sha256=recording.source_sha256, flags=flags)
        )
        bouts.append(result.bouts.assign(**source))
        in_bouts = result.strides[result.strides["home_bout"] >= 0]
        strides.append(in_bouts.assign(participant_id=recording.participant_id, **source))
    return HomeTables(
        daily=_concat(days, ["participant_id", "measurement_date"]),
        bouts=_concat(bouts, ["participant_id", "measurement_date", "start_s"]),
        strides=_concat(strides, ["participant_id", "measurement_date", "ic_time_s"]),
        min_worn_hours=min_worn_hours,
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
