"""End to end over the real bleak BlueZ backend, without hardware.

A private dbus-daemon plays the system bus, the BlueZoo emulator (with the fixes in
``bluezoo_harness.py``) provides three virtual adapters, the twins are served as GATT
peripherals on two of them by alsmotion's dbus-fast GATT server, and the recorder runs with real
bleak on the third: scan, connect, Device Information, notifications, a disconnect from the
peripheral's side and the reconnect.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
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

from alsmotion.acquisition.devices import MovesenseImu, TindeqProgressor, WitMotionImu
from alsmotion.acquisition.recorder import DeviceRequest, ReconnectPolicy, Recorder
from alsmotion.acquisition.transport.bleak_transport import BleakTransport
from alsmotion.acquisition.twins import FaultPlan, MovesenseTwin, TindeqTwin, WitMotionTwin
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.gatt_server import GattTwinServer
from alsmotion.acquisition.twins.signals import imu9_channels_from_walk, imu_channels_from_walk
from alsmotion.session import Session, SessionMetadata, SessionWriter
from alsmotion.simulate.gait import simulate_walk

pytestmark = pytest.mark.slow

#: Longest the test waits for the samples in flight to be stored once the twins stop (s); the
#: wait ends as soon as they are, so this only bounds a failing run.
SETTLE_TIMEOUT_S = 60.0
POLICY = ReconnectPolicy(initial_backoff_s=0.3, max_backoff_s=1.0, give_up_after_s=20)

FORCE_ADDRESS = "00:AA:00:00:00:01"
IMU_ADDRESS = "00:AA:00:00:00:02"
CENTRAL_ADDRESS = "00:AA:00:00:00:03"
HARNESS = Path(__file__).with_name("bluezoo_harness.py")
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""


def _wait_for_line(process: subprocess.Popen[str], expected: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if expected in line:
            return
        if process.poll() is not None:
            break
    raise RuntimeError(f"{process.args!r} did not print {expected!r} within {timeout_s} s")


@pytest.fixture(scope="module")
def emulated_bluez(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private system bus with BlueZoo on it; yields the bus address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian package dbus-daemon)")
    folder = tmp_path_factory.mktemp("bus")
    socket = folder / "system_bus_socket"
    config = folder / "bus.conf"
    config.write_text(BUS_CONFIG.format(socket=socket))
    bus = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    address = f"unix:path={socket}"
    previous = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
    zoo = None
    try:
        _wait_for_line(bus, "unix:path=", timeout_s=10)
        zoo = subprocess.Popen(
            [
                sys.executable,
                str(HARNESS),
                "--peripheral",
                FORCE_ADDRESS,
                "--peripheral",
                IMU_ADDRESS,
                "--central",
                CENTRAL_ADDRESS,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        _wait_for_line(zoo, "ready", timeout_s=30)
        yield address
    finally:
        for process in (zoo, bus):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
                assert process.stdout is not None
                process.stdout.close()
        if previous is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = previous


async def _scan_until_found(transport: BleakTransport, wanted: set[str]) -> set[str]:
    """Scan (retrying: a scan can miss a device for about a second) until ``wanted`` is seen."""
    uuids = [
        TindeqProgressor.gatt.service_uuid,
        WitMotionImu.gatt.service_uuid,
        MovesenseImu.gatt.service_uuid,
    ]
    seen: set[str] = set()
    for _ in range(4):
        found = await transport.scan(service_uuids=uuids, timeout_s=2.5)
        seen |= {advertisement.address for advertisement in found}
        if wanted <= seen:
            break
    return seen


async def _record_until_settled(
    recorder: Recorder, twins: dict[str, SimulatedPeripheral], *, stream_s: float
) -> None:
    """Record ``stream_s`` seconds, stop the twins' streams, wait until every sample they sent
    is stored, then stop: what is stored no longer depends on how loaded the machine is."""
    run = asyncio.create_task(recorder.run())
    try:
        await asyncio.sleep(stream_s)
        for twin in twins.values():
            twin.stop_streaming()
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline and any(
            recorder.status()[name].n_samples < len(twin.truth.delivered_indices())
            for name, twin in twins.items()
        ):
            await asyncio.sleep(0.1)
    finally:
        recorder.request_stop()
        await run


def test_recorder_over_bleak_and_emulated_bluez(emulated_bluez: str, tmp_path: Path) -> None:
    ramp = np.concatenate([np.linspace(0, 200, 160), np.linspace(200, 0, 160)])[:, None]
    force = TindeqTwin(
        address=FORCE_ADDRESS,
        signal_si=ramp,
        signal_rate_hz=80.0,
        faults=FaultPlan(disconnect_after_s=2.0, offline_s=1.0),
    )
    imu = WitMotionTwin(
        address=IMU_ADDRESS,
        signal_si=imu_channels_from_walk(
            simulate_walk(sampling_rate_hz=50.0, n_strides=8, rest_s=1.0)
        ),
        signal_rate_hz=50.0,
    )
    requests = [
        DeviceRequest("force", FORCE_ADDRESS, TindeqProgressor(sampling_rate_hz=80.0)),
        DeviceRequest("imu", IMU_ADDRESS, WitMotionImu(sampling_rate_hz=50.0)),
    ]
    metadata = SessionMetadata(participant_id="ALS-002", visit="day30", protocol="t", operator="op")

    async def scenario(session: SessionWriter) -> tuple[set[str], Recorder]:
        async with (
            GattTwinServer(force, adapter="hci0", index=0),
            GattTwinServer(imu, adapter="hci1", index=1),
        ):
            transport = BleakTransport(adapter="hci2")  # AcquireNotify: notifications over a socket
            seen = await _scan_until_found(transport, {FORCE_ADDRESS, IMU_ADDRESS})
            recorder = Recorder(transport, requests, session=session, reconnect=POLICY)
            await _record_until_settled(recorder, {"force": force, "imu": imu}, stream_s=6.0)
        return seen, recorder

    with SessionWriter.create(tmp_path, metadata) as session:
        seen, recorder = asyncio.run(scenario(session))
        path = session.path
    assert seen >= {FORCE_ADDRESS, IMU_ADDRESS}
    recorded = Session.open(path)
    status = recorder.status()

    # Device Information read over GATT and kept with the stream.
    assert recorded.streams["force"].device.serial == force.device_info.serial
    assert recorded.streams["imu"].device.model == "WT901BLECL"

    # Every notification sent to BlueZ is stored once, in order.
    for name, twin, rate_hz in (("force", force, 80.0), ("imu", imu, 50.0)):
        stream = recorded.streams[name]
        stored = np.rint(stream.device_time_s * rate_hz).astype(np.int64)
        sent = np.asarray(twin.truth.device_index)[twin.truth.delivered_indices()]
        assert stream.n_samples > 100, name
        np.testing.assert_array_equal(stored, sent, err_msg=name)
    assert imu.rate_hz == 50.0
    assert status["imu"].n_gaps == 0 and status["imu"].n_reconnects == 0

    # The peripheral dropped the link; the recorder reconnected and marked the gap.
    assert status["force"].n_reconnects == 1
    (gap,) = [r for r in recorded.event_records if r["type"] == "device_gap"]
    assert gap["stream"] == "force" and "link lost" in gap["reason"]
    connected = [r for r in recorded.event_records if r["type"] == "device_connected"]
    assert [r["stream"] for r in connected].count("force") == 2


@pytest.mark.parametrize(
    "scenario", scenarios(disconnect_after_s=2.0, offline_s=1.0), ids=lambda s: s.name
)
def test_tindeq_acceptance_scenarios_over_bluez(
    emulated_bluez: str, tmp_path: Path, scenario: Scenario
) -> None:
    """The recorder against the Tindeq twin served on emulated BlueZ, tared at the start."""
    twin = make_force(scenario, FORCE_ADDRESS)

    async def record(session: SessionWriter) -> Recorder:
        async with GattTwinServer(twin, adapter="hci0", index=0):
            transport = BleakTransport(adapter="hci2")
            await _scan_until_found(transport, {FORCE_ADDRESS})
            driver = TindeqProgressor(sampling_rate_hz=80.0)
            request = DeviceRequest("force", FORCE_ADDRESS, driver, tare_on_first_connect=True)
            recorder = Recorder(transport, [request], session=session, reconnect=POLICY)
            await _record_until_settled(recorder, {"force": twin}, stream_s=5.0)
        return recorder

    metadata = SessionMetadata(participant_id="ALS-003", visit="v", protocol="t", operator="op")
    with SessionWriter.create(tmp_path, metadata) as session:
        recorder = asyncio.run(record(session))
        path = session.path
    check_recording(Session.open(path), twin, scenario, recorder.status()["force"].n_reconnects)


def test_movesense_lost_notifications_counted_over_bluez(
    emulated_bluez: str, tmp_path: Path
) -> None:
    """The Movesense twin on emulated BlueZ, every 6th notification withheld (a lone part 1 or
    part 2 of a two-part IMU9 message each time): every withheld sample is counted from the
    sensor's timestamps, every delivered one stored once."""
    twin = MovesenseTwin(
        address=IMU_ADDRESS,
        signal_si=imu9_channels_from_walk(
            simulate_walk(sampling_rate_hz=104.0, n_strides=8, rest_s=1.0)
        ),
        signal_rate_hz=104.0,
        faults=FaultPlan(drop_every=6),
    )

    async def record(session: SessionWriter) -> Recorder:
        async with GattTwinServer(twin, adapter="hci1", index=1):
            transport = BleakTransport(adapter="hci2")
            await _scan_until_found(transport, {IMU_ADDRESS})
            request = DeviceRequest("imu", IMU_ADDRESS, MovesenseImu(sampling_rate_hz=104.0))
            recorder = Recorder(transport, [request], session=session, reconnect=POLICY)
            await _record_until_settled(recorder, {"imu": twin}, stream_s=4.0)
        return recorder

    metadata = SessionMetadata(participant_id="ALS-004", visit="v", protocol="t", operator="op")
    with SessionWriter.create(tmp_path, metadata) as session:
        recorder = asyncio.run(record(session))
        path = session.path
    recorded = Session.open(path)
    rows = check_movesense_recording(recorded, twin)
    status = recorder.status()["imu"]
    assert len(rows) > 120 and status.n_gaps >= 5 and status.n_reconnects == 0
    assert status.n_missing_samples == 8 * status.n_gaps
    assert recorded.streams["imu"].device.model == "Movesense"
