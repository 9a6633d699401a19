"""Efforts in a continuous force recording (no trial events): the stretches where the force
rises above the onset threshold of :func:`alsmotion.strength.analyze_trial`, each widened by a
quiet margin before and after so that it can be analysed as one trial."""

from __future__ import annotations

import numpy as np

from alsmotion.errors import InvalidInputError
from alsmotion.strength import curve
from alsmotion.strength.settings import TrialSettings
from alsmotion.strength.trial import MIN_SAMPLING_RATE_HZ
from alsmotion.units import validate_sampling_rate_hz


def _rest_level_n(force_n: np.ndarray, threshold_n: float) -> float:
    """The force at rest: the median of the samples within ``threshold_n`` of the median (twice),
    so that efforts, which are brief excursions above rest, do not raise it."""
    rest_n = float(np.median(force_n))
    for _ in range(2):
        quiet = force_n[force_n - rest_n <= threshold_n]
        rest_n = float(np.median(quiet)) if quiet.size else rest_n
    return rest_n


def find_efforts(
    force_n: np.ndarray,
    *,
    sampling_rate_hz: float,
    settings: TrialSettings | None = None,
    margin_s: float = 1.5,
) -> np.ndarray:
    """Sample windows of the efforts in a continuous force recording.

    An effort is a run of samples more than the onset threshold of
    :func:`alsmotion.strength.analyze_trial`, ``max(onset_threshold_n, onset_threshold_sd x
    noise SD)``, above the force at rest, lasting at least ``min_segment_s``. The rest level is a
    median of the quiet samples and the noise SD the robust SD of successive differences (the
    recording has no quiet start to take them from). Runs separated by less than two margins are
    one window (analysed, :func:`analyze_trial` then reports ``more_than_one_effort``); each
    window holds ``margin_s`` of the recording before and after its run.

    Parameters
    ----------
    force_n : force samples on the device's nominal grid, N; NaN marks a lost sample.
    sampling_rate_hz : the device's nominal rate, Hz (required).
    settings : the trial analysis settings whose thresholds are used; default ``TrialSettings()``.
    margin_s : quiet recording kept before and after each effort, s; longer than
        ``settings.baseline_window_s`` (the window's start is the trial's quiet baseline).

    Returns
    -------
    (k, 2) int array of [start, stop) sample indices, in order, not overlapping.

    Raises
    ------
    InvalidInputError : force not 1-D, bad rate, or a margin not longer than the baseline window.
    """
    settings = settings if settings is not None else TrialSettings()
    rate_hz = validate_sampling_rate_hz(sampling_rate_hz, minimum_hz=MIN_SAMPLING_RATE_HZ)
    force = np.asarray(force_n, dtype=float)
    if force.ndim != 1:
        raise InvalidInputError(f"force_n must be 1-D, got shape {force.shape}")
    if not margin_s > settings.baseline_window_s:
        raise InvalidInputError(
            f"margin_s ({margin_s:g} s) must be longer than the baseline window "
            f"({settings.baseline_window_s:g} s) that each effort's trial starts with"
        )
    finite = np.isfinite(force)
    if finite.sum() < 3:
        return np.empty((0, 2), dtype=int)
    noise_n = max(curve.difference_noise_sd_n(force[finite]), settings.resolution_n or 0.0)
    threshold_n = max(settings.onset_threshold_n, settings.onset_threshold_sd * noise_n)
    rest_n = _rest_level_n(force[finite], threshold_n)
    index = np.arange(force.size)
    filled = np.interp(index, index[finite], force[finite])  # a lost sample does not split a run
    runs = curve.active_segments(filled - rest_n > threshold_n)
    runs = runs[(runs[:, 1] - runs[:, 0]) / rate_hz >= settings.min_segment_s]
    if runs.shape[0] == 0:
        return np.empty((0, 2), dtype=int)
    margin = int(np.ceil(margin_s * rate_hz))
    merged = [list(runs[0])]
    for start, stop in runs[1:]:
        if start - merged[-1][1] < 2 * margin:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    windows = np.array(merged, dtype=int)
    windows[:, 0] = np.maximum(windows[:, 0] - margin, 0)
    windows[:, 1] = np.minimum(windows[:, 1] + margin, force.size)
    return windows


__all__ = ["find_efforts"]
