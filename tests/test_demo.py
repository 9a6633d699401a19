"""``alsmotion demo``, gait part: the simulated visit runs end to end and recovers the truth (the
trial part is tested in test_trial_demo.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alsmotion.cli.demo import run_gait_demo


def test_demo_writes_strides_summary_and_plot(tmp_path, capsys):
    run_gait_demo(tmp_path)
    printed = capsys.readouterr().out
    assert "gait speed (IMU)" in printed
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["gait_speed_mps"] == pytest.approx(
        summary["timed_walk"]["clinical_speed_mps"], abs=0.05
    )
    assert len(pd.read_csv(tmp_path / "strides.csv")) == summary["n_strides"] > 100
    assert (tmp_path / "gait.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
