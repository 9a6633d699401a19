"""``alsmotion validate`` / ``verify-report``: the report holds the validation code's figures,
its provenance, and a SHA-256 of itself that any edit breaks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alsmotion.cli import main
from alsmotion.errors import InvalidInputError
from alsmotion.validation import find_shared_data, records_frame, validate_gait
from alsmotion.validation.seal import PLACEHOLDER, seal_html, seal_json, verify_report

DATASET = "mobilised-lab-HA001"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("validation")
    code = main(
        [
            "validate",
            "--out",
            str(out),
            "--dataset",
            DATASET,
            "--no-progress",
        ]
    )
    assert code == 0
    return out


def test_report_figures_equal_the_validation_code(report_dir: Path) -> None:
    content = json.loads((report_dir / "validation.json").read_text())
    reported = pd.DataFrame(content["figures"])
    expected = records_frame(validate_gait(datasets=(DATASET,)))
    assert len(reported) == len(expected) > 50
    text_columns = [c for c in expected.columns if c not in ("value", "n")]
    assert (reported[text_columns].to_numpy() == expected[text_columns].to_numpy()).all()
    assert (reported["n"].to_numpy() == expected["n"].to_numpy()).all()
    values = reported["value"].astype(float).to_numpy()  # NaN is written as null
    np.testing.assert_array_equal(values, expected["value"].to_numpy())


def test_report_provenance_and_bland_altman(report_dir: Path) -> None:
    content = json.loads((report_dir / "validation.json").read_text())
    from alsmotion import __version__
    from alsmotion.gait import GaitSettings

    assert content["software_version"] == __version__
    assert content["algorithm_version"]
    assert content["settings"]["gait_settings_hash"] == GaitSettings().settings_hash
    assert content["settings"]["strength_trial_settings_hash"]
    assert {"platform", "python", "numpy"} <= set(content["machine"])
    assert content["created_utc"].endswith("+00:00")
    files = {row["path"]: row["sha256"] for row in content["data_files"]}
    probe = f"{DATASET}/participant.json"
    data = find_shared_data() / probe
    assert files[probe] == hashlib.sha256(data.read_bytes()).hexdigest()
    measures = {row["measure"]: row for row in content["agreement"]}
    assert {"stride_time_s", "gait_speed_mps", "peak_force_n", "time_to_peak_s"} <= set(measures)
    speed = measures["gait_speed_mps"]
    differences = [p["measured"] - p["reference"] for p in speed["pairs"]]
    assert speed["bias"] == pytest.approx(np.mean(differences))
    assert speed["loa_high"] - speed["loa_low"] == pytest.approx(
        2 * 1.959964 * np.std(differences, ddof=1), rel=1e-5
    )
    page = (report_dir / "validation.html").read_text()
    assert page.count('<img alt="Bland-Altman plot') == len(content["agreement"])
    assert content["settings"]["gait_settings_hash"] in page
    # one table row per figure at most, not one per combination of recording, measure and unit
    assert page.count("<tr") <= len(content["figures"]) + len(content["data_files"]) + 40


def test_verify_report_passes_and_edits_break_it(
    report_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("validation.json", "validation.html"):
        assert main(["verify-report", str(report_dir / name)]) == 0
    content = json.loads((report_dir / "validation.json").read_text())
    content["figures"][0]["value"] = 0.123
    edited = tmp_path / "validation.json"
    edited.write_text(json.dumps(content))
    assert main(["verify-report", str(edited)]) == 1
    page = (report_dir / "validation.html").read_text()
    edited_html = tmp_path / "validation.html"
    edited_html.write_text(page.replace("bias", "bias ", 1))
    assert main(["verify-report", str(edited_html)]) == 1
    assert "MODIFIED" in capsys.readouterr().out


def test_seal_round_trip_and_refusals(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(seal_json({"a": float("nan"), "b": (1, 2)}))
    assert verify_report(path).intact
    assert json.loads(path.read_text())["a"] is None
    page = tmp_path / "r.html"
    page.write_text(
        seal_html(f'<meta name="alsmotion-report-sha256" content="{PLACEHOLDER}"><p>x</p>')
    )
    assert verify_report(page).intact
    with pytest.raises(InvalidInputError, match="meta tag"):
        seal_html("<p>no tag</p>")
    plain = tmp_path / "plain.json"
    plain.write_text("{}")
    with pytest.raises(InvalidInputError, match="report_sha256"):
        verify_report(plain)
    other = tmp_path / "r.txt"
    other.write_text("x")
    with pytest.raises(InvalidInputError, match=r"\.json or \.html"):
        verify_report(other)
