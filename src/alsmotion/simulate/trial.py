"""A small simulated ALS trial written through the native session format.

Each participant has the four visits of the default schedule (baseline, day 30, day 90, day 180).
At each visit: two 10-metre walks and one 2-minute walk on a lumbar IMU (100 Hz), then make tests
of knee extension and elbow flexion, left and right, three trials each, on a dynamometer (80 Hz).
Gait speed and strength decline between visits at a participant-specific rate (ALS-like: leg
strength about 30 %/year and faster in some; gait speed tenths of a m/s over six months), and the
stride-time CV grows as gait slows.

Built in, so every export path is exercised:

- participant 2's day-90 visit is 9 days late (out of window);
- participant 3 misses the 2-minute walk at day 90 (no events: "not recorded");
- participant 1 cannot walk at day 180 (``cannot_perform`` for both walk tests);
- one strength trial per session is rejected by the operator at the time (``trial_rejected``);
- participant 1's baseline 10-metre walk 2 is rejected afterwards in the audit log;
- every 10-metre walk carries a stopwatch time (a site reference value, ``reference_value``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionMetadata, SessionWriter, append_audit
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.simulate.gait import simulate_walk

IMU_RATE_HZ = 100.0
FORCE_RATE_HZ = 80.0
VISIT_DAYS = {"baseline": 0, "day30": 30, "day90": 90, "day180": 180}
MUSCLES = ("knee_extension", "elbow_flexion")
TRIALS_PER_SIDE = 3
WALK_10M_TRIALS = 2
TWO_MINUTES_S = 120.0
STOPWATCH_SEED = 5003

IMU_DEVICE = DeviceInfo(
    manufacturer="WitMotion", model="WT901BLECL", serial="SIM-IMU-01", firmware="sim"
)
FORCE_DEVICE = DeviceInfo(
    manufacturer="Tindeq", model="Progressor 200", serial="SIM-FORCE-01", firmware="sim"
)
IMU_CHANNELS = (
    ("acc_x", "m/s^2"),
    ("acc_y", "m/s^2"),
    ("acc_z", "m/s^2"),
    ("gyr_x", "rad/s"),
    ("gyr_y", "rad/s"),
    ("gyr_z", "rad/s"),
)


@dataclass(frozen=True)
class SimulatedTrial:
    """Session folders written, and the truth per participant and visit (speeds, forces)."""

    session_paths: tuple[Path, ...]
    truth: pd.DataFrame


@dataclass(frozen=True)
class _Participant:
    participant_id: str
    height_m: float
    speed_mps: float
    cadence_spm: float
    decline_per_180_days: float
    knee_extension_n: float
    elbow_flexion_n: float
    strength_decline_per_year: float

    def speed_at(self, day: int) -> float:
        return self.speed_mps * (1.0 - self.decline_per_180_days * day / 180.0)

    def force_at(self, muscle: str, side: str, day: int) -> float:
        base = self.knee_extension_n if muscle == "knee_extension" else self.elbow_flexion_n
        side_factor = 1.0 if side == "right" else 0.92
        return base * side_factor * (1.0 - self.strength_decline_per_year * day / 365.0)


def _strength_characteristics(index: int, height_m: float, seed: int) -> dict[str, Any]:
    """Body mass, age, sex and lever arms of participant ``index`` (session metadata ``extra``
    keys of :mod:`alsmotion.strength.participant`), from their own generator so that the other
    simulated values do not change. Lever arms: dynamometer near the ankle (knee extension) or
    the wrist (elbow flexion), in proportion to height."""
    rng = np.random.default_rng([seed, index, 12])
    return {
        "body_mass_kg": round(float(rng.uniform(55.0, 95.0)), 1),
        "age_years": int(rng.integers(45, 75)),
        "sex": "female" if index % 2 else "male",
        "lever_arms_m": {
            "knee_extension": round(0.22 * height_m, 3),
            "elbow_flexion": round(0.16 * height_m, 3),
        },
    }


def _participants(n: int, rng: np.random.Generator) -> list[_Participant]:
    return [
        _Participant(
            participant_id=f"ALS-{index + 1:03d}",
            height_m=float(rng.uniform(1.60, 1.85)),
            speed_mps=float(rng.uniform(1.0, 1.3)),
            cadence_spm=float(rng.uniform(100.0, 115.0)),
            decline_per_180_days=float(rng.uniform(0.10, 0.30)),
            knee_extension_n=float(rng.uniform(250.0, 380.0)),
            elbow_flexion_n=float(rng.uniform(150.0, 230.0)),
            strength_decline_per_year=float(rng.uniform(0.25, 0.45)),
        )
        for index in range(n)
    ]


class _Timeline:
    """Host clock of one simulated session: streams and events are placed on it in order."""

    def __init__(self, writer: SessionWriter, start_ns: int, rng: np.random.Generator):
        self.writer = writer
        self.now_s = 5.0
        self.start_ns = start_ns
        self.rng = rng

    def host_ns(self, offset_s: np.ndarray | float) -> Any:
        return self.start_ns + np.round(np.asarray(offset_s) * 1e9).astype(np.int64)

    def event(self, kind: str, at_s: float, **fields: Any) -> None:
        self.writer.log_event(kind, host_time_ns=int(self.host_ns(at_s)), **fields)

    def append(self, stream: Any, values: np.ndarray, rate_hz: float, device_time: bool) -> float:
        """Append samples starting now (host arrival jitter up to 3 ms); return their start."""
        begin_s = self.now_s
        offsets_s = begin_s + np.arange(len(values)) / rate_hz
        jitter_ns = self.rng.integers(0, 3_000_000, len(values))
        stream.append(
            values,
            host_time_ns=self.host_ns(offsets_s) + jitter_ns,
            device_time_s=offsets_s if device_time else None,
            counter=np.arange(len(values)) + stream.n_samples,
        )
        self.now_s = offsets_s[-1] + 1.0 / rate_hz if len(values) else begin_s
        return begin_s


def _walk(
    timeline: _Timeline, imu: Any, person: _Participant, day: int, test: str, trial: int, seed: int
) -> dict[str, float]:
    speed = person.speed_at(day)
    cadence = person.cadence_spm * (0.85 + 0.15 * speed / person.speed_mps)
    cv_pct = 2.0 + 4.0 * (1.0 - speed / person.speed_mps)
    stride_m = speed * 120.0 / cadence
    if test == "10MWT":
        n_strides = math.ceil(10.0 / stride_m) + 1
    else:
        n_strides = int(TWO_MINUTES_S * cadence / 120.0)
    walk = simulate_walk(
        sampling_rate_hz=IMU_RATE_HZ,
        n_strides=n_strides,
        speed_mps=speed,
        cadence_spm=cadence,
        stride_time_cv_pct=cv_pct,
        sensor_height_m=0.53 * person.height_m,
        rest_s=3.0,
        seed=seed,
    )
    values = np.column_stack([walk.accel_mps2, walk.gyro_rads])
    begin_s = timeline.append(imu, values, IMU_RATE_HZ, device_time=False)
    walk_start_s, walk_end_s = (float(v) for v in walk.truth.bout_spans_s[0])
    fields: dict[str, Any] = {"test": test, "trial": trial}
    timeline.event("trial_started", begin_s + walk_start_s, **fields)
    if test == "10MWT":
        timeline.event("trial_stopped", begin_s + walk_start_s + 10.0 / speed, **fields)
        # The physiotherapist's stopwatch beside the IMU: a site reference value with
        # reaction-time error (SD 0.1 s), from its own random stream.
        stopwatch_s = 10.0 / speed + np.random.default_rng(seed + STOPWATCH_SEED).normal(0, 0.1)
        timeline.event(
            "reference_value",
            timeline.now_s,
            quantity="walk_time_s",
            value=round(stopwatch_s, 2),
            reference_method="stopwatch",
            **fields,
        )
    else:
        distance_m = round(speed * (walk_end_s - walk_start_s), 1)
        timeline.event("trial_stopped", begin_s + walk_end_s, distance_m=distance_m, **fields)
    return {"speed_mps": speed, "stride_time_cv_pct": cv_pct}


def _strength(
    timeline: _Timeline,
    force: Any,
    person: _Participant,
    day: int,
    seed: int,
    reject_trial: tuple[str, str, int],
) -> dict[str, float]:
    truth = {}
    for muscle in MUSCLES:
        for side in ("left", "right"):
            peak_n = person.force_at(muscle, side, day)
            truth[f"{muscle}_{side}_n"] = peak_n
            for trial in range(1, TRIALS_PER_SIDE + 1):
                simulated = simulate_force_trial(
                    sampling_rate_hz=FORCE_RATE_HZ,
                    peak_force_n=peak_n * (1.0 - 0.03 * (trial - 1)),
                    noise_sd_n=0.5,
                    seed=seed + trial,
                )
                fields = {
                    "test": "HHD",
                    "trial": trial,
                    "muscle": muscle,
                    "side": side,
                    "method": "make",
                }
                begin_s = timeline.append(force, simulated.force_n, FORCE_RATE_HZ, True)
                timeline.event("trial_started", begin_s, **fields)
                timeline.event("trial_stopped", timeline.now_s - 1.0 / FORCE_RATE_HZ, **fields)
                if (muscle, side, trial) == reject_trial:
                    timeline.event(
                        "trial_rejected",
                        timeline.now_s,
                        reason="participant moved",
                        **{k: v for k, v in fields.items() if k != "method"},
                    )
                timeline.now_s += 2.0
    return truth


def simulate_trial(
    out_dir: str | Path,
    *,
    n_participants: int = 4,
    seed: int = 0,
    first_baseline: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
) -> SimulatedTrial:
    """Write ``n_participants`` x 4 visits of simulated sessions into ``out_dir``.

    Parameters
    ----------
    out_dir : folder that receives the session folders.
    n_participants : at least 3 (the built-in out-of-window, missed-test and cannot-perform cases
        belong to participants 1-3).
    seed : random seed; the same seed gives the same sessions.
    first_baseline : UTC start of the first participant's baseline; others start a week apart.
    """
    if n_participants < 3:
        raise InvalidInputError("simulate_trial needs at least 3 participants")
    rng = np.random.default_rng(seed)
    people = _participants(n_participants, rng)
    paths: list[Path] = []
    truth_rows = []
    for index, person in enumerate(people):
        baseline = first_baseline + timedelta(days=7 * index)
        for visit, target_day in VISIT_DAYS.items():
            day = target_day + (int(rng.integers(-2, 3)) if target_day else 0)
            if index == 1 and visit == "day90":
                day = 99
            start = baseline + timedelta(days=day, minutes=int(rng.integers(0, 60)))
            metadata = SessionMetadata(
                participant_id=person.participant_id,
                visit=visit,
                protocol="gait-hhd-v1",
                operator="OP1",
                site="SIM",
                start_utc=start,
                host="simulator",
                extra={
                    "height_m": round(person.height_m, 3),
                    "sensor_height_m": round(0.53 * person.height_m, 3),
                    **_strength_characteristics(index, person.height_m, seed),
                    "simulated": True,
                },
            )
            session_seed = int(rng.integers(0, 2**31))
            with SessionWriter.create(out_dir, metadata) as writer:
                timeline = _Timeline(
                    writer,
                    int(start.timestamp()) * 1_000_000_000,
                    np.random.default_rng(session_seed),
                )
                imu = writer.add_stream(
                    "imu",
                    kind="imu",
                    channels=IMU_CHANNELS,
                    sampling_rate_hz=IMU_RATE_HZ,
                    device=IMU_DEVICE,
                    extra={"placement": "LowerBack"},
                )
                force = writer.add_stream(
                    "force",
                    kind="force",
                    channels=[("force", "N")],
                    sampling_rate_hz=FORCE_RATE_HZ,
                    device=FORCE_DEVICE,
                )
                row: dict[str, Any] = {
                    "participant_id": person.participant_id,
                    "visit": visit,
                    "visit_day": day,
                }
                if index == 0 and visit == "day180":
                    for test in ("10MWT", "2MWT"):
                        timeline.event(
                            "cannot_perform",
                            timeline.now_s,
                            test=test,
                            reason="unable to walk without assistance",
                        )
                else:
                    for trial in range(1, WALK_10M_TRIALS + 1):
                        row |= _walk(
                            timeline, imu, person, day, "10MWT", trial, session_seed + trial
                        )
                    if not (index == 2 and visit == "day90"):
                        _walk(timeline, imu, person, day, "2MWT", 1, session_seed + 10)
                reject = (MUSCLES[index % 2], "left", 2)
                row |= _strength(timeline, force, person, day, session_seed + 100, reject)
                writer.log_event(
                    "note",
                    host_time_ns=int(timeline.host_ns(timeline.now_s)),
                    text="simulated session",
                )
            paths.append(writer.path)
            truth_rows.append(row)
            if index == 0 and visit == "baseline":
                append_audit(
                    writer.path,
                    who="OP2",
                    what="reject_trial",
                    why="video review: participant stopped before the 10 m line",
                    change={"test": "10MWT", "trial": 2, "before": "accepted", "after": "rejected"},
                )
    return SimulatedTrial(session_paths=tuple(paths), truth=pd.DataFrame(truth_rows))
