"""Unwrapping the uint32 clocks that BLE devices stamp their samples with."""

from __future__ import annotations

import numpy as np

#: A uint32 count wraps after 2**32 ticks (71.6 min of microseconds, 49.7 days of milliseconds).
UINT32_WRAP = 2**32


def unwrap_uint32(raw_counts: np.ndarray, previous: int | None) -> np.ndarray:
    """Unwrap raw uint32 stamps into a monotonic int64 count (in the stamps' own unit).

    Parameters
    ----------
    raw_counts : raw stamps of one notification (0 .. 2**32 - 1).
    previous : the last unwrapped stamp before these, or None at the start.
    """
    raw = np.asarray(raw_counts, dtype=np.int64)
    if previous is None:
        base = 0
        prior = raw[:1]
    else:
        base = previous - previous % UINT32_WRAP
        prior = np.array([previous % UINT32_WRAP])
    steps = np.diff(np.concatenate([prior, raw]))
    # A step back by more than half the range is a wrap; smaller steps back are reordering.
    wraps: np.ndarray = np.cumsum(steps < -UINT32_WRAP // 2) - np.cumsum(steps > UINT32_WRAP // 2)
    return base + raw + wraps * UINT32_WRAP
