"""Analysis of one handheld-dynamometer trial: tare, onset, end, peak, time to peak, impulse,
plateau, rate of force development, and validity with reasons."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.strength import curve
from alsmotion.strength.settings import TrialSettings
from alsmotion.units import validate_sampling_rate_hz

#: Lowest device rate accepted, Hz (HHDs run at 10-1000 Hz).
MIN_SAMPLING_RATE_HZ = 5.0

#: The onset fit uses the rising edge up to this many quiet levels (``onset_quiet_sd`` noise SDs)
#: or this fraction of the filtered peak, whichever is lower: low enough for the quadratic model of
#: a smooth start, high enough to average the noise.
ONSET_FIT_QUIET_LEVELS = 10.0
ONSET_FIT_FRACTION = 0.2

#: The peak time comes from the raw samples when the maximum exceeds both neighbours by more than
#: this many baseline noise SDs, otherwise from the low-passed curve.
PEAK_NOISE_SDS = 3.0

#: Fixed RFD windows from onset, ms.
RFD_WINDOWS_MS = (50, 100, 200)

# Reasons a trial is invalid.
NO_EFFORT = "no_effort"
EFFORT_TOO_SHORT = "effort_too_short"
SATURATION = "saturation"
NO_RETURN_TO_BASELINE = "no_return_to_baseline"
MORE_THAN_ONE_EFFORT = "more_than_one_effort"
SIGNAL_DROPOUT = "signal_dropout"
NO_QUIET_BASELINE = "no_quiet_baseline"
INVALID_REASONS = (
    NO_EFFORT,
    EFFORT_TOO_SHORT,
    SATURATION,
    NO_RETURN_TO_BASELINE,
    MORE_THAN_ONE_EFFORT,
    SIGNAL_DROPOUT,
    NO_QUIET_BASELINE,
)

# Quality flags that leave the trial valid.
LOWPASS_NOT_APPLIED = "lowpass_not_applied"
PLATEAU_UNSUPPORTED = "plateau_unsupported"
RFD_20_80_UNSUPPORTED = "rfd_20_80pct_unsupported"


def rfd_unsupported_flag(window_ms: int) -> str:
    """Flag naming a fixed RFD window that holds too few samples, e.g. ``rfd_0_50ms_unsupported``."""
    return f"rfd_0_{window_ms}ms_unsupported"


@dataclass(frozen=True)
class ForceTrialResult:
    """Measures of one trial, all forces above the tare (baseline mean), in N, s, N s and N/s.

    A measure that cannot be computed (no effort) or is not supported by the data (a window with
    fewer samples than required) is None, and ``flags`` or ``reasons`` say why.

    Attributes
    ----------
    valid : True when ``reasons`` is empty.
    reasons : why the trial is invalid (see ``INVALID_REASONS``).
    flags : quality notes that leave the trial valid (RFD windows not supported, filter skipped).
    peak_force_n : highest raw sample above the tare, N.
    peak_force_filtered_n : peak of the low-passed curve, N (equal to the raw peak if unfiltered).
    time_to_peak_s : peak time minus onset time, s.
    onset_time_s : sub-sample time at which the force leaves the baseline (rising-edge fit, see
        :func:`alsmotion.strength.curve.rising_edge_onset_s`), s.
    peak_time_s : sub-sample time of the peak (parabolic interpolation around the maximum of the
        raw samples, or of the low-passed curve when the raw maximum is within noise), s.
    end_time_s : time of the first sample back below the threshold (the last sample when force
        never returns), s.
    effort_duration_s : onset to end (or to the last sample when force never returns), s.
    impulse_ns : trapezoid integral of force from the last quiet sample to the end, N s.
    plateau_force_n : highest mean force over ``plateau_window_s`` within the effort, N.
    rfd_0_50ms_n_per_s, rfd_0_100ms_n_per_s, rfd_0_200ms_n_per_s : mean slope of the low-passed
        curve from onset over each window, N/s.
    rfd_20_80pct_n_per_s : mean slope of the low-passed curve between 20 % and 80 % of its peak, N/s.
    baseline_n, baseline_sd_n, drift_n_per_s : tare, noise and drift of the quiet start.
    noise_sd_n : the noise SD the thresholds use: ``baseline_sd_n`` raised to its upper
        confidence bound, the device resolution and the robust SD of the samples before the
        effort, whichever is highest.
    onset_threshold_n : effort threshold above the tare, N.
    lowpass_cutoff_hz : cutoff actually applied, or None.
    n_efforts : excursions above threshold reaching ``other_effort_fraction`` of the peak.
    """

    valid: bool
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    sampling_rate_hz: float
    n_samples: int
    duration_s: float
    baseline_n: float
    baseline_sd_n: float
    drift_n_per_s: float
    onset_threshold_n: float
    lowpass_cutoff_hz: float | None
    n_efforts: int
    noise_sd_n: float | None = None
    onset_time_s: float | None = None
    peak_time_s: float | None = None
    end_time_s: float | None = None
    effort_duration_s: float | None = None
    peak_force_n: float | None = None
    peak_force_filtered_n: float | None = None
    time_to_peak_s: float | None = None
    impulse_ns: float | None = None
    plateau_force_n: float | None = None
    plateau_start_s: float | None = None
    rfd_0_50ms_n_per_s: float | None = None
    rfd_0_100ms_n_per_s: float | None = None
    rfd_0_200ms_n_per_s: float | None = None
    rfd_20_80pct_n_per_s: float | None = None
    settings_hash: str = ""

    def to_dict(self) -> dict[str, object]:
        """All fields; ``reasons`` and ``flags`` as lists."""
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["flags"] = list(self.flags)
        return data

    def to_record(self) -> dict[str, object]:
        """All fields, flat: ``reasons`` and ``flags`` joined with ``;`` (for CSV rows)."""
        row = self.to_dict()
        row["reasons"] = ";".join(self.reasons)
        row["flags"] = ";".join(self.flags)
        return row

    def to_frame(self) -> pd.DataFrame:
        """One row of :meth:`to_record`."""
        return pd.DataFrame([self.to_record()])


def _validated_samples(
    force_n: np.ndarray, time_s: np.ndarray | None, sampling_rate_hz: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Float arrays of finite samples and the number of non-finite samples dropped."""
    force = np.asarray(force_n, dtype=float)
    if force.ndim != 1 or force.size < 2:
        raise InvalidInputError(
            f"force_n must be a 1-D array of at least 2 samples, got shape {force.shape}"
        )
    if time_s is None:
        times = np.arange(force.size) / sampling_rate_hz
    else:
        times = np.asarray(time_s, dtype=float)
        if times.shape != force.shape:
            raise InvalidInputError(
                f"time_s has shape {times.shape} but force_n has {force.shape}: give one time per sample"
            )
        if not np.all(np.isfinite(times)):
            raise InvalidInputError("time_s holds NaN or infinite values: drop those samples first")
        if np.any(np.diff(times) <= 0):
            raise InvalidInputError(
                "time_s must increase strictly: sort the samples and drop duplicate timestamps"
            )
    finite = np.isfinite(force)
    return times[finite], force[finite], int(force.size - finite.sum())


def analyze_trial(
    force_n: np.ndarray,
    *,
    sampling_rate_hz: float,
    time_s: np.ndarray | None = None,
    settings: TrialSettings | None = None,
) -> ForceTrialResult:
    """Analyse one dynamometer trial.

    Method: the tare is the mean of the first ``baseline_window_s`` (noise = SD about a fitted
    line). The curve is low-passed (zero-phase Butterworth, ``lowpass_cutoff_hz``). An effort is a
    run of the low-passed curve above ``max(onset_threshold_n, onset_threshold_sd x SD)`` over the
    tare; the main effort holds the highest peak. The first effort sample follows the last raw
    sample within ``onset_quiet_sd`` SDs of the drift-corrected baseline; the onset time is then
    placed between samples by fitting the rising edge as ``a (t - t0)**2`` (a smooth start from
    rest: a line through ``sqrt(F)``, weighted by force, up to ``ONSET_FIT_QUIET_LEVELS`` quiet
    levels or ``ONSET_FIT_FRACTION`` of the peak) and extrapolating it back to the baseline
    (:func:`alsmotion.strength.curve.rising_edge_onset_s`). The peak time is the vertex of a
    parabola through the maximum and its neighbours: on the raw samples when their maximum exceeds
    both neighbours by more than ``PEAK_NOISE_SDS`` noise SDs, else on the low-passed curve; the
    sample time when the parabola does not describe the peak. The end is the first sample back
    below the threshold. Peak force, impulse and plateau use the raw curve; RFD uses the low-passed
    curve.

    Parameters
    ----------
    force_n : force samples, N (convert kgf or lbf with :func:`alsmotion.units.force_to_n`).
        NaN marks a lost sample.
    sampling_rate_hz : the device's nominal rate, Hz (required; sets the filter grid, the dropout
        gap and how many samples an RFD window holds).
    time_s : per-sample times, s, strictly increasing, any spacing; default ``i / sampling_rate_hz``.
    settings : analysis settings; default :class:`TrialSettings()`.

    Returns
    -------
    ForceTrialResult

    Raises
    ------
    InvalidInputError : bad shapes, rates or times.
    InsufficientDataError : fewer than 3 samples in the quiet baseline window.
    """
    settings = settings if settings is not None else TrialSettings()
    rate_hz = validate_sampling_rate_hz(sampling_rate_hz, minimum_hz=MIN_SAMPLING_RATE_HZ)
    times, raw, n_dropped = _validated_samples(force_n, time_s, rate_hz)
    if (
        times.size < 3
        or curve.samples_in_span(times, times[0], times[0] + settings.baseline_window_s) < 3
    ):
        raise InsufficientDataError(
            f"the recording needs at least 3 samples in its first {settings.baseline_window_s:g} s "
            "(the quiet baseline before the effort): record a quiet start"
        )
    reasons: list[str] = []
    flags: list[str] = []
    gap_limit_s = settings.dropout_gap_periods / rate_hz
    if n_dropped or np.max(np.diff(times)) > gap_limit_s:
        reasons.append(SIGNAL_DROPOUT)

    baseline = curve.fit_baseline(
        times, raw, window_s=settings.baseline_window_s, confidence=settings.noise_confidence
    )
    tared = raw - baseline.mean_n
    cutoff_hz = settings.lowpass_cutoff_hz
    if (
        cutoff_hz is not None
        and cutoff_hz < 0.45 * rate_hz
        and times.size > curve.lowpass_padding_samples(settings.lowpass_order)
    ):
        filtered = curve.lowpass_zero_phase(
            times,
            tared,
            sampling_rate_hz=rate_hz,
            cutoff_hz=cutoff_hz,
            order=settings.lowpass_order,
        )
    else:
        filtered, cutoff_hz = tared, None
        if settings.lowpass_cutoff_hz is not None:
            flags.append(LOWPASS_NOT_APPLIED)

    in_baseline = times - times[0] <= settings.baseline_window_s
    window_noise_n = max(
        curve.noise_sd_upper_n(
            baseline.sd_n, int(in_baseline.sum()), confidence=settings.noise_confidence
        ),
        settings.resolution_n or 0.0,
    )
    threshold_n = max(settings.onset_threshold_n, settings.onset_threshold_sd * window_noise_n)
    no_effort = ForceTrialResult(
        valid=False,
        reasons=(NO_EFFORT, *reasons),
        flags=tuple(flags),
        sampling_rate_hz=rate_hz,
        n_samples=int(times.size),
        duration_s=float(times[-1] - times[0]),
        baseline_n=baseline.mean_n,
        baseline_sd_n=baseline.sd_n,
        drift_n_per_s=baseline.drift_n_per_s,
        onset_threshold_n=threshold_n,
        lowpass_cutoff_hz=cutoff_hz,
        n_efforts=0,
        noise_sd_n=window_noise_n,
        settings_hash=settings.settings_hash,
    )
    segments = curve.active_segments(filtered > threshold_n)
    lasting = times[segments[:, 1] - 1] - times[segments[:, 0]] >= settings.min_segment_s
    segments = segments[lasting]
    if segments.shape[0] == 0:
        # An effort inside the quiet window raises its noise and so the threshold above the
        # effort: a window moving by more than the fixed threshold was not quiet.
        if np.ptp(filtered[in_baseline]) > settings.onset_threshold_n:
            return replace(no_effort, reasons=(*no_effort.reasons, NO_QUIET_BASELINE))
        return no_effort

    segment_peaks = np.array([filtered[start:stop].max() for start, stop in segments])
    main = int(np.argmax(segment_peaks))
    start, stop = (int(i) for i in segments[main])
    peak_filtered_n = float(segment_peaks[main])
    n_efforts = int(np.sum(segment_peaks >= settings.other_effort_fraction * peak_filtered_n))
    if n_efforts > 1:
        reasons.append(MORE_THAN_ONE_EFFORT)

    excess_n = raw - baseline.at(times)
    # The noise of everything before the first excursion (robust to its rising edge) keeps a
    # short, lucky-quiet window from placing the onset inside the noise; the last floor keeps
    # rounding error of a noise-free curve from counting as movement.
    noise_n = max(window_noise_n, curve.difference_noise_sd_n(raw[: int(segments[0, 0])]))
    quiet_level_n = max(settings.onset_quiet_sd * noise_n, 1e-6 * threshold_n)
    onset = curve.quiet_onset_index(excess_n, start, quiet_level_n=quiet_level_n)
    main_peak = start + int(np.argmax(tared[start:stop]))
    onset_time_s = curve.rising_edge_onset_s(
        times,
        excess_n,
        onset,
        main_peak,
        quiet_level_n=quiet_level_n,
        fit_level_n=min(
            ONSET_FIT_QUIET_LEVELS * quiet_level_n, ONSET_FIT_FRACTION * peak_filtered_n
        ),
    )
    if (
        onset_time_s - times[0] <= settings.baseline_window_s
        or np.ptp(filtered[in_baseline]) > threshold_n
    ):
        reasons.append(NO_QUIET_BASELINE)
    if stop >= times.size:
        reasons.append(NO_RETURN_TO_BASELINE)
    end = min(stop, times.size - 1)
    effort_duration_s = float(times[end] - onset_time_s)
    if effort_duration_s < settings.min_effort_s:
        reasons.append(EFFORT_TOO_SHORT)
    if _saturated(raw, start, stop, settings, rate_hz):
        reasons.append(SATURATION)

    peak = onset + int(np.argmax(tared[onset : end + 1]))
    peak_time_s = _peak_time_s(times, excess_n, filtered + (excess_n - tared), onset, end, noise_n)
    effort = slice(max(onset - 1, 0), end + 1)
    plateau = curve.best_window_mean(
        times[effort], tared[effort], window_s=settings.plateau_window_s
    )
    if plateau is None:
        flags.append(PLATEAU_UNSUPPORTED)
    rfd = {
        window_ms: _fixed_window_rfd(
            times, filtered, onset_time_s, window_ms / 1000.0, rate_hz, settings
        )
        for window_ms in RFD_WINDOWS_MS
    }
    flags.extend(rfd_unsupported_flag(ms) for ms, value in rfd.items() if value is None)
    rfd_20_80 = _rfd_20_80(times, filtered, onset, stop, rate_hz, settings)
    if rfd_20_80 is None:
        flags.append(RFD_20_80_UNSUPPORTED)

    return replace(
        no_effort,
        valid=not reasons,
        reasons=tuple(reasons),
        flags=tuple(flags),
        n_efforts=n_efforts,
        noise_sd_n=noise_n,
        onset_time_s=onset_time_s,
        peak_time_s=peak_time_s,
        end_time_s=float(times[end]),
        effort_duration_s=effort_duration_s,
        peak_force_n=float(tared[peak]),
        peak_force_filtered_n=peak_filtered_n,
        time_to_peak_s=peak_time_s - onset_time_s,
        impulse_ns=curve.trapezoid_impulse_ns(times[effort], tared[effort]),
        plateau_force_n=None if plateau is None else plateau[0],
        plateau_start_s=None if plateau is None else plateau[1],
        rfd_0_50ms_n_per_s=rfd[50],
        rfd_0_100ms_n_per_s=rfd[100],
        rfd_0_200ms_n_per_s=rfd[200],
        rfd_20_80pct_n_per_s=rfd_20_80,
    )


def _peak_time_s(
    times: np.ndarray,
    excess_n: np.ndarray,
    filtered_excess_n: np.ndarray,
    onset: int,
    end: int,
    noise_sd_n: float,
) -> float:
    """Sub-sample time of the peak, s: raw samples when their maximum stands out of the noise,
    else the low-passed curve (both drift-corrected)."""
    effort = slice(onset, end + 1)
    peak = onset + int(np.argmax(excess_n[effort]))
    if curve.stands_out(excess_n, peak, noise_n=PEAK_NOISE_SDS * noise_sd_n):
        return curve.parabolic_peak_s(times, excess_n, peak)
    filtered_peak = onset + int(np.argmax(filtered_excess_n[effort]))
    return curve.parabolic_peak_s(times, filtered_excess_n, filtered_peak)


def _saturated(
    raw: np.ndarray, start: int, stop: int, settings: TrialSettings, rate_hz: float
) -> bool:
    """True when the effort reaches the device limit or shows a flat top of identical maxima."""
    effort = raw[start:stop]
    if settings.device_limit_n is not None and effort.max() >= settings.device_limit_n * (1 - 1e-9):
        return True
    _, run_samples = curve.longest_run_at_maximum(effort)
    needed = max(settings.flat_top_min_samples, math.ceil(settings.flat_top_min_s * rate_hz))
    return run_samples >= needed


def _window_supported(
    times: np.ndarray, start_s: float, stop_s: float, rate_hz: float, settings: TrialSettings
) -> bool:
    """A window holds enough samples both at the device's nominal rate and in the data."""
    return (
        curve.nominal_samples(stop_s - start_s, sampling_rate_hz=rate_hz)
        >= settings.min_window_samples
        and curve.samples_in_span(times, start_s, stop_s) >= settings.min_window_samples
    )


def _fixed_window_rfd(
    times: np.ndarray,
    filtered: np.ndarray,
    onset_s: float,
    window_s: float,
    rate_hz: float,
    settings: TrialSettings,
) -> float | None:
    """RFD from onset over ``window_s`` of the filtered curve, N/s; None when not supported."""
    if not _window_supported(times, onset_s, onset_s + window_s, rate_hz, settings):
        return None
    return curve.fixed_window_rfd_n_per_s(times, filtered, onset_s, window_s=window_s)


def _rfd_20_80(
    times: np.ndarray,
    filtered: np.ndarray,
    onset: int,
    stop: int,
    rate_hz: float,
    settings: TrialSettings,
) -> float | None:
    """Mean slope between the first crossings of 20 % and 80 % of the filtered peak, N/s."""
    peak_index = onset + int(np.argmax(filtered[onset:stop]))
    peak_n = float(filtered[peak_index])
    t20 = curve.level_crossing_s(times, filtered, onset, peak_index, 0.2 * peak_n)
    t80 = curve.level_crossing_s(times, filtered, onset, peak_index, 0.8 * peak_n)
    if t20 is None or t80 is None or t80 <= t20:
        return None
    if not _window_supported(times, t20, t80, rate_hz, settings):
        return None
    return 0.6 * peak_n / (t80 - t20)


class ForceTrialAnalyzer:
    """Analyse trials with fixed settings: ``ForceTrialAnalyzer(settings).analyze(...).result_``."""

    result_: ForceTrialResult

    def __init__(self, settings: TrialSettings | None = None) -> None:
        self.settings = settings if settings is not None else TrialSettings()

    def analyze(
        self,
        force_n: np.ndarray,
        *,
        sampling_rate_hz: float,
        time_s: np.ndarray | None = None,
    ) -> ForceTrialAnalyzer:
        """Analyse one trial (see :func:`analyze_trial`); the result is in ``result_``."""
        self.result_ = analyze_trial(
            force_n, sampling_rate_hz=sampling_rate_hz, time_s=time_s, settings=self.settings
        )
        return self
