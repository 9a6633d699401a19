"""Reports are redrawn only when what they are drawn from, or the files on disk, changed."""

from __future__ import annotations

from export_helpers import make_result, small_trial

import alsmotion.export.report as report_module
from alsmotion.export import write_exports
from alsmotion.export.report_reuse import INPUTS_FILE


def _files(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def test_an_unchanged_report_is_reused_and_a_changed_one_redrawn(tmp_path, monkeypatch):
    drawn = []
    write = report_module.write_participant_report

    def counting(visit_measures, participant_id, out_dir, **inputs):
        drawn.append(participant_id)
        return write(visit_measures, participant_id, out_dir, **inputs)

    monkeypatch.setattr(report_module, "write_participant_report", counting)
    results = small_trial()
    first = write_exports(results, tmp_path)
    assert drawn == ["ALS-001", "ALS-002"]
    reports = tmp_path / "reports"
    before = {p: _files(reports / p) for p in ("ALS-001", "ALS-002")}
    assert INPUTS_FILE in before["ALS-001"] and "report.html" in before["ALS-001"]

    drawn.clear()
    again = write_exports(results, tmp_path)
    assert drawn == []  # nothing changed: nothing redrawn
    assert again == first
    assert {p: _files(reports / p) for p in ("ALS-001", "ALS-002")} == before

    changed = [*results[:-1], make_result("ALS-002", "day30", 31, speed_mps=0.5, peak_n=172.0)]
    write_exports(changed, tmp_path)
    # ALS-002's rows changed, and with its trials the cohort's reliability.csv, whose MDC95
    # bands every report draws: both are redrawn
    assert drawn == ["ALS-001", "ALS-002"]
    assert _files(reports / "ALS-002")["report.html"] != before["ALS-002"]["report.html"]

    drawn.clear()
    png = next((reports / "ALS-001").glob("*.png"))
    png.write_bytes(b"edited")
    write_exports(changed, tmp_path)
    assert drawn == ["ALS-001"]  # a file changed on disk: redrawn
    assert png.read_bytes() == before["ALS-001"][png.name]
