"""Clock fits on the lower envelope and the per-connection sample bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alsmotion.acquisition.stream_state import SegmentState
from alsmotion.errors import InvalidInputError
from alsmotion.timing import fit_clock, lower_hull

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


def _clockless_run(arrivals_ns: list[int]) -> tuple[list, list]:
    """Feed one-sample packets (value = packet number) arriving at ``arrivals_ns`` to a 100 Hz
    clockless segment; return every stored block and gap, the held ones flushed at the end."""
    state = SegmentState(sampling_rate_hz=100.0, has_device_clock=False, utc_offset_ns=0)
    blocks, gaps = [], []
    for k, arrival_ns in enumerate(arrivals_ns):
        more_blocks, more_gaps = state.add_packet(np.full((1, 9), float(k)), None, arrival_ns)
        blocks += more_blocks
        gaps += more_gaps
    more_blocks, more_gaps = state.release(None)
    return blocks + more_blocks, gaps + more_gaps


def _stored(blocks: list) -> tuple[np.ndarray, np.ndarray]:
    values = np.concatenate([b.values[:, 0] for b in blocks])
    return values, np.concatenate([b.device_time_s for b in blocks])


def test_clockless_segment_marks_samples_that_never_arrived() -> None:
    # 0.5 s (50 samples) lost after packet 200: every later arrival stays 0.5 s late
    arrivals = [
        k * 10_000_000 + (k % 3) * 1_000_000 + (500_000_000 if k >= 200 else 0) for k in range(400)
    ]
    blocks, gaps = _clockless_run(arrivals)
    (gap,) = gaps
    assert gap.n_missing_samples == pytest.approx(50, abs=1)
    assert gap.start_device_time_s == pytest.approx(1.99)
    values, device_time_s = _stored(blocks)
    np.testing.assert_array_equal(values, np.arange(400))  # every packet stored once, in order
    expected_s = (np.arange(400) + np.where(np.arange(400) >= 200, gap.n_missing_samples, 0)) / 100
    np.testing.assert_allclose(device_time_s, expected_s, atol=1e-9)


@pytest.mark.parametrize("stall_s", [0.3, 0.9, 1.5])
def test_clockless_segment_sees_a_stalled_host_catch_up_without_inventing_a_gap(stall_s) -> None:
    # the host did not read notifications for stall_s: the queued ones come in one burst at its
    # end, then arrivals are on time again (nothing was lost on the link)
    stall_start_ns, stall_end_ns = 2_000_000_000, 2_000_000_000 + round(stall_s * 1e9)
    arrivals = []
    for k in range(500):
        on_time_ns = k * 10_000_000 + (k % 3) * 1_000_000
        arrivals.append(stall_end_ns if stall_start_ns <= on_time_ns < stall_end_ns else on_time_ns)
    blocks, gaps = _clockless_run(arrivals)
    assert gaps == []
    values, device_time_s = _stored(blocks)
    np.testing.assert_array_equal(values, np.arange(500))
    np.testing.assert_allclose(device_time_s, np.arange(500) / 100, atol=1e-9)
