"""Clock fits on the lower envelope and the per-connection sample bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.acquisition.stream_state import SegmentState
from alsmotion.acquisition.timing import fit_clock, lower_hull
from alsmotion.errors import InvalidInputError

EPOCH_NS = 1_767_225_600_000_000_000


@settings(max_examples=30, deadline=None)
@given(
    drift=st.floats(-0.02, 0.02),
    offset_s=st.floats(-100.0, 100.0),
    seed=st.integers(0, 2**16),
)
def test_fit_recovers_offset_and_drift_under_positive_latency(
    drift: float, offset_s: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    device_s = np.arange(0, 30, 1 / 80)
    true_host_ns = EPOCH_NS + (offset_s + device_s * (1 + drift)) * 1e9
    latency_s = rng.exponential(0.008, len(device_s)) + rng.choice([0, 0.03], len(device_s))
    arrival_ns = np.rint(true_host_ns + latency_s * 1e9).astype(np.int64)
    fit = fit_clock(device_s, arrival_ns)
    assert fit.slope == pytest.approx(1 + drift, abs=1e-4)
    assert np.all(fit.host_time_ns(device_s) <= arrival_ns + 1)  # under every arrival
    error_s = (fit.host_time_ns(device_s) - true_host_ns) / 1e9
    assert np.max(np.abs(error_s)) < 1e-3
    assert fit.median_latency_s > 0


def test_fit_of_one_packet_and_bad_input() -> None:
    fit = fit_clock(np.array([2.0]), np.array([EPOCH_NS]))
    assert fit.slope == 1.0 and fit.intercept_ns == EPOCH_NS - 2_000_000_000
    with pytest.raises(InvalidInputError):
        fit_clock(np.array([1.0, 2.0]), np.array([EPOCH_NS]))


def test_lower_hull_keeps_only_the_envelope() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = np.array([0.0, -1.0, 5.0, -1.0, 0.0])
    np.testing.assert_array_equal(lower_hull(x, y), [0, 1, 3, 4])


def weight_packet(first: int, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    index = np.arange(first, first + n)
    return index[:, None].astype(float), index / 80.0


def test_segment_drops_duplicates_reorders_and_marks_exact_gaps() -> None:
    state = SegmentState(sampling_rate_hz=80.0, has_device_clock=True, utc_offset_ns=0)
    arrivals = iter(range(10_000_000, 10**10, 12_500_000))
    stored: list[float] = []
    gaps = []
    for first in (0, 2, 2, 6, 4, 8, 12):  # duplicate 2, 4 after 6, 10-11 lost
        values, device_s = weight_packet(first)
        blocks, found = state.add_packet(values, device_s, next(arrivals))
        stored += [v for b in blocks for v in b.values[:, 0]]
        gaps += found
    blocks, found = state.release(None)
    stored += [v for b in blocks for v in b.values[:, 0]]
    gaps += found
    assert stored == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13]
    assert state.n_duplicates == 2
    (gap,) = gaps
    assert gap.n_missing_samples == 2
    assert (gap.start_device_time_s, gap.end_device_time_s) == (9 / 80, 12 / 80)
    assert gap.start_host_ns < gap.end_host_ns


def test_clockless_segment_numbers_samples_and_marks_a_pause() -> None:
    state = SegmentState(sampling_rate_hz=100.0, has_device_clock=False, utc_offset_ns=0)
    arrival_ns = 0
    for k in range(300):
        arrival_ns = k * 10_000_000 + (k % 3) * 1_000_000
        if k >= 200:  # the device went quiet for 0.5 s (50 samples) and came back
            arrival_ns += 500_000_000
        blocks, gaps = state.add_packet(np.full((1, 9), float(k)), None, arrival_ns)
        if k == 200:
            (gap,) = gaps
            assert gap.n_missing_samples == pytest.approx(50, abs=1)
        else:
            assert not gaps
        assert blocks[0].device_time_s[0] == pytest.approx(
            (k + (50 if k >= 200 else 0)) / 100.0, abs=0.011
        )
