"""Home recordings in a batch run: one task per recording, combined per participant.

A task opens one home recording in the worker (a native home session, or a device file with
its participant from the sidecar or folders, see :mod:`alsmotion.batch.sources`) and returns
its :class:`~alsmotion.home.study.AnalysedRecording`: per-minute wear, walking bouts and
strides. The parent caches it by the recording's SHA-256 and :attr:`HomeSettings.settings_hash`,
and once every task is done :func:`alsmotion.home.study.combine_recordings` makes the study's
days (a participant's recordings of one date merged) that the exports attach to visit windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import pandas as pd

from alsmotion.batch.foreign import optional_metres, read_sidecar
from alsmotion.batch.sources import SessionSource
from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.home.pipeline import DEFAULT_TIMEZONE, local_start
from alsmotion.home.sources import HomeRecording, read_home_device_file, read_home_session
from alsmotion.home.study import (
    AnalysedRecording,
    HomeTables,
    analyze_recording,
    combine_recordings,
)
from alsmotion.home.wear import DEFAULT_MIN_WORN_HOURS
from alsmotion.settings_io import JsonSettings

#: Folder of the home recordings' days and bouts inside the output folder.
HOME_DIR = "home"


@dataclass(frozen=True)
class HomeSettings(JsonSettings):
    """What decides a home recording's analysis in a batch run (its cache key), as ``alsmotion
    home`` takes it.

    Attributes
    ----------
    min_worn_hours : worn hours that make a day valid (h, in (0, 24]).
    timezone : IANA zone of the participants' calendar days (device clocks are read in it).
    skip_damaged_blocks : ``.cwa`` files: damaged blocks read as no data instead of refusing
        the file.
    """

    settings_name: ClassVar[str] = "home setting"

    min_worn_hours: float = DEFAULT_MIN_WORN_HOURS
    timezone: str = DEFAULT_TIMEZONE
    skip_damaged_blocks: bool = False

    def __post_init__(self) -> None:
        hours = self.min_worn_hours
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24:
            raise InvalidInputError(f"min_worn_hours must be hours in (0, 24], got {hours!r}")
        local_start(pd.Timestamp(0), self.timezone)  # an unknown zone fails before any task


def open_home_source(source: SessionSource, settings: HomeSettings) -> HomeRecording:
    """The :class:`~alsmotion.home.sources.HomeRecording` of a ``home`` or ``home-device`` source.

    Raises
    ------
    InvalidRecordingError
        When a device file's participant is unknown or its sidecar is unreadable.
    """
    if source.kind == "home":
        return read_home_session(source.path)
    if not source.participant_id:
        raise InvalidRecordingError(
            "participant unknown: put the file in <participant>/<visit>/ or add a sidecar "
            f"{source.path.with_suffix('.json').name} with participant_id",
            path=source.path,
        )
    labels = read_sidecar(source)
    recording = read_home_device_file(
        source.path,
        participant_id=source.participant_id,
        sensor_height_m=optional_metres(labels, "sensor_height_m", source),
        height_m=optional_metres(labels, "height_m", source),
        skip_damaged=settings.skip_damaged_blocks and source.path.suffix.lower() == ".cwa",
    )
    return replace(recording, visit=source.visit)


def analyze_home_source(
    source: SessionSource, settings: HomeSettings, *, progress: bool = False
) -> AnalysedRecording:
    """Open and analyse one home recording (``progress``: a bar on stderr in hours of
    recording; a batch worker shows none)."""
    return analyze_recording(
        open_home_source(source, settings),
        min_worn_hours=settings.min_worn_hours,
        timezone=settings.timezone,
        progress=progress,
    )


def home_tables(analysed: Sequence[AnalysedRecording], settings: HomeSettings) -> HomeTables | None:
    """The study's days, bouts and strides of the analysed recordings, in the order given
    (:func:`alsmotion.home.study.combine_recordings`); None without any."""
    if not analysed:
        return None
    return combine_recordings(
        analysed, min_worn_hours=settings.min_worn_hours, timezone=settings.timezone
    )


def write_home_tables(home: HomeTables | None, out_dir: Path) -> dict[str, Path]:
    """``out_dir/home/daily.csv`` and ``bouts.csv`` (:data:`HOME_DIR`); without ``home`` an
    earlier run's are removed. Returns ``home_daily``/``home_bouts`` -> file written."""
    from alsmotion.export.tables import write_csv

    written: dict[str, Path] = {}
    for name in ("daily", "bouts"):
        path = out_dir / HOME_DIR / f"{name}.csv"
        if home is None:
            path.unlink(missing_ok=True)
        else:
            written[f"home_{name}"] = write_csv(getattr(home, name), path)
    return written
