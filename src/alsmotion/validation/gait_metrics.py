"""Gait validation metrics: pure functions comparing detected events and strides with a reference.

Times are seconds on one clock. Events are matched one-to-one: pairs closer than the tolerance are
taken in order of increasing distance, each reference and each detected event at most once (so a
detected event between two reference events cannot count twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError

#: Reference strides with at least this fraction of their duration inside a turn are turning
#: strides (IPOL README: at 40 % or more 96-100 % turn by more than 30 deg).
TURNING_FRACTION = 0.5


@dataclass(frozen=True)
class EventMatch:
    """One-to-one matching of detected to reference events.

    Attributes
    ----------
    reference_index, detected_index : indices of the matched pairs (same length), sorted by reference.
    errors_s : detected minus reference time (s) of each pair (positive = detected late).
    n_reference, n_detected : events compared on each side.
    """

    reference_index: np.ndarray
    detected_index: np.ndarray
    errors_s: np.ndarray
    n_reference: int
    n_detected: int

    @property
    def n_matched(self) -> int:
        return len(self.errors_s)

    @property
    def recall(self) -> float:
        """Matched share of the reference events (NaN without reference events)."""
        return self.n_matched / self.n_reference if self.n_reference else float("nan")

    @property
    def precision(self) -> float:
        """Matched share of the detected events (NaN without detected events)."""
        return self.n_matched / self.n_detected if self.n_detected else float("nan")

    @property
    def median_bias_s(self) -> float:
        """Median of detected minus reference time (s) over matched pairs (NaN without pairs)."""
        return float(np.median(self.errors_s)) if self.n_matched else float("nan")


def match_events(
    reference_s: np.ndarray, detected_s: np.ndarray, *, tolerance_s: float
) -> EventMatch:
    """Match detected to reference event times (s) one-to-one within ``tolerance_s`` (s)."""
    if not tolerance_s > 0:
        raise InvalidInputError(f"tolerance_s must be positive, got {tolerance_s!r}")
    reference = np.asarray(reference_s, dtype=float)
    detected = np.asarray(detected_s, dtype=float)
    order = np.argsort(detected, kind="stable")
    sorted_detected = detected[order]
    low = np.searchsorted(sorted_detected, reference - tolerance_s, side="left")
    high = np.searchsorted(sorted_detected, reference + tolerance_s, side="right")
    counts = high - low
    ref_candidates = np.repeat(np.arange(len(reference)), counts)
    det_candidates = (
        np.concatenate([np.arange(a, b) for a, b in zip(low, high, strict=True)])
        if counts.sum()
        else np.zeros(0, dtype=int)
    ).astype(int)
    distance = np.abs(sorted_detected[det_candidates] - reference[ref_candidates])
    used_ref = np.zeros(len(reference), dtype=bool)
    used_det = np.zeros(len(detected), dtype=bool)
    pairs = []
    for candidate in np.argsort(distance, kind="stable"):
        r, d = ref_candidates[candidate], det_candidates[candidate]
        if not used_ref[r] and not used_det[d]:
            used_ref[r] = used_det[d] = True
            pairs.append((r, d))
    pairs.sort()
    ref_index = np.array([r for r, _ in pairs], dtype=int)
    det_index = order[np.array([d for _, d in pairs], dtype=int)] if pairs else np.zeros(0, int)
    return EventMatch(
        reference_index=ref_index,
        detected_index=det_index,
        errors_s=detected[det_index] - reference[ref_index],
        n_reference=len(reference),
        n_detected=len(detected),
    )


def within_spans(times_s: np.ndarray, spans_s: np.ndarray, *, margin_s: float = 0.0) -> np.ndarray:
    """True for times inside any (start, end) span (s), widened by ``margin_s`` on both sides."""
    times = np.asarray(times_s, dtype=float)
    spans = np.asarray(spans_s, dtype=float).reshape(-1, 2)
    inside = np.zeros(len(times), dtype=bool)
    for start, end in spans:
        inside |= (times >= start - margin_s) & (times <= end + margin_s)
    return inside


def match_strides(
    reference: pd.DataFrame, detected: pd.DataFrame, *, tolerance_s: float
) -> pd.DataFrame:
    """Pairs of reference and detected strides whose initial contacts match (one-to-one).

    ``reference`` has the columns of :data:`alsmotion.validation.reference_data.REFERENCE_STRIDE_COLUMNS`,
    ``detected`` those of :data:`alsmotion.gait.STRIDE_COLUMNS`. The result has every reference column
    prefixed ``ref_`` and every detected column prefixed ``det_``, one row per matched pair.
    """
    match = match_events(
        reference["ic_time_s"].to_numpy(dtype=float),
        detected["ic_time_s"].to_numpy(dtype=float),
        tolerance_s=tolerance_s,
    )
    left = reference.iloc[match.reference_index].add_prefix("ref_").reset_index(drop=True)
    right = detected.iloc[match.detected_index].add_prefix("det_").reset_index(drop=True)
    return pd.concat([left, right], axis=1)


def stride_time_errors_s(pairs: pd.DataFrame) -> np.ndarray:
    """Detected minus reference stride time (s) of matched strides (:func:`match_strides`)."""
    return (pairs["det_stride_time_s"] - pairs["ref_stride_time_s"]).to_numpy(dtype=float)


def coefficient_of_variation_pct(values: np.ndarray) -> float:
    """Sample SD / mean x 100 (%); NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return float("nan")
    return float(100.0 * np.std(values, ddof=1) / np.mean(values))


def reference_steady_cv_pct(reference: pd.DataFrame) -> tuple[float, int]:
    """Stride-time CV (%) of the reference's steady straight strides (neither touching a turn nor
    the first or last of a foot) and their number."""
    steady = reference[~reference["in_turn"] & ~reference["is_first_or_last"]]
    return coefficient_of_variation_pct(steady["stride_time_s"].to_numpy()), len(steady)


@dataclass(frozen=True)
class TurnFlagRates:
    """How often detected strides are flagged as turns, by what the reference says they are.

    ``turning_flagged``: share of reference turning strides (``turn_fraction`` >= 0.5) flagged
    ``is_turn``; ``straight_flagged``: share of strides not touching a turn flagged ``is_turn``;
    ``touching_steady``: share of strides touching a turn (``in_turn``) still counted ``is_steady``.
    The ``n_*`` are the strides behind each share.
    """

    turning_flagged: float
    n_turning: int
    straight_flagged: float
    n_straight: int
    touching_steady: float
    n_touching: int


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def turn_flag_rates(
    pairs: pd.DataFrame, *, turning_fraction: float = TURNING_FRACTION
) -> TurnFlagRates:
    """Turn flags of matched strides (:func:`match_strides`) against the reference turns."""
    turning = pairs[pairs["ref_turn_fraction"] >= turning_fraction]
    straight = pairs[~pairs["ref_in_turn"].astype(bool)]
    touching = pairs[pairs["ref_in_turn"].astype(bool)]
    return TurnFlagRates(
        turning_flagged=_share(turning["det_is_turn"].astype(bool)),
        n_turning=len(turning),
        straight_flagged=_share(straight["det_is_turn"].astype(bool)),
        n_straight=len(straight),
        touching_steady=_share(touching["det_is_steady"].astype(bool)),
        n_touching=len(touching),
    )


def foot_label_accuracy(pairs: pd.DataFrame) -> tuple[float, int]:
    """Share of matched strides whose detected foot equals the reference foot, and their number
    (strides without a reference label are left out; an empty detected label counts as wrong)."""
    labelled = pairs[pairs["ref_foot"].isin(["left", "right"])]
    if not len(labelled):
        return float("nan"), 0
    return float((labelled["det_foot"] == labelled["ref_foot"]).mean()), len(labelled)


def bout_speed_errors(reference_bouts: pd.DataFrame, detected: pd.DataFrame) -> pd.DataFrame:
    """Per reference bout: mean speed of the detected strides whose IC lies inside it, against the
    reference's speed. Columns ``start_s, end_s, reference_speed_mps, speed_mps, n_strides,
    error_mps`` (speed and error NaN when no detected stride falls inside)."""
    rows = []
    ic_s = detected["ic_time_s"].to_numpy(dtype=float)
    speed = detected["gait_speed_mps"].to_numpy(dtype=float)
    spans = reference_bouts[["start_s", "end_s", "speed_mps"]].to_numpy(dtype=float)
    for start_s, end_s, reference_mps in spans:
        inside = (ic_s >= start_s) & (ic_s <= end_s) & np.isfinite(speed)
        mean = float(speed[inside].mean()) if inside.any() else float("nan")
        rows.append(
            {
                "start_s": start_s,
                "end_s": end_s,
                "reference_speed_mps": reference_mps,
                "speed_mps": mean,
                "n_strides": int(inside.sum()),
                "error_mps": mean - reference_mps,
            }
        )
    columns = ["start_s", "end_s", "reference_speed_mps", "speed_mps", "n_strides", "error_mps"]
    return pd.DataFrame(rows, columns=columns)


def kept_speed_bias_pct(
    kept_reference_mps: np.ndarray, all_reference_mps: np.ndarray
) -> tuple[float, int]:
    """How much faster (%) the reference strides a detected stride matches are than all of them.

    A pipeline that drops the slow start, stop and turning strides of a bout reads its speed
    high even when every stride it keeps is measured right; this isolates that selection. Both
    arguments are reference stride speeds (m/s); NaN are ignored. Returns the percentage (NaN
    without speeds) and the number of kept strides with a speed.
    """
    kept = np.asarray(kept_reference_mps, dtype=float)
    every = np.asarray(all_reference_mps, dtype=float)
    kept, every = kept[np.isfinite(kept)], every[np.isfinite(every)]
    if len(kept) == 0 or len(every) == 0:
        return float("nan"), len(kept)
    return float(100.0 * (kept.mean() / every.mean() - 1.0)), len(kept)


def detected_steps(strides: pd.DataFrame) -> pd.DataFrame:
    """The steps inside a stride table: ``start_s``, ``end_s``, ``length_m`` (turn-corrected).

    Stride k holds step k (``ic_time_s`` for ``step_time_s``, ``step_length_m``); the second step of
    each bout's last stride is the remainder of that stride.
    """
    first = pd.DataFrame(
        {
            "start_s": strides["ic_time_s"],
            "end_s": strides["ic_time_s"] + strides["step_time_s"],
            "length_m": strides["step_length_m"],
        }
    )
    last = strides[strides["bout_id"].shift(-1) != strides["bout_id"]]
    second = pd.DataFrame(
        {
            "start_s": last["ic_time_s"] + last["step_time_s"],
            "end_s": last["ic_time_s"] + last["stride_time_s"],
            "length_m": last["stride_length_m"] - last["step_length_m"],
        }
    )
    steps = pd.concat([first, second], ignore_index=True)
    return steps.sort_values("start_s", kind="stable").reset_index(drop=True)


def walked_distance_m(
    reference_ic_s: np.ndarray, strides: pd.DataFrame, *, tolerance_s: float
) -> tuple[float, int]:
    """Distance (m) the pipeline walked from the first to the last reference contact, and the
    number of reference steps it did not measure.

    Each reference step (consecutive reference contacts of either foot) takes the length of the
    detected step whose both ends lie within ``tolerance_s`` of its own; a reference step without
    one counts as the median of the matched ones (a missed step is a step, not nothing). NaN
    when no step matches.
    """
    reference = np.sort(np.asarray(reference_ic_s, dtype=float))
    n_steps = max(len(reference) - 1, 0)
    steps = detected_steps(strides).dropna(subset=["length_m"])
    lengths = np.full(n_steps, np.nan)
    if len(steps) and n_steps:
        starts = steps["start_s"].to_numpy()
        nearest = np.abs(starts[None, :] - reference[:-1, None]).argmin(axis=1)
        ends = steps["end_s"].to_numpy()[nearest]
        matched = (np.abs(starts[nearest] - reference[:-1]) <= tolerance_s) & (
            np.abs(ends - reference[1:]) <= tolerance_s
        )
        lengths[matched] = steps["length_m"].to_numpy()[nearest[matched]]
    missing = int(np.isnan(lengths).sum())
    if missing == n_steps:
        return float("nan"), missing
    return float(np.nansum(lengths) + missing * np.nanmedian(lengths)), missing
