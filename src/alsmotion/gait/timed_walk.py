"""Timed walk tests: clinical gait speed (distance / time) beside the IMU estimate.

The 10-metre walk test and the timed 25-foot walk fix the distance and time the walk; the 2- and
6-minute walk tests fix the time and measure the distance. Either way the clinical speed is the
distance over the time of the timed section.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from alsmotion.errors import InvalidInputError
from alsmotion.gait.results import GaitResult, json_fields

FEET_TO_M = 0.3048


@dataclass(frozen=True)
class TimedWalkTest:
    """A standard timed walk: fixed ``distance_m`` (timed) or fixed ``duration_s`` (measured)."""

    code: str
    name: str
    distance_m: float | None = None
    duration_s: float | None = None


#: The timed walk tests alsmotion knows, by test code.
TIMED_WALK_TESTS: dict[str, TimedWalkTest] = {
    "10MWT": TimedWalkTest("10MWT", "10-metre walk test", distance_m=10.0),
    "T25FW": TimedWalkTest("T25FW", "timed 25-foot walk", distance_m=25 * FEET_TO_M),
    "2MWT": TimedWalkTest("2MWT", "2-minute walk test", duration_s=120.0),
    "6MWT": TimedWalkTest("6MWT", "6-minute walk test", duration_s=360.0),
}


@dataclass(frozen=True)
class TimedWalkResult:
    """Clinical and IMU gait speed of one timed walk."""

    test_code: str
    distance_m: float
    time_s: float
    clinical_speed_mps: float
    imu_speed_mps: float
    imu_cadence_spm: float
    imu_n_strides: int
    flags: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of every field; NaN values become None and flags a list."""
        return json_fields(self)


def _positive(name: str, value: float | None) -> float:
    if value is None or not (math.isfinite(value) and value > 0):
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def timed_walk_speed(
    test_code: str,
    *,
    time_s: float | None = None,
    distance_m: float | None = None,
    gait: GaitResult | None = None,
) -> TimedWalkResult:
    """Clinical gait speed of a timed walk, with the IMU estimate of the same walk when given.

    Parameters
    ----------
    test_code : one of :data:`TIMED_WALK_TESTS` (10MWT, T25FW, 2MWT, 6MWT).
    time_s : the measured time (s) of a fixed-distance test (10MWT, T25FW).
    distance_m : the measured distance (m) of a fixed-time test (2MWT, 6MWT).
    gait : the :class:`GaitResult` of the recording of this walk, for the IMU speed and cadence.
    """
    test = TIMED_WALK_TESTS.get(test_code)
    if test is None:
        raise InvalidInputError(
            f"unknown timed walk test {test_code!r}: use one of {', '.join(TIMED_WALK_TESTS)}"
        )
    if test.distance_m is not None:
        distance = test.distance_m
        time = _positive(f"time_s of the {test.code}", time_s)
        if distance_m is not None and not math.isclose(distance_m, distance, rel_tol=1e-6):
            raise InvalidInputError(f"the {test.code} distance is fixed at {distance:g} m")
    else:
        assert test.duration_s is not None
        time = test.duration_s if time_s is None else _positive("time_s", time_s)
        distance = _positive(f"distance_m of the {test.code}", distance_m)
    flags: list[str] = []
    if gait is None:
        imu_speed, imu_cadence, n_strides = math.nan, math.nan, 0
        flags.append("no_imu")
    else:
        summary = gait.summary
        imu_speed, imu_cadence, n_strides = (
            summary.gait_speed_mps,
            summary.cadence_spm,
            summary.n_strides,
        )
        flags.extend(summary.flags)
    return TimedWalkResult(
        test_code=test.code,
        distance_m=distance,
        time_s=time,
        clinical_speed_mps=distance / time,
        imu_speed_mps=imu_speed,
        imu_cadence_spm=imu_cadence,
        imu_n_strides=n_strides,
        flags=tuple(dict.fromkeys(flags)),
    )
