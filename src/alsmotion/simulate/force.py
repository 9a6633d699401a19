"""Synthetic handheld-dynamometer force curves with known truth.

One isometric effort: quiet, a raised-cosine rise to the peak, a hold that declines linearly
(fatigue), a raised-cosine release, quiet again. On top: tare offset, linear drift, Gaussian noise,
jittered sample times, and on request one of the failures a trial can show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.units import validate_sampling_rate_hz

#: Failures :func:`simulate_force_trial` can produce, named as the analysis reports them.
FAILURE_MODES = (
    "no_effort",
    "effort_too_short",
    "saturation",
    "no_return_to_baseline",
    "more_than_one_effort",
    "signal_dropout",
)


@dataclass(frozen=True)
class ForceTrialTruth:
    """What the simulated effort really was (forces above the tare, N; times on ``time_s``, s)."""

    peak_force_n: float
    onset_time_s: float
    peak_time_s: float
    time_to_peak_s: float
    end_time_s: float
    impulse_ns: float
    failure: str | None
    device_limit_n: float | None


@dataclass(frozen=True)
class SimulatedForceTrial:
    """Samples of a simulated trial: ``force_n`` at ``time_s`` from a device at ``sampling_rate_hz``."""

    force_n: np.ndarray
    time_s: np.ndarray
    sampling_rate_hz: float
    truth: ForceTrialTruth


def effort_force_n(
    time_s: np.ndarray,
    *,
    onset_s: float,
    peak_force_n: float,
    rise_time_s: float,
    overshoot_fraction: float,
    hold_s: float,
    release_time_s: float,
    fatigue_pct_per_s: float,
    residual_fraction: float = 0.0,
) -> np.ndarray:
    """Force of one effort at ``time_s``, N.

    Phases from ``onset_s``: a raised-cosine rise to ``peak_force_n`` over ``rise_time_s``; a
    raised-cosine settle to ``(1 - overshoot_fraction)`` of the peak, lasting
    ``rise_time_s x sqrt(overshoot_fraction)`` so that the peak is equally curved on both sides; a
    hold of ``hold_s`` declining by ``fatigue_pct_per_s`` % of the peak per second; a raised-cosine
    release over ``release_time_s`` to ``residual_fraction`` of the end-of-hold force (0: the limb
    relaxes).
    """
    t = np.asarray(time_s, dtype=float) - onset_s
    settle_s = rise_time_s * np.sqrt(overshoot_fraction)
    hold_start_s = rise_time_s + settle_s
    plateau_n = peak_force_n * (1.0 - overshoot_fraction)
    fatigue_n_per_s = peak_force_n * fatigue_pct_per_s / 100.0
    hold_end_n = plateau_n - fatigue_n_per_s * hold_s
    release_start_s = hold_start_s + hold_s
    residual_n = residual_fraction * hold_end_n
    force = np.zeros_like(t)
    rising = (t > 0) & (t < rise_time_s)
    force[rising] = 0.5 * peak_force_n * (1.0 - np.cos(np.pi * t[rising] / rise_time_s))
    settling = (t >= rise_time_s) & (t < hold_start_s)
    phase = (t[settling] - rise_time_s) / settle_s if settle_s > 0 else t[settling]
    force[settling] = peak_force_n - 0.5 * (peak_force_n - plateau_n) * (
        1.0 - np.cos(np.pi * phase)
    )
    holding = (t >= hold_start_s) & (t <= release_start_s)
    force[holding] = plateau_n - fatigue_n_per_s * (t[holding] - hold_start_s)
    releasing = (t > release_start_s) & (t < release_start_s + release_time_s)
    phase = (t[releasing] - release_start_s) / release_time_s
    force[releasing] = residual_n + 0.5 * (hold_end_n - residual_n) * (1.0 + np.cos(np.pi * phase))
    force[t >= release_start_s + release_time_s] = residual_n
    return force


def simulate_force_trial(
    *,
    sampling_rate_hz: float,
    peak_force_n: float = 200.0,
    rise_time_s: float = 0.4,
    overshoot_fraction: float = 0.005,
    hold_s: float = 3.0,
    release_time_s: float = 0.3,
    fatigue_pct_per_s: float = 3.0,
    quiet_before_s: float = 1.0,
    quiet_after_s: float = 1.0,
    tare_offset_n: float = 0.0,
    noise_sd_n: float = 0.0,
    drift_n_per_s: float = 0.0,
    timestamp_jitter_fraction: float = 0.0,
    failure: str | None = None,
    seed: int | None = None,
) -> SimulatedForceTrial:
    """Simulate one make-test trial on a handheld dynamometer.

    Parameters
    ----------
    sampling_rate_hz : nominal device rate, Hz (required).
    peak_force_n : peak force above the tare, N.
    rise_time_s, hold_s, release_time_s : phases of the effort, s.
    overshoot_fraction : the force settles from the peak to this much less before the hold.
    fatigue_pct_per_s : decline of force during the hold, % of peak per s.
    quiet_before_s, quiet_after_s : quiet recording around the effort, s.
    tare_offset_n : constant reading with no load, N.
    noise_sd_n : SD of white Gaussian noise, N.
    drift_n_per_s : linear drift of the reading, N/s.
    timestamp_jitter_fraction : sample times deviate uniformly by up to this fraction of a sample
        period (below 0.5 keeps them in order); the force is the force at the jittered time.
    failure : one of :data:`FAILURE_MODES`, or None for a valid trial. ``no_effort`` keeps the
        force at 1 % of ``peak_force_n``; ``effort_too_short`` holds for 0.1 s; ``saturation`` clips the
        reading at 85 % of the peak (plus tare); ``no_return_to_baseline`` leaves 40 % of the force on
        after the release; ``more_than_one_effort`` adds a second effort at 90 % after 1 s of rest;
        ``signal_dropout`` loses 0.5 s of samples in the hold.
    seed : seed of the noise and jitter.
    """
    rate_hz = validate_sampling_rate_hz(sampling_rate_hz)
    if failure is not None and failure not in FAILURE_MODES:
        raise InvalidInputError(
            f"unknown failure {failure!r}: use one of {', '.join(FAILURE_MODES)}"
        )
    if not 0 <= timestamp_jitter_fraction < 0.5:
        raise InvalidInputError("timestamp_jitter_fraction must be in [0, 0.5)")
    rng = np.random.default_rng(seed)
    if failure == "effort_too_short":
        hold_s = 0.1
    effort = {
        "onset_s": quiet_before_s,
        "peak_force_n": 0.01 * peak_force_n if failure == "no_effort" else peak_force_n,
        "rise_time_s": rise_time_s,
        "overshoot_fraction": overshoot_fraction,
        "hold_s": hold_s,
        "release_time_s": release_time_s,
        "fatigue_pct_per_s": fatigue_pct_per_s,
        "residual_fraction": 0.4 if failure == "no_return_to_baseline" else 0.0,
    }
    if not 0 <= overshoot_fraction < 1:
        raise InvalidInputError("overshoot_fraction must be in [0, 1)")
    effort_s = rise_time_s * (1.0 + np.sqrt(overshoot_fraction)) + hold_s + release_time_s
    second_onset_s = quiet_before_s + effort_s + 1.0
    total_s = quiet_before_s + effort_s + quiet_after_s
    if failure == "more_than_one_effort":
        total_s += effort_s + 1.0
    n = int(np.floor(total_s * rate_hz)) + 1
    time_s = np.arange(n) / rate_hz
    if timestamp_jitter_fraction:
        time_s = time_s + rng.uniform(-1, 1, n) * timestamp_jitter_fraction / rate_hz
        time_s[0] = 0.0
    force = effort_force_n(time_s, **effort)
    if failure == "more_than_one_effort":
        force += effort_force_n(
            time_s, **{**effort, "onset_s": second_onset_s, "peak_force_n": 0.9 * peak_force_n}
        )
    reading = tare_offset_n + drift_n_per_s * time_s + force + rng.normal(0, noise_sd_n, n)
    device_limit_n = None
    if failure == "saturation":
        device_limit_n = tare_offset_n + 0.85 * peak_force_n
        reading = np.minimum(reading, device_limit_n)
    if failure == "signal_dropout":
        hold_start_s = quiet_before_s + effort_s - release_time_s - hold_s
        lost = (time_s > hold_start_s + 0.5) & (time_s < hold_start_s + 1.0)
        time_s, reading = time_s[~lost], reading[~lost]

    effort_peak_n = float(effort["peak_force_n"])
    truth = ForceTrialTruth(
        peak_force_n=effort_peak_n,
        onset_time_s=quiet_before_s,
        peak_time_s=quiet_before_s + rise_time_s,
        time_to_peak_s=rise_time_s,
        end_time_s=quiet_before_s + effort_s,
        impulse_ns=float(
            _effort_impulse_ns(
                effort_peak_n,
                rise_time_s,
                overshoot_fraction,
                hold_s,
                release_time_s,
                fatigue_pct_per_s,
            )
        ),
        failure=failure,
        device_limit_n=device_limit_n,
    )
    return SimulatedForceTrial(
        force_n=reading, time_s=time_s, sampling_rate_hz=rate_hz, truth=truth
    )


def _effort_impulse_ns(
    peak_n: float,
    rise_s: float,
    overshoot_fraction: float,
    hold_s: float,
    release_s: float,
    fatigue_pct_per_s: float,
) -> float:
    """Exact integral of :func:`effort_force_n` without residual, N s."""
    settle_s = rise_s * np.sqrt(overshoot_fraction)
    plateau_n = peak_n * (1.0 - overshoot_fraction)
    hold_end_n = plateau_n - peak_n * fatigue_pct_per_s / 100.0 * hold_s
    return (
        0.5 * peak_n * rise_s
        + 0.5 * (peak_n + plateau_n) * settle_s
        + 0.5 * (plateau_n + hold_end_n) * hold_s
        + 0.5 * hold_end_n * release_s
    )
