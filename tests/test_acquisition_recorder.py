"""The recorder against byte-level twins with injected faults, into a real session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from recorder_checks import (
    Scenario,
    check_movesense_recording,
    check_recording,
    make_force,
    scenarios,
)
from virtual_time import VirtualClock, run_virtual

from alsmotion.acquisition.devices import MovesenseImu, TindeqProgressor, WitMotionImu
from alsmotion.acquisition.recorder import DeviceRequest, ReconnectPolicy, Recorder
from alsmotion.acquisition.transport.base import Connection
from alsmotion.acquisition.transport.inprocess import InProcessTransport
from alsmotion.acquisition.twins import FaultPlan, MovesenseTwin, TindeqTwin, WitMotionTwin
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.signals import imu9_channels_from_walk, imu_channels_from_walk
from alsmotion.session import Session, SessionMetadata, SessionWriter
from alsmotion.simulate.gait import simulate_walk
from alsmotion.timing import ClockFit, connection_starts, fit_clock, timeline_ns

IMU_ADDRESS = "C4:00:00:00:00:01"
FORCE_ADDRESS = "C4:00:00:00:00:02"
MOVESENSE_ADDRESS = "C4:00:00:00:00:03"
FAST_RECONNECT = ReconnectPolicy(initial_backoff_s=0.1, max_backoff_s=0.2, give_up_after_s=1.0)


@pytest.fixture
def clock() -> VirtualClock:
    """Every recording here runs on simulated time: twins, recorder and event loop share it."""
    return VirtualClock()


def force_twin(faults: FaultPlan, clock: VirtualClock, seed: int = 3) -> TindeqTwin:
    ramp = np.concatenate([np.linspace(0, 200, 160), np.linspace(200, 0, 160)])[:, None]
    return TindeqTwin(
        address=FORCE_ADDRESS,
        signal_si=ramp,
        signal_rate_hz=80.0,
        faults=faults,
        seed=seed,
        clock=clock,
    )


def imu_twin(faults: FaultPlan, clock: VirtualClock, seed: int = 4) -> WitMotionTwin:
    signal = imu_channels_from_walk(
        simulate_walk(sampling_rate_hz=100.0, n_strides=8, rest_s=1.0, seed=seed)
    )
    return WitMotionTwin(
        address=IMU_ADDRESS,
        signal_si=signal,
        signal_rate_hz=100.0,
        faults=faults,
        seed=seed,
        clock=clock,
    )


def movesense_twin(faults: FaultPlan, clock: VirtualClock, seed: int = 5) -> MovesenseTwin:
    signal = imu9_channels_from_walk(
        simulate_walk(sampling_rate_hz=104.0, n_strides=8, rest_s=1.0, seed=seed)
    )
    return MovesenseTwin(
        address=MOVESENSE_ADDRESS,
        signal_si=signal,
        signal_rate_hz=104.0,
        faults=faults,
        seed=seed,
        clock=clock,
    )


def record(
    tmp_path: Path,
    twins: list[SimulatedPeripheral],
    clock: VirtualClock,
    *,
    duration_s: float,
    reconnect: ReconnectPolicy = FAST_RECONNECT,
) -> tuple[Session, Recorder]:
    drivers = {IMU_ADDRESS: WitMotionImu(sampling_rate_hz=100.0)}
    drivers[FORCE_ADDRESS] = TindeqProgressor(sampling_rate_hz=80.0)
    drivers[MOVESENSE_ADDRESS] = MovesenseImu(sampling_rate_hz=104.0)
    requests = [
        DeviceRequest(drivers[t.address].kind, t.address, drivers[t.address]) for t in twins
    ]
    metadata = SessionMetadata(
        participant_id="ALS-001", visit="baseline", protocol="t", operator="op"
    )
    with SessionWriter.create(tmp_path, metadata) as session:
        recorder = Recorder(
            InProcessTransport(twins), requests, session=session, reconnect=reconnect, clock=clock
        )
        run_virtual(clock, recorder.run(duration_s=duration_s))
        path = session.path
    return Session.open(path), recorder


def fits_of(session: Session, stream: str) -> dict[int, ClockFit]:
    fits = {}
    for record_ in session.event_records:
        if record_["type"] == "timing_fit" and record_["stream"] == stream:
            fit = record_["fit"]
            fits[fit["segment"]] = ClockFit(
                fit["intercept_ns"], fit["slope"], fit["n_packets"], 0.0, 0.0
            )
    return fits


def gaps_of(session: Session, stream: str) -> list[dict]:
    return [r for r in session.event_records if r["type"] == "device_gap" and r["stream"] == stream]


def test_faulty_force_link_every_delivered_sample_once_gaps_exact_timeline(
    tmp_path: Path, clock: VirtualClock
) -> None:
    faults = FaultPlan(
        drop_probability=0.03,
        duplicate_probability=0.03,
        reorder_probability=0.03,
        corrupt_probability=0.02,
        clock_drift=0.01,
    )
    twin = force_twin(faults, clock)
    session, recorder = record(tmp_path, [twin], clock, duration_s=4.0)
    stream = session.streams["force"]
    truth = twin.truth
    period_s = 1 / 80.0

    stored_index = np.rint(stream.device_time_s / period_s).astype(np.int64)
    delivered_rows = truth.delivered_indices()
    delivered_index = np.asarray(truth.device_index)[delivered_rows]
    # Every delivered sample stored exactly once, in order; nothing else stored.
    np.testing.assert_array_equal(stored_index, delivered_index)
    assert stream.n_samples > 250
    # Its value is the one the twin sent (float32 kg on the wire).
    np.testing.assert_allclose(
        stream.values[:, 0], twin.signal_si[stored_index % len(twin.signal_si), 0], atol=1e-3
    )

    # Gaps marked exactly: the missing samples between the first and last stored one.
    missing = np.setdiff1d(np.arange(stored_index[0], stored_index[-1] + 1), stored_index)
    marked = []
    for gap in gaps_of(session, "force"):
        start = round(gap["start_device_time_s"] / period_s)
        end = round(gap["end_device_time_s"] / period_s)
        assert gap["n_missing_samples"] == end - start - 1
        marked.extend(range(start + 1, end))
    assert len(missing) > 5
    np.testing.assert_array_equal(marked, missing)
    assert recorder.status()["force"].n_missing_samples == len(missing)
    assert recorder.status()["force"].n_duplicates > 0
    assert recorder.status()["force"].n_malformed > 0

    # Timeline: the recorded fit maps device time onto the host clock within one sample period.
    fit = fits_of(session, "force")[1]
    assert fit.slope == pytest.approx(1 / 1.01, abs=2e-3)
    generated_ns = np.asarray(truth.generated_host_ns)[delivered_rows] + recorder.utc_offset_ns
    error_s = (fit.host_time_ns(stream.device_time_s) - generated_ns) / 1e9
    assert np.max(np.abs(error_s)) < period_s
    # The same timeline from the stored columns alone.
    timeline = timeline_ns(stream.host_time_ns, stream.device_time_s)
    assert np.max(np.abs(timeline - generated_ns)) / 1e9 < period_s

    # The live ring is fed on arrival, before the reordering hold-back: in time order, without
    # duplicates, and it leaves out only the late (reordered) samples that storage put back.
    live_time_s, live_values = recorder.latest("force", 60.0)
    assert np.all(np.diff(live_time_s) > 0)
    late = len(stored_index) - len(live_time_s)
    assert 0 <= late <= 0.1 * len(stored_index)
    stored_values = set(np.round(stream.values[:, 0], 6))
    assert set(np.round(live_values[:, 0], 6)) <= stored_values


def test_imu_drift_and_disconnect_reconnect(tmp_path: Path, clock: VirtualClock) -> None:
    faults = FaultPlan(clock_drift=0.01, disconnect_after_s=1.5, offline_s=0.4)
    twin = imu_twin(faults, clock)
    session, recorder = record(tmp_path, [twin], clock, duration_s=3.5)
    stream = session.streams["imu"]
    truth = twin.truth
    delivered = truth.delivered_indices()
    assert stream.n_samples == len(delivered)
    assert recorder.status()["imu"].n_reconnects == 1

    # The device index restarts at each connection; the fits are per connection.
    generated_ns = np.asarray(truth.generated_host_ns)[delivered] + recorder.utc_offset_ns
    restart = int(np.flatnonzero(np.diff(stream.device_time_s) < 0)[0]) + 1
    fits = fits_of(session, "imu")
    assert sorted(fits) == [1, 2]
    np.testing.assert_array_equal(connection_starts(stream.device_time_s), [0, restart])
    timeline_error_s = (timeline_ns(stream.host_time_ns, stream.device_time_s) - generated_ns) / 1e9
    assert np.max(np.abs(timeline_error_s)) < 1 / 100.0
    for segment, part in ((1, slice(0, restart)), (2, slice(restart, None))):
        fit = fits[segment]
        assert fit.slope == pytest.approx(1 / 1.01, abs=3e-3)
        error_s = (fit.host_time_ns(stream.device_time_s[part]) - generated_ns[part]) / 1e9
        assert np.max(np.abs(error_s)) < 1 / 100.0

    (gap,) = gaps_of(session, "imu")
    drop_ns = truth.link_drops_host_ns[0] + recorder.utc_offset_ns
    assert gap["start_host_ns"] <= drop_ns <= gap["end_host_ns"]
    assert gap["end_host_ns"] - gap["start_host_ns"] >= 0.4e9
    types = [r["type"] for r in session.event_records]
    assert types.count("device_connected") == 2
    assert types.count("device_disconnected") == 1


def test_device_that_never_returns_is_reported_and_the_session_continues(
    tmp_path: Path, clock: VirtualClock
) -> None:
    lost = force_twin(FaultPlan(disconnect_after_s=0.5, offline_s=None), clock)
    healthy = imu_twin(FaultPlan(), clock)
    session, recorder = record(tmp_path, [lost, healthy], clock, duration_s=3.0)
    status = recorder.status()
    assert status["force"].state == "lost"
    assert "did not come back" in status["force"].message
    assert status["imu"].state == "stopped"
    assert session.streams["imu"].n_samples > 250
    lost_events = [r for r in session.event_records if r.get("lost")]
    assert len(lost_events) == 1 and lost_events[0]["stream"] == "force"
    assert any("never came back" in g["reason"] for g in gaps_of(session, "force"))
    assert session.closed and not session.issues
    batteries = {r["stream"]: r["battery_v"] for r in session.event_records if "battery_v" in r}
    assert batteries == {"force": pytest.approx(3.9), "imu": pytest.approx(3.9)}


def test_a_device_that_accepts_no_connection_is_given_up_at_once(
    tmp_path: Path, clock: VirtualClock
) -> None:
    # found by the scan, but held by another host: reported within first_connect_within_s, and
    # the other device records to the end of the duration
    policy = ReconnectPolicy(initial_backoff_s=0.1, max_backoff_s=0.2, first_connect_within_s=0.5)
    held = force_twin(FaultPlan(refuse_connections=True), clock)
    session, recorder = record(
        tmp_path, [held, imu_twin(FaultPlan(), clock)], clock, duration_s=3.0, reconnect=policy
    )
    status = recorder.status()
    assert status["force"].state == "lost" and "accepted no connection" in status["force"].message
    assert "other phone, tablet or app" in status["force"].message
    assert status["imu"].state == "stopped" and session.streams["imu"].n_samples > 250


def test_recording_ends_when_every_device_is_given_up(tmp_path: Path, clock: VirtualClock) -> None:
    policy = ReconnectPolicy(initial_backoff_s=0.1, max_backoff_s=0.2, first_connect_within_s=0.5)
    _session, recorder = record(
        tmp_path,
        [force_twin(FaultPlan(refuse_connections=True), clock)],
        clock,
        duration_s=600.0,
        reconnect=policy,
    )
    assert recorder.status()["force"].state == "lost"
    assert clock.monotonic_ns() / 1e9 < 5  # given up after 0.5 s, not at the 600 s asked for


def test_low_battery_is_reported(tmp_path: Path, clock: VirtualClock) -> None:
    twin = force_twin(FaultPlan(), clock)
    twin.battery_v = 3.3
    session, recorder = record(tmp_path, [twin], clock, duration_s=1.0)
    status = recorder.status()["force"]
    assert status.low_power and status.battery_v == pytest.approx(3.3)
    notes = sorted(r["text"] for r in session.event_records if r["type"] == "note")
    assert notes == ["force battery", "force battery low"]


def test_corrupted_imu_frames_are_skipped_and_the_rest_stored(
    tmp_path: Path, clock: VirtualClock
) -> None:
    twin = imu_twin(FaultPlan(corrupt_probability=0.05, duplicate_probability=0.0), clock)
    session, _recorder = record(tmp_path, [twin], clock, duration_s=1.5)
    stream = session.streams["imu"]
    delivered = twin.truth.delivered_indices()
    corrupted = len(twin.truth.device_index) - len(delivered)
    assert corrupted > 0
    assert stream.n_samples == len(delivered)
    rows = np.asarray(twin.truth.device_index)[delivered]
    np.testing.assert_allclose(stream.values, twin.signal_si[rows % len(twin.signal_si)], atol=0.01)


class BrokenHostTransport(InProcessTransport):
    """The host side fails in a way no retry can fix (e.g. a bug or a missing permission)."""

    async def connect(
        self, address: str, *, on_disconnect: Callable[[], None], timeout_s: float
    ) -> Connection:
        raise PermissionError("no access to the Bluetooth adapter")


def test_unexpected_host_error_is_reported_not_retried(tmp_path: Path, clock: VirtualClock) -> None:
    twin = force_twin(FaultPlan(), clock)
    metadata = SessionMetadata(participant_id="ALS-007", visit="v", protocol="t", operator="op")
    request = DeviceRequest("force", FORCE_ADDRESS, TindeqProgressor(sampling_rate_hz=80.0))
    with SessionWriter.create(tmp_path, metadata) as session:
        recorder = Recorder(BrokenHostTransport([twin]), [request], session=session, clock=clock)
        run_virtual(clock, recorder.run(duration_s=0.5))
    status = recorder.status()["force"]
    assert status.state == "lost"
    assert "PermissionError: no access to the Bluetooth adapter" in status.message


@pytest.mark.parametrize(
    "scenario", scenarios(disconnect_after_s=1.5, offline_s=0.3), ids=lambda s: s.name
)
def test_tindeq_acceptance_scenarios_in_process(
    tmp_path: Path, scenario: Scenario, clock: VirtualClock
) -> None:
    twin = make_force(scenario, FORCE_ADDRESS, clock)
    driver = TindeqProgressor(sampling_rate_hz=80.0)
    request = DeviceRequest("force", FORCE_ADDRESS, driver, tare_on_first_connect=True)
    metadata = SessionMetadata(participant_id="ALS-001", visit="v", protocol="t", operator="op")
    with SessionWriter.create(tmp_path, metadata) as session:
        recorder = Recorder(
            InProcessTransport([twin]),
            [request],
            session=session,
            reconnect=FAST_RECONNECT,
            clock=clock,
        )
        run_virtual(clock, recorder.run(duration_s=3.5))
        path = session.path
    check_recording(Session.open(path), twin, scenario, recorder.status()["force"].n_reconnects)


def test_movesense_single_lost_notifications_are_counted_exactly(
    tmp_path: Path, clock: VirtualClock
) -> None:
    # Every 5th notification lost: a lone part 1 or a lone part 2, eight samples each time.
    twin = movesense_twin(FaultPlan(drop_every=5, clock_drift=0.005), clock)
    session, recorder = record(tmp_path, [twin], clock, duration_s=3.0)
    rows = check_movesense_recording(session, twin)
    status = recorder.status()["imu"]
    assert len(rows) > 150 and status.n_gaps >= 10
    assert status.n_missing_samples == 8 * status.n_gaps
    assert status.n_malformed >= status.n_gaps - 1  # each lost notification leaves a lone part
    assert session.streams["imu"].device.model == "Movesense"


def test_movesense_drift_and_disconnect_reconnect(tmp_path: Path, clock: VirtualClock) -> None:
    faults = FaultPlan(clock_drift=0.01, disconnect_after_s=1.5, offline_s=0.4)
    twin = movesense_twin(faults, clock)
    session, recorder = record(tmp_path, [twin], clock, duration_s=3.5)
    rows = check_movesense_recording(session, twin)
    stream = session.streams["imu"]
    assert recorder.status()["imu"].n_reconnects == 1 and twin.n_subscribes == 2
    # The sensor's clock runs on across the reconnect: device time only increases, so the
    # stored columns give one timeline across both connections, within a sample period.
    assert np.all(np.diff(stream.device_time_s) > 0)
    generated_ns = np.asarray(twin.truth.generated_host_ns)[rows] + recorder.utc_offset_ns
    timeline = timeline_ns(stream.host_time_ns, stream.device_time_s)
    assert np.max(np.abs(timeline - generated_ns)) / 1e9 < 1 / 104.0
    assert sorted(fits_of(session, "imu")) == [1, 2]  # one clock fit per connection recorded
    # Processing's sample times (two fits, one running clock: refitted from the columns).
    assert np.max(np.abs(session.sample_time_ns("imu") - generated_ns)) / 1e9 < 1 / 104.0
    whole = fit_clock(stream.device_time_s, stream.host_time_ns)
    assert whole.slope == pytest.approx(1 / 1.01, abs=3e-3)
    (gap,) = gaps_of(session, "imu")
    assert "link lost" in gap["reason"]
    assert gap["end_host_ns"] - gap["start_host_ns"] >= 0.4e9


def test_corrupted_movesense_notifications_are_skipped_and_the_rest_stored(
    tmp_path: Path, clock: VirtualClock
) -> None:
    twin = movesense_twin(FaultPlan(corrupt_probability=0.05, duplicate_probability=0.03), clock)
    session, recorder = record(tmp_path, [twin], clock, duration_s=2.0)
    check_movesense_recording(session, twin)
    assert len(twin.truth.device_index) > len(twin.truth.delivered_indices())
    assert recorder.status()["imu"].n_malformed > 0
