"""SIGKILL the recorder mid-session: at most 1 s of data lost and the session still readable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alsmotion.session import Session

RECORD_S = 3.0


@pytest.mark.slow
def test_sigkill_loses_at_most_one_second(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "import sys; from alsmotion.cli import main; sys.exit(main())",
        "record",
        "--simulate",
        "--device",
        "imu=C4:00:00:00:00:01",
        "--device",
        "force=C4:00:00:00:00:02",
        "--participant",
        "ALS-003",
        "--visit",
        "baseline",
        "--out",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        assert process.stdout.readline().startswith("looking for")  # the scan, then the session
        assert "recording into" in process.stdout.readline()
        time.sleep(RECORD_S)
        killed_ns = time.time_ns()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    (path,) = tmp_path.iterdir()
    session = Session.open(path)
    assert not session.closed
    assert any("not closed" in issue for issue in session.issues)
    for name, rate_hz in (("imu", 100.0), ("force", 80.0)):
        stream = session.streams[name]
        assert stream.n_samples > rate_hz * (RECORD_S - 2.0), name
        lost_s = (killed_ns - int(stream.host_time_ns[-1])) / 1e9
        assert lost_s <= 1.0, (name, lost_s)
    assert [r["type"] for r in session.event_records].count("device_connected") == 2
