"""Walking bouts from strides with the Mobilise-D consensus rules (Kluge et al. 2021): a bout
holds at least 4 strides, and strides join one bout while the break between the end of one and
the start of the next is at most 3 s."""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_BOUT_STRIDES = 4
MAX_BREAK_S = 3.0

#: Columns of the bout table (one row per walking bout).
HOME_BOUT_COLUMNS = (
    "start_s",
    "end_s",
    "duration_s",
    "n_strides",
    "n_steps",
    "n_turns",
    "cadence_spm",
    "walking_speed_mps",
    "stride_length_m",
    "stride_duration_s",
)


def walking_bouts(
    strides: pd.DataFrame, *, min_strides: int = MIN_BOUT_STRIDES, max_break_s: float = MAX_BREAK_S
) -> tuple[pd.DataFrame, np.ndarray]:
    """Bouts from strides (columns ``ic_time_s, stride_time_s, gait_speed_mps, stride_length_m,
    is_turn``, times on one clock), and each stride's bout number (-1: in no bout).

    Per bout: duration from the first initial contact to the end of the last stride; steps are
    the initial contacts (strides + 2: a lumbar stride starts at every contact and ends two
    contacts later, so n overlapping strides span n + 2 contacts); turns are runs of turning
    strides; cadence, speed, stride length and duration are means over its strides.
    """
    order = strides.sort_values("ic_time_s").reset_index(drop=True)
    start = order["ic_time_s"].to_numpy(float)
    end = start + order["stride_time_s"].to_numpy(float)
    if len(start) == 0:
        return pd.DataFrame(columns=list(HOME_BOUT_COLUMNS)), np.zeros(0, dtype=int)
    reach = np.maximum.accumulate(end)
    new = np.concatenate(([True], start[1:] - reach[:-1] > max_break_s))
    group = np.cumsum(new) - 1
    sizes = np.bincount(group)
    keep = sizes[group] >= min_strides
    bout = np.full(len(group), -1)
    bout[keep] = np.unique(group[keep], return_inverse=True)[1]
    members = np.flatnonzero(keep)  # in time order, each bout's strides contiguous
    number = bout[members]
    opens = np.concatenate(([True], number[1:] != number[:-1]))[: len(number)]
    first = members[opens]
    last = members[np.concatenate((opens[1:], [True]))[: len(number)]]
    n_strides = np.bincount(number)
    turn = order["is_turn"].to_numpy(bool)[members]
    turn_start = turn & ~(np.concatenate(([False], turn[:-1])) & ~opens)
    stride_s = order["stride_time_s"].to_numpy(float)[members]

    def mean(values: np.ndarray) -> np.ndarray:
        """Mean per bout over the finite values (NaN where there is none)."""
        finite = np.isfinite(values)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(number, np.where(finite, values, 0.0)) / np.bincount(number, finite)

    table = pd.DataFrame(
        {
            "start_s": start[first],
            "end_s": reach[last],
            "duration_s": reach[last] - start[first],
            "n_strides": n_strides,
            "n_steps": n_strides + 2,
            "n_turns": np.bincount(number, turn_start).astype(int),
            "cadence_spm": mean(120.0 / stride_s),
            "walking_speed_mps": mean(order["gait_speed_mps"].to_numpy(float)[members]),
            "stride_length_m": mean(order["stride_length_m"].to_numpy(float)[members]),
            "stride_duration_s": mean(stride_s),
        },
        columns=list(HOME_BOUT_COLUMNS),
    )
    index = np.empty(len(bout), dtype=int)
    index[order.index.to_numpy()] = bout
    return table, index
