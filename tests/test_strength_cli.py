"""End to end through ``alsmotion strength``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import StrengthProtocol
from alsmotion.units import NEWTONS_PER_LBF


def write_trials_csv(path, *, labelled: bool) -> None:
    frames = []
    plan = [("knee_extension", "left", 1, 300.0, None), ("knee_extension", "left", 2, 320.0, None)]
    plan += [("knee_extension", "right", 1, 280.0, "saturation")]
    for muscle, side, trial, peak_n, failure in plan:
        sim = simulate_force_trial(
            sampling_rate_hz=100.0,
            peak_force_n=peak_n,
            noise_sd_n=0.3,
            timestamp_jitter_fraction=0.2,
            failure=failure,
            seed=trial,
        )
        frame = pd.DataFrame({"t": sim.time_s, "reading_lbf": sim.force_n / NEWTONS_PER_LBF})
        if labelled:
            frame.insert(0, "trial", trial)
            frame.insert(0, "side", side)
            frame.insert(0, "muscle", muscle)
        frames.append(frame)
    pd.concat(frames if labelled else frames[:1]).to_csv(path, index=False)


def test_trials_and_summary_are_written(tmp_path, capsys):
    source = tmp_path / "visit.csv"
    write_trials_csv(source, labelled=True)
    protocol = tmp_path / "protocol.json"
    protocol.write_text(StrengthProtocol(muscles=("knee_extension",)).to_json())
    out = tmp_path / "out"
    code = main(
        [
            "strength",
            str(source),
            "--sampling-rate-hz",
            "100",
            "--force-unit",
            "lbf",
            "--force-column",
            "reading_lbf",
            "--time-column",
            "t",
            "--protocol",
            str(protocol),
            "--body-mass-kg",
            "75",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "3 trial(s), 2 valid" in capsys.readouterr().out
    trials = pd.read_csv(out / "trials.csv")
    assert list(trials[["muscle", "side", "trial"]].itertuples(index=False, name=None)) == [
        ("knee_extension", "left", 1),
        ("knee_extension", "left", 2),
        ("knee_extension", "right", 1),
    ]
    assert list(trials["valid"]) == [True, True, False]
    assert trials.loc[2, "reasons"] == "saturation"
    assert trials.loc[1, "peak_force_n"] == pytest.approx(320.0, rel=0.01)
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["n_trials"], summary["n_valid"], summary["force_unit"]) == (3, 2, "lbf")
    left, right = summary["muscles"]
    assert left["best_force_n"] == pytest.approx(320.0, rel=0.01)
    assert left["force_per_mass_n_per_kg"] == pytest.approx(320.0 / 75, rel=0.01)
    assert (right["status"], right["reason"]) == ("no_valid_trial", "saturation")
    assert summary["visit"]["asymmetry"] == []
    visit_left = summary["visit"]["muscles"][0]
    assert visit_left["force_per_mass_n_per_kg"] == left["force_per_mass_n_per_kg"]


def test_a_single_unlabelled_trial(tmp_path):
    source = tmp_path / "one.csv"
    write_trials_csv(source, labelled=False)
    out = tmp_path / "out"
    args = ["strength", str(source), "--sampling-rate-hz", "100", "--out", str(out)]
    assert main([*args, "--force-column", "reading_lbf", "--force-unit", "lbf"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["muscles"][0]["muscle"] == "unspecified"
    assert summary["muscles"][0]["best_force_n"] == pytest.approx(300.0, rel=0.01)


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        ("t,reading\n0,1\n", [], "no column force"),
        ("force\n1\n2\nabc\n", [], "line 4"),
        ("force,side\n1,up\n2,up\n", [], "side must be one of"),
        ("force\n" + "0\n" * 200, ["--protocol", "missing.json"], "cannot read strength protocol"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, text, extra, message):
    source = tmp_path / "bad.csv"
    source.write_text(text)
    code = main(
        ["strength", str(source), "--sampling-rate-hz", "50", "--out", str(tmp_path), *extra]
    )
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_missing_file_exits_2(tmp_path, capsys):
    code = main(["strength", str(tmp_path / "none.csv"), "--sampling-rate-hz", "50", "--out", "x"])
    assert code == 2
    assert "no such file" in capsys.readouterr().err
