"""The whole per-visit strength summary in the study exports, checked against computations made
here from the per-side rows, the session metadata and the published Harbo 2012 coefficients."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from alsmotion.export import write_exports
from alsmotion.processing import ProcessingSettings, process_session
from alsmotion.session import Session, SessionWriter
from alsmotion.simulate.trial import simulate_trial

MUSCLES = ("knee_extension", "elbow_flexion")
#: Harbo 2012 isometric torque models (N m) as printed in the domain notes, typed here so that the
#: test does not read the table the code reads: (intercept, age, height_m, mass_kg).
HARBO = {
    ("knee_extension", "male"): (-107.9, -1.4, 158.0, 1.75),
    ("knee_extension", "female"): (-201.0, -0.96, 216.0, 0.88),
    ("elbow_flexion", "male"): (-23.8, -0.13, 22.0, 0.51),
    ("elbow_flexion", "female"): (6.9, -0.13, 9.0, 0.18),
}


def _csv(path):
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for name in ("muscle", "side", "method", "flags"):
        if name in frame:
            frame[name] = frame[name].fillna("")
    return frame


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's trial (4 participants x 4 visits) processed as ``alsmotion demo`` does."""
    trial = simulate_trial(tmp_path_factory.mktemp("raw"), n_participants=4, seed=7)
    settings = ProcessingSettings(strength_normative="harbo_2012")
    results = [process_session(path, settings) for path in trial.session_paths]
    paths = write_exports(results, tmp_path_factory.mktemp("exports"), reports=False)
    extra = {
        (s.metadata.participant_id, s.metadata.visit): s.metadata.extra
        for s in map(Session.open, trial.session_paths)
    }
    return _csv(paths["visit_measures_csv"]), paths, extra


def _pick(table, measure, muscle="", side=""):
    rows = table[(table["measure"] == measure) & (table["muscle"] == muscle)]
    return rows[rows["side"] == side].set_index(["participant_id", "visit"])


def test_every_visit_has_every_new_measure(demo):
    table, _, _ = demo
    visits = table[["participant_id", "visit"]].drop_duplicates()
    assert len(visits) == 16
    for muscle in MUSCLES:
        for side in ("left", "right"):
            for name in ("peak_force_mean_n", "peak_force_n_per_kg", "pct_predicted"):
                rows = _pick(table, f"HHD_make_{name}", muscle, side)
                assert len(rows) == 16 and rows["value"].notna().all(), (name, muscle, side)
                assert rows["change_from_baseline"].notna().all()
        rows = _pick(table, "HHD_make_asymmetry_pct", muscle, "both")
        assert len(rows) == 16 and rows["value"].notna().all()
    megascore = _pick(table, "HHD_megascore_z")
    assert len(megascore) == 16 and megascore["value"].notna().all()
    assert megascore["change_from_baseline"].notna().all()
    assert all("megascore_reference:baseline_cohort" in f for f in megascore["flags"])


def test_asymmetry_and_force_per_mass_by_hand(demo):
    table, _, extra = demo
    for muscle in MUSCLES:
        left = _pick(table, "HHD_make_peak_force_n", muscle, "left")["value"]
        right = _pick(table, "HHD_make_peak_force_n", muscle, "right")["value"]
        expected = (left - right).abs() / np.maximum(left, right) * 100.0
        got = _pick(table, "HHD_make_asymmetry_pct", muscle, "both")["value"]
        pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
        for side, force in (("left", left), ("right", right)):
            per_kg = _pick(table, "HHD_make_peak_force_n_per_kg", muscle, side)["value"]
            mass = pd.Series({key: extra[key]["body_mass_kg"] for key in force.index})
            np.testing.assert_allclose(per_kg.sort_index(), (force / mass).sort_index(), rtol=1e-9)


def test_mean_of_valid_trials_matches_the_accepted_trials(demo):
    table, paths, _ = demo
    trials = _csv(paths["trial_measures"])
    trials = trials[(trials["measure"] == "peak_force_n") & (trials["status"] == "accepted")]
    means = trials.groupby(["participant_id", "visit", "muscle", "side"])["value"].mean()
    rows = table[table["measure"] == "HHD_make_peak_force_mean_n"]
    got = rows.set_index(["participant_id", "visit", "muscle", "side"])["value"]
    np.testing.assert_allclose(got.sort_index(), means.sort_index(), rtol=1e-9)


def test_percent_predicted_from_the_published_equations(demo):
    table, _, extra = demo
    for muscle in MUSCLES:
        for side in ("left", "right"):
            force = _pick(table, "HHD_make_peak_force_n", muscle, side)["value"]
            got = _pick(table, "HHD_make_pct_predicted", muscle, side)["value"]
            for key, force_n in force.items():
                info = extra[key]
                a, b, c, d = HARBO[(muscle, info["sex"])]
                torque = a + b * info["age_years"] + c * info["height_m"] + d * info["body_mass_kg"]
                expected = force_n * info["lever_arms_m"][muscle] / torque * 100.0
                assert got[key] == pytest.approx(expected, rel=1e-9)


def test_megascore_from_baseline_mean_and_sd_computed_here(demo):
    table, _, _ = demo
    peaks = table[
        (table["measure"] == "HHD_make_peak_force_n") & table["side"].isin(["left", "right"])
    ]
    baseline = peaks[peaks["visit"] == "baseline"].groupby(["muscle", "side"])["value"]
    reference = pd.DataFrame({"mu": baseline.mean(), "sigma": baseline.std(ddof=1)})
    scored = peaks.merge(reference.reset_index(), on=["muscle", "side"], validate="many_to_one")
    scored["z"] = (scored["value"] - scored["mu"]) / scored["sigma"]
    expected = scored.groupby(["participant_id", "visit"])["z"].mean().sort_index()
    got = _pick(table, "HHD_megascore_z")["value"].sort_index()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)  # CSV: 10 digits
    assert got.loc[pd.IndexSlice[:, "baseline"]].mean() == pytest.approx(0.0, abs=1e-9)


def test_sdtm_wide_table_and_dictionary_carry_the_new_measures(demo):
    table, paths, _ = demo
    mk = _csv(paths["sdtm_mk"])
    derived = mk[mk["MKDRVFL"] == "Y"]
    for code in ("PKFRCMN", "PKFRCKG", "ASYMPCT", "PKFRCPRD", "MEGASCR"):
        assert (derived["MKTESTCD"] == code).sum() > 0, code
    assert set(mk.loc[mk["MKTESTCD"] == "ASYMPCT", "MKLAT"]) == {"BILATERAL"}
    megascore = derived[derived["MKTESTCD"] == "MEGASCR"].sort_values("USUBJID", kind="stable")
    assert len(megascore) == 16
    expected = _pick(table, "HHD_megascore_z")["value"]
    np.testing.assert_allclose(sorted(megascore["MKSTRESN"]), sorted(expected), rtol=1e-6)
    dictionary = _csv(paths["data_dictionary"])
    codes = set(dictionary.loc[dictionary["variable"] == "MKTESTCD", "value"])
    assert {"PKFRCMN", "PKFRCKG", "ASYMPCT", "PKFRCPRD", "MEGASCR"} <= codes
    wide = _csv(paths["visit_summary_wide"])
    for column in (
        "HHD_megascore_z",
        "HHD_make_asymmetry_pct_knee_extension_both",
        "HHD_make_pct_predicted_elbow_flexion_left",
    ):
        assert column in wide and f"{column}_change_from_baseline" in wide
        assert f"{column}_flags" in wide
    assert wide["HHD_megascore_z"].notna().all()


def test_a_reference_table_replaces_the_cohort(tmp_path):
    trial = simulate_trial(tmp_path / "raw", n_participants=3, seed=2)
    reference = tmp_path / "reference.csv"
    rows = ["muscle,side,mean_n,sd_n"]
    rows += [f"{m},{s},200,50" for m in MUSCLES for s in ("left", "right")]
    reference.write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings = ProcessingSettings(strength_reference=str(reference))
    result = process_session(trial.session_paths[0], settings)
    m = result.measures
    peaks = m[(m["measure"] == "peak_force_n") & m["side"].isin(["left", "right"])]
    megascore = m[m["measure"] == "megascore_z"].iloc[0]
    assert megascore["value"] == pytest.approx(((peaks["value"] - 200) / 50).mean())
    digest = hashlib.sha256(reference.read_bytes()).hexdigest()[:12]
    assert f"megascore_reference:reference.csv@{digest}" in megascore["flags"].split(";")
    paths = write_exports([result], tmp_path / "out", reports=False)
    exported = _csv(paths["visit_measures_csv"])
    row = exported[exported["measure"] == "HHD_megascore_z"].iloc[0]
    assert row["value"] == pytest.approx(megascore["value"])


def _break_session(parent, *, with_trial: bool):
    from session_helpers import START, metadata

    from alsmotion.recording import DeviceInfo
    from alsmotion.simulate.force import simulate_force_trial

    t0 = int(START.timestamp() * 1e9)
    with SessionWriter.create(parent, metadata()) as writer:
        if with_trial:
            force = simulate_force_trial(sampling_rate_hz=80.0, peak_force_n=180.0, seed=5)
            stream = writer.add_stream(
                "force",
                kind="force",
                channels=[("force", "N")],
                sampling_rate_hz=80.0,
                device=DeviceInfo(model="Progressor"),
            )
            host = t0 + np.round(force.time_s * 1e9).astype(np.int64)
            stream.append(force.force_n, host_time_ns=host, device_time_s=force.time_s)
            fields = {"test": "HHD", "trial": 1, "muscle": "knee_extension", "side": "left"}
            writer.log_event("trial_started", host_time_ns=int(host[0]), method="break", **fields)
            writer.log_event("trial_stopped", host_time_ns=int(host[-1]), method="break", **fields)
        writer.log_event(
            "cannot_perform",
            host_time_ns=t0 + 30 * 10**9,
            test="HHD",
            muscle="knee_extension",
            side="right",
            method="break",
            reason="pain",
        )
    return writer.path


@pytest.mark.parametrize("with_trial", [False, True])
def test_cannot_perform_of_a_break_test_is_exported_as_break(tmp_path, with_trial):
    result = process_session(_break_session(tmp_path, with_trial=with_trial))
    m = result.measures
    right = m[(m["domain"] == "strength") & (m["side"] == "right")]
    assert len(right) > 0
    assert set(right["method"]) == {"break"}, right[["measure", "method"]]
    peak = right[right["measure"] == "peak_force_n"].iloc[0]
    assert np.isnan(peak["value"]) and "cannot_perform:pain" in peak["flags"].split(";")
    assert "make" not in set(m.loc[m["domain"] == "strength", "method"])


def test_participant_characteristics_are_read_from_the_metadata_only(tmp_path):
    """Without body mass in the metadata, N/kg rows are empty and say why."""
    from alsmotion.processing.records import TrialRecord

    path = _break_session(tmp_path, with_trial=True)
    result = process_session(path, ProcessingSettings(strength_normative="harbo_2012"))
    m = result.measures
    per_kg = m[(m["measure"] == "peak_force_n_per_kg") & (m["side"] == "left")].iloc[0]
    assert np.isnan(per_kg["value"]) and "no_body_mass" in per_kg["flags"].split(";")
    pct = m[(m["measure"] == "pct_predicted") & (m["side"] == "left")].iloc[0]
    assert "pct_predicted_needs:sex,age_years,height_m,body_mass_kg" in pct["flags"].split(";")
    record = TrialRecord.from_decision(
        {"test": "HHD", "trial": 1, "status": "accepted", "start_host_ns": 0, "stop_host_ns": 5}
    )
    assert record.method == "make"
    with pytest.raises(AttributeError):
        record.method = "break"  # type: ignore[misc]
    assert json.loads(json.dumps(str(record.status))) == "accepted"


def test_the_command_line_and_session_processing_give_the_same_visit_rows(tmp_path):
    """One function makes the visit rows: the same trials through a session and through
    ``alsmotion strength`` give the same values."""
    from session_helpers import START, metadata

    from alsmotion.cli import main
    from alsmotion.recording import DeviceInfo
    from alsmotion.simulate.force import simulate_force_trial

    plan = [
        ("knee_extension", "left", 1, 210.0),
        ("knee_extension", "left", 2, 200.0),
        ("knee_extension", "right", 1, 260.0),
        ("knee_extension", "right", 2, 250.0),
    ]
    t0 = int(START.timestamp() * 1e9)
    frames = []
    with SessionWriter.create(tmp_path, metadata(body_mass_kg=70.0)) as writer:
        stream = writer.add_stream(
            "force",
            kind="force",
            channels=[("force", "N")],
            sampling_rate_hz=80.0,
            device=DeviceInfo(model="Progressor"),
        )
        offset_ns = t0
        for muscle, side, trial, peak_n in plan:
            sim = simulate_force_trial(
                sampling_rate_hz=80.0, peak_force_n=peak_n, noise_sd_n=0.3, seed=trial
            )
            host = offset_ns + np.round(sim.time_s * 1e9).astype(np.int64)
            stream.append(sim.force_n, host_time_ns=host, device_time_s=sim.time_s)
            fields = {"test": "HHD", "trial": trial, "muscle": muscle, "side": side}
            writer.log_event("trial_started", host_time_ns=int(host[0]), **fields)
            writer.log_event("trial_stopped", host_time_ns=int(host[-1]), **fields)
            offset_ns = int(host[-1]) + 10**9
            frames.append(
                pd.DataFrame(
                    {"muscle": muscle, "side": side, "trial": trial, "t": sim.time_s}
                ).assign(force=sim.force_n)
            )
    processed = process_session(writer.path).measures
    source = tmp_path / "trials.csv"
    pd.concat(frames).to_csv(source, index=False, float_format="%.17g")
    out = tmp_path / "out"
    args = ["strength", str(source), "--sampling-rate-hz", "80", "--time-column", "t"]
    assert main([*args, "--body-mass-kg", "70", "--out", str(out)]) == 0
    cli = _csv(out / "visit_measures.csv")
    key = ["measure", "muscle", "side", "method"]
    merged = processed.merge(cli, on=key, suffixes=("_session", "_cli"), validate="one_to_one")
    assert len(merged) == len(processed) == len(cli)
    names = set(merged["measure"])
    assert {"peak_force_mean_n", "peak_force_n_per_kg", "asymmetry_pct", "megascore_z"} <= names
    np.testing.assert_allclose(merged["value_session"], merged["value_cli"], rtol=1e-9)
    assert (merged["n_session"] == merged["n_cli"]).all()
    assert (merged["flags_session"] == merged["flags_cli"]).all()
