"""LiveAcquisition: the GUI's thread-safe facade over simulated twins."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from alsmotion.acquisition.live import LiveAcquisition
from alsmotion.errors import DeviceError, InvalidInputError
from alsmotion.session import Session, SessionMetadata, SessionWriter


def test_live_acquisition_streams_both_devices_and_stops() -> None:
    live = LiveAcquisition(ring_seconds=5.0)
    live.connect({"imu": "C4:00:00:00:00:01", "force": "C4:00:00:00:00:02"}, simulate=True)
    try:
        assert live.wait_until_streaming(5.0)
        time.sleep(1.5)
        status = live.status()
        assert status["imu"].rate_hz == pytest.approx(100.0, rel=0.1)
        assert status["force"].rate_hz == pytest.approx(80.0, rel=0.1)
        assert status["imu"].battery_v == pytest.approx(3.9)
        time_s, values = live.latest("imu", 1.0)
        assert values.shape[1] == 9 and len(time_s) >= 90
        assert np.all(np.diff(time_s) > 0)
        assert live.channels("force") == (("force", "N"),)
        live.tare("force")
    finally:
        live.stop()
    assert {s.state for s in live.status().values()} == {"stopped"}
    assert not live.running


def test_live_acquisition_rejects_unknown_kinds_and_double_connect() -> None:
    live = LiveAcquisition()
    with pytest.raises(InvalidInputError, match="unknown device kind"):
        live.connect({"emg": "C4:00:00:00:00:09"}, simulate=True)
    with pytest.raises(DeviceError, match="connect"):
        live.latest("imu", 1.0)
    live.connect({"force": "C4:00:00:00:00:02"}, simulate=True, duration_s=5.0)
    try:
        with pytest.raises(DeviceError, match="already recording"):
            live.connect({"force": "C4:00:00:00:00:02"}, simulate=True)
    finally:
        live.stop()


def test_live_acquisition_records_a_session_with_events(tmp_path: Path) -> None:
    metadata = SessionMetadata(
        participant_id="ALS-005", visit="day180", protocol="t", operator="op"
    )
    writer = SessionWriter.create(tmp_path, metadata)
    live = LiveAcquisition(ring_seconds=5.0)
    live.connect({"force": "C4:00:00:00:00:02"}, simulate=True, session=writer)
    try:
        assert live.wait_until_streaming(5.0)
        fields = {"test": "HHD", "trial": 1, "muscle": "knee_extension", "side": "left"}
        live.log_event("trial_started", **fields)
        time.sleep(1.0)
        live.log_event("trial_stopped", **fields)
    finally:
        live.stop()
        writer.close()
    session = Session.open(writer.path)
    types = [r["type"] for r in session.event_records]
    assert types.index("device_connected") < types.index("trial_started")
    assert "trial_stopped" in types and "timing_fit" in types
    assert session.streams["force"].n_samples == live.status()["force"].n_samples > 60
