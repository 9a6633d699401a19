"""The trial part of ``alsmotion demo``: simulate, process, export, summarise; safe reruns."""

import pandas as pd
import pytest
from session_helpers import write_small_session

from alsmotion.cli._trial_demo import clear_simulated_sessions, run_trial_demo
from alsmotion.errors import InvalidInputError
from alsmotion.session import verify_session


def test_trial_demo_writes_exports_and_a_summary(tmp_path, capsys):
    run_trial_demo(tmp_path, n_participants=3)
    printed = capsys.readouterr().out
    assert "Simulated trial: 3 participants x 4 visits (12 sessions)" in printed
    rows = [line.split() for line in printed.splitlines()]
    lines = {f"{r[0]} {r[1]}": " ".join(r) for r in rows if r and r[0].startswith("ALS-")}
    assert "out_of_window" in lines["ALS-002 day90"]
    assert "not_recorded" in lines["ALS-003 day90"]
    assert "cannot_perform" in lines["ALS-001 day180"]
    table = pd.read_csv(tmp_path / "exports" / "visit_measures.csv")
    assert table["participant_id"].nunique() == 3
    assert (tmp_path / "exports" / "sdtm" / "ft.csv").is_file()
    assert (tmp_path / "exports" / "reports" / "ALS-001" / "report.html").is_file()
    assert (tmp_path / "bids" / "dataset_description.json").is_file()
    assert all(verify_session(path).ok for path in (tmp_path / "raw").iterdir())
    clear_simulated_sessions(tmp_path / "raw")  # a rerun may replace the demo's own sessions
    assert not (tmp_path / "raw").exists()


def test_a_rerun_never_deletes_real_sessions(tmp_path):
    write_small_session(tmp_path / "raw")
    with pytest.raises(InvalidInputError, match="not a simulated demo session"):
        clear_simulated_sessions(tmp_path / "raw")
    assert len(list((tmp_path / "raw").iterdir())) == 1
