"""Input checks, gap splitting, anti-aliased resampling and sensor orientation (vertical, AP, ML).

All functions are pure numpy/scipy; arrays are (n_samples, 3) in m/s^2 or rad/s.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import butter, firwin, resample_poly, sosfilt

from alsmotion.errors import InsufficientDataError, InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2

#: The median norm of resting or walking acceleration in m/s^2 lies in this range; data in g does not.
PLAUSIBLE_GRAVITY_MPS2 = (5.0, 20.0)


def check_imu_array(values: object, *, name: str, n_samples: int | None = None) -> np.ndarray:
    """Return ``values`` as a float (n, 3) array or raise :class:`InvalidInputError`."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 2 or array.shape[1] != 3:
        raise InvalidInputError(f"{name} must have shape (n_samples, 3), got {array.shape}")
    if n_samples is not None and len(array) != n_samples:
        raise InvalidInputError(
            f"{name} has {len(array)} samples but accel_mps2 has {n_samples}: pass arrays on one clock"
        )
    if np.isinf(array).any():
        raise InvalidInputError(f"{name} holds infinite values: mark missing samples as NaN")
    return array


def rows_with_nan(values: np.ndarray) -> np.ndarray:
    """Bool (n,): which rows of (n, k) ``values`` hold a NaN (column by column, like
    :func:`is_constant`)."""
    return functools.reduce(np.logical_or, (np.isnan(column) for column in values.T))


def row_norms(values: np.ndarray) -> np.ndarray:
    """Euclidean norm (n,) of each row of (n, k) ``values``: the same numbers as
    ``np.linalg.norm(values, axis=1)`` (squares added left to right), 4 times faster."""
    return np.sqrt(functools.reduce(np.add, (column * column for column in values.T)))


def is_constant(values: np.ndarray) -> bool:
    """Whether every column of (n, k) ``values`` holds one value (column by column: numpy reduces
    a C-ordered array across rows 20 times slower)."""
    return all(column.max() == column.min() for column in values.T)


def check_accel_units(accel_mps2: np.ndarray, finite: np.ndarray) -> None:
    """Refuse acceleration that is not in m/s^2 (data in g) or that is flat-lined.

    ``finite`` marks the samples without NaN. The magnitude is checked on at most about 20 000
    evenly spread samples, which keeps the check cheap on day-long recordings.
    """
    if not finite.any():
        raise InsufficientDataError("the acceleration holds no finite samples")
    step = max(len(accel_mps2) // 20_000, 1)
    kept = finite[::step]
    # Boolean indexing copies every row: only done when some rows hold NaN.
    sample = accel_mps2[::step] if kept.all() else accel_mps2[::step][kept]
    if len(sample) == 0 or is_constant(sample):
        sample = accel_mps2[finite]
        if is_constant(sample):
            raise InvalidInputError(
                "the acceleration is constant on every axis: the sensor was not recording"
            )
    median_norm = float(np.median(row_norms(sample)))
    low, high = PLAUSIBLE_GRAVITY_MPS2
    if low / STANDARD_GRAVITY_MPS2 < median_norm < high / STANDARD_GRAVITY_MPS2:
        raise InvalidInputError(
            f"median acceleration magnitude is {median_norm:.3g}: the data looks like g, not m/s^2 "
            "(multiply by 9.80665, or pass --accel-unit g)"
        )
    if not low < median_norm < high:
        raise InvalidInputError(
            f"median acceleration magnitude is {median_norm:.3g} m/s^2, far from gravity "
            f"({STANDARD_GRAVITY_MPS2} m/s^2): check the unit and the scale of the data"
        )


#: A trunk rarely turns faster than this (rad/s, about 860 deg/s); the 99.5th percentile of the
#: angular-rate magnitude above it means deg/s data read as rad/s (walking turns reach 1-4 rad/s).
MAX_PLAUSIBLE_TRUNK_RATE_RADS = 15.0


def check_gyro_units(gyro_rads: np.ndarray) -> None:
    """Refuse angular velocity that is not in rad/s (deg/s read as rad/s is 57 times too large).

    Checked on at most about 20 000 evenly spread samples, like :func:`check_accel_units`.
    """
    step = max(len(gyro_rads) // 20_000, 1)
    sample = gyro_rads[::step]
    sample = sample[np.isfinite(sample).all(axis=1)]
    if len(sample) == 0:
        return
    high = float(np.percentile(np.linalg.norm(sample, axis=1), 99.5))
    if high > MAX_PLAUSIBLE_TRUNK_RATE_RADS:
        raise InvalidInputError(
            f"the angular velocity reaches {high:.3g} rad/s on 0.5 % of samples, beyond any trunk "
            "movement: the data looks like deg/s, not rad/s (multiply by pi/180, or pass "
            "--gyro-unit dps)"
        )


def finite_runs(finite: np.ndarray, *, min_samples: int) -> np.ndarray:
    """(start, stop) sample indices of runs of True at least ``min_samples`` long, shape (k, 2)."""
    padded = np.concatenate(([False], finite, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    runs = edges.reshape(-1, 2)
    return runs[(runs[:, 1] - runs[:, 0]) >= min_samples]


def runs_mask(runs: np.ndarray, n_samples: int) -> np.ndarray:
    """Bool mask (n_samples,) that is True inside the (start, stop) ``runs``."""
    marks = np.zeros(n_samples + 1, dtype=int)
    np.add.at(marks, runs[:, 0], 1)
    np.add.at(marks, runs[:, 1], -1)
    return np.cumsum(marks[:-1]) > 0


def bridge_short_gaps(
    values: np.ndarray, finite: np.ndarray, *, max_gap_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fill runs of missing samples no longer than ``max_gap_samples`` by linear interpolation.

    Only gaps with finite samples on both sides are bridged (a recording's ragged ends are not
    extended). Returns the (n, k) values with the short gaps filled and a bool mask of the samples
    that were filled, so that what they touch can be flagged.
    """
    missing = ~finite
    runs = finite_runs(missing, min_samples=1)
    inner = (runs[:, 0] > 0) & (runs[:, 1] < len(finite))
    runs = runs[inner & (runs[:, 1] - runs[:, 0] <= max_gap_samples)]
    bridged = runs_mask(runs, len(finite))
    if len(runs) == 0:
        return values, bridged
    known = np.flatnonzero(finite)
    filled = values.copy()
    where = np.flatnonzero(bridged)
    for column in range(values.shape[1]):
        filled[where, column] = np.interp(where, known, values[known, column])
    return filled, bridged


def rest_cut_points(activity: np.ndarray, *, block_samples: int, search_samples: int) -> np.ndarray:
    """Indices that cut a long signal into blocks of about ``block_samples`` at its quietest points.

    ``activity`` is any non-negative per-sample activity measure; each cut is placed at its minimum
    within ``search_samples`` of the nominal block boundary, so walking is rarely cut.
    """
    n = len(activity)
    cuts = []
    for nominal in range(block_samples, n - search_samples, block_samples):
        window = activity[nominal - search_samples : nominal + search_samples]
        cuts.append(nominal - search_samples + int(np.argmin(window)))
    return np.asarray(cuts, dtype=int)


@functools.lru_cache(maxsize=32)
def anti_alias_fir(up: int, down: int) -> np.ndarray:
    """The low-pass FIR that :func:`scipy.signal.resample_poly` designs by default for the
    reduced ratio ``up/down``: cut-off at the lower Nyquist rate, ``20 max(up, down) + 1`` taps,
    Kaiser window (beta 5). Designed once per ratio (read-only) rather than on every call."""
    rate = max(up, down)
    taps = firwin(20 * rate + 1, 1.0 / rate, window=("kaiser", 5.0))
    taps.flags.writeable = False
    return taps


def resample(values: np.ndarray, *, sampling_rate_hz: float, target_rate_hz: float) -> np.ndarray:
    """Resample (n, k) ``values`` to ``target_rate_hz`` with a polyphase anti-aliasing filter.

    The rate ratio is approximated by a fraction with denominator <= 1000 (error < 0.1 %).
    """
    ratio = Fraction(target_rate_hz / sampling_rate_hz).limit_denominator(1000)
    if ratio == 1:
        return values
    # Pad with edge values so the filter does not pull the ends towards zero.
    pad = int(np.ceil(sampling_rate_hz))
    padded = np.pad(values, ((pad, pad), (0, 0)), mode="edge")
    up, down = ratio.numerator, ratio.denominator
    out = resample_poly(padded, up, down, axis=0, window=anti_alias_fir(up, down))
    start = round(pad * ratio)
    n_out = (len(values) * ratio.numerator) // ratio.denominator
    return out[start : start + n_out]


def gravity_direction(accel_mps2: np.ndarray, *, window_samples: int) -> np.ndarray:
    """Unit vectors (n, 3) of the gravity reaction ("up") from a moving average of acceleration."""
    mean = uniform_filter1d(accel_mps2, size=max(int(window_samples), 1), axis=0, mode="nearest")
    norm = row_norms(mean)[:, None]
    if (norm == 0).any():
        raise InsufficientDataError("gravity direction is undefined (zero mean acceleration)")
    return mean / norm


def project(values: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Per-sample dot product of (n, 3) ``values`` with (n, 3) unit ``directions``."""
    return np.einsum("ij,ij->i", values, directions)


@functools.lru_cache(maxsize=32)
def butter_sos(order: int, cutoff_hz: float, btype: str, sampling_rate_hz: float) -> np.ndarray:
    """Butterworth filter in second-order sections (designed once per argument set)."""
    return butter(order, cutoff_hz, btype=btype, fs=sampling_rate_hz, output="sos")


def horizontal_axes(
    horizontal_mps2: np.ndarray, *, sampling_rate_hz: float, highpass_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """Anterior-posterior and medio-lateral unit axes (3,) by PCA of horizontal acceleration.

    ``horizontal_mps2`` (n, 3) is the acceleration's part orthogonal to the moving vertical. It is
    high-passed above ``highpass_hz`` first, which keeps the fore-aft oscillation at the step
    frequency and weakens the sideways sway at the (half as high) stride frequency and the slow
    centripetal acceleration of turns; its first principal axis is then AP and the second ML.
    Signs are arbitrary.
    """
    # A single causal pass: the principal axes do not depend on the phase.
    horizontal = sosfilt(
        butter_sos(2, highpass_hz, "highpass", sampling_rate_hz), horizontal_mps2, axis=0
    )
    # einsum rather than BLAS: a multi-threaded BLAS stalls on a busy machine for such products.
    _, eigenvectors = np.linalg.eigh(np.einsum("ni,nj->ij", horizontal, horizontal))
    return eigenvectors[:, 2], eigenvectors[:, 1]
