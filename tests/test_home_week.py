"""A simulated week at home: wear time, valid days and walking time against the simulated truth."""

from __future__ import annotations

import numpy as np
import pytest

from alsmotion.home.pipeline import analyze_home_recording
from alsmotion.simulate.home import SimulatedHomeWeek


@pytest.mark.slow
def test_simulated_week_matches_truth():
    week = SimulatedHomeWeek(sampling_rate_hz=100, n_days=7, seed=1)
    result = analyze_home_recording(
        week.chunks(),
        sampling_rate_hz=100,
        n_samples=week.n_samples_,
        start=week.start,
        participant_id="P01",
        sensor_height_m=0.95,
    )
    truth = week.truth_.daily
    assert list(result.daily["measurement_date"]) == list(truth["measurement_date"])
    assert np.all(np.abs(result.daily["worn_h"] - truth["worn_h"]) * 60 <= 5)
    assert list(result.daily["valid_day"]) == list(truth["worn_h"] >= 12)
    assert not result.daily["valid_day"].iloc[4]  # the day the sensor stayed off for 14 h
    walking = result.daily["walking_min"].sum()
    assert abs(walking - truth["walking_min"].sum()) <= 0.1 * truth["walking_min"].sum()
