"""One trial of a session, analysed exactly as :func:`alsmotion.processing.process_session`
analyses it for the export: the same stored samples, the same trial window (the host times of its
``trial_started`` and ``trial_stopped`` events) and the same functions and settings.

The export loops over every trial with :func:`walk_trial_result` and :func:`force_trial_result`;
the GUI calls them on the trial that just ended, so the numbers it shows are the exported ones.
:func:`stored_trial_samples` returns that trial's samples on the device's own timeline for a plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.gait import GaitSettings
from alsmotion.processing.records import TrialRecord
from alsmotion.processing.settings import ProcessingSettings
from alsmotion.processing.slicing import overlaps_gap, trial_mask
from alsmotion.processing.strength_trials import analyze_force_trial
from alsmotion.processing.walks import WalkTrial, analyze_walk_trial
from alsmotion.session import decisions
from alsmotion.session.reader import Session
from alsmotion.strength import ForceTrialResult, TrialSettings


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def find_trial(
    session: Session,
    *,
    test: str,
    trial: int,
    muscle: str | None = None,
    side: str | None = None,
    attempt: int | None = None,
) -> dict[str, Any] | None:
    """The row of :func:`alsmotion.session.decisions.trials` of one trial (its latest attempt,
    or the one numbered ``attempt``), or None when the session has no such trial."""
    rows = decisions.trials(session)
    match = (rows["test"] == test) & (rows["trial"] == trial)
    if muscle is not None:
        match &= rows["muscle"] == muscle
    if side is not None:
        match &= rows["side"] == side
    if attempt is not None and "attempt" in rows:
        match &= rows["attempt"] == attempt
    found = rows[match]
    if found.empty:
        return None
    return {str(key): value for key, value in found.iloc[-1].to_dict().items()}


def walk_trial_result(
    session: Session,
    row: dict[str, Any],
    settings: ProcessingSettings,
    *,
    gaps: pd.DataFrame | None = None,
) -> WalkTrial:
    """Clinical timing and gait measures of one stopped walk trial (``row`` from
    :func:`find_trial` or :func:`alsmotion.session.decisions.trials`).

    ``gaps`` is ``session.gaps`` (pass it when analysing many trials: it is rebuilt per access).
    """
    extra = session.metadata.extra
    gaps = session.gaps if gaps is None else gaps
    return analyze_walk_trial(
        row,
        session.streams.get(settings.imu_stream),
        sample_time_ns=_sample_time_ns(session, settings.imu_stream),
        sensor_height_m=_optional_float(extra.get("sensor_height_m")),
        height_m=_optional_float(extra.get("height_m")),
        gait_settings=GaitSettings.from_dict(settings.gait),
        data_gap=overlaps_gap(gaps, settings.imu_stream, row["start_host_ns"], row["stop_host_ns"]),
        walking_aid=bool(extra.get("walking_aid")),
    )


def force_trial_result(
    session: Session, row: dict[str, Any], settings: ProcessingSettings
) -> ForceTrialResult | None:
    """Force-curve measures of one stopped strength trial, None without force samples."""
    return analyze_force_trial(
        TrialRecord.from_decision(row),
        session.streams.get(settings.force_stream),
        _sample_time_ns(session, settings.force_stream),
        TrialSettings.from_dict(settings.strength),
    )


def _sample_time_ns(session: Session, stream_name: str) -> np.ndarray | None:
    return session.sample_time_ns(stream_name) if stream_name in session.streams else None


@dataclass(frozen=True)
class TrialSamples:
    """A trial's stored samples for plotting, on the device's own clock.

    ``time_s`` is seconds from the trial's first sample by the device clock, each connection
    placed on the host clock by its clock fit (:meth:`Session.sample_time_ns`): the timeline
    the stored samples really have. The analyses count
    samples, so their event times (s from the first sample) are mapped onto it with
    :meth:`sample_time_s`; a lost sample then shifts nothing after it.
    """

    time_s: np.ndarray
    values: np.ndarray
    channels: tuple[tuple[str, str], ...]
    sampling_rate_hz: float

    @property
    def n_missing(self) -> int:
        """Samples missing inside the trial (from the device clock and the nominal rate)."""
        steps = np.diff(self.time_s) * self.sampling_rate_hz
        return int(np.sum(np.maximum(np.rint(steps) - 1, 0))) if len(steps) else 0

    def channel_indices(self, unit: str) -> list[int]:
        return [i for i, (_, channel_unit) in enumerate(self.channels) if channel_unit == unit]

    def sample_time_s(self, counted_s: np.ndarray) -> np.ndarray:
        """Device-clock times of events an analysis timed by sample count (index / rate)."""
        if len(self.time_s) == 0:
            return np.empty(0)
        index = np.rint(np.asarray(counted_s, dtype=float) * self.sampling_rate_hz).astype(int)
        return self.time_s[np.clip(index, 0, len(self.time_s) - 1)]

    def at(self, time_s: np.ndarray, channel: int) -> np.ndarray:
        """Values of ``channel`` at device-clock times (s), interpolated."""
        return np.interp(time_s, self.time_s, self.values[:, channel])

    def with_breaks(self) -> tuple[np.ndarray, np.ndarray]:
        """(time_s, values) with a NaN row after each sample followed by a gap longer than 1.5
        sample periods, so a plot that connects finite points draws dropouts as breaks."""
        if len(self.time_s) < 2:
            return self.time_s, self.values
        period_s = 1.0 / self.sampling_rate_hz
        breaks = np.flatnonzero(np.diff(self.time_s) > 1.5 * period_s)
        time_s = np.insert(self.time_s, breaks + 1, self.time_s[breaks] + period_s)
        values = np.insert(self.values.astype(float), breaks + 1, np.nan, axis=0)
        return time_s, values


def stored_trial_samples(session: Session, stream_name: str, row: dict[str, Any]) -> TrialSamples:
    """The samples of ``stream_name`` inside one trial's window, on the device timeline."""
    stream = session.streams.get(stream_name)
    if stream is None:
        raise InvalidInputError(f"the session has no {stream_name!r} stream")
    times_ns = session.sample_time_ns(stream_name)
    mask = trial_mask(times_ns, row["start_host_ns"], row["stop_host_ns"])
    taken_ns = times_ns[mask]
    return TrialSamples(
        (taken_ns - taken_ns[0]) / 1e9 if len(taken_ns) else np.empty(0),
        stream.values[mask],
        stream.channels,
        stream.sampling_rate_hz,
    )


__all__ = [
    "TrialSamples",
    "find_trial",
    "force_trial_result",
    "stored_trial_samples",
    "walk_trial_result",
]
