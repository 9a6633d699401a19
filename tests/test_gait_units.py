"""Unit tests of the gait pipeline's pure functions, with exact expectations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.signal import resample_poly

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.gait import GaitPipeline, GaitSettings, analyze_gait, timed_walk_speed
from alsmotion.gait.cycles import edge_positions, group_bouts, pair_final_contacts, stride_starts
from alsmotion.gait.events import gaussian_derivative_cwt
from alsmotion.gait.measures import (
    bout_table,
    pooled_stride_time_sd_s,
    regular_strides,
    summary_flags,
)
from alsmotion.gait.pipeline import detect_strides
from alsmotion.gait.preprocess import (
    anti_alias_fir,
    finite_runs,
    resample,
    row_norms,
    rows_with_nan,
    runs_mask,
)
from alsmotion.gait.results import BOUT_COLUMNS
from alsmotion.gait.spatial import (
    lateral_shifts_m,
    lateral_vaulting_m2,
    pendulum_step_length_m,
    step_excursions_and_tops,
)
from alsmotion.gait.turns import heading_change_from_ml_rad, turn_length_factor
from alsmotion.simulate.gait import simulate_walk


def test_settings_round_trip_and_hash():
    settings = GaitSettings()
    again = GaitSettings.from_dict(json.loads(settings.to_json()))
    assert again == settings
    assert again.settings_hash == settings.settings_hash
    assert GaitSettings(min_bout_steps=6).settings_hash != settings.settings_hash
    with pytest.raises(InvalidInputError, match="unknown gait setting"):
        GaitSettings.from_dict({"min_bout_step": 4})
    with pytest.raises(InvalidInputError, match="non-negative"):
        GaitSettings(max_step_s=-1)
    with pytest.raises(InvalidInputError, match="finite"):
        GaitSettings(block_s=float("inf"))
    with pytest.raises(InvalidInputError, match="turn_felt_fraction"):
        GaitSettings(turn_felt_fraction=0.0)


def test_pendulum_step_length():
    length = pendulum_step_length_m(np.array([0.02, 0.0, 2.0]), sensor_height_m=1.0, correction=1.5)
    assert length[0] == pytest.approx(1.5 * 2 * np.sqrt(2 * 0.02 - 0.02**2))
    assert length[1] == 0.0
    assert np.isnan(length[2])


def test_lateral_vaulting_of_a_linear_inverted_pendulum():
    # A linear inverted pendulum over a foot placed sideways: y = y_mid cosh(w t) from mid-stance.
    height_m, step_s, y_mid_m = 0.95, 0.8, 0.04
    rate = np.sqrt(9.80665 / height_m)
    y_ic_m = y_mid_m * np.cosh(rate * step_s / 2)
    term = lateral_vaulting_m2(
        np.array([y_ic_m - y_mid_m]), np.array([step_s]), sensor_height_m=height_m
    )
    assert term[0] == pytest.approx(y_ic_m**2 - y_mid_m**2, rel=1e-12)
    # The 3D pendulum's excursion, read with the lateral share, gives back the step length.
    step_m = 0.45
    h = np.sqrt(height_m**2 - y_mid_m**2) - np.sqrt(height_m**2 - step_m**2 / 4 - y_ic_m**2)
    sagittal = pendulum_step_length_m(np.array([h]), sensor_height_m=height_m, correction=1.0)
    vaulting = pendulum_step_length_m(
        np.array([h]), sensor_height_m=height_m, correction=1.0, lateral_m2=term
    )
    assert vaulting[0] == pytest.approx(step_m, rel=0.005)
    assert sagittal[0] > 1.04 * step_m  # without it, the sideways vault reads as a longer step
    # More than half the radicand is not a vault over a straight step: capped there; NaN is 0.
    capped = pendulum_step_length_m(
        np.array([0.01, 0.01]),
        sensor_height_m=1.0,
        correction=1.0,
        lateral_m2=np.array([1.0, np.nan]),
    )
    radicand = 2 * 0.01 - 0.01**2
    np.testing.assert_allclose(capped, [2 * np.sqrt(radicand / 2), 2 * np.sqrt(radicand)])


def test_lateral_shift_from_contact_to_mid_stance():
    # Sideways sway of amplitude 3 cm at the stride frequency, building up from rest over 4 s and
    # dying out over the last 4 s; contacts at the sway's centre, the mid-stances a quarter stride
    # later at its extremes.
    rate_hz, stride_s, amplitude_m = 50.0, 1.2, 0.03
    t = np.arange(int(30 * stride_s * rate_hz)) / rate_hz
    envelope = np.clip(np.minimum(t, t[-1] - t) / 4.0, 0, 1)
    sway_m = amplitude_m * envelope**2 * (3 - 2 * envelope) * np.sin(2 * np.pi * t / stride_s)
    ml = np.gradient(np.gradient(sway_m, t), t)
    ic = np.round(np.arange(0, 59) * stride_s / 2 * rate_hz).astype(int)
    tops = ic[:-1] + stride_s / 4 * rate_hz
    tops[30] = np.nan  # a step whose excursion was not measured
    shift = lateral_shifts_m(ml, ic, tops, sampling_rate_hz=rate_hz, highpass_hz=0.2)
    assert np.isnan(shift[30])
    steady = np.isfinite(shift) & (ic[:-1] > 4 * rate_hz) & (ic[1:] < len(t) - 4 * rate_hz)
    np.testing.assert_allclose(shift[steady], amplitude_m, rtol=0.02)


def test_step_excursion_of_a_pendulum_step_is_exact():
    rate_hz, step_s, excursion_m = 100.0, 0.55, 0.03
    t = np.arange(int(3 * step_s * rate_hz) + 1) / rate_hz
    upward = excursion_m / 2 * (2 * np.pi / step_s) ** 2 * np.cos(2 * np.pi * t / step_s)
    ic = np.round(np.arange(4) * step_s * rate_hz).astype(int)
    h, tops = step_excursions_and_tops(upward + 9.81, ic, sampling_rate_hz=rate_hz)
    np.testing.assert_allclose(h, excursion_m, rtol=0.01)
    # The trunk is lowest at the contacts and highest half a step later (mid-stance).
    np.testing.assert_allclose(tops - ic[:-1], step_s * rate_hz / 2, atol=1)


def test_gaussian_derivative_cwt_differentiates():
    rate_hz = 50.0
    t = np.arange(500) / rate_hz
    slope = gaussian_derivative_cwt(3.0 * t, scale_s=0.2, sampling_rate_hz=rate_hz)
    np.testing.assert_allclose(slope[50:-50], 3.0, rtol=2e-3)  # truncated discrete kernel


def test_pair_final_contacts():
    ic = np.array([0.0, 0.5, 1.0, 3.0])
    fc = np.array([0.1, 0.6, 1.1, 1.6])
    keep, opposite, same = pair_final_contacts(
        ic, fc, max_loading_s=0.3, max_stance_s=1.0, max_step_s=1.5
    )
    assert keep.tolist() == [True, True, True, False]
    assert opposite[:3].tolist() == [0.1, 0.6, 1.1]
    assert same[:3].tolist() == [0.6, 1.1, 1.6]
    # The last contact of a walk (nothing follows within max_step_s) needs only the loading FC.
    ic = np.array([0.0, 0.5, 1.0])
    fc = np.array([0.1, 0.6, 1.1])
    keep, opposite, same = pair_final_contacts(
        ic, fc, max_loading_s=0.3, max_stance_s=1.0, max_step_s=1.5
    )
    assert keep.tolist() == [True, True, True]
    assert opposite[2] == 1.1 and np.isnan(same[2])


def test_bouts_strides_and_edges():
    ok = np.array([True, True, True, False, True, True, True, True, False, True])
    bout = group_bouts(ok, min_steps=3)
    assert bout.tolist() == [0, 0, 0, -1, 1, 1, 1, 1, -1, -1]
    starts = stride_starts(bout)
    assert starts.tolist() == [0, 1, 4, 5, 6]
    from_start, from_end = edge_positions(bout, starts)
    assert from_start.tolist() == [0, 1, 0, 1, 2]
    assert from_end.tolist() == [1, 0, 2, 1, 0]


def test_bout_table_sums_each_bouts_steps_and_strides():
    ic_s = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0])
    bout = group_bouts(np.array([1, 1, 1, 0, 1, 1, 1, 1, 0, 1], dtype=bool), min_steps=3)
    starts = stride_starts(bout)
    speed = np.array([1.0, 2.0, 0.5, np.nan, 1.5])
    strides = pd.DataFrame(
        {
            "bout_id": bout[starts],
            "is_turn": [False, True, True, True, False],
            "gait_speed_mps": speed,
            "cadence_spm": [100.0, 110.0, 90.0, 95.0, 100.0],
            "stride_time_s": 1.0,
            "step_length_m": np.nan,
        }
    )
    table = bout_table(ic_s, bout, strides)
    assert list(table.columns) == list(BOUT_COLUMNS)
    assert table["bout_id"].tolist() == [0, 1]
    assert table["start_s"].tolist() == [0.0, 2.0]
    assert table["end_s"].tolist() == [1.5, 4.5]
    assert table["duration_s"].tolist() == [1.5, 2.5]
    assert table["n_steps"].tolist() == [3, 4]
    assert table["n_strides"].tolist() == [2, 3]
    assert table["n_turn_strides"].tolist() == [1, 2]
    # NaN speeds are left out of the mean; a bout without any known length gets NaN.
    assert table["gait_speed_mps"].tolist() == [1.5, 1.0]
    assert table["cadence_spm"].tolist() == [105.0, 95.0]
    assert table["step_length_m"].isna().all()
    # A bout whose strides were all dropped keeps its row, with no strides and NaN means.
    without = bout_table(ic_s, bout, strides[strides["bout_id"] == 1])
    assert without["n_strides"].tolist() == [0, 3]
    assert np.isnan(without["gait_speed_mps"].iloc[0])
    empty = bout_table(ic_s[:1], np.zeros(0, dtype=int), strides.iloc[:0])
    assert len(empty) == 0 and list(empty.columns) == list(BOUT_COLUMNS)


def test_pooled_sd_ignores_differences_between_bouts():
    times = np.array([1.0, 1.2, 1.0, 1.2, 2.0, 2.2, 2.0, 2.2])
    bouts = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    expected = np.sqrt(8 * 0.1**2 / 6)
    assert pooled_stride_time_sd_s(times, bouts) == pytest.approx(expected)


def test_finite_runs_and_resample():
    finite = np.array([True, True, False, True, True, True, False])
    assert finite_runs(finite, min_samples=2).tolist() == [[0, 2], [3, 6]]
    t = np.arange(1000) / 100.0
    wave = np.sin(2 * np.pi * 1.5 * t)[:, None]
    down = resample(wave, sampling_rate_hz=100.0, target_rate_hz=50.0)
    assert len(down) == 500
    expected = np.sin(2 * np.pi * 1.5 * np.arange(500) / 50.0)
    np.testing.assert_allclose(down[20:-20, 0], expected[20:-20], atol=1e-3)


def test_regular_strides_keep_the_pace_of_their_bout():
    stride_s = np.array([1.0, 1.02, 0.98, 1.3, 1.0, 0.7, 2.0, 2.1, 2.0])
    bout = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    candidate = np.array([True, True, True, True, True, True, True, True, False])
    # Bout 0's pace is the median of its candidates (1.0 s); 1.3 and 0.7 s are 30 % off.
    regular = regular_strides(stride_s, bout, candidate, max_deviation=0.25)
    assert regular.tolist() == [True, True, True, False, True, False, True, True, True]
    assert regular_strides(stride_s, bout, candidate, max_deviation=0.35).all()
    assert not regular_strides(stride_s, bout, np.zeros(9, dtype=bool), max_deviation=1).any()


def test_heading_from_ml_acceleration_removes_each_bouts_bias():
    stride_s = np.array([1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    length_m = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    bout = np.array([0, 0, 0, 0, 1, 1, 1])
    # Bout 0 leans 0.1 m/s^2 sideways (a tilted vertical); its third stride turns by 0.2 rad felt.
    change = np.array([0.1, 0.1, 0.3, 0.1, -0.4, -0.4, -0.4])
    heading = heading_change_from_ml_rad(change, stride_s, length_m, bout, felt_fraction=0.5)
    np.testing.assert_allclose(heading[:6], [0.0, 0.0, 0.4, 0.0, 0.0, 0.0], atol=1e-12)
    assert np.isnan(heading[6])  # no length, no estimate


def test_runs_mask():
    mask = runs_mask(np.array([[1, 3], [5, 6]]), 7)
    assert mask.tolist() == [False, True, True, False, False, True, False]
    assert not runs_mask(np.zeros((0, 2), dtype=int), 3).any()


def test_turn_length_factor():
    factor = turn_length_factor(np.radians([0.0, 90.0, 180.0, 400.0, np.nan]), exponent=2.0)
    np.testing.assert_allclose(factor, [1.0, 0.5, 0.0, 0.0, 1.0], atol=1e-12)


def test_row_norms_nan_rows_and_the_anti_alias_filter_equal_numpy_and_scipy():
    values = np.random.default_rng(4).normal(0.0, 5.0, (500, 3))
    values[[3, 70], [1, 2]] = np.nan
    assert np.array_equal(row_norms(values), np.linalg.norm(values, axis=1), equal_nan=True)
    assert np.array_equal(rows_with_nan(values), np.isnan(values).any(axis=1))
    finite = values[~rows_with_nan(values)]
    for up, down in ((1, 2), (2, 5), (5, 4), (5, 8)):
        fir = anti_alias_fir(up, down)
        assert np.array_equal(
            resample_poly(finite, up, down, axis=0, window=fir),
            resample_poly(finite, up, down, axis=0),
        )


def test_detect_strides_gives_analyze_gaits_strides_and_flags():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=30, seed=7)
    settings = GaitSettings()
    result = analyze_gait(sim.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95)
    found = detect_strides(
        sim.accel_mps2, sampling_rate_hz=100, settings=settings, sensor_height_m=0.95
    )
    pd.testing.assert_frame_equal(found.strides, result.strides, check_exact=True)
    flags = summary_flags(
        found.strides, min_variability_strides=settings.min_variability_strides, flags=found.flags
    )
    assert flags == result.summary.flags
    assert found.sensor_height_m == result.sensor_height_m


def test_pipeline_object_and_function_agree():
    sim = simulate_walk(sampling_rate_hz=80, n_strides=25, seed=7)
    pipeline = GaitPipeline().analyze(sim.accel_mps2, sampling_rate_hz=80, height_m=1.8)
    result = analyze_gait(sim.accel_mps2, sampling_rate_hz=80, height_m=1.8)
    assert pipeline.result_.summary == result.summary
    assert pipeline.summary_.n_strides == len(pipeline.strides_)
    assert pipeline.result_.sensor_height_m == pytest.approx(0.53 * 1.8)
    assert result.settings == GaitSettings().to_dict()


def test_lateral_vaulting_shortens_slow_swaying_steps_most():
    # The simulator sways sideways with the same acceleration at every pace, so its slow, long
    # steps sway widest; its vertical excursion holds no sideways vault, so the term reads it low.
    ratios = []
    for speed_mps, cadence_spm in ((0.4, 75.0), (1.2, 110.0)):
        sim = simulate_walk(
            sampling_rate_hz=50, n_strides=25, speed_mps=speed_mps, cadence_spm=cadence_spm, seed=3
        )
        speeds = [
            analyze_gait(
                sim.accel_mps2,
                sampling_rate_hz=50,
                sensor_height_m=sim.truth.sensor_height_m,
                gyro_rads=sim.gyro_rads,
                settings=GaitSettings(lateral_vaulting=weight),
            ).summary.gait_speed_mps
            for weight in (0.0, 1.0)
        ]
        ratios.append(speeds[1] / speeds[0])
    assert ratios[0] < ratios[1] - 0.03
    assert 0.97 < ratios[1] < 1.0


def test_without_height_spatial_measures_are_nan():
    sim = simulate_walk(sampling_rate_hz=50, n_strides=25, seed=7)
    summary = analyze_gait(sim.accel_mps2, sampling_rate_hz=50).summary
    assert np.isnan(summary.gait_speed_mps)
    assert summary.cadence_spm > 0
    assert "no_sensor_height" in summary.flags


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sampling_rate_hz": 10}, InvalidInputError, "at least 20"),
        ({"sampling_rate_hz": 50, "sensor_height_m": 95}, InvalidInputError, "metres"),
        ({"sampling_rate_hz": 50, "gyro_rads": np.zeros((5, 3))}, InvalidInputError, "one clock"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    accel = simulate_walk(sampling_rate_hz=50, n_strides=10, seed=0).accel_mps2
    with pytest.raises(error, match=message):
        analyze_gait(accel, **kwargs)


def test_wrong_shape_and_too_short():
    with pytest.raises(InvalidInputError, match="shape"):
        analyze_gait(np.zeros((100, 2)), sampling_rate_hz=50)
    with pytest.raises(InsufficientDataError):
        analyze_gait(np.tile([0, 0, 9.81], (20, 1)), sampling_rate_hz=50)


def test_timed_walk_speed():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=10, rest_s=1.0, seed=1)
    gait = analyze_gait(sim.accel_mps2, sampling_rate_hz=100, sensor_height_m=0.95)
    ten = timed_walk_speed("10MWT", time_s=8.0, gait=gait)
    assert ten.clinical_speed_mps == 1.25
    assert ten.imu_speed_mps == pytest.approx(sim.truth.gait_speed_mps, rel=0.05)
    six = timed_walk_speed("6MWT", distance_m=420.0)
    assert six.clinical_speed_mps == pytest.approx(420.0 / 360.0)
    assert "no_imu" in six.flags
    assert timed_walk_speed("T25FW", time_s=7.62).clinical_speed_mps == pytest.approx(1.0)
    with pytest.raises(InvalidInputError, match="unknown timed walk"):
        timed_walk_speed("5MWT", time_s=1.0)
    with pytest.raises(InvalidInputError, match="distance_m"):
        timed_walk_speed("2MWT")


def test_long_recordings_are_cut_at_rest_without_losing_strides():
    sim = simulate_walk(sampling_rate_hz=50, n_strides=60, bout_strides=15, rest_s=70.0, seed=8)
    whole = analyze_gait(sim.accel_mps2, sampling_rate_hz=50, sensor_height_m=0.95)
    blocks = analyze_gait(
        sim.accel_mps2,
        sampling_rate_hz=50,
        sensor_height_m=0.95,
        settings=GaitSettings(block_s=60.0),
    )
    assert blocks.summary.n_bouts == whole.summary.n_bouts == 4
    np.testing.assert_allclose(blocks.initial_contacts_s, whole.initial_contacts_s)


def test_session_vocabulary_names_every_timed_walk():
    from alsmotion.gait import TIMED_WALK_TESTS
    from alsmotion.session.events import WALK_TESTS

    assert tuple(TIMED_WALK_TESTS) == WALK_TESTS


def test_gyro_in_deg_per_s_read_as_rad_per_s_is_refused():
    sim = simulate_walk(sampling_rate_hz=100, n_strides=20, turn_every_strides=8, seed=2)
    kwargs = {"sampling_rate_hz": 100, "sensor_height_m": 0.95}
    analyze_gait(sim.accel_mps2, gyro_rads=sim.gyro_rads, **kwargs)
    with pytest.raises(InvalidInputError, match="looks like deg/s"):
        analyze_gait(sim.accel_mps2, gyro_rads=np.degrees(sim.gyro_rads), **kwargs)


def _impacts_signal(amplitudes: list[float], *, step_samples: int, n: int) -> np.ndarray:
    """Upward acceleration with a sharp rise (then decay) at every step_samples, given heights."""
    signal = np.zeros(n)
    decay = np.exp(-np.arange(10) / 3.0)
    for k, amplitude in enumerate(amplitudes):
        start = 20 + k * step_samples
        signal[start : start + 10] += amplitude * decay
    return signal


def test_closing_contact_found_after_the_last_detected_step():
    from alsmotion.gait.events import closing_contacts, impact_jerk

    signal = _impacts_signal([3.0, 3.0, 3.0, 3.0, 1.0], step_samples=25, n=300)
    jerk = impact_jerk(signal, sampling_rate_hz=50.0, smoothing_s=0.01)
    detected = np.array([20, 45, 70, 95])
    kwargs = {"sampling_rate_hz": 50.0, "max_step_samples": 75, "window_s": 0.2}
    found = closing_contacts(jerk, detected, min_impact_ratio=0.2, **kwargs)
    assert len(found) == 1 and abs(found[0] - 120) <= 1
    # A closing impact weaker than the ratio asks for is not a contact.
    assert len(closing_contacts(jerk, detected, min_impact_ratio=0.5, **kwargs)) == 0
