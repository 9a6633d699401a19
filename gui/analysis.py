"""Analysis the GUI runs in its worker thread, on the session as stored.

A trial is analysed only after it ends, from the session's files: the samples between its
``trial_started`` and ``trial_stopped`` events, through
:func:`alsmotion.processing.session_trials.walk_trial_result` and
:func:`~alsmotion.processing.session_trials.force_trial_result` — the functions
:func:`alsmotion.processing.process_session` uses for the export. What the screen shows for a
trial is therefore what the export holds. No Qt here; the waits are for the recorder's storage
hold-back and flush (well under a second).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from alsmotion.errors import SessionError
from alsmotion.gui.flags import flag_words
from alsmotion.gui.guidance import vertical_axis

GAIT_MEASURES = (
    "gait_speed_mps",
    "cadence_spm",
    "n_strides",
    "n_steps",
    "stride_time_cv_pct",
    "walk_time_s",
    "distance_m",
    "walk_speed_mps",
)
FORCE_MEASURES = ("peak_force_n", "time_to_peak_s", "rfd_0_100ms_n_per_s", "impulse_ns")
#: Longest wait (s) for a trial's last samples to reach the session files after it stopped.
STORED_TIMEOUT_S = 5.0
_POLL_S = 0.1


@dataclass(frozen=True)
class TrialKey:
    """Which trial of the session: the fields its events carry."""

    test: str
    trial: int
    attempt: int = 1
    muscle: str | None = None
    side: str | None = None

    def event_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"test": self.test, "trial": self.trial, "attempt": self.attempt}
        if self.muscle is not None:
            fields["muscle"] = self.muscle
            fields["side"] = self.side
        return fields


@dataclass(frozen=True)
class PlotTrace:
    """A stored trial for the plot: device-clock times (s from the trial's first sample) and
    values, with NaN rows where samples are missing (drawn as breaks)."""

    time_s: np.ndarray
    values: np.ndarray
    n_missing: int = 0


def _no_trace(n_channels: int) -> PlotTrace:
    return PlotTrace(np.empty(0), np.empty((0, n_channels)))


@dataclass(frozen=True)
class WalkAnalysis:
    """One walk trial as exported: measures, flags in plain words, contacts on the device clock.

    ``initial_contacts_s`` and ``trace.time_s`` share the device timeline of the stored samples.
    """

    measures: Mapping[str, float | None]
    flags: tuple[str, ...]
    initial_contacts_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    contact_values: np.ndarray = field(default_factory=lambda: np.empty(0))
    trace: PlotTrace = field(default_factory=lambda: _no_trace(3))

    @classmethod
    def empty(cls, flag: str) -> WalkAnalysis:
        return cls(dict.fromkeys(GAIT_MEASURES), (flag,))


@dataclass(frozen=True)
class ForceAnalysis:
    """One strength trial as exported; times are seconds on the stored trial's device clock."""

    measures: Mapping[str, float | None]
    valid: bool
    reasons: tuple[str, ...]
    onset_time_s: float | None
    peak_time_s: float | None
    trace: PlotTrace = field(default_factory=lambda: _no_trace(1))

    @classmethod
    def empty(cls, reason: str) -> ForceAnalysis:
        return cls(dict.fromkeys(FORCE_MEASURES), False, (reason,), None, None)


def _finite_or_none(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def stored_trial(
    session_path: Path,
    key: TrialKey,
    stream: str,
    *,
    streaming: Callable[[], bool],
    timeout_s: float = STORED_TIMEOUT_S,
) -> tuple[Any, dict[str, Any]]:
    """Open the session once the trial's stop event and its last samples are on disk.

    Returns (session, trial row). Waits while ``streaming()`` says the device still sends and the
    stream's newest stored sample is older than the stop event, at most ``timeout_s``: a device
    that dropped out mid-trial leaves a shorter trial, analysed as it is.
    """
    from alsmotion.processing.session_trials import find_trial
    from alsmotion.session import Session

    deadline = time.monotonic() + timeout_s
    while True:
        session = Session.open(session_path)
        row = find_trial(
            session,
            test=key.test,
            trial=key.trial,
            muscle=key.muscle,
            side=key.side,
            attempt=key.attempt,
        )
        if row is None or row["stop_host_ns"] is None:
            stored = False
        else:
            data = session.streams.get(stream)
            stored = (
                data is not None
                and data.n_samples > 0
                and int(data.host_time_ns[-1]) >= int(row["stop_host_ns"])
            )
        if stored or time.monotonic() > deadline or (row is not None and not streaming()):
            break
        time.sleep(_POLL_S)
    if row is None or row["stop_host_ns"] is None:
        raise SessionError(f"{key.test} trial {key.trial} is not in the session", path=session_path)
    return session, row


def _plot_trace(samples: Any, channels: list[int]) -> PlotTrace:
    time_s, values = samples.with_breaks()
    return PlotTrace(time_s, values[:, channels], samples.n_missing)


def analyse_stored_walk(
    session_path: Path, key: TrialKey, *, streaming: Callable[[], bool]
) -> WalkAnalysis:
    """The walk trial ``key`` exactly as the export analyses it (see the module docstring)."""
    from alsmotion.processing import ProcessingSettings
    from alsmotion.processing.session_trials import stored_trial_samples, walk_trial_result

    settings = ProcessingSettings()
    session, row = stored_trial(session_path, key, settings.imu_stream, streaming=streaming)
    walk = walk_trial_result(session, row, settings)
    measures = {name: _finite_or_none(walk.summary.get(name)) for name in GAIT_MEASURES}
    # lumbar strides start at every contact and overlap: the steps (contacts) are what was walked
    measures["n_strides"] = float(len(walk.strides))
    measures["n_steps"] = float(len(walk.initial_contacts_s))
    measures["walk_time_s"] = walk.walk_time_s
    measures["distance_m"] = _finite_or_none(walk.distance_m)
    measures["walk_speed_mps"] = _finite_or_none(walk.walk_speed_mps)
    flags = tuple(flag for flag in walk.flags if flag != "distance_not_recorded")
    if settings.imu_stream not in session.streams:
        return WalkAnalysis(measures, flag_words(flags, test=key.test))
    samples = stored_trial_samples(session, settings.imu_stream, row)
    accel = samples.channel_indices("m/s^2")[:3]
    vertical = vertical_channel(samples.values[: min(len(samples.values), 200)][:, accel])
    contacts_s = samples.sample_time_s(walk.initial_contacts_s)
    return WalkAnalysis(
        measures,
        flag_words(flags, test=key.test),
        contacts_s,
        samples.at(contacts_s, accel[vertical]) if len(contacts_s) else np.empty(0),
        _plot_trace(samples, accel),
    )


def analyse_stored_force(
    session_path: Path, key: TrialKey, *, streaming: Callable[[], bool]
) -> ForceAnalysis:
    """The strength trial ``key`` exactly as the export analyses it."""
    from alsmotion.processing import ProcessingSettings
    from alsmotion.processing.session_trials import force_trial_result, stored_trial_samples
    from alsmotion.processing.strength_trials import flags_bearing_on_rfd_0_100ms

    settings = ProcessingSettings()
    session, row = stored_trial(session_path, key, settings.force_stream, streaming=streaming)
    result = force_trial_result(session, row, settings)
    if result is None:
        return ForceAnalysis.empty("no force samples were stored for this trial")
    samples = stored_trial_samples(session, settings.force_stream, row)
    return ForceAnalysis(
        {name: _finite_or_none(getattr(result, name)) for name in FORCE_MEASURES},
        bool(result.valid),
        # no flag about a measure the screen does not show (0-50 ms RFD at 80 Hz, every trial)
        flag_words(tuple(result.reasons) + tuple(flags_bearing_on_rfd_0_100ms(result.flags))),
        _finite_or_none(result.onset_time_s),
        _finite_or_none(result.peak_time_s),
        _plot_trace(samples, samples.channel_indices("N")[:1]),
    )


def force_released(force_n: np.ndarray, *, threshold_n: float, hold_samples: int) -> bool:
    """True once an effort rose above ``threshold_n`` from rest and stayed below it again for
    ``hold_samples``.

    The strength screen ends a trial on release with it, so the result appears without a click.
    """
    force_n = np.asarray(force_n, dtype=float)
    rest = np.flatnonzero(force_n <= threshold_n)
    if len(rest) == 0:
        return False
    start = int(rest[0])
    effort = np.flatnonzero(force_n[start:] > threshold_n)
    if len(effort) == 0:
        return False
    return len(force_n) - 1 - (start + effort[-1]) >= hold_samples


def vertical_channel(accel_mps2: np.ndarray) -> int:
    """Index of the axis carrying gravity (0 when it cannot be found)."""

    found = vertical_axis(accel_mps2)
    return 0 if found is None else found[0]


def walk_duration_s(test: str) -> float | None:
    """Fixed duration (s) of a timed walk (2MWT, 6MWT), None for fixed-distance walks."""
    from alsmotion.gait import TIMED_WALK_TESTS

    return TIMED_WALK_TESTS[test].duration_s


def fixed_distance_m(test: str) -> float | None:
    """Distance (m) of a fixed-distance walk (10MWT, T25FW); None when it is walked for a time."""
    from alsmotion.gait import TIMED_WALK_TESTS

    return TIMED_WALK_TESTS[test].distance_m


def clinical_speed_mps(test: str, walk_time_s: float, distance_m: float | None) -> float | None:
    """Timed-walk speed (m/s) as the export computes it (distance / time), None without a
    distance."""
    from alsmotion.processing.walks import clinical_timing

    speed = clinical_timing(test, walk_time_s, distance_m)[2]
    return _finite_or_none(speed)
