"""Gait from a lower-back (lumbar) IMU: bouts, initial/final contacts, strides, speed, variability.

Public contract: :func:`analyze_gait` -> :class:`GaitResult`; :class:`GaitPipeline` for the same
with settings held in an object; timed walk tests in :mod:`alsmotion.gait.timed_walk`.
"""

from alsmotion.gait.pipeline import GaitPipeline, analyze_gait
from alsmotion.gait.results import BOUT_COLUMNS, STRIDE_COLUMNS, GaitResult, GaitSummary
from alsmotion.gait.settings import GaitSettings
from alsmotion.gait.timed_walk import (
    TIMED_WALK_TESTS,
    TimedWalkResult,
    TimedWalkTest,
    timed_walk_speed,
)

__all__ = [
    "BOUT_COLUMNS",
    "STRIDE_COLUMNS",
    "TIMED_WALK_TESTS",
    "GaitPipeline",
    "GaitResult",
    "GaitSettings",
    "GaitSummary",
    "TimedWalkResult",
    "TimedWalkTest",
    "analyze_gait",
    "timed_walk_speed",
]
