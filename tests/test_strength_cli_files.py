"""``alsmotion strength`` with time units, force units in any case, rates that contradict the
timestamps, the protocol/participant/reference/normative files and their templates, and Tindeq
Progressor app exports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.errors import InvalidRecordingError
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength.tindeq_csv import read_tindeq_csv
from alsmotion.units import NEWTONS_PER_KGF

RATE_HZ = 80.0


def _labelled_csv(path, *, time_factor=1.0):
    frames = []
    for muscle, side, trial, peak_n in (
        ("knee_extension", "left", 1, 250.0),
        ("knee_extension", "left", 2, 240.0),
        ("knee_extension", "right", 1, 300.0),
        ("knee_extension", "right", 2, 290.0),
    ):
        sim = simulate_force_trial(
            sampling_rate_hz=RATE_HZ, peak_force_n=peak_n, noise_sd_n=0.2, seed=trial
        )
        frames.append(
            pd.DataFrame(
                {
                    "muscle": muscle,
                    "side": side,
                    "trial": trial,
                    "t": sim.time_s * time_factor,
                    "force": sim.force_n,
                }
            )
        )
    pd.concat(frames).to_csv(path, index=False)


def _run(*args):
    return main(["strength", *map(str, args)])


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_time_unit_and_force_unit_in_capitals(tmp_path):
    source = tmp_path / "ms.csv"
    _labelled_csv(source, time_factor=1000.0)
    out = tmp_path / "out"
    args = [source, "--sampling-rate-hz", RATE_HZ, "--time-column", "t", "--out", out]
    assert _run(*args, "--time-unit", "ms", "--force-unit", "N") == 0
    trials = pd.read_csv(out / "trials.csv")
    assert trials["valid"].all()
    assert trials["peak_force_n"].max() == pytest.approx(300.0, rel=0.02)


def test_a_rate_the_timestamps_contradict_is_refused(tmp_path, capsys):
    source = tmp_path / "ms.csv"
    _labelled_csv(source, time_factor=1000.0)
    code = _run(
        source, "--sampling-rate-hz", RATE_HZ, "--time-column", "t", "--out", tmp_path / "o"
    )
    assert code == 2
    message = _one_line_error(capsys)
    assert "0.08 Hz" in message and "--time-unit" in message


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_a_trial_column_of_inf_or_nan_is_one_line(tmp_path, capsys, value):
    source = tmp_path / "bad.csv"
    source.write_text(f"trial,force\n1,0\n{value},1\n1,2\n", encoding="utf-8")
    assert _run(source, "--sampling-rate-hz", "50", "--out", tmp_path / "o") == 2
    message = _one_line_error(capsys)
    assert "trial" in message and "line 3" in message


def test_templates_feed_the_visit_summary(tmp_path, capsys):
    folder = tmp_path / "templates"
    assert main(["strength-templates", str(folder)]) == 0
    assert main(["strength-templates", str(folder)]) == 2  # never overwrites
    capsys.readouterr()
    protocol = json.loads((folder / "protocol.json").read_text())
    protocol["muscles"] = ["knee_extension"]
    protocol["trials_per_side"] = 2
    (folder / "protocol.json").write_text(json.dumps(protocol))
    participant = json.loads((folder / "participant.json").read_text())
    from alsmotion.processing import ProcessingSettings

    settings = ProcessingSettings.from_file(folder / "processing_settings.json")
    assert settings.strength_normative == str((folder / "normative.csv").resolve())
    source = tmp_path / "visit.csv"
    _labelled_csv(source)
    out = tmp_path / "out"
    code = _run(
        source,
        "--sampling-rate-hz",
        RATE_HZ,
        "--time-column",
        "t",
        "--protocol",
        folder / "protocol.json",
        "--participant",
        folder / "participant.json",
        "--reference",
        folder / "reference.csv",
        "--normative",
        folder / "normative.csv",
        "--out",
        out,
    )
    assert code == 0, capsys.readouterr().err
    rows = pd.read_csv(out / "visit_measures.csv", keep_default_na=False, na_values=[""])
    rows["side"] = rows["side"].fillna("")
    value = rows.set_index(["measure", "side"])["value"]
    left, right = value[("peak_force_n", "left")], value[("peak_force_n", "right")]
    assert value[("asymmetry_pct", "both")] == pytest.approx(abs(left - right) / right * 100)
    mass = participant["body_mass_kg"]
    assert value[("peak_force_n_per_kg", "left")] == pytest.approx(left / mass)
    z = ((left - 300) / 80 + (right - 310) / 80) / 2  # the reference template's rows
    assert value[("megascore_z", "")] == pytest.approx(z)
    torque = -107.9 - 1.4 * participant["age_years"] + 158 * participant["height_m"]
    torque += 1.75 * mass  # Harbo 2012 knee extension, men (the participant template)
    lever_m = participant["lever_arms_m"]["knee_extension"]
    assert value[("pct_predicted", "right")] == pytest.approx(right * lever_m / torque * 100)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["visit"]["megascore"] == pytest.approx(z)


def _tindeq_export(path, *, peak_kg=None, unit_factor=1.0):
    sim = simulate_force_trial(sampling_rate_hz=RATE_HZ, peak_force_n=147.1, seed=4)
    weight_kg = sim.force_n / NEWTONS_PER_KGF
    peak = float(weight_kg.max()) if peak_kg is None else peak_kg
    header = [
        "Progressor export",
        "Date,2026-01-05 10:12",
        f"Avg,{weight_kg[weight_kg > 1].mean():.2f}",
        f"Peak,{peak:.3f}",
        "",
        "time,weight",
    ]
    body = [f"{t * unit_factor:.6f},{w:.4f}" for t, w in zip(sim.time_s, weight_kg, strict=True)]
    path.write_text("\n".join(header + body) + "\n", encoding="utf-8")
    return sim


def test_a_tindeq_app_export_is_read_in_newtons(tmp_path):
    path = tmp_path / "progressor.csv"
    sim = _tindeq_export(path)
    export = read_tindeq_csv(path)
    assert export.header["Date"] == "2026-01-05 10:12"
    np.testing.assert_allclose(export.time_s, sim.time_s, atol=1e-6)
    np.testing.assert_allclose(export.force_n, sim.force_n, atol=1e-4 * NEWTONS_PER_KGF)
    out = tmp_path / "out"
    assert _run(path, "--sampling-rate-hz", RATE_HZ, "--out", out) == 0
    trials = pd.read_csv(out / "trials.csv")
    assert trials.loc[0, "valid"]
    assert trials.loc[0, "peak_force_n"] == pytest.approx(147.1, rel=0.01)


def test_a_tindeq_export_with_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "progressor.csv"
    sim = _tindeq_export(path)
    text = path.read_text().replace(",", ";").replace(".", ",")
    path.write_text(text, encoding="utf-8")
    export = read_tindeq_csv(path)
    np.testing.assert_allclose(export.force_n, sim.force_n, atol=1e-4 * NEWTONS_PER_KGF)


def test_tindeq_exports_that_contradict_themselves_are_refused(tmp_path):
    path = tmp_path / "progressor.csv"
    _tindeq_export(path, peak_kg=30.0)
    with pytest.raises(InvalidRecordingError, match="Peak is 30 kg"):
        read_tindeq_csv(path)
    path.write_text("Peak,3\nnot,a table\n", encoding="utf-8")
    with pytest.raises(InvalidRecordingError, match="time,weight"):
        read_tindeq_csv(path)
    path.write_text("Peak,3\ntime,weight\n0,1\n0.1,inf\n", encoding="utf-8")
    with pytest.raises(InvalidRecordingError, match="line 4"):
        read_tindeq_csv(path)
