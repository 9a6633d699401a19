"""What a correct recording of a Tindeq or Movesense twin looks like, checked against the twin's
truth.

Shared by the in-process and the emulated-BlueZ tests: the Tindeq acceptance scenarios (plain,
every 7th notification dropped, a disconnect, MTU 23, drops plus a disconnect, and the first
notification after each start of streaming lost, with a disconnect) and the Movesense checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alsmotion.acquisition.clock import Clock
from alsmotion.acquisition.twins import FaultPlan, MovesenseTwin, TindeqTwin
from alsmotion.session import Session
from alsmotion.units import NEWTONS_PER_KGF

RATE_HZ = 80.0
#: What the gauge reads unloaded (the rig offset a tare must remove), N.
RIG_OFFSET_N = 0.45 * NEWTONS_PER_KGF
PEAK_TOLERANCE_N = 0.1 * NEWTONS_PER_KGF


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: FaultPlan
    att_mtu: int
    n_link_drops: int


def scenarios(*, disconnect_after_s: float, offline_s: float) -> list[Scenario]:
    drop = {"disconnect_after_s": disconnect_after_s, "offline_s": offline_s}
    return [
        Scenario("plain", FaultPlan(), 185, 0),
        Scenario("every 7th dropped", FaultPlan(drop_every=7), 185, 0),
        Scenario("disconnect", FaultPlan(**drop), 185, 1),
        Scenario("MTU 23", FaultPlan(), 23, 0),
        Scenario("drops and disconnect", FaultPlan(drop_every=7, **drop), 185, 1),
        Scenario("first after each start lost", FaultPlan(drop_first=1, **drop), 185, 1),
    ]


def make_force(scenario: Scenario, address: str, clock: Clock | None = None) -> TindeqTwin:
    """A gauge with a 0.45 kg rig offset, at rest for its first second, then 150 N efforts."""
    rest = np.zeros(80)
    effort = np.concatenate([np.linspace(0, 150, 60), np.full(20, 150.0), np.linspace(150, 0, 60)])
    signal = np.concatenate([rest, effort, np.zeros(40), 0.6 * effort])[:, None]
    return TindeqTwin(
        address=address,
        name="Progressor_4218",
        signal_si=signal,
        signal_rate_hz=RATE_HZ,
        faults=scenario.faults,
        offset_n=RIG_OFFSET_N,
        att_mtu=scenario.att_mtu,
        clock=clock,
    )


def segments_of(device_index: np.ndarray) -> np.ndarray:
    """Connection number (1, 2, ...) of each sample: the device count restarts at 0."""
    return 1 + np.cumsum(np.concatenate([[0], np.diff(device_index) < 0])).astype(np.int64)


def check_recording(
    session: Session, twin: TindeqTwin, scenario: Scenario, n_reconnects: int
) -> None:
    """Every sent sample stored once with its value, every withheld run reported with its count,
    stored peaks within 0.1 kg of the truth (the gauge was tared), reconnects clean."""
    stream = session.streams["force"]
    truth = twin.truth
    rows = truth.delivered_indices()
    sent_index = np.asarray(truth.device_index)[rows]
    stored_index = np.rint(stream.device_time_s * RATE_HZ).astype(np.int64)
    # Every sample that reached the central is stored once, in order, with its device time.
    np.testing.assert_array_equal(stored_index, sent_index, err_msg=scenario.name)
    signal = twin.signal_si[sent_index % len(twin.signal_si), 0]
    np.testing.assert_allclose(stream.values[:, 0], signal, atol=1e-3, err_msg=scenario.name)
    assert abs(stream.values[:, 0].max() - signal.max()) < PEAK_TOLERANCE_N, scenario.name

    # Every run withheld within a connection (including its first samples) is a gap with its count.
    segment = segments_of(stored_index)
    gaps = [r for r in session.event_records if r["type"] == "device_gap"]
    counted = [g for g in gaps if "n_missing_samples" in g]
    for number in np.unique(segment):
        got = stored_index[segment == number]
        missing = np.setdiff1d(np.arange(0, got[-1] + 1), got)
        marked: list[int] = []
        for gap in (g for g in counted if g["segment"] == number):
            start = round(gap["start_device_time_s"] * RATE_HZ)
            end = round(gap["end_device_time_s"] * RATE_HZ)
            assert gap["n_missing_samples"] == end - start - 1, (scenario.name, gap)
            marked.extend(range(start + 1, end))
        np.testing.assert_array_equal(sorted(marked), missing, err_msg=f"{scenario.name} {number}")
    if scenario.faults.drop_every is None and scenario.n_link_drops == 0:
        assert not gaps, scenario.name

    # Reconnects clean: one per link drop, one "link lost" gap each, one tare at the start.
    assert n_reconnects == scenario.n_link_drops == len(truth.link_drops_host_ns), scenario.name
    assert len(np.unique(segment)) == 1 + scenario.n_link_drops, scenario.name
    lost = [g for g in gaps if "link lost" in g["reason"]]
    assert len(lost) == scenario.n_link_drops, scenario.name
    assert twin.n_tares == 1, scenario.name
    tares = [r for r in session.event_records if r["type"] == "note" and r.get("tare")]
    assert len(tares) == 1, scenario.name


def movesense_stored_rows(stream_device_time_s: np.ndarray, twin: MovesenseTwin) -> np.ndarray:
    """Truth rows of a stored Movesense stream's samples, matched by device time.

    The stored time of a sample is its message's whole-ms timestamp plus its place in the
    message at the nominal rate: up to 1 ms before the time the twin's clock gave it.
    """
    truth_s = np.asarray(twin.truth.device_time_s)
    stored_s = np.asarray(stream_device_time_s)
    rows = np.clip(np.searchsorted(truth_s, stored_s), 0, len(truth_s) - 1)
    error_s = truth_s[rows] - stored_s
    assert np.all((error_s >= 0) & (error_s < 1e-3)), np.max(np.abs(error_s))
    return rows


def check_movesense_recording(
    session: Session, twin: MovesenseTwin, stream_name: str = "imu"
) -> np.ndarray:
    """Every sample delivered stored once in order with its value; every withheld run within the
    stored span a gap with its exact count. Returns the stored truth rows."""
    stream = session.streams[stream_name]
    rows = movesense_stored_rows(stream.device_time_s, twin)
    np.testing.assert_array_equal(rows, twin.truth.delivered_indices())
    signal_rows = np.asarray(twin.truth.device_index)[rows] * twin.signal_rate_hz / twin.rate_hz
    expected = twin.signal_si[signal_rows.astype(np.int64) % len(twin.signal_si)]
    np.testing.assert_allclose(stream.values, expected, rtol=1e-6, atol=1e-9)

    # The withheld samples between stored ones, per connection, against the counted gaps.
    segments = np.cumsum(np.concatenate([[1], np.diff(np.asarray(twin.truth.device_index)) < 0]))
    gaps = [
        r
        for r in session.event_records
        if r["type"] == "device_gap" and r["stream"] == stream_name and "n_missing_samples" in r
    ]
    withheld = [
        np.setdiff1d(np.arange(kept[0], kept[-1] + 1), kept)
        for kept in (rows[segments[rows] == number] for number in np.unique(segments[rows]))
    ]
    marked: list[int] = []
    for gap in gaps:
        times = np.array([gap["start_device_time_s"], gap["end_device_time_s"]])
        first, last = movesense_stored_rows(times, twin)
        assert gap["n_missing_samples"] == last - first - 1, gap
        marked.extend(range(first + 1, last))
    np.testing.assert_array_equal(sorted(marked), np.concatenate(withheld))
    return rows
