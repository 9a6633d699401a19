"""A simulated week at home: wear time, valid days and walking time against the simulated truth."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.home.pipeline import analyze_home_recording
from alsmotion.simulate.home import SimulatedHomeWeek

# The module fixture (a whole simulated trial or week) runs inside its first test's timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def week_and_result():
    week = SimulatedHomeWeek(sampling_rate_hz=100, n_days=7, seed=1)
    result = analyze_home_recording(
        week.chunks(),
        sampling_rate_hz=100,
        n_samples=week.n_samples_,
        start=week.start,
        participant_id="P01",
        sensor_height_m=0.95,
    )
    return week, result


def test_simulated_week_valid_days_and_walking_time_match_truth(week_and_result):
    week, result = week_and_result
    truth = week.truth_.daily
    assert list(result.daily["measurement_date"]) == list(truth["measurement_date"])
    assert list(result.daily["valid_day"]) == list(truth["worn_h"] >= 12)
    assert not result.daily["valid_day"].iloc[4]  # the day the sensor stayed off for 14 h
    walking = result.daily["walking_min"].sum()
    assert abs(walking - truth["walking_min"].sum()) <= 0.1 * truth["walking_min"].sum()


def test_simulated_week_wear_time_within_5_min_per_day(week_and_result):
    """The week holds sensor-off spells of 30-90 min in the day, charging and one 14-h spell;
    the nights hold still lying (no movement for half an hour now and then)."""
    week, result = week_and_result
    error_min = np.abs(result.daily["worn_h"] - week.truth_.daily["worn_h"]) * 60
    assert np.all(error_min <= 5)


def test_the_pre_screen_passes_every_simulated_walk(week_and_result):
    """Every walk of the week (5-500 strides) lies in the spans the gait pipeline ran on (a walk
    across a chunk boundary in two spans that meet there), and the spans are a small part of
    the week."""
    week, result = week_and_result
    spans = result.gait_spans_s
    meets = np.concatenate(([False], spans[1:, 0] <= spans[:-1, 1]))
    joined = np.column_stack(
        (spans[~meets, 0], np.maximum.reduceat(spans[:, 1], np.flatnonzero(~meets)))
    )
    walks = week.truth_.walks
    assert (walks["n_strides"] >= 5).all()
    for start_s, end_s in zip(walks["start_s"], walks["end_s"], strict=True):
        assert ((joined[:, 0] <= start_s) & (joined[:, 1] >= end_s)).any(), (start_s, end_s)
    assert (spans[:, 1] - spans[:, 0]).sum() < 0.15 * week.n_samples_ / week.sampling_rate_hz
