"""Acquisition under load: simulated devices at their highest rates for 10 simulated minutes.

Two IMU twins (WitMotion, 200 Hz) and two force twins (Tindeq, 80 Hz) stream through the
in-process transport into a real raw session, with their clocks running ``TIME_SCALE`` times
faster than the wall clock. Reported: samples lost (delivered by the twins but not stored),
CPU % of one core per simulated second (the recorder's share: the whole process minus a run of
the same twins alone). Notification-to-disk latency (host arrival to fsync'd flush) depends on
the wall clock, so it comes from a further run in real time (``--latency-s`` seconds).
Run: ``.venv/bin/python benchmarks/acquisition_load.py [--minutes M] [--time-scale K]``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time

import numpy as np

from alsmotion.acquisition.devices import TindeqProgressor, WitMotionImu
from alsmotion.acquisition.recorder import DeviceRequest, Recorder
from alsmotion.acquisition.transport.inprocess import InProcessTransport
from alsmotion.acquisition.twins.factory import make_twin
from alsmotion.session import SessionMetadata, SessionWriter

DEVICES = {
    "imu1": ("imu", "C4:00:00:00:00:01"),
    "imu2": ("imu", "C4:00:00:00:00:02"),
    "force1": ("force", "C4:00:00:00:00:03"),
    "force2": ("force", "C4:00:00:00:00:04"),
}
TOP_RATE_HZ = {"imu": 200.0, "force": 80.0}


def make_twins(time_scale: float) -> dict[str, object]:
    return {
        name: make_twin(kind, address, seed=i, time_scale=time_scale)
        for i, (name, (kind, address)) in enumerate(DEVICES.items())
    }


async def twins_alone(duration_s: float, time_scale: float) -> float:
    """CPU seconds of the twins streaming into callbacks that drop the bytes."""
    twins = make_twins(time_scale)
    transport = InProcessTransport(list(twins.values()))  # type: ignore[arg-type]
    connections = []
    for name, (kind, address) in DEVICES.items():
        driver = (WitMotionImu if kind == "imu" else TindeqProgressor)(
            sampling_rate_hz=TOP_RATE_HZ[kind]
        )
        connection = await transport.connect(address, on_disconnect=lambda: None, timeout_s=1.0)
        await connection.start_notify(driver.gatt.notify_uuid, lambda data: None)
        for command in driver.configure_commands() + driver.start_commands():
            await connection.write(driver.gatt.write_uuid, command)
        connections.append(connection)
        assert twins[name] is not None
    start_cpu = time.process_time()
    await asyncio.sleep(duration_s / time_scale)
    cpu_s = time.process_time() - start_cpu
    for connection in connections:
        await connection.disconnect()
    return cpu_s


def record(duration_s: float, time_scale: float, out_dir: str) -> dict[str, float]:
    twins = make_twins(time_scale)
    requests = []
    for name, (kind, address) in DEVICES.items():
        driver = (WitMotionImu if kind == "imu" else TindeqProgressor)(
            sampling_rate_hz=TOP_RATE_HZ[kind]
        )
        requests.append(DeviceRequest(name, address, driver))
    metadata = SessionMetadata(
        participant_id="BEN-001", visit="baseline", protocol="load", operator="bench"
    )
    with SessionWriter.create(out_dir, metadata) as session:
        recorder = Recorder(InProcessTransport(list(twins.values())), requests, session=session)  # type: ignore[arg-type]
        start_cpu, start_wall = time.process_time(), time.monotonic()
        asyncio.run(recorder.run(duration_s=duration_s / time_scale))
        cpu_s, wall_s = time.process_time() - start_cpu, time.monotonic() - start_wall
        stored = {name: s.n_samples for name, s in recorder.status().items()}
    delivered = {name: len(twin.truth.delivered_indices()) for name, twin in twins.items()}  # type: ignore[attr-defined]
    latency = np.asarray(recorder.latencies_s)
    return {
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "delivered": float(sum(delivered.values())),
        "lost": float(sum(delivered[n] - stored[n] for n in DEVICES)),
        "latency_p50_s": float(np.percentile(latency, 50)),
        "latency_p99_s": float(np.percentile(latency, 99)),
        "latency_max_s": float(latency.max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--latency-s", type=float, default=30.0)
    args = parser.parse_args()
    duration_s = args.minutes * 60
    with tempfile.TemporaryDirectory() as out_dir:
        result = record(duration_s, args.time_scale, out_dir)
    with tempfile.TemporaryDirectory() as out_dir:
        real_time = record(args.latency_s, 1.0, out_dir)
    twins_cpu_s = asyncio.run(twins_alone(duration_s, args.time_scale))
    recorder_cpu_pct = 100 * (result["cpu_s"] - twins_cpu_s) / duration_s
    rates = ", ".join(f"{n} {TOP_RATE_HZ[k]:g} Hz" for n, (k, _a) in DEVICES.items())
    print(f"acquisition load: {rates}; {args.minutes:g} simulated min at {args.time_scale:g}x")
    print(f"  samples delivered by the twins: {result['delivered']:.0f}")
    print(f"  samples lost:                   {result['lost']:.0f}")
    print(
        f"  (real-time run of {args.latency_s:g} s: {real_time['lost']:.0f} of "
        f"{real_time['delivered']:.0f} lost)"
    )
    print(
        f"  CPU, % of one core in real time: recorder {recorder_cpu_pct:.1f} % "
        f"(whole process {100 * result['cpu_s'] / duration_s:.1f} %, "
        f"twins alone {100 * twins_cpu_s / duration_s:.1f} %)"
    )
    print(
        f"  notification-to-disk latency (real time): p50 {1000 * real_time['latency_p50_s']:.0f}"
        f" ms, p99 {1000 * real_time['latency_p99_s']:.0f} ms, "
        f"max {1000 * real_time['latency_max_s']:.0f} ms"
    )


if __name__ == "__main__":
    main()
