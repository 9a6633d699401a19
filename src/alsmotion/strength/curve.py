"""Pure numpy functions over one force curve: times in s (any spacing, strictly increasing), force
in N. Nothing here reads files, clocks or settings objects."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import signal


class Baseline(NamedTuple):
    """The quiet period at the start of a recording, fitted with a straight line.

    ``mean_n`` is the tare (N); ``sd_n`` the SD of the residual about the line (the noise with the
    drift removed, N); the line is ``mean_n + drift_n_per_s x (t - centre_s)``. ``drift_n_per_s`` is
    0 when the fitted slope is within 3 standard errors of zero, so that noise in a short window is
    not extrapolated over the rest of the trial.
    """

    mean_n: float
    sd_n: float
    drift_n_per_s: float
    centre_s: float

    def at(self, time_s: np.ndarray) -> np.ndarray:
        """The baseline line at ``time_s``, N."""
        return self.mean_n + self.drift_n_per_s * (time_s - self.centre_s)


def fit_baseline(
    time_s: np.ndarray, force_n: np.ndarray, *, window_s: float, confidence: float = 0.5
) -> Baseline:
    """Tare, noise and drift of the quiet period at the start of a recording.

    Parameters
    ----------
    time_s : sample times, s (at least 3 within the window).
    force_n : force, N.
    window_s : length of the quiet period from the first sample, s.
    confidence : the slope's standard error that decides whether the drift is real uses the
        noise SD raised to this upper confidence bound (:func:`noise_sd_upper_n`), so that a
        short window whose SD came out low does not make noise look like drift.
    """
    in_window = time_s - time_s[0] <= window_s + 1e-9
    t = time_s[in_window]
    f = force_n[in_window]
    centred_s = t - np.mean(t)
    spread_s2 = float(np.sum(centred_s**2))
    slope = float(np.sum(centred_s * (f - np.mean(f))) / spread_s2)
    residual = f - np.mean(f) - slope * centred_s
    sd_n = float(np.sqrt(np.sum(residual**2) / max(t.size - 2, 1)))
    slope_se = noise_sd_upper_n(sd_n, t.size, confidence=confidence) / np.sqrt(spread_s2)
    drift = slope if abs(slope) > 3.0 * slope_se else 0.0
    return Baseline(float(np.mean(f)), sd_n, drift, float(np.mean(t)))


def noise_sd_upper_n(sd_n: float, n_samples: int, *, confidence: float) -> float:
    """One-sided upper confidence bound of a noise SD estimated from ``n_samples`` residuals of a
    fitted line (``n_samples - 2`` degrees of freedom), N.

    ``(n - 2) s**2 / sigma**2`` follows a chi-square distribution; the bound is
    ``s sqrt((n - 2) / chi2.ppf(1 - confidence, n - 2))``. A 5-sample window (10 Hz, 0.5 s) has 3
    degrees of freedom: its SD is below a third of the true one about 1 time in 20, and the bound
    (x 2.9 at 95 %) keeps such a window from setting a threshold inside the noise. At 40 samples
    the factor is 1.2.
    """
    from scipy.stats import chi2

    dof = max(n_samples - 2, 1)
    return float(sd_n * np.sqrt(dof / chi2.ppf(1.0 - confidence, dof)))


def difference_noise_sd_n(force_n: np.ndarray) -> float:
    """Robust noise SD from successive differences, N:
    ``1.4826 x median(|d - median(d)|) / sqrt(2)`` of the differences ``d``.

    White noise of SD ``sigma`` has differences of SD ``sigma sqrt(2)``; subtracting their median
    removes a steady drift, and the medians ignore the few large differences of a rising effort.
    Returns 0 for fewer than three samples.
    """
    values = np.asarray(force_n, dtype=float)
    if values.size < 3:
        return 0.0
    steps = np.diff(values)
    return float(1.4826 * np.median(np.abs(steps - np.median(steps))) / np.sqrt(2.0))


def lowpass_zero_phase(
    time_s: np.ndarray,
    force_n: np.ndarray,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float,
    order: int,
) -> np.ndarray:
    """Zero-phase Butterworth low-pass of a force curve sampled at any times.

    The curve is interpolated linearly onto a uniform grid at ``sampling_rate_hz``, filtered forward
    and backward (``scipy.signal.sosfiltfilt``, so no delay and an effective order of
    ``2 x order``) and interpolated back to the original times. The caller checks that the cutoff is
    below the Nyquist frequency and that the curve is long enough (:func:`lowpass_padding_samples`).

    Parameters
    ----------
    time_s : sample times, s.
    force_n : force, N.
    sampling_rate_hz : nominal rate of the device, Hz.
    cutoff_hz : -3 dB cutoff of each pass, Hz.
    order : Butterworth order of each pass.
    """
    sos = signal.butter(order, cutoff_hz, btype="low", fs=sampling_rate_hz, output="sos")
    n_grid = int(np.floor((time_s[-1] - time_s[0]) * sampling_rate_hz + 1e-9)) + 1
    grid_s = time_s[0] + np.arange(n_grid) / sampling_rate_hz
    uniform = np.allclose(grid_s, time_s, rtol=0, atol=1e-9) if n_grid == time_s.size else False
    values = force_n if uniform else np.interp(grid_s, time_s, force_n)
    filtered = signal.sosfiltfilt(sos, values)
    return filtered if uniform else np.interp(time_s, grid_s, filtered)


def lowpass_padding_samples(order: int) -> int:
    """Samples ``sosfiltfilt`` pads at each end for a Butterworth low-pass of this order."""
    n_sections = (order + 1) // 2
    return 3 * (2 * n_sections + 1)


def active_segments(active: np.ndarray) -> np.ndarray:
    """Runs of True in a boolean array as an (n, 2) array of [start, stop) sample indices."""
    padded = np.concatenate(([False], np.asarray(active, dtype=bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return edges.reshape(-1, 2)


def quiet_onset_index(excess_n: np.ndarray, crossing_index: int, *, quiet_level_n: float) -> int:
    """First sample of an effort: the one after the last sample at or below ``quiet_level_n``.

    Parameters
    ----------
    excess_n : force above the drift-corrected baseline, N.
    crossing_index : first sample of the effort above the onset threshold.
    quiet_level_n : force above baseline still counted as quiet, N.
    """
    quiet = np.flatnonzero(excess_n[: crossing_index + 1] <= quiet_level_n)
    return int(quiet[-1] + 1) if quiet.size else 0


def rising_edge_onset_s(
    time_s: np.ndarray,
    excess_n: np.ndarray,
    first_index: int,
    peak_index: int,
    *,
    quiet_level_n: float,
    fit_level_n: float,
) -> float:
    """Sub-sample time at which a rising force leaves the baseline, s.

    Model: a force that starts smoothly from rest rises as ``a (t - t0)**2`` near its onset ``t0``
    (zero slope at the start, constant initial acceleration), so ``sqrt(F)`` rises linearly and
    crosses zero at ``t0``. A straight line is fitted to ``sqrt(excess_n)`` against time by
    least squares weighted by the force (``sqrt(F)`` of a force with additive noise has a variance
    proportional to ``1 / F``), over the samples from ``first_index`` until the first one reaching
    ``fit_level_n`` (at least two samples, none past the peak), and extrapolated back to zero.

    The onset must lie in an interval the samples allow: no later than ``time_s[first_index]``
    and no earlier than the last quiet sample ``time_s[first_index - 1]`` minus the time the fitted
    rise takes to climb through ``quiet_level_n`` (a sample can still be quiet just after the
    onset). A fit outside the interval is moved to its nearer end, unless it lands before the
    interval by more than half the interval's width: the rise then is not quadratic at the
    sampling resolution, and the middle of the interval is returned. The middle of the last quiet
    sample and ``first_index`` is also returned without a usable fit (fewer than two rising
    samples, or a line that does not rise).

    Parameters
    ----------
    time_s : sample times, s (any spacing).
    excess_n : force above the (drift-corrected) baseline, N.
    first_index : first sample of the effort (the one after the last sample within
        ``quiet_level_n`` of the baseline); 0 means the effort starts with the recording.
    peak_index : the sample of the effort's maximum; the fit does not go past it.
    quiet_level_n : force above baseline still counted as quiet, N.
    fit_level_n : the fit stops at the first sample at or above this force, N.
    """
    if first_index == 0:
        return float(time_s[0])
    last_quiet_s = float(time_s[first_index - 1])
    first_s = float(time_s[first_index])
    rising = excess_n[first_index : peak_index + 1]
    reached = np.flatnonzero(rising >= fit_level_n)
    stop = first_index + max(int(reached[0]) + 1 if reached.size else rising.size, 2)
    stop = min(stop, peak_index + 1)
    force = np.maximum(excess_n[first_index:stop], 0.0)
    t = time_s[first_index:stop]
    if force.size < 2 or np.sum(force > 0) < 2:
        return 0.5 * (last_quiet_s + first_s)
    weight = force / np.sum(force)
    root = np.sqrt(force)
    t_mean = float(np.sum(weight * t))
    root_mean = float(np.sum(weight * root))
    spread = float(np.sum(weight * (t - t_mean) ** 2))
    slope = float(np.sum(weight * (t - t_mean) * (root - root_mean))) / spread
    if not slope > 0:
        return 0.5 * (last_quiet_s + first_s)
    onset_s = t_mean - root_mean / slope
    earliest_s = last_quiet_s - np.sqrt(quiet_level_n) / slope
    middle_s = 0.5 * (earliest_s + first_s)
    if onset_s < earliest_s - (middle_s - earliest_s):
        return float(middle_s)
    return float(np.clip(onset_s, earliest_s, first_s))


def parabolic_peak_s(time_s: np.ndarray, force_n: np.ndarray, peak_index: int) -> float:
    """Sub-sample time of a maximum by parabolic interpolation, s.

    A parabola is fitted through the maximum sample and its two neighbours (any spacing); its
    vertex is the peak time. The parabola is trusted only where it describes the peak: it must open
    downwards and also predict the next sample on each side to within a quarter of that sample's
    drop below the maximum. Otherwise (a peak narrower than the sampling resolves, such as a sharp
    rise meeting a flat hold), the time of the maximum sample is returned.

    Parameters
    ----------
    time_s : sample times, s.
    force_n : force, N.
    peak_index : index of the maximum sample.
    """
    sample_s = float(time_s[peak_index])
    if peak_index < 2 or peak_index > force_n.size - 3:
        return sample_s
    around = slice(peak_index - 1, peak_index + 2)
    offsets_s = time_s[around] - sample_s
    curvature, slope, top = np.linalg.solve(
        np.vstack([offsets_s**2, offsets_s, np.ones(3)]).T, force_n[around]
    )
    if not curvature < 0:
        return sample_s
    outer = np.array([peak_index - 2, peak_index + 2])
    outer_offsets_s = time_s[outer] - sample_s
    predicted_n = curvature * outer_offsets_s**2 + slope * outer_offsets_s + top
    drop_n = force_n[peak_index] - force_n[outer]
    if np.any(np.abs(predicted_n - force_n[outer]) > 0.25 * drop_n):
        return sample_s
    vertex_s = -slope / (2.0 * curvature)
    return sample_s + float(np.clip(vertex_s, offsets_s[0], offsets_s[2]))


def stands_out(force_n: np.ndarray, peak_index: int, *, noise_n: float) -> bool:
    """True when the maximum sample exceeds each neighbour it has by more than ``noise_n``."""
    neighbours = [i for i in (peak_index - 1, peak_index + 1) if 0 <= i < force_n.size]
    return bool(np.all(force_n[peak_index] - force_n[neighbours] > noise_n))


def trapezoid_impulse_ns(time_s: np.ndarray, force_n: np.ndarray) -> float:
    """Time integral of force by the trapezoid rule on the actual sample times, N s."""
    if time_s.size < 2:
        return 0.0
    return float(np.sum(0.5 * (force_n[1:] + force_n[:-1]) * np.diff(time_s)))


def best_window_mean(
    time_s: np.ndarray, force_n: np.ndarray, *, window_s: float
) -> tuple[float, float] | None:
    """Highest time-weighted mean force over any window of ``window_s`` inside the samples.

    Windows start at each sample; the mean is the trapezoid integral over the window (the end
    interpolated linearly) divided by ``window_s``, so irregular spacing is weighted properly.

    Returns
    -------
    (mean_n, start_s), or None when the samples span less than ``window_s``.
    """
    if time_s.size < 2 or time_s[-1] - time_s[0] < window_s - 1e-9:
        return None
    cumulative = np.concatenate(
        ([0.0], np.cumsum(0.5 * (force_n[1:] + force_n[:-1]) * np.diff(time_s)))
    )
    starts = time_s[time_s <= time_s[-1] - window_s + 1e-9]
    ends = np.minimum(starts + window_s, time_s[-1])
    means = (np.interp(ends, time_s, cumulative) - cumulative[: starts.size]) / window_s
    best = int(np.argmax(means))
    return float(means[best]), float(starts[best])


def samples_in_span(time_s: np.ndarray, start_s: float, stop_s: float) -> int:
    """Number of samples with ``start_s <= t <= stop_s`` (a small tolerance on both ends)."""
    tolerance = 1e-9
    lo = np.searchsorted(time_s, start_s - tolerance, side="left")
    hi = np.searchsorted(time_s, stop_s + tolerance, side="right")
    return int(hi - lo)


def nominal_samples(span_s: float, *, sampling_rate_hz: float) -> int:
    """Samples a span holds at the device's nominal rate (a 50 ms span at 80 Hz holds 4)."""
    return int(np.floor(span_s * sampling_rate_hz + 1e-6))


def fixed_window_rfd_n_per_s(
    time_s: np.ndarray, force_n: np.ndarray, onset_s: float, *, window_s: float
) -> float | None:
    """Mean rate of force development from ``onset_s`` over ``window_s``: ``(F(t0 + w) - F(t0)) / w``.

    Both forces are interpolated linearly between samples. Returns None when the recording ends
    before ``t0 + w``.
    """
    if onset_s + window_s > time_s[-1] + 1e-9:
        return None
    start_n, end_n = np.interp([onset_s, onset_s + window_s], time_s, force_n)
    return float(end_n - start_n) / window_s


def level_crossing_s(
    time_s: np.ndarray, force_n: np.ndarray, start_index: int, stop_index: int, level_n: float
) -> float | None:
    """Time of the first upward crossing of ``level_n`` between two samples, interpolated, s."""
    segment = force_n[start_index : stop_index + 1]
    above = np.flatnonzero(segment >= level_n)
    if above.size == 0:
        return None
    i = start_index + int(above[0])
    if i == start_index:
        return float(time_s[i])
    f0, f1 = force_n[i - 1], force_n[i]
    fraction = (level_n - f0) / (f1 - f0)
    return float(time_s[i - 1] + fraction * (time_s[i] - time_s[i - 1]))


def longest_run_at_maximum(values: np.ndarray) -> tuple[int, int]:
    """Longest run of consecutive samples equal to the maximum.

    Returns
    -------
    (start_index, n_samples) of that run.
    """
    maximum = np.max(values)
    tolerance = 1e-9 * max(abs(float(maximum)), 1.0)
    runs = active_segments(values >= maximum - tolerance)
    lengths = runs[:, 1] - runs[:, 0]
    best = int(np.argmax(lengths))
    return int(runs[best, 0]), int(lengths[best])
