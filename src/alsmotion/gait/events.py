"""Initial and final contacts from vertical acceleration: the CWT method of McCamley et al. (2012).

The vertical acceleration is detrended, low-passed and integrated to velocity; a Gaussian-derivative
continuous wavelet transform differentiates it again (the "smoothed derivative"). With pywt's
``gaus1`` wavelet, which gives the negative derivative, initial contacts (IC) are the minima of that
first CWT and final contacts (FC) the maxima of a second CWT of it. Here the transform is written as a
positive time derivative of upward acceleration, so ICs are its maxima and FCs the minima of the
second. This follows GaitPy (scales 0.2 s and 1/6 s, i.e. ``fs/5`` and ``fs/6`` samples, prominences chosen
to match its defaults), but the transform is written in physical units so thresholds do not depend
on the sampling rate: the first CWT is in m/s^2, the second in m/s^3.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import find_peaks, sosfiltfilt

from alsmotion.gait.preprocess import butter_sos


def gaussian_derivative_cwt(
    signal: np.ndarray, *, scale_s: float, sampling_rate_hz: float
) -> np.ndarray:
    """CWT of ``signal`` with a first-derivative-of-Gaussian wavelet, as a time derivative.

    The wavelet ``-2 t exp(-(t/scale)^2)`` (pywt ``gaus1``) equals, up to a constant gain, the time
    derivative of the signal smoothed by a Gaussian of standard deviation ``scale / sqrt(2)``. This
    returns that derivative in the signal's unit per second (positive where the signal rises).
    """
    sigma_samples = scale_s * sampling_rate_hz / np.sqrt(2.0)
    return gaussian_filter1d(signal, sigma_samples, order=1, mode="nearest") * sampling_rate_hz


def vertical_velocity(
    vertical_mps2: np.ndarray, *, sampling_rate_hz: float, lowpass_hz: float
) -> np.ndarray:
    """Vertical velocity (m/s): linearly detrended, low-passed acceleration integrated in time."""
    n = len(vertical_mps2)
    centred_time = np.arange(n, dtype=float) - (n - 1) / 2.0
    slope = float(np.einsum("i,i", centred_time, vertical_mps2)) / float(
        np.einsum("i,i", centred_time, centred_time)
    )
    detrended = vertical_mps2 - vertical_mps2.mean() - slope * centred_time
    if lowpass_hz < sampling_rate_hz / 2:
        detrended = sosfiltfilt(butter_sos(4, lowpass_hz, "lowpass", sampling_rate_hz), detrended)
    return np.cumsum(detrended) / sampling_rate_hz


def detect_contacts(
    vertical_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    lowpass_hz: float,
    ic_scale_s: float,
    fc_scale_s: float,
    ic_prominence_mps2: float,
    fc_prominence_mps3: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices of initial and final contacts in upward acceleration (m/s^2, any offset).

    Returns
    -------
    ic_samples, fc_samples : sorted int arrays.
    """
    velocity = vertical_velocity(
        vertical_mps2, sampling_rate_hz=sampling_rate_hz, lowpass_hz=lowpass_hz
    )
    first = gaussian_derivative_cwt(velocity, scale_s=ic_scale_s, sampling_rate_hz=sampling_rate_hz)
    second = gaussian_derivative_cwt(first, scale_s=fc_scale_s, sampling_rate_hz=sampling_rate_hz)
    ic_samples, _ = find_peaks(first, prominence=ic_prominence_mps2)
    fc_samples, _ = find_peaks(-second, prominence=fc_prominence_mps3)
    return ic_samples, fc_samples


def impact_jerk(
    vertical_mps2: np.ndarray, *, sampling_rate_hz: float, smoothing_s: float
) -> np.ndarray:
    """Jerk of the upward acceleration (m/s^2 per sample) smoothed by a Gaussian of SD
    ``smoothing_s``: a foot's impact is its steepest rise (:func:`impact_onsets`,
    :func:`closing_contacts`)."""
    smoothed = gaussian_filter1d(vertical_mps2, smoothing_s * sampling_rate_hz, mode="nearest")
    return np.gradient(smoothed)


def impact_onsets(
    jerk: np.ndarray,
    ic_samples: np.ndarray,
    *,
    sampling_rate_hz: float,
    window_s: float,
    own_lag: np.ndarray | None = None,
) -> np.ndarray:
    """Move each initial contact to the steepest rise of vertical acceleration before it.

    The CWT peak (:func:`detect_contacts`) is the centre of the loading response, smoothed over
    about 0.3 s, so it lags heel strike. The foot's impact is the onset of that upward push: the
    largest ``jerk`` (:func:`impact_jerk`) within ``window_s`` before the CWT peak, taken as the
    median over the contacts given (one block of recording). Contacts marked in ``own_lag`` (the
    last of a walk, whose weak loading peaks late) move to their own impact instead. Returns the
    moved sample indices (same count and order as ``ic_samples``).
    """
    ic = np.asarray(ic_samples, dtype=int)
    if len(ic) == 0:
        return ic
    window = max(round(window_s * sampling_rate_hz), 1)
    offsets = np.arange(-window, 1)
    index = np.clip(ic[:, None] + offsets[None, :], 0, len(jerk) - 1)
    lag = offsets[np.argmax(jerk[index], axis=1)]
    # One impact onset is noisy (a 20 ms sample grid, several small peaks), and the CWT's step
    # times are the more regular: every contact moves by the median lag, so step times stay.
    moved = ic + int(np.median(lag))
    if own_lag is not None:
        moved = np.where(own_lag, ic + lag, moved)
    return moved


def closing_contacts(
    jerk: np.ndarray,
    impact_samples: np.ndarray,
    *,
    sampling_rate_hz: float,
    max_step_samples: int,
    window_s: float,
    min_impact_ratio: float,
) -> np.ndarray:
    """Impacts of the closing steps that end walks, which the CWT misses.

    When a walker stops, the trailing foot is set down beside the other while the trunk is already
    slowing; that step's loading peak merges with the deceleration, and the CWT
    (:func:`detect_contacts`) shows none. Its impact (the steepest rise of upward acceleration,
    the largest ``jerk`` of :func:`impact_jerk`) is still there. After every contact with no next
    one within ``max_step_samples`` (a walk's end) that follows at least two steps, the steepest
    rise between 0.5 and 1.5 of the walk's median step later is a closing contact when it is at
    least ``min_impact_ratio`` times the median impact of the recording's contacts (steepest rise
    within ``window_s`` before each, as in :func:`impact_onsets`). Returns the sorted sample indices of the closing contacts found.
    """
    impacts = np.asarray(impact_samples, dtype=int)
    if len(impacts) < 3:
        return np.zeros(0, dtype=int)
    window = max(round(window_s * sampling_rate_hz), 1)
    index = np.clip(impacts[:, None] + np.arange(-window, 1)[None, :], 0, len(jerk) - 1)
    typical = float(np.median(jerk[index].max(axis=1)))
    steps = np.diff(impacts)
    found = []
    for k in np.flatnonzero(np.append(steps, max_step_samples + 1) > max_step_samples):
        before = steps[max(k - 4, 0) : k]
        before = before[before <= max_step_samples]
        if len(before) < 2:
            continue
        step = float(np.median(before))
        low, high = impacts[k] + round(0.5 * step), impacts[k] + round(1.5 * step)
        if high >= len(jerk):
            continue
        best = low + int(np.argmax(jerk[low:high]))
        if jerk[best] >= min_impact_ratio * typical:
            found.append(best)
    return np.asarray(found, dtype=int)
