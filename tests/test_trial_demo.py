"""The trial part of ``alsmotion demo``: simulate, process, export, summarise; safe reruns."""

import json
import re

import pandas as pd
import pytest
from session_helpers import write_small_session

from alsmotion.cli._trial_demo import clear_simulated_sessions, run_trial_demo
from alsmotion.errors import InvalidInputError
from alsmotion.session import verify_session


@pytest.mark.slow
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
    ft = pd.read_csv(tmp_path / "exports" / "sdtm" / "ft.csv", keep_default_na=False)
    assert ft["USUBJID"].str.endswith(("ALS-001", "ALS-002", "ALS-003")).all()
    assert ft["USUBJID"].nunique() == 3
    not_done = ft[ft["FTSTAT"] == "NOT DONE"]
    assert set(not_done["FTREASND"]) == {"unable to walk without assistance"}
    report_dir = tmp_path / "exports" / "reports" / "ALS-001"
    report = (report_dir / "report.html").read_text()
    assert "<h1>Participant ALS-001</h1>" in report
    images = re.findall(r'<img src="([^"]+)"', report)
    assert images and all(
        (report_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in images
    )
    description = json.loads((tmp_path / "bids" / "dataset_description.json").read_text())
    assert description["BIDSVersion"].startswith("1.")
    assert len(list((tmp_path / "bids").glob("sub-*/ses-*/motion/*_motion.tsv"))) >= 12
    assert all(verify_session(path).ok for path in (tmp_path / "raw").iterdir())
    clear_simulated_sessions(tmp_path / "raw")  # a rerun may replace the demo's own sessions
    assert not (tmp_path / "raw").exists()


def test_a_rerun_never_deletes_real_sessions(tmp_path):
    write_small_session(tmp_path / "raw")
    with pytest.raises(InvalidInputError, match="not a simulated demo session"):
        clear_simulated_sessions(tmp_path / "raw")
    assert len(list((tmp_path / "raw").iterdir())) == 1
