"""Small builders shared by the session, audit, processing and export tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from alsmotion.recording import DeviceInfo
from alsmotion.session import SessionMetadata, SessionWriter
from alsmotion.simulate.trial import IMU_CHANNELS

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
WITMOTION = DeviceInfo(manufacturer="WitMotion", model="WT901BLECL", serial="A1", firmware="3.1")


def metadata(participant_id: str = "ALS-001", visit: str = "baseline", **extra) -> SessionMetadata:
    return SessionMetadata(
        participant_id=participant_id,
        visit=visit,
        protocol="gait-hhd-v1",
        operator="OP1",
        start_utc=extra.pop("start_utc", START),
        host="test-host",
        extra=extra,
    )


def write_small_session(parent: Path, n_samples: int = 300) -> Path:
    """A closed session with one 100 Hz IMU stream (counter = sample index) and a few events."""
    with SessionWriter.create(parent, metadata()) as writer:
        imu = writer.add_stream(
            "imu", kind="imu", channels=IMU_CHANNELS, sampling_rate_hz=100.0, device=WITMOTION
        )
        t0 = int(START.timestamp() * 1e9)
        host = t0 + np.arange(n_samples, dtype=np.int64) * 10_000_000
        values = np.tile(np.arange(n_samples, dtype=float)[:, None], (1, 6))
        for chunk in np.array_split(np.arange(n_samples), 3):
            imu.append(values[chunk], host_time_ns=host[chunk], counter=chunk)
            imu.flush()
        writer.log_event("trial_started", test="10MWT", trial=1, host_time_ns=int(host[10]))
        writer.log_event("trial_stopped", test="10MWT", trial=1, host_time_ns=int(host[-10]))
        writer.log_event("note", text="participant used a cane", host_time_ns=int(host[-1]))
    return writer.path
