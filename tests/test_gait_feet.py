"""Unit tests of the left/right cues (alsmotion.gait.feet) on signals built from their physics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from alsmotion.gait.feet import left_foot_cues_mps, tilt_corrected_horizontal
from alsmotion.gait.preprocess import gravity_direction
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 50.0
STEP_S = 0.55


def _walk(rotation: np.ndarray, n_steps: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Horizontal acceleration (sensor frame), up and IC samples of a trunk that is fastest forward at
    every contact and fastest leftward at even (left) contacts; body frame forward, left, up."""
    time_s = np.arange(round(n_steps * STEP_S * RATE_HZ)) / RATE_HZ
    # Velocities: forward 1 + 0.1 cos(2 pi t / step), left 0.05 cos(pi t / step).
    forward_mps2 = -0.1 * 2 * np.pi / STEP_S * np.sin(2 * np.pi * time_s / STEP_S)
    left_mps2 = -0.05 * np.pi / STEP_S * np.sin(np.pi * time_s / STEP_S)
    body = np.column_stack((forward_mps2, left_mps2, np.zeros_like(time_s)))
    up = np.tile(rotation @ np.array([0.0, 0.0, 1.0]), (len(time_s), 1))
    ic = np.round(np.arange(n_steps) * STEP_S * RATE_HZ).astype(int)
    return body @ rotation.T, up, ic


@pytest.mark.parametrize("euler_deg", [(0, 0, 0), (90, 0, 0), (20, -130, 75)])
def test_cue_points_to_the_foot_in_any_orientation(euler_deg):
    rotation = Rotation.from_euler("xyz", euler_deg, degrees=True).as_matrix()
    horizontal, up, ic = _walk(rotation)
    valid = np.ones(len(ic) - 1, dtype=bool)
    valid[9] = False  # a pause between IC 9 and IC 10
    cues = left_foot_cues_mps(horizontal, up, ic, valid, sampling_rate_hz=RATE_HZ)
    known = np.isfinite(cues)
    # The ends of the recording and the contacts next to the pause have no cue.
    assert np.flatnonzero(~known).tolist() == [0, 9, 10, 19]
    is_left = np.arange(len(ic)) % 2 == 0
    assert ((cues > 0) == is_left)[known].all()
    # Left velocity +0.05 at a left contact, -0.05 at the right ones around it: 4 x 0.05 m/s.
    assert np.abs(cues[known]) == pytest.approx(0.2, rel=0.02)


def test_a_mirror_image_swaps_the_feet():
    # The frame's handedness is what names the side: mirroring the sensor axes swaps the labels.
    horizontal, up, ic = _walk(np.eye(3))
    valid = np.ones(len(ic) - 1, dtype=bool)
    cues = left_foot_cues_mps(horizontal, up, ic, valid, sampling_rate_hz=RATE_HZ)
    mirror = np.diag([1.0, -1.0, 1.0])
    mirrored = left_foot_cues_mps(
        horizontal @ mirror, up @ mirror, ic, valid, sampling_rate_hz=RATE_HZ
    )
    np.testing.assert_allclose(mirrored, -cues)


def test_tilt_correction_removes_gravity_read_through_a_roll():
    # A sensor rocking sideways by 5 degrees at 0.9 Hz, no acceleration: all it reads horizontally
    # is gravity through the tilt.
    time_s = np.arange(round(20 * RATE_HZ)) / RATE_HZ
    roll_rad = np.radians(5.0) * np.sin(2 * np.pi * 0.9 * time_s)
    rotations = Rotation.from_rotvec(np.column_stack((roll_rad, 0 * roll_rad, 0 * roll_rad)))
    measured = rotations.inv().apply([0.0, 0.0, STANDARD_GRAVITY_MPS2])
    gyro = np.column_stack((np.gradient(roll_rad, 1 / RATE_HZ), 0 * roll_rad, 0 * roll_rad))
    # The vertical is averaged over a window, as the pipeline does; the tilt is taken against it.
    window = int(4 * RATE_HZ)
    up = gravity_direction(measured, window_samples=window)
    horizontal = measured - np.einsum("ni,ni->n", measured, up)[:, None] * up
    corrected = tilt_corrected_horizontal(
        horizontal, up, gyro, sampling_rate_hz=RATE_HZ, window_samples=window
    )
    inner = slice(int(4 * RATE_HZ), -int(4 * RATE_HZ))
    # g sin(5 deg) = 0.85 m/s^2 read sideways; over 90 % of it removed (small-angle model).
    assert np.abs(horizontal[inner]).max() > 0.8
    assert np.abs(corrected[inner]).max() < 0.1 * np.abs(horizontal[inner]).max()
