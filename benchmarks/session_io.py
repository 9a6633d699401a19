"""Speed and size of the raw session format: one hour of a 100 Hz six-channel IMU appended in
BLE-sized packets (10 samples) and flushed (record batch + fsync) every 0.25 s of recorded time, as
the writer does in real time, then read back. Run: python benchmarks/session_io.py"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime

import numpy as np

from alsmotion.recording import DeviceInfo
from alsmotion.session import Session, SessionMetadata, SessionWriter

RATE_HZ = 100.0
DURATION_S = 3600
PACKET_SAMPLES = 10
FLUSH_EVERY_SAMPLES = 25


def main() -> None:
    n = int(RATE_HZ * DURATION_S)
    rng = np.random.default_rng(0)
    values = rng.normal(size=(n, 6))
    host_ns = 1_767_600_000_000_000_000 + (np.arange(n) * 1e7).astype(np.int64)
    channels = [(f"acc_{a}", "m/s^2") for a in "xyz"] + [(f"gyr_{a}", "rad/s") for a in "xyz"]
    meta = SessionMetadata(
        "ALS-001", "baseline", "bench", "OP1", start_utc=datetime(2026, 1, 5, tzinfo=UTC)
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with SessionWriter.create(folder, meta) as writer:
            imu = writer.add_stream(
                "imu",
                kind="imu",
                channels=channels,
                sampling_rate_hz=RATE_HZ,
                device=DeviceInfo(model="bench"),
            )
            for start in range(0, n, PACKET_SAMPLES):
                stop = start + PACKET_SAMPLES
                imu.append(
                    values[start:stop],
                    host_time_ns=host_ns[start:stop],
                    counter=np.arange(start, stop),
                )
        write_s = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in writer.path.rglob("*") if p.is_file()) / 1e6
        started = time.perf_counter()
        session = Session.open(writer.path)
        read_s = time.perf_counter() - started
        assert session.streams["imu"].n_samples == n
    print(
        f"session_io: {DURATION_S / 3600:g} h of {RATE_HZ:g} Hz x 6 channels in "
        f"{n // PACKET_SAMPLES} appends: write {write_s:.2f} s "
        f"({write_s / (n / PACKET_SAMPLES) * 1e6:.1f} us per append), "
        f"{n // FLUSH_EVERY_SAMPLES} flushes with fsync; read {read_s:.2f} s, {size_mb:.1f} MB on disk"
    )


if __name__ == "__main__":
    main()
