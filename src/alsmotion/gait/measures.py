"""Per-stride, per-bout and per-recording gait measures from validated steps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from alsmotion.gait.cycles import edge_positions, stride_starts
from alsmotion.gait.results import BOUT_COLUMNS, STRIDE_COLUMNS, GaitSummary
from alsmotion.gait.turns import heading_change_from_ml_rad, turn_length_factor


def stride_table(
    *,
    ic_s: np.ndarray,
    fc_opposite_s: np.ndarray,
    fc_same_s: np.ndarray,
    left_cue_mps: np.ndarray,
    step_bout: np.ndarray,
    step_length_m: np.ndarray,
    heading_change_rad: np.ndarray,
    ml_velocity_change_mps: np.ndarray,
    turn_threshold_deg: float,
    turn_length_exponent: float,
    turn_felt_fraction: float,
    steady_edge_strides: int,
    turn_margin_strides: int,
    max_stride_time_deviation: float,
    step_gap_bridged: np.ndarray,
    step_long_gap: np.ndarray,
) -> pd.DataFrame:
    """One row per stride (two consecutive steps of one bout), columns :data:`STRIDE_COLUMNS`.

    Parameters
    ----------
    ic_s, fc_opposite_s, fc_same_s : per initial contact (n,), seconds.
    left_cue_mps : per initial contact, leftward trunk velocity at it (m/s; > 0 for a left foot,
        NaN when unknown).
    step_bout, step_length_m, heading_change_rad, ml_velocity_change_mps : per step (n - 1,);
        ``heading_change_rad`` is NaN without a gyroscope, and the heading change is then estimated
        from the ML acceleration (for turn flags only; stride lengths are then not turn-corrected),
        ``turn_felt_fraction`` being the share of the centripetal acceleration the sensor feels.
    turn_margin_strides : strides before and after a turn stride that are not steady either.
    max_stride_time_deviation : see :func:`regular_strides`.
    step_gap_bridged : per step, True when it holds samples bridged across a gap of lost samples.
    step_long_gap : per step, True when one of those bridged gaps is too long for a steady stride.
    """
    k = stride_starts(step_bout)
    step_time = ic_s[k + 1] - ic_s[k]
    next_step_time = ic_s[k + 2] - ic_s[k + 1]
    stride_time = ic_s[k + 2] - ic_s[k]
    stance = fc_same_s[k] - ic_s[k]
    initial_ds = fc_opposite_s[k] - ic_s[k]
    terminal_ds = fc_same_s[k] - ic_s[k + 1]
    pendulum_stride_m = step_length_m[k] + step_length_m[k + 1]
    measured = heading_change_rad[k] + heading_change_rad[k + 1]
    from_start, from_end = edge_positions(step_bout, k)
    estimated = heading_change_from_ml_rad(
        ml_velocity_change_mps[k] + ml_velocity_change_mps[k + 1],
        stride_time,
        pendulum_stride_m,
        step_bout[k],
        felt_fraction=turn_felt_fraction,
    )
    # A walker who stops shifts the pelvis sideways onto both feet, which the acceleration cannot
    # tell from a turn: the last strides of a bout get no estimate (NaN), not a false turn.
    estimated[from_end < steady_edge_strides] = np.nan
    heading_deg = np.degrees(np.where(np.isnan(measured), estimated, measured))
    # Only a measured heading shortens strides; the estimate is too rough for that and serves
    # only to keep likely turns out of the variability.
    turn_factor = turn_length_factor(measured, exponent=turn_length_exponent)
    step_length = step_length_m[k] * turn_factor
    stride_length = pendulum_stride_m * turn_factor
    is_turn = np.abs(heading_deg) > turn_threshold_deg
    foot = stride_feet(left_cue_mps[k], step_bout[k], np.arange(len(k)) % 2 == 0)
    gap_bridged = step_gap_bridged[k] | step_gap_bridged[k + 1]
    # Events next to a short bridged gap keep their time (the CWT spans both sides of it); a
    # longer gap may move them, and such a stride is kept but not as steady walking.
    long_gap = step_long_gap[k] | step_long_gap[k + 1]
    near_turn = turning_neighbourhood(is_turn, step_bout[k], reach=turn_margin_strides)
    candidate = (
        (from_start >= steady_edge_strides)
        & (from_end >= steady_edge_strides)
        & ~near_turn
        & ~long_gap
    )
    is_steady = candidate & regular_strides(
        stride_time, step_bout[k], candidate, max_deviation=max_stride_time_deviation
    )
    columns = {
        "bout_id": step_bout[k],
        "ic_time_s": ic_s[k],
        "fc_time_s": fc_same_s[k],
        "stride_time_s": stride_time,
        "step_time_s": step_time,
        "step_time_asymmetry_s": np.abs(next_step_time - step_time),
        "stance_time_s": stance,
        "swing_time_s": stride_time - stance,
        "initial_double_support_s": initial_ds,
        "terminal_double_support_s": terminal_ds,
        "double_support_s": initial_ds + terminal_ds,
        "single_support_s": ic_s[k + 1] - fc_opposite_s[k],
        "step_length_m": step_length,
        "stride_length_m": stride_length,
        "gait_speed_mps": stride_length / stride_time,
        "cadence_spm": 120.0 / stride_time,
        "heading_change_deg": heading_deg,
        "foot": foot,
        "is_turn": is_turn,
        "is_steady": is_steady,
        "gap_bridged": gap_bridged,
    }
    # Built in column order: DataFrame(columns=...) would reindex the dict (3 times slower).
    return pd.DataFrame({name: columns[name] for name in STRIDE_COLUMNS})


def regular_strides(
    stride_time_s: np.ndarray, bout: np.ndarray, candidate: np.ndarray, *, max_deviation: float
) -> np.ndarray:
    """True for strides whose time is within ``max_deviation`` (a fraction) of the median time of
    their bout's ``candidate`` strides.

    A stride much longer or shorter than the walk's own pace is no steady walking: a hesitation,
    a stop that did not end the bout, an unflagged turn, or a missed or extra contact. The median
    makes the pace insensitive to those few strides. Any order of ``bout`` numbers is fine.
    """
    regular = np.zeros(len(stride_time_s), dtype=bool)
    if not candidate.any():
        return regular
    # Per bout, the candidates' times in ascending order; the median is the middle one (the mean
    # of the two middle ones for an even count), as np.median takes it.
    chosen = np.flatnonzero(candidate)
    order = chosen[np.lexsort((stride_time_s[chosen], bout[chosen]))]
    sorted_s = stride_time_s[order]
    numbers, first, count = np.unique(bout[order], return_index=True, return_counts=True)
    lower = sorted_s[first + (count - 1) // 2]
    upper = sorted_s[first + count // 2]
    pace_s = np.where(count % 2 == 1, lower, (lower + upper) / 2.0)
    group = np.searchsorted(numbers, bout)
    has_pace = (group < len(numbers)) & (numbers[np.minimum(group, len(numbers) - 1)] == bout)
    pace = pace_s[np.minimum(group, len(numbers) - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        regular[has_pace] = (np.abs(stride_time_s / pace - 1.0) <= max_deviation)[has_pace]
    return regular


def turning_neighbourhood(is_turn: np.ndarray, bout: np.ndarray, *, reach: int) -> np.ndarray:
    """True for turn strides and for the ``reach`` strides before and after each in the same bout
    (strides entering and leaving a turn change heading and pace without passing the threshold)."""
    near = is_turn.copy()
    for shift in range(1, reach + 1):
        same_before = np.zeros(len(bout), dtype=bool)
        same_before[shift:] = bout[shift:] == bout[:-shift]
        near[shift:] |= is_turn[:-shift] & same_before[shift:]
        near[:-shift] |= is_turn[shift:] & same_before[shift:]
    return near


def stride_feet(
    left_cue_mps: np.ndarray, bout: np.ndarray, parity: np.ndarray, *, window_strides: int = 11
) -> np.ndarray:
    """``"left"``/``"right"`` for the foot whose IC starts each stride, ``""`` when unknown.

    ``left_cue_mps`` is positive where the stride's IC looks like a left one (the trunk's leftward
    velocity at it, :func:`~alsmotion.gait.feet.left_foot_cues_mps`), NaN where unknown. One IC
    can mislead, but feet alternate, so each stride gets the alternating labelling that most of
    the ``window_strides`` strides around it agree with. Each bout's strides are consecutive.
    """
    feet = np.full(len(bout), "", dtype=object)
    known = np.isfinite(left_cue_mps)
    if not known.any():
        return feet
    says_left = left_cue_mps > 0
    vote = np.where(known, np.where(says_left == parity, 1.0, -1.0), 0.0)
    # Feet alternate, except where a contact was missed or one foot pivots twice in a turn, so
    # each stride takes the alternating labelling most of its neighbours in the bout agree with.
    half = window_strides // 2
    from_start, from_end = edge_positions(bout, np.arange(len(bout)))
    position = np.arange(len(bout))
    low = position - np.minimum(from_start, half)
    high = position + np.minimum(from_end, half) + 1
    # Votes are +-1 or 0, so the window sums from one running total are exact.
    padded = np.concatenate(([0.0], np.cumsum(vote)))
    even_is_left = (padded[high] - padded[low]) >= 0
    is_left = np.where(even_is_left, parity, ~parity)
    feet[:] = np.where(is_left, "left", "right")
    return feet


def segment_means(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Mean of each segment of ``values`` beginning at ``starts`` (sorted, each segment running
    to the next start), NaN values left out (NaN for a segment without any)."""
    if len(starts) == 0:
        return np.zeros(0)
    sizes = np.diff(starts, append=len(values))
    if not np.isnan(values).any():
        return np.add.reduceat(values, starts) / sizes
    # pandas skips NaN with a compensated sum; used here, NaN-holding segments keep its figures.
    segment = np.repeat(np.arange(len(starts)), sizes)
    return pd.Series(values).groupby(segment).mean().reindex(range(len(starts))).to_numpy()


def bout_table(ic_s: np.ndarray, step_bout: np.ndarray, strides: pd.DataFrame) -> pd.DataFrame:
    """One row per bout, columns :data:`BOUT_COLUMNS` (means over the bout's strides).

    Bout numbers increase along the steps (:func:`~alsmotion.gait.cycles.group_bouts`) and along
    ``strides`` (:func:`stride_table`), so each bout is one segment of both.
    """
    in_bout = step_bout >= 0
    bout_id, first_step, n_steps = np.unique(
        step_bout[in_bout], return_index=True, return_counts=True
    )
    stride_bout = strides["bout_id"].to_numpy()
    with_strides, first_stride, n_strides = np.unique(
        stride_bout, return_index=True, return_counts=True
    )
    row = np.searchsorted(bout_id, with_strides)
    n_rows = len(bout_id)
    columns: dict[str, np.ndarray] = {"bout_id": bout_id}
    if n_rows:
        columns["start_s"] = np.minimum.reduceat(ic_s[:-1][in_bout], first_step)
        columns["end_s"] = np.maximum.reduceat(ic_s[1:][in_bout], first_step)
    else:
        columns["start_s"] = columns["end_s"] = np.zeros(0)
    columns["duration_s"] = columns["end_s"] - columns["start_s"]
    columns["n_steps"] = n_steps
    columns["n_strides"] = np.zeros(n_rows, dtype=int)
    columns["n_strides"][row] = n_strides
    columns["n_turn_strides"] = np.zeros(n_rows, dtype=int)
    if len(first_stride):
        turns = strides["is_turn"].to_numpy().astype(int)
        columns["n_turn_strides"][row] = np.add.reduceat(turns, first_stride)
    for name in ("gait_speed_mps", "cadence_spm", "stride_time_s", "step_length_m"):
        columns[name] = np.full(n_rows, np.nan)
        columns[name][row] = segment_means(strides[name].to_numpy(float), first_stride)
    return pd.DataFrame({name: columns[name] for name in BOUT_COLUMNS})


def pooled_stride_time_sd_s(stride_time_s: np.ndarray, bout_id: np.ndarray) -> float:
    """SD (s) of stride time pooled within bouts (deviations from each bout's own mean), so that
    speed differences between bouts do not count as variability; NaN with fewer than two strides
    more than bouts."""
    if len(stride_time_s) == 0:
        return float("nan")
    _, inverse, counts = np.unique(bout_id, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=stride_time_s) / counts
    dof = len(stride_time_s) - len(counts)
    if dof < 1:
        return float("nan")
    return float(np.sqrt(np.sum((stride_time_s - means[inverse]) ** 2) / dof))


def summary_flags(
    strides: pd.DataFrame, *, min_variability_strides: int, flags: Sequence[str]
) -> tuple[str, ...]:
    """``flags`` followed by ``no_walking`` (no stride) and ``fewer_than_20_strides`` (fewer
    steady strides than ``min_variability_strides``), each flag once."""
    all_flags = list(flags)
    if len(strides) == 0:
        all_flags.append("no_walking")
    if int(strides["is_steady"].to_numpy(bool).sum()) < min_variability_strides:
        all_flags.append("fewer_than_20_strides")
    return tuple(dict.fromkeys(all_flags))


def summarize(
    strides: pd.DataFrame,
    bouts: pd.DataFrame,
    *,
    min_variability_strides: int,
    flags: Sequence[str],
) -> GaitSummary:
    """Recording-level means, steady-walking stride-time variability, counts and flags."""
    steady = strides["is_steady"].to_numpy(bool)
    n_steady = int(steady.sum())
    stride_time_s = strides["stride_time_s"].to_numpy(float)
    sd_s = pooled_stride_time_sd_s(stride_time_s[steady], strides["bout_id"].to_numpy()[steady])

    def mean(values: np.ndarray) -> float:
        """Mean of the values that are not NaN (NaN without any), summed as pandas sums them."""
        known = ~np.isnan(values)
        n_known = int(known.sum())
        return float(np.sum(np.where(known, values, 0.0)) / n_known) if n_known else float("nan")

    def column_mean(name: str) -> float:
        return mean(strides[name].to_numpy(float))

    steady_mean_s = mean(stride_time_s[steady])

    return GaitSummary(
        gait_speed_mps=column_mean("gait_speed_mps"),
        cadence_spm=column_mean("cadence_spm"),
        stride_time_s=mean(stride_time_s),
        stride_time_sd_s=sd_s,
        stride_time_cv_pct=100.0 * sd_s / steady_mean_s if n_steady else float("nan"),
        step_length_m=column_mean("step_length_m"),
        n_strides=len(strides),
        n_steady_strides=n_steady,
        n_bouts=len(bouts),
        walking_time_s=float(bouts["duration_s"].sum()) if len(bouts) else 0.0,
        flags=summary_flags(strides, min_variability_strides=min_variability_strides, flags=flags),
    )
