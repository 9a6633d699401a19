"""``alsmotion demo``: the simulated visit runs end to end and recovers the simulated truth."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alsmotion.cli import main


def test_demo_writes_strides_summary_and_plot(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "gait speed (IMU)" in printed
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["gait_speed_mps"] == pytest.approx(
        summary["timed_walk"]["clinical_speed_mps"], abs=0.05
    )
    assert len(pd.read_csv(tmp_path / "strides.csv")) == summary["n_strides"] > 100
    assert (tmp_path / "gait.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
