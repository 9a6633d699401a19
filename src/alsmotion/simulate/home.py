"""A simulated week of living from a lower-back IMU, with its truth: sleep, sitting, standing,
short and long walks, taking the sensor off and charging gaps.

Nothing from ``alsmotion.gait`` or ``alsmotion.home`` is imported: walks come from
:func:`alsmotion.simulate.gait.simulate_walk` (a model of trunk motion built from published gait
facts) and the rest from gravity in the posture of the moment plus sensor noise. The truth is the
timeline itself: when the sensor was worn, when there was no data, and when the person walked.

The signal is produced chunk by chunk (:meth:`SimulatedHomeWeek.chunks`) so a week at 100 Hz
(about 60 M samples) never has to be in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.recording import DeviceInfo
from alsmotion.session.metadata import SessionMetadata
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import STANDARD_GRAVITY_MPS2, validate_sampling_rate_hz

#: Kinds of segment on the timeline, and whether the sensor is worn during them.
WORN_KINDS = {
    "sleep": True,
    "sit": True,
    "stand": True,
    "walk": True,
    "off": False,
    "charge": False,
}

#: Sensor noise SD (m/s^2), worn or not (a MEMS accelerometer's noise at 100 Hz is of this order).
DEVICE_NOISE_MPS2 = 0.004

#: A worn sensor at rest is never as still as one on a table. Modelled (choices of this simulator:
#: plausible magnitudes, neither fitted to data nor set from any detector's thresholds): breathing tilts the lower back in the
#: sagittal plane by :data:`BREATH_TILT_DEG` (peak) at 12-20 breaths/min, and the person moves now
#: and then (a Poisson process of mean interval :data:`MOVE_INTERVAL_S`): over 1-3 s the trunk
#: settles into a slightly different posture (pitch and roll change by N(0, 2 deg), drawn back
#: towards the segment's posture) with a burst of 0.2-1.0 m/s^2 at 1-3 Hz. Lying, the interval is
#: 10 min on average on top of the posture changes between sleep segments (every 10-50 min): a
#: sleeper may lie without moving for half an hour now and then, which acceleration alone cannot
#: tell from a sensor put down.
BREATH_TILT_DEG = 0.3
MOVE_INTERVAL_S = {"sleep": 600.0, "sit": 90.0, "stand": 30.0}
MOVE_TILT_SD_DEG = 2.0

HOME_DEVICE = DeviceInfo(
    manufacturer="alsmotion", model="simulated lumbar IMU", serial="SIM-HOME-01", firmware="sim"
)

#: Lying postures (pitch, roll in deg): on the back, on the front, on either side.
LYING_POSTURES = ((-90.0, 0.0), (90.0, 0.0), (0.0, 90.0), (0.0, -90.0))


@dataclass(frozen=True)
class Segment:
    """One stretch of the timeline (s from the start): ``kind`` as in :data:`WORN_KINDS`;
    ``pitch_deg``/``roll_deg`` the trunk posture; walks carry their strides, speed and cadence."""

    start_s: float
    end_s: float
    kind: str
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    n_strides: int = 0
    speed_mps: float = 0.0
    cadence_spm: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class HomeTruth:
    """What was simulated, per calendar day: worn hours, walking minutes (sum of the walks from
    first to last initial contact) and the walks themselves."""

    daily: pd.DataFrame
    walks: pd.DataFrame


class SimulatedHomeWeek:
    """A home recording of ``n_days`` from midnight of ``start``: settings in the constructor,
    the signal from :meth:`chunks`, the truth in ``truth_``. Walking speeds are drawn from
    0.7-1.3 m/s times ``speed_scale`` (a slower participant, or one who declined).
    ``recorded_h`` stops the recording that many hours after the start (the timeline of the
    ``n_days`` is the same; the truth counts what was recorded); None records every day whole."""

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        n_days: int = 7,
        start: str = "2024-01-01",
        sensor_height_m: float = 0.95,
        long_off_day: int | None = 4,
        charge_days: tuple[int, ...] = (2, 5),
        speed_scale: float = 1.0,
        recorded_h: float | None = None,
        seed: int = 0,
    ) -> None:
        self.sampling_rate_hz = validate_sampling_rate_hz(sampling_rate_hz)
        if n_days < 1:
            raise InvalidInputError(f"n_days must be at least 1, got {n_days}")
        if recorded_h is not None and not 0 < recorded_h <= 24 * n_days:
            raise InvalidInputError(
                f"recorded_h must be in (0, {24 * n_days}] h for {n_days} days, got {recorded_h}"
            )
        self.n_days = n_days
        self.start = pd.Timestamp(start)
        self.sensor_height_m = sensor_height_m
        self.seed = seed
        rng = np.random.default_rng(seed)
        if not speed_scale > 0:
            raise InvalidInputError(f"speed_scale must be positive, got {speed_scale}")
        self.segments_ = _timeline(rng, n_days, long_off_day, charge_days, speed_scale)
        self.recorded_s = n_days * 86400.0 if recorded_h is None else recorded_h * 3600.0
        self.n_samples_ = round(self.recorded_s * self.sampling_rate_hz)
        self.truth_ = self._truth()

    def _walk_truth_s(self, segment: Segment) -> tuple[float, float]:
        walk = self._walk(segment)
        span = walk.truth.bout_spans_s[0]
        return segment.start_s + float(span[0]), segment.start_s + float(span[1])

    def _walk(self, segment: Segment):
        return simulate_walk(
            sampling_rate_hz=self.sampling_rate_hz,
            n_strides=segment.n_strides,
            speed_mps=segment.speed_mps,
            cadence_spm=segment.cadence_spm,
            sensor_height_m=self.sensor_height_m,
            rest_s=1.0,
            seed=segment.seed,
        )

    def _truth(self) -> HomeTruth:
        days = pd.date_range(self.start, periods=self.n_days, freq="D")
        stop_s = self.recorded_s
        recorded = [segment for segment in self.segments_ if segment.start_s < stop_s]
        worn = np.zeros(self.n_days)
        for segment in recorded:
            if WORN_KINDS[segment.kind]:
                _add_by_day(worn, segment.start_s, min(segment.end_s, stop_s))
        walks = []
        walking = np.zeros(self.n_days)
        for segment in recorded:
            if segment.kind == "walk":
                start_s, end_s = self._walk_truth_s(segment)
                if start_s >= stop_s:
                    continue
                end_s = min(end_s, stop_s)  # a walk the recording's end cuts short
                _add_by_day(walking, start_s, end_s)
                walks.append(
                    {
                        "start_s": start_s,
                        "end_s": end_s,
                        "n_strides": segment.n_strides,
                        "speed_mps": segment.speed_mps,
                        "cadence_spm": segment.cadence_spm,
                    }
                )
        daily = pd.DataFrame(
            {
                "measurement_date": days.strftime("%Y-%m-%d"),
                "worn_h": worn / 3600,
                "walking_min": walking / 60,
            }
        )
        return HomeTruth(daily=daily, walks=pd.DataFrame(walks))

    def chunks(self, chunk_s: float = 3600.0) -> Iterator[tuple[int, np.ndarray]]:
        """(first sample, (n, 3) acceleration in m/s^2) chunk by chunk; NaN while charging."""
        rate = self.sampling_rate_hz
        step = max(round(chunk_s * rate), 1)
        starts = np.array([s.start_s for s in self.segments_])
        for first in range(0, self.n_samples_, step):
            last = min(first + step, self.n_samples_)
            out = np.empty((last - first, 3))
            t0, t1 = first / rate, last / rate
            index = max(int(np.searchsorted(starts, t0, side="right")) - 1, 0)
            while index < len(self.segments_) and self.segments_[index].start_s < t1:
                segment = self.segments_[index]
                a = max(round(segment.start_s * rate), first)
                b = min(round(segment.end_s * rate), last)
                if b > a:
                    out[a - first : b - first] = self._samples(segment, a, b)
                index += 1
            yield first, out

    def write_session(self, parent_dir: str | Path, metadata: SessionMetadata) -> Path:
        """Write the recording as a native session (stream ``imu``: three m/s^2 channels) that
        starts at ``metadata.start_utc``; while charging no sample arrives (the counter jumps).
        A ``note`` event at the end says it was simulated. Returns the session folder."""
        from alsmotion.session import SessionWriter

        rate = self.sampling_rate_hz
        start_ns = round(metadata.start_utc.timestamp() * 1e9)
        with SessionWriter.create(parent_dir, metadata) as writer:
            imu = writer.add_stream(
                "imu",
                kind="imu",
                channels=[("acc_x", "m/s^2"), ("acc_y", "m/s^2"), ("acc_z", "m/s^2")],
                sampling_rate_hz=rate,
                device=HOME_DEVICE,
                extra={"placement": "LowerBack"},
            )
            for first, accel in self.chunks():
                arrived = ~np.isnan(accel).any(axis=1)
                counter = np.arange(first, first + len(accel), dtype=np.int64)[arrived]
                imu.append(
                    accel[arrived],
                    host_time_ns=start_ns + np.round(counter * (1e9 / rate)).astype(np.int64),
                    counter=counter,
                )
                imu.flush()
            writer.log_event(
                "note",
                host_time_ns=start_ns + round(self.n_samples_ * (1e9 / rate)),
                text="simulated home recording",
            )
        return writer.path

    def _samples(self, segment: Segment, a: int, b: int) -> np.ndarray:
        rate = self.sampling_rate_hz
        n = b - a
        if segment.kind == "charge":
            return np.full((n, 3), np.nan)
        noise = self._rng(segment, a).normal(0.0, DEVICE_NOISE_MPS2, (n, 3))
        if segment.kind == "off":
            return _gravity(np.array([segment.pitch_deg]), np.array([segment.roll_deg])) + noise
        offset = round(segment.start_s * rate)
        if segment.kind == "walk":
            walk = self._walk(segment)
            local = walk.accel_mps2[a - offset : b - offset]
            if len(local) == n:
                return local
            # the walk's own rest after it: standing
            first_rest = offset + len(walk.accel_mps2)
            rest = _at_rest(
                self._moves(segment, "stand"),
                (np.arange(max(a, first_rest), b) - first_rest) / rate,
                0.0,
                0.0,
            )
            return np.vstack([local, rest + noise[len(local) :]])
        t_s = (np.arange(a, b) - offset) / rate
        moves = self._moves(segment, segment.kind)
        return _at_rest(moves, t_s, segment.pitch_deg, segment.roll_deg) + noise

    def _moves(self, segment: Segment, kind: str) -> _Moves:
        """The breathing and movements of one resting segment (the same for every chunk)."""
        rng = np.random.default_rng([self.seed, segment.seed, 1])
        length_s = segment.end_s - segment.start_s
        n = int(rng.poisson(length_s / MOVE_INTERVAL_S[kind])) + 1
        tilt = np.zeros((n + 1, 2))
        for k in range(n):
            tilt[k + 1] = 0.5 * tilt[k] + rng.normal(0.0, MOVE_TILT_SD_DEG, 2)
        direction = rng.normal(size=(n, 3))
        return _Moves(
            start_s=np.sort(rng.uniform(0.0, length_s, n)),
            duration_s=rng.uniform(1.0, 3.0, n),
            tilt_deg=tilt,
            burst_mps2=direction
            / np.linalg.norm(direction, axis=1)[:, None]
            * rng.uniform(0.2, 1.0, n)[:, None],
            burst_hz=rng.uniform(1.0, 3.0, n),
            breath_hz=rng.uniform(12.0, 20.0) / 60.0,
            breath_phase=rng.uniform(0.0, 2 * np.pi),
        )

    def _rng(self, segment: Segment, first_sample: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, segment.seed, first_sample])


@dataclass(frozen=True)
class _Moves:
    """Movements at rest: start and duration (s from the segment's start), posture offset (pitch,
    roll in deg) before the first and after each, burst vector (m/s^2) and frequency; breathing."""

    start_s: np.ndarray
    duration_s: np.ndarray
    tilt_deg: np.ndarray
    burst_mps2: np.ndarray
    burst_hz: np.ndarray
    breath_hz: float
    breath_phase: float


def _gravity(pitch_deg: np.ndarray, roll_deg: np.ndarray) -> np.ndarray:
    """Gravity (m/s^2) on the sensor's axes in a posture: rotation about y by pitch, then x by roll."""
    pitch, roll = np.radians(pitch_deg), np.radians(roll_deg)
    return STANDARD_GRAVITY_MPS2 * np.column_stack(
        (np.sin(pitch), -np.cos(pitch) * np.sin(roll), np.cos(pitch) * np.cos(roll))
    )


#: Posture and breathing change slowly: they are computed every this many seconds and
#: interpolated (the movement bursts are computed at every sample).
POSTURE_STEP_S = 0.05


def _posture(moves: _Moves, t_s: np.ndarray, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Gravity (m/s^2) in the posture of the moment at times ``t_s``, breathing included."""
    k = np.searchsorted(moves.start_s, t_s, side="right") - 1  # the last movement begun (-1: none)
    begun = np.maximum(k, 0)
    phase = np.clip((t_s - moves.start_s[begun]) / moves.duration_s[begun], 0.0, 1.0)
    settle = np.where(k < 0, 0.0, 0.5 * (1.0 - np.cos(np.pi * phase)))
    tilt = (
        moves.tilt_deg[begun] * (1.0 - settle)[:, None]
        + moves.tilt_deg[begun + 1] * settle[:, None]
    )
    tilt[k < 0] = moves.tilt_deg[0]
    breath = BREATH_TILT_DEG * np.sin(2 * np.pi * moves.breath_hz * t_s + moves.breath_phase)
    return _gravity(pitch_deg + tilt[:, 0] + breath, roll_deg + tilt[:, 1])


def _at_rest(moves: _Moves, t_s: np.ndarray, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Acceleration (m/s^2) of a worn sensor at rest at (evenly spaced) times ``t_s``: posture,
    breathing and movements (:data:`MOVE_INTERVAL_S`), without sensor noise."""
    if len(t_s) == 0:
        return np.zeros((0, 3))
    coarse_s = np.append(np.arange(t_s[0], t_s[-1], POSTURE_STEP_S), t_s[-1])
    gravity = _posture(moves, coarse_s, pitch_deg, roll_deg)
    accel = np.empty((len(t_s), 3))
    for axis in range(3):
        accel[:, axis] = np.interp(t_s, coarse_s, gravity[:, axis])
    first = np.searchsorted(moves.start_s + moves.duration_s, t_s[0])
    last = np.searchsorted(moves.start_s, t_s[-1], side="right")
    for j in range(first, last):  # the bursts of the movements under way in ``t_s``
        inside = slice(
            np.searchsorted(t_s, moves.start_s[j]),
            np.searchsorted(t_s, moves.start_s[j] + moves.duration_s[j]),
        )
        local_s = t_s[inside] - moves.start_s[j]
        envelope = np.sin(np.pi * local_s / moves.duration_s[j]) * np.sin(
            2 * np.pi * moves.burst_hz[j] * local_s
        )
        accel[inside] += moves.burst_mps2[j] * envelope[:, None]
    return accel


def _add_by_day(totals: np.ndarray, start_s: float, end_s: float) -> None:
    """Add the seconds of [start_s, end_s) to the calendar day each falls on."""
    day = int(start_s // 86400)
    while start_s < end_s and day < len(totals):
        day_end = (day + 1) * 86400.0
        totals[day] += min(end_s, day_end) - start_s
        start_s, day = day_end, day + 1


def _timeline(
    rng: np.random.Generator,
    n_days: int,
    long_off_day: int | None,
    charge_days: tuple[int, ...],
    speed_scale: float,
) -> list[Segment]:
    """Segments covering ``n_days`` from midnight, one day after another."""
    segments: list[Segment] = []
    seeds = iter(range(1, 10**9))

    def add(kind: str, length_s: float, **kwargs) -> None:
        start = segments[-1].end_s if segments else 0.0
        segments.append(Segment(start, start + length_s, kind, seed=next(seeds), **kwargs))

    for day in range(n_days):
        day_start = day * 86400.0
        wake = day_start + rng.uniform(6.5, 7.5) * 3600
        bed = day_start + rng.uniform(22.5, 23.5) * 3600
        day_end = day_start + 86400.0
        off_at = day_start + rng.uniform(9, 20) * 3600
        off_s = 14 * 3600 if day == long_off_day else rng.uniform(0.5, 1.5) * 3600
        charge_at = day_start + rng.uniform(12, 18) * 3600
        charged = day in charge_days
        _sleep_until(add, segments, wake, rng)
        while segments[-1].end_s < bed - 1800:
            now = segments[-1].end_s
            if off_at <= now < off_at + 1800 and off_s > 0:
                add("off", off_s, pitch_deg=90.0, roll_deg=float(rng.choice([0, 90])))
                off_s = 0
                continue
            if charged and charge_at <= now:
                add("charge", rng.uniform(1.0, 2.0) * 3600)
                charged = False
                continue
            choice = rng.uniform()
            if choice < 0.45:
                add("sit", rng.uniform(5, 40) * 60, pitch_deg=rng.uniform(10, 30))
            elif choice < 0.65:
                add("stand", rng.uniform(0.5, 4) * 60, pitch_deg=rng.uniform(-5, 5))
            else:
                long_walk = rng.uniform() < 0.15
                n_strides = int(rng.integers(60, 500) if long_walk else rng.integers(5, 40))
                cadence = rng.uniform(90, 115)
                add(
                    "walk",
                    n_strides * 120 / cadence + 4.0,
                    n_strides=n_strides,
                    speed_mps=rng.uniform(0.7, 1.3) * speed_scale,
                    cadence_spm=cadence,
                )
        _sleep_until(add, segments, max(day_end, segments[-1].end_s + 60), rng)
    # the last segment ends at the end of the recording
    last = segments[-1]
    total = n_days * 86400.0
    segments = [s for s in segments if s.start_s < total]
    segments[-1] = (
        Segment(**{**segments[-1].__dict__, "end_s": total})
        if last.kind != "walk"
        else segments[-1]
    )
    return segments


def _sleep_until(add, segments: list[Segment], until_s: float, rng) -> None:
    """Lying, changing posture (back, sides, front) every 10-50 min, until ``until_s``."""
    while (segments[-1].end_s if segments else 0.0) < until_s:
        now = segments[-1].end_s if segments else 0.0
        length = min(rng.uniform(10, 50) * 60, until_s - now)
        add(
            "sleep",
            length,
            pitch_deg=float(rng.choice([-90, 90])),
            roll_deg=float(rng.choice([0, 60, -60])),
        )
