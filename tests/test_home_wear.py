"""Non-wear: short sensor-off spells are found in the day, still lying at night is not called
non-wear, and a recording without a night does not take a spell on a table for one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alsmotion.home.wear import MinuteStats, non_wear_minutes, sleep_periods
from alsmotion.simulate.home import SimulatedHomeWeek
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 10.0
MIDNIGHT = pd.Timestamp("2026-01-06", tz="Europe/Amsterdam")


def _stats(parts: list[np.ndarray]) -> MinuteStats:
    accel = np.vstack(parts)
    stats = MinuteStats(len(accel) // round(60 * RATE_HZ))
    for first in range(0, len(accel), 36_000):
        stats.add(first, accel[first : first + 36_000], sampling_rate_hz=RATE_HZ)
    return stats


def _posture(minutes: float, gravity: list[float], rng, *, moves_every_min: float | None):
    """Still in one posture (device noise), with a 2-s jolt every ``moves_every_min``."""
    n = round(minutes * 60 * RATE_HZ)
    accel = STANDARD_GRAVITY_MPS2 * np.array(gravity) + rng.normal(0.0, 0.004, (n, 3))
    if moves_every_min is not None:
        for start in np.arange(0, n, round(moves_every_min * 60 * RATE_HZ)):
            accel[start : start + 20] += rng.normal(0.0, 1.0, (len(accel[start : start + 20]), 3))
    return accel


def _active(minutes: float, rng) -> np.ndarray:
    """Upright and moving: a 1.7 Hz bounce, fore-aft at the same rate, sideways at half."""
    t_s = np.arange(round(minutes * 60 * RATE_HZ)) / RATE_HZ
    accel = np.column_stack(
        (
            np.sin(2 * np.pi * 1.7 * t_s),
            0.6 * np.sin(np.pi * 1.7 * t_s),
            STANDARD_GRAVITY_MPS2 + 2.0 * np.sin(2 * np.pi * 1.7 * t_s + 1.0),
        )
    )
    return accel + rng.normal(0.0, 0.05, accel.shape)


def test_still_lying_at_night_is_worn_and_a_spell_on_a_table_by_day_is_not():
    rng = np.random.default_rng(5)
    supine, table = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]
    night = [
        _posture(180, supine, rng, moves_every_min=10),
        _posture(45, supine, rng, moves_every_min=None),  # 45 min without moving, asleep
        _posture(195, supine, rng, moves_every_min=10),
    ]
    day = [
        _active(180, rng),
        _posture(40, table, rng, moves_every_min=None),  # 40 min on a table
        _active(600, rng),
        _posture(180, supine, rng, moves_every_min=10),
    ]
    stats = _stats(night + day)  # midnight to midnight
    off = non_wear_minutes(stats, sampling_rate_hz=RATE_HZ, start=MIDNIGHT)
    assert not off[: 7 * 60].any()
    table_min = slice(7 * 60 + 180, 7 * 60 + 220)
    assert off[table_min].all()
    assert off.sum() <= 40 + 2
    periods = sleep_periods(stats, start=MIDNIGHT)
    assert [tuple(p) for p in periods] == [(0, 7 * 60), (1240, 1420)]  # the evening: 3 h lying


def test_a_morning_recording_finds_an_afternoon_spell_off():
    """Midnight to 14:00 at 20 Hz with 44 min off from 12:35 (as the demo's home mornings): the
    window from noon holds no night, so the spell is not taken for one."""
    week = SimulatedHomeWeek(
        sampling_rate_hz=20, n_days=1, long_off_day=None, charge_days=(), seed=1006
    )
    off_spells = [(s.start_s / 60, s.end_s / 60) for s in week.segments_ if s.kind == "off"]
    assert len(off_spells) == 1 and 12 * 60 < off_spells[0][0] < off_spells[0][1] < 14 * 60
    n = 14 * 3600 * 20
    stats = MinuteStats(14 * 60)
    for first, accel in week.chunks():
        if first < n:
            stats.add(first, accel[: n - first], sampling_rate_hz=20)
    off = non_wear_minutes(stats, sampling_rate_hz=20, start=MIDNIGHT)
    first, last = off_spells[0]
    assert abs(off.sum() - (last - first)) <= 2
    assert off[int(np.ceil(first)) : int(last)].all()


def test_a_recording_stopped_early_has_the_truth_of_its_hours():
    """``recorded_h`` ends the simulated recording (the timeline stays that of the whole day):
    the samples stop there and the truth counts the worn and walking time before it."""
    day = {"sampling_rate_hz": 10, "n_days": 1, "long_off_day": None, "charge_days": (), "seed": 3}
    whole, morning = SimulatedHomeWeek(**day), SimulatedHomeWeek(**day, recorded_h=9.5)
    assert morning.segments_ == whole.segments_ and morning.n_samples_ == 9.5 * 3600 * 10
    assert sum(len(accel) for _, accel in morning.chunks()) == morning.n_samples_
    stop_s = 9.5 * 3600
    worn_s = sum(
        min(s.end_s, stop_s) - s.start_s
        for s in whole.segments_
        if s.kind not in ("off", "charge") and s.start_s < stop_s
    )
    assert morning.truth_.daily["worn_h"].iloc[0] == pytest.approx(worn_s / 3600)
    walks = whole.truth_.walks
    before = walks[walks["start_s"] < stop_s]
    assert len(morning.truth_.walks) == len(before) < len(walks)
    walked_s = (before["end_s"].clip(upper=stop_s) - before["start_s"]).sum()
    assert morning.truth_.daily["walking_min"].iloc[0] == pytest.approx(walked_s / 60)
