"""Synthetic lower-back IMU signals of walking with known truth.

The truth is built here from published gait facts, independently of the gait pipeline (nothing from
``alsmotion.gait`` is imported). Over step ``k`` of duration ``T_k`` the trunk falls and rises by
``h_k`` (lowest in the loading response, just after the initial contact), ``z(t) = h_k / 2 * (1 -
cos(2 pi (t - d) / T_k))`` with ``d`` = :data:`LOADING_DELAY_S` after the heel strike, so the upward
acceleration peaks ``d`` after it. The heel strike itself is a short impact
transient (:data:`IMPACT_MPS2`, width :data:`IMPACT_SD_S`) rising at each initial contact that leaves
neither velocity nor height behind (:func:`impact_transients_mps2`). ``h_k`` is the vertical
excursion of an inverted pendulum of the sensor's height whose chord is the step length divided by
:data:`TRUNK_STEP_FACTOR` (the trunk moves less than a stiff-legged pendulum: Mobilise-D's published
factor). The pelvis turns clockwise (seen from above) at left initial contacts and anticlockwise at
right ones. Fore-aft acceleration oscillates at the step frequency and sideways acceleration at the
stride frequency. Turns rotate the body about the vertical (yaw rate on the gyroscope, centripetal
acceleration sideways) and bend the stride's path into an arc: a stride with heading change ``d``
covers ``2 sin(d/2) / d`` of its straight length as displacement, and the
truth speed is its path length over its duration. Rest periods hold still. Everything is rotated
into any sensor orientation and sampled at any rate.

Because the trunk-excursion factor is a modelling assumption, speeds from this simulator check the
pipeline's measurement of the excursion and of the events, not the validity of a step-length model:
that is measured on the real recordings (``alsmotion.validation``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from alsmotion.errors import InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2, accel_from_mps2, validate_sampling_rate_hz

#: Step length over the chord of the stiff-legged pendulum with the trunk's excursion (Mobilise-D,
#: McCamley/Zijlstra step length scaled by 4.587/4 in mobgap 1.2).
TRUNK_STEP_FACTOR = 4.587 / 4.0
#: Delay (s) from heel strike to the trunk's lowest point (peak upward acceleration).
LOADING_DELAY_S = 0.06
#: Heel-strike impact: peak upward acceleration (m/s^2) and duration (Gaussian SD, s).
IMPACT_MPS2 = 2.0
IMPACT_SD_S = 0.012
#: Amplitudes (m/s^2) of the fore-aft (step frequency) and sideways (stride frequency) oscillations.
AP_AMPLITUDE_MPS2 = 1.0
ML_AMPLITUDE_MPS2 = 0.6
#: Amplitude (rad/s) of the trunk's pitch and roll oscillation on the gyroscope.
TRUNK_SWAY_RADS = 0.3
#: Amplitude (rad/s) of the pelvis's yaw oscillation at the stride frequency.
PELVIS_YAW_RADS = 0.4


@dataclass(frozen=True)
class WalkTruth:
    """What the simulator put into the signal.

    Attributes
    ----------
    ic_times_s : every initial contact (s from the first sample); each bout starts with the left
        foot, so ``ic_feet`` alternates "left", "right", ...
    stride_times_s : duration (s) of every stride, i.e. from every IC to the next-but-one of the same
        bout (overlapping strides of alternate feet, as the pipeline reports them).
    stride_speeds_mps : path speed (m/s) of every stride.
    bout_spans_s : (k, 2) start and end (s) of each walking bout.
    turn_spans_s : (m, 2) start and end (s) of each turn.
    """

    ic_times_s: np.ndarray
    ic_feet: np.ndarray
    stride_times_s: np.ndarray
    stride_speeds_mps: np.ndarray
    bout_spans_s: np.ndarray
    turn_spans_s: np.ndarray
    step_length_m: float
    sensor_height_m: float

    @property
    def cadence_spm(self) -> float:
        """Mean cadence (steps/min) over strides."""
        return float(np.mean(120.0 / self.stride_times_s))

    @property
    def gait_speed_mps(self) -> float:
        """Mean stride speed (m/s)."""
        return float(np.mean(self.stride_speeds_mps))

    @property
    def stride_time_cv_pct(self) -> float:
        """Sample coefficient of variation (%) of the stride times."""
        return float(100.0 * np.std(self.stride_times_s, ddof=1) / np.mean(self.stride_times_s))


@dataclass(frozen=True)
class SimulatedWalk:
    """A simulated lower-back recording: ``accel_mps2`` and ``gyro_rads`` are (n, 3)."""

    accel_mps2: np.ndarray
    gyro_rads: np.ndarray
    sampling_rate_hz: float
    truth: WalkTruth

    def accel_in(self, unit: str) -> np.ndarray:
        """The acceleration in ``g`` or ``mps2``."""
        return accel_from_mps2(self.accel_mps2, unit)


def pendulum_excursion_m(
    step_length_m: float, *, sensor_height_m: float, correction: float
) -> float:
    """Vertical excursion (m) that the pendulum model with ``correction`` maps to ``step_length_m``."""
    half_chord = step_length_m / (2.0 * correction)
    if half_chord >= sensor_height_m:
        raise InvalidInputError(
            f"step length {step_length_m:.2f} m is impossible for a sensor {sensor_height_m:.2f} m high"
        )
    return sensor_height_m - float(np.sqrt(sensor_height_m**2 - half_chord**2))


def rest_posture(
    time_s: np.ndarray, bout_spans_s: np.ndarray, *, delay_s: float, transition_s: float
) -> np.ndarray:
    """0 while walking, rising smoothly to 1 during rest: a raised-cosine step that starts
    ``delay_s`` after a bout ends (and ends ``delay_s`` before the next starts) and lasts
    ``transition_s``."""
    starts, ends = bout_spans_s[:, 0], bout_spans_s[:, 1]
    after = np.searchsorted(starts, time_s, side="right")
    since_end = time_s - np.where(after > 0, ends[np.maximum(after - 1, 0)], -np.inf)
    until_start = np.where(after < len(starts), starts[np.minimum(after, len(starts) - 1)], np.inf)
    distance_s = np.minimum(since_end, until_start - time_s)
    u = np.clip((distance_s - delay_s) / transition_s, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def impact_transients_mps2(time_s: np.ndarray, contact_times_s: np.ndarray) -> np.ndarray:
    """Upward acceleration (m/s^2) of the heel-strike transients at ``contact_times_s`` (sorted).

    Each is a whole Mexican hat (the negative second derivative of a Gaussian of SD
    :data:`IMPACT_SD_S`, peak :data:`IMPACT_MPS2`) centred one SD after the contact, so that it rises
    steepest at the contact and leaves neither velocity nor height behind: the trunk's motion is the
    pendulum's alone. Cutting the hat at the contact (as this simulator once did) drops its leading
    negative lobe and leaves an upward velocity of 0.6 x peak x SD per step, unphysical, that inflates
    the excursion of slow, small steps (+19 % speed at 0.3 m/s).
    """
    if len(contact_times_s) == 0:
        return np.zeros(len(time_s))
    centres_s = np.asarray(contact_times_s, dtype=float) + IMPACT_SD_S
    after = np.clip(np.searchsorted(centres_s, time_s), 1, max(len(centres_s) - 1, 1))
    before = after - 1
    nearest = np.where(
        np.abs(time_s - centres_s[before]) <= np.abs(time_s - centres_s[after]), before, after
    )
    u = (time_s - centres_s[nearest]) / IMPACT_SD_S
    return IMPACT_MPS2 * (1.0 - u * u) * np.exp(-0.5 * u * u)


def simulate_walk(
    *,
    sampling_rate_hz: float,
    n_strides: int | None = None,
    duration_s: float | None = None,
    speed_mps: float = 1.2,
    cadence_spm: float = 110.0,
    stride_time_cv_pct: float = 2.0,
    sensor_height_m: float = 0.95,
    bout_strides: int | None = None,
    rest_s: float = 10.0,
    turn_every_strides: int | None = None,
    turn_duration_s: float = 2.0,
    orientation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0),
    rest_trunk_pitch_deg: float = 0.0,
    pelvic_drop_deg: float = 0.0,
    trunk_motion_fraction: float = 1.0,
    start_stop_steps: int = 0,
    noise_mps2: float = 0.03,
    seed: int = 0,
) -> SimulatedWalk:
    """Simulate walking bouts separated by rest, as a lower-back IMU records them.

    Parameters
    ----------
    sampling_rate_hz : output rate (Hz).
    n_strides : total strides to walk; or
    duration_s : total length (s), filled with bouts of ``bout_strides`` strides and rests.
    speed_mps, cadence_spm : mean walking speed (m/s) and cadence (steps/min) on straight walking.
    stride_time_cv_pct : coefficient of variation (%) of stride time (independent normal steps).
    sensor_height_m : sensor height above the ground (m) of the pendulum model.
    bout_strides : strides per bout (default: all ``n_strides`` in one bout; 60 with duration_s).
    rest_s : standing still (s) before, between and after bouts.
    turn_every_strides : a 180-degree turn of ``turn_duration_s`` after every this many strides.
    orientation_deg : x-y-z Euler angles (deg) rotating the body frame (AP, ML, up) into the
        sensor frame.
    rest_trunk_pitch_deg : trunk inclination (deg, backwards) while resting, e.g. 30 for sitting
        reclined or 90 for lying; reached and left in 1.5 s transitions starting 1 s after a bout
        ends and ending 1 s before the next starts (the recording then starts and ends inclined).
    pelvic_drop_deg : sideways tilt (deg) of the trunk at the stride frequency while walking: the
        pelvis drops on the swing side, most in mid single support (a Trendelenburg-like gait when
        large), so the accelerometer reads part of gravity sideways, against the sway, and the
        gyroscope sees the roll rate.
    trunk_motion_fraction : share (0-1] of the free walker's vertical excursion, sideways sway and
        pelvic rotation that the trunk shows at the same step length: below 1 for a walker or
        rollator, whose handles carry part of the body weight and steady the trunk (a scenario
        parameter, not a published figure). The truth's step length does not change.
    start_stop_steps : with n > 0, every bout starts from and stops to standing: the trunk falls
        from its highest point into the first contact's loading response over the half step before
        it and rises back over the half step after the last contact (the half cosine of the
        walking steps, so velocity is continuous), and the first and last ``n`` steps lengthen from
        and shorten to rest (the i-th step from either end has ``(i + 1) / (n + 1)`` of the step
        length, at the same cadence; a scenario, not a published ramp), which the truth's stride
        speeds include. With 0 the trunk's motion starts and ends at a contact at full step length.
    noise_mps2 : white accelerometer noise SD (m/s^2); the gyroscope gets noise_mps2 rad/s.
    seed : random seed; the same arguments and seed give the same signal.
    """
    rate_hz = validate_sampling_rate_hz(sampling_rate_hz)
    if (n_strides is None) == (duration_s is None):
        raise InvalidInputError("pass exactly one of n_strides and duration_s")
    if speed_mps <= 0 or cadence_spm <= 0 or stride_time_cv_pct < 0:
        raise InvalidInputError("speed_mps and cadence_spm must be positive, the CV non-negative")
    if start_stop_steps < 0:
        raise InvalidInputError(f"start_stop_steps must be >= 0, got {start_stop_steps!r}")
    if not 0 < trunk_motion_fraction <= 1:
        raise InvalidInputError(
            f"trunk_motion_fraction must be in (0, 1], got {trunk_motion_fraction!r}"
        )
    rng = np.random.default_rng(seed)
    stride_mean_s = 120.0 / cadence_spm
    if n_strides is not None:
        per_bout = bout_strides or n_strides
        n_bouts = int(np.ceil(n_strides / per_bout))
        bout_sizes = [min(per_bout, n_strides - b * per_bout) for b in range(n_bouts)]
    else:
        assert duration_s is not None
        per_bout = bout_strides or 60
        n_bouts = max(int((duration_s - rest_s) // (per_bout * stride_mean_s + rest_s)), 1)
        bout_sizes = [per_bout] * n_bouts
    step_length_m = speed_mps * stride_mean_s / 2.0
    excursion_m = trunk_motion_fraction * pendulum_excursion_m(
        step_length_m, sensor_height_m=sensor_height_m, correction=TRUNK_STEP_FACTOR
    )

    # Timeline of initial contacts. Steps are independent, so every stride (IC k to IC k + 2, for
    # each k, as the pipeline counts them) has the requested CV.
    step_sd_s = stride_mean_s * stride_time_cv_pct / 100.0 / np.sqrt(2.0)
    ic_parts, bout_spans, turn_spans = [], [], []
    clock_s = rest_s
    for size in bout_sizes:
        steps_s = np.clip(
            rng.normal(stride_mean_s / 2.0, step_sd_s, 2 * size),
            0.25 * stride_mean_s,
            0.75 * stride_mean_s,
        )
        ic_s = clock_s + np.concatenate(([0.0], np.cumsum(steps_s)))
        ic_parts.append(ic_s)
        bout_spans.append((ic_s[0], ic_s[-1]))
        if turn_every_strides:
            for first in range(turn_every_strides, size - 1, turn_every_strides):
                start = ic_s[2 * first]
                turn_spans.append((start, start + turn_duration_s))
        clock_s = ic_s[-1] + rest_s
    # Step lengths: full, except the ramps of walks that start and stop.
    length_parts = []
    for size in bout_sizes:
        lengths = np.full(2 * size, step_length_m)
        ramp = min(start_stop_steps, size)
        factors = np.arange(1, ramp + 1) / (start_stop_steps + 1)
        lengths[:ramp] *= factors
        lengths[len(lengths) - ramp :] *= factors[::-1]
        length_parts.append(lengths)
    step_lengths_m = np.concatenate(length_parts)
    step_excursions_m = np.full(len(step_lengths_m), excursion_m)
    ramped = step_lengths_m != step_length_m
    step_excursions_m[ramped] = [
        trunk_motion_fraction
        * pendulum_excursion_m(
            length, sensor_height_m=sensor_height_m, correction=TRUNK_STEP_FACTOR
        )
        for length in step_lengths_m[ramped]
    ]
    total_s = duration_s if duration_s is not None else clock_s
    n_samples = round(total_s * rate_hz)
    time_s = np.arange(n_samples) / rate_hz

    # Which step each sample is in (-1 at rest), its phase and its duration.
    step_starts = np.concatenate([ic[:-1] for ic in ic_parts])
    step_ends = np.concatenate([ic[1:] for ic in ic_parts])
    k = np.searchsorted(step_starts, time_s, side="right") - 1
    walking = (k >= 0) & (time_s < step_ends[np.maximum(k, 0)])
    k = np.where(walking, k, 0)
    step_s = step_ends[k] - step_starts[k]
    phase = np.where(walking, (time_s - step_starts[k]) / step_s, 0.0)
    omega = 2.0 * np.pi / step_s
    stride_phase = np.where(k % 2 == 0, phase, phase + 1.0) / 2.0
    loading_phase = phase - LOADING_DELAY_S / step_s
    up = np.where(
        walking,
        step_excursions_m[k] / 2.0 * omega**2 * np.cos(2.0 * np.pi * loading_phase),
        0.0,
    )
    if start_stop_steps:
        # The half steps from standing into the first contact and back up after the last.
        first_steps = np.cumsum([0] + [2 * size for size in bout_sizes[:-1]])
        last_steps = np.cumsum([2 * size for size in bout_sizes]) - 1
        edges = [(step_starts[i], i, True) for i in first_steps]
        edges += [(step_ends[i], i, False) for i in last_steps]
        for contact_s, step, before in edges:
            step_duration_s = step_ends[step] - step_starts[step]
            u = (time_s - contact_s - LOADING_DELAY_S) / step_duration_s
            if before:
                inside = (u >= -0.5) & (time_s < contact_s)
            else:
                inside = (time_s >= contact_s) & (u <= 0.5)
            amplitude_mps2 = step_excursions_m[step] / 2.0 * (2.0 * np.pi / step_duration_s) ** 2
            up += np.where(inside, amplitude_mps2 * np.cos(2.0 * np.pi * u), 0.0)
    up += impact_transients_mps2(time_s, np.concatenate(ic_parts))
    ap = np.where(walking, AP_AMPLITUDE_MPS2 * np.sin(2.0 * np.pi * phase), 0.0)
    ml = np.where(
        walking, trunk_motion_fraction * ML_AMPLITUDE_MPS2 * np.sin(2.0 * np.pi * stride_phase), 0.0
    )
    # The sway accelerates the trunk away from the stance foot in single support; the dropping
    # swing side tilts the ML axis so that gravity reads towards the stance foot.
    roll_rad = np.where(
        walking, -np.radians(pelvic_drop_deg) * np.sin(2.0 * np.pi * stride_phase), 0.0
    )
    # Pelvic rotation: clockwise from above (negative yaw rate) at left ICs (even steps).
    pelvis_yaw_rads = np.where(
        walking, -trunk_motion_fraction * PELVIS_YAW_RADS * np.cos(2.0 * np.pi * stride_phase), 0.0
    )
    del k, phase, omega, stride_phase, step_s, loading_phase

    # Turns: raised-cosine yaw rate integrating to pi over each turn; centripetal ML acceleration.
    yaw_rads = np.zeros(n_samples)
    for start, end in turn_spans:
        inside = slice(int(np.ceil(start * rate_hz)), int(np.ceil(end * rate_hz)))
        u = (time_s[inside] - start) / (end - start)
        yaw_rads[inside] = np.pi / (end - start) * (1.0 - np.cos(2.0 * np.pi * u))
    ml += speed_mps * yaw_rads * walking

    pitch_rad = np.radians(rest_trunk_pitch_deg) * rest_posture(
        time_s, np.asarray(bout_spans).reshape(-1, 2), delay_s=1.0, transition_s=1.5
    )
    accel_body = np.column_stack(
        (
            ap - STANDARD_GRAVITY_MPS2 * np.sin(pitch_rad),
            ml + STANDARD_GRAVITY_MPS2 * np.sin(roll_rad),
            up + STANDARD_GRAVITY_MPS2 * np.cos(pitch_rad) * np.cos(roll_rad),
        )
    )
    roll_rate_rads = np.gradient(roll_rad, 1.0 / rate_hz)
    del ap, ml, up, roll_rad
    accel_body += rng.normal(0.0, noise_mps2, accel_body.shape)
    sway = (
        trunk_motion_fraction
        * TRUNK_SWAY_RADS
        * np.sin(2.0 * np.pi * time_s * cadence_spm / 60.0)
        * walking
    )
    pitch_rate_rads = np.gradient(pitch_rad, 1.0 / rate_hz)
    gyro_body = np.column_stack(
        (sway + roll_rate_rads, 0.5 * sway + pitch_rate_rads, yaw_rads + pelvis_yaw_rads)
    )
    gyro_body += rng.normal(0.0, noise_mps2, gyro_body.shape)
    rotation = Rotation.from_euler("xyz", orientation_deg, degrees=True).as_matrix()
    accel = accel_body @ rotation.T
    gyro = gyro_body @ rotation.T

    # Truth per stride: path length shortened on turns by the stride's heading change.
    ic_all = np.concatenate(ic_parts)
    strides_s = np.concatenate([ic[2:] - ic[:-2] for ic in ic_parts])
    stride_starts_s = np.concatenate([ic[:-2] for ic in ic_parts])
    cumulative_yaw = np.concatenate(([0.0], np.cumsum(yaw_rads))) / rate_hz
    start_index = np.searchsorted(time_s, stride_starts_s)
    end_index = np.searchsorted(time_s, stride_starts_s + strides_s)
    heading = cumulative_yaw[end_index] - cumulative_yaw[start_index]
    # Path along the turn's arc: the stride's chord of a straight stride bent by ``heading``.
    bend = np.minimum(np.abs(heading), np.pi)
    chord = np.where(bend > 1e-9, 2.0 * np.sin(bend / 2.0) / np.maximum(bend, 1e-9), 1.0)
    stride_lengths_m = np.concatenate([lengths[:-1] + lengths[1:] for lengths in length_parts])
    speeds = stride_lengths_m * chord / strides_s
    truth = WalkTruth(
        ic_times_s=ic_all,
        ic_feet=np.concatenate(
            [np.where(np.arange(len(ic)) % 2 == 0, "left", "right") for ic in ic_parts]
        ),
        stride_times_s=strides_s,
        stride_speeds_mps=speeds,
        bout_spans_s=np.asarray(bout_spans).reshape(-1, 2),
        turn_spans_s=np.asarray(turn_spans).reshape(-1, 2),
        step_length_m=step_length_m,
        sensor_height_m=sensor_height_m,
    )
    return SimulatedWalk(accel_mps2=accel, gyro_rads=gyro, sampling_rate_hz=rate_hz, truth=truth)
