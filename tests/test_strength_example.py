"""The strength example runs and prints the visit table."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "strength_visit.py"


def test_strength_visit_example_runs(capsys):
    table = runpy.run_path(str(EXAMPLE))["main"]()
    out = capsys.readouterr().out
    assert "megascore" in out and "cannot_perform" in out
    assert len(table) == 6
    assert table.loc[table["status"] == "measured", "best_force_n"].notna().all()
