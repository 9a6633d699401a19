"""Gait-cycle validation: pair contacts, accept plausible steps, group them into bouts and strides.

Everything works on sorted arrays of contact times (s) and is vectorised with ``searchsorted``.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter


def pair_final_contacts(
    ic_s: np.ndarray,
    fc_s: np.ndarray,
    *,
    max_loading_s: float,
    max_stance_s: float,
    max_step_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match each initial contact with the two final contacts that follow it.

    After an IC the opposite foot leaves the ground (loading response, exactly one FC within
    ``max_loading_s``), then the same foot does (a second FC within ``max_stance_s``), as in GaitPy.
    The last contact of a walk (no IC within ``max_step_s`` after it) needs only the first: when
    the walker stops, that foot never leaves the ground again.

    Returns
    -------
    keep : bool mask of the ICs that have that pattern.
    fc_opposite_s, fc_same_s : the two FC times (s) of each IC (NaN where ``keep`` is False).
    """
    first = np.searchsorted(fc_s, ic_s, side="right")
    in_loading = np.searchsorted(fc_s, ic_s + max_loading_s, side="left") - first
    padded = np.concatenate((fc_s, [np.inf, np.inf]))
    fc_opposite = padded[first]
    fc_same = padded[first + 1]
    stops = np.diff(ic_s, append=np.inf) > max_step_s
    completed = fc_same < ic_s + max_stance_s
    keep = (in_loading == 1) & (completed | stops)
    nan = np.full(len(ic_s), np.nan)
    return keep, np.where(keep, fc_opposite, nan), np.where(keep & completed, fc_same, nan)


def regular_steps(step_s: np.ndarray, *, max_ratio: float, neighbours: int = 5) -> np.ndarray:
    """True for steps whose duration is within ``max_ratio`` of the median of their neighbourhood."""
    if len(step_s) == 0:
        return np.zeros(0, dtype=bool)
    local = median_filter(step_s, size=neighbours, mode="nearest")
    ratio = step_s / local
    return (ratio <= max_ratio) & (ratio >= 1.0 / max_ratio)


def group_bouts(step_ok: np.ndarray, *, min_steps: int) -> np.ndarray:
    """Bout number per step: runs of at least ``min_steps`` consecutive valid steps, numbered 0..;
    -1 for steps outside any bout."""
    padded = np.concatenate(([False], step_ok, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    runs = edges.reshape(-1, 2)
    runs = runs[(runs[:, 1] - runs[:, 0]) >= min_steps]
    bout = np.full(len(step_ok), -1, dtype=int)
    if len(runs):
        marks = np.zeros(len(step_ok) + 1, dtype=int)
        np.add.at(marks, runs[:, 0], 1)
        np.add.at(marks, runs[:, 1], -1)
        inside = np.cumsum(marks[:-1]) > 0
        number = np.cumsum(np.isin(np.arange(len(step_ok)), runs[:, 0])) - 1
        bout = np.where(inside, number, -1)
    return bout


def stride_starts(step_bout: np.ndarray) -> np.ndarray:
    """Indices k of steps that begin a stride: steps k and k+1 lie in the same bout."""
    if len(step_bout) < 2:
        return np.zeros(0, dtype=int)
    same = (step_bout[:-1] == step_bout[1:]) & (step_bout[:-1] >= 0)
    return np.flatnonzero(same)


def edge_positions(step_bout: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each stride (first step ``starts``), its position from its bout's start and end (0 = first
    / last stride)."""
    bouts = step_bout[starts]
    if len(starts) == 0:
        empty = np.zeros(0, dtype=int)
        return empty, empty
    change = np.concatenate(([True], bouts[1:] != bouts[:-1]))
    first_index = np.maximum.accumulate(np.where(change, np.arange(len(starts)), 0))
    from_start = np.arange(len(starts)) - first_index
    change_end = np.concatenate((bouts[:-1] != bouts[1:], [True]))
    reversed_index = np.maximum.accumulate(np.where(change_end[::-1], np.arange(len(starts)), 0))[
        ::-1
    ]
    last_index = len(starts) - 1 - reversed_index
    from_end = last_index - np.arange(len(starts))
    return from_start, from_end
