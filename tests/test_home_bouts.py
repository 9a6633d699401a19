"""Walking bouts from the gait pipeline's strides (Kluge 2021 rules)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alsmotion.gait.pipeline import analyze_gait
from alsmotion.home.bouts import walking_bouts
from alsmotion.simulate.gait import simulate_walk


def test_one_walk_is_one_bout_whose_steps_are_its_initial_contacts():
    walk = simulate_walk(sampling_rate_hz=100, n_strides=40, rest_s=5, seed=3)
    result = analyze_gait(
        walk.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95, gyro_rads=walk.gyro_rads
    )
    bouts, stride_bout = walking_bouts(result.strides)
    assert len(bouts) == 1 and np.all(stride_bout == 0)
    (bout,) = bouts.to_dict("records")
    assert bout["n_steps"] == len(result.initial_contacts_s)
    assert bout["n_strides"] == len(result.strides)


def test_strides_apart_by_more_than_3_s_are_two_bouts_and_short_runs_none():
    def strides(starts):
        return dict(
            ic_time_s=starts,
            stride_time_s=np.full(len(starts), 1.0),
            gait_speed_mps=np.full(len(starts), 1.0),
            stride_length_m=np.full(len(starts), 1.0),
            is_turn=np.zeros(len(starts), bool),
        )

    starts = np.r_[np.arange(6) * 0.5, 20 + np.arange(6) * 0.5, 40 + np.arange(3) * 0.5]
    bouts, stride_bout = walking_bouts(pd.DataFrame(strides(starts)))
    assert len(bouts) == 2
    assert list(stride_bout) == [0] * 6 + [1] * 6 + [-1] * 3
