"""Protocol, per muscle and side, per visit: a realistic visit with an invalid trial and a muscle
that cannot be performed, megascore references, and normative % predicted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alsmotion.errors import InsufficientDataError, InvalidInputError, InvalidRecordingError
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import (
    DEFAULT_MUSCLE_GROUPS,
    NormativeTable,
    StrengthProtocol,
    StrengthReference,
    StrengthTrial,
    SubjectCharacteristics,
    analyze_trial,
    limb_asymmetry_pct,
    load_harbo_2012,
    summarize_visit,
    symmetry_index_pct,
)

RATE_HZ = 80.0
PROTOCOL = StrengthProtocol(muscles=("elbow_flexion", "grip", "knee_extension"))
SUBJECT = SubjectCharacteristics(sex="male", age_years=60, height_m=1.78, mass_kg=80.0)
LEVER_ARMS_M = {"elbow_flexion": 0.25, "knee_extension": 0.35}
#: Peak force of each trial, N; None marks the trial simulated as a double effort (invalid).
PEAKS_N = {
    ("elbow_flexion", "left"): (180.0, 190.0, 200.0),
    ("elbow_flexion", "right"): (170.0, 175.0, 160.0),
    ("grip", "right"): (250.0, 240.0, 245.0),
    ("knee_extension", "left"): (300.0, None, 250.0),
    ("knee_extension", "right"): (310.0, 305.0, 290.0),
}


def visit_trials(peaks_n=PEAKS_N, seed=0) -> list[StrengthTrial]:
    trials = []
    for (muscle, side), peaks in peaks_n.items():
        for number, peak in enumerate(peaks, start=1):
            sim = simulate_force_trial(
                sampling_rate_hz=RATE_HZ,
                peak_force_n=peak or 280.0,
                noise_sd_n=0.3,
                failure=None if peak else "more_than_one_effort",
                seed=seed + number,
            )
            result = analyze_trial(sim.force_n, sampling_rate_hz=RATE_HZ, time_s=sim.time_s)
            trials.append(StrengthTrial(muscle, side, number, result=result))
    trials.append(
        StrengthTrial(
            "grip", "left", 1, cannot_perform_reason="cannot close the hand on the device"
        )
    )
    return trials


def write_reference(path):
    pd.DataFrame(
        {
            "muscle": ["elbow_flexion", "elbow_flexion", "grip", "grip", "knee_extension"],
            "side": ["left", "right", "left", "right", "left"],
            "mean_n": [250.0, 250.0, 300.0, 300.0, 400.0],
            "sd_n": [50.0, 50.0, 60.0, 60.0, 100.0],
        }
    ).to_csv(path, index=False)


def test_realistic_visit_gives_the_expected_table(tmp_path):
    write_reference(tmp_path / "reference.csv")
    summary = summarize_visit(
        visit_trials(),
        protocol=PROTOCOL,
        subject=SUBJECT,
        reference=StrengthReference.from_csv(tmp_path / "reference.csv"),
        normative=load_harbo_2012(),
        lever_arms_m=LEVER_ARMS_M,
    )
    table = summary.to_frame().set_index(["muscle", "side"])
    assert list(table.index) == [
        (m, s) for m in ("elbow_flexion", "grip", "knee_extension") for s in ("left", "right")
    ]
    expected = {
        # muscle, side: status, n_trials, n_valid, best, mean
        ("elbow_flexion", "left"): ("measured", 3, 3, 200.0, 190.0),
        ("elbow_flexion", "right"): ("measured", 3, 3, 175.0, 168.333),
        ("grip", "left"): ("cannot_perform", 1, 0, None, None),
        ("grip", "right"): ("measured", 3, 3, 250.0, 245.0),
        ("knee_extension", "left"): ("measured", 3, 2, 300.0, 275.0),
        ("knee_extension", "right"): ("measured", 3, 3, 310.0, 301.667),
    }
    for key, (status, n_trials, n_valid, best, mean) in expected.items():
        row = table.loc[key]
        assert (row["status"], row["n_trials"], row["n_valid"]) == (status, n_trials, n_valid)
        if best is None:
            assert pd.isna(row["best_force_n"]) and pd.isna(row["force_n"])
        else:
            assert row["best_force_n"] == pytest.approx(best, rel=0.01)
            assert row["mean_force_n"] == pytest.approx(mean, rel=0.01)
            assert row["force_n"] == row["best_force_n"]
            assert row["force_per_mass_n_per_kg"] == pytest.approx(best / 80.0, rel=0.01)
    assert table.loc[("grip", "left"), "reason"] == "cannot close the hand on the device"

    knee_left = table.loc[("knee_extension", "left")]
    assert knee_left["flags"] == "fewer_valid_trials_than_planned;best_two_differ"
    assert knee_left["best_two_difference_pct"] == pytest.approx(50 / 300 * 100, abs=0.5)
    assert knee_left["between_trial_cv_pct"] == pytest.approx(
        pd.Series([300.0, 250.0]).std() / 275.0 * 100, abs=0.5
    )
    assert table.loc[("elbow_flexion", "left"), "flags"] == ""
    assert table.loc[("elbow_flexion", "left"), "between_trial_cv_pct"] == pytest.approx(
        10 / 190 * 100, abs=0.5
    )

    # Asymmetry only where both sides have a value.
    assert {a.muscle for a in summary.asymmetry} == {"elbow_flexion", "knee_extension"}
    assert table.loc[("elbow_flexion", "right"), "asymmetry_pct"] == pytest.approx(12.5, abs=0.3)
    assert table.loc[("elbow_flexion", "left"), "symmetry_index_pct"] == pytest.approx(
        -25 / 187.5 * 100, abs=0.3
    )
    assert pd.isna(table.loc[("grip", "right"), "asymmetry_pct"])

    # % predicted from Harbo 2012 (men): knee -107.9 - 1.4 age + 158 h + 1.75 m; elbow -23.8 - 0.13
    # age + 22 h + 0.51 m; torque = force x lever arm.
    knee_nm = -107.9 - 1.4 * 60 + 158 * 1.78 + 1.75 * 80
    elbow_nm = -23.8 - 0.13 * 60 + 22 * 1.78 + 0.51 * 80
    assert knee_left["percent_predicted"] == pytest.approx(300 * 0.35 / knee_nm * 100, rel=0.01)
    assert table.loc[("elbow_flexion", "left"), "percent_predicted"] == pytest.approx(
        200 * 0.25 / elbow_nm * 100, rel=0.01
    )
    assert "no_normative_equation" in table.loc[("grip", "right"), "flags"]

    # Megascore: mean z over the muscles with a value and a reference (knee right has none).
    z_scores = [(200 - 250) / 50, (175 - 250) / 50, (250 - 300) / 60, (300 - 400) / 100]
    assert summary.megascore == pytest.approx(sum(z_scores) / 4, abs=0.02)
    assert summary.n_megascore_muscles == 4
    assert summary.flags == ("megascore_incomplete",)
    assert summary.to_dict()["protocol"]["muscles"] == list(PROTOCOL.muscles)


def test_megascore_reference_from_baseline_visits_centres_the_cohort():
    cohort = []
    for participant, scale in enumerate((0.8, 1.0, 1.3)):
        peaks = {key: tuple(p and p * scale for p in values) for key, values in PEAKS_N.items()}
        cohort.append(
            summarize_visit(visit_trials(peaks, seed=10 * participant), protocol=PROTOCOL)
        )
    reference = StrengthReference.from_baseline(cohort)
    assert reference.values[("elbow_flexion", "left")][2] == 3
    assert ("grip", "left") not in reference.values
    scored = [summarize_visit(visit_trials(), protocol=PROTOCOL, reference=reference)]
    assert scored[0].n_megascore_muscles == 5
    megascores = [
        summarize_visit(
            visit_trials(
                {k: tuple(p and p * s for p in v) for k, v in PEAKS_N.items()}, seed=10 * i
            ),
            protocol=PROTOCOL,
            reference=reference,
        ).megascore
        for i, s in enumerate((0.8, 1.0, 1.3))
    ]
    assert sum(megascores) == pytest.approx(0.0, abs=1e-9)
    assert megascores[0] < megascores[1] < megascores[2]


def test_reference_needs_two_participants():
    one = summarize_visit(visit_trials(), protocol=PROTOCOL)
    with pytest.raises(InsufficientDataError, match="reference table"):
        StrengthReference.from_baseline([one])


def test_reference_table_round_trips(tmp_path):
    write_reference(tmp_path / "in.csv")
    reference = StrengthReference.from_csv(tmp_path / "in.csv")
    reference.to_csv(tmp_path / "out.csv")
    assert StrengthReference.from_csv(tmp_path / "out.csv").values == reference.values
    (tmp_path / "bad.csv").write_text("muscle,side,mean_n,sd_n\ngrip,left,300,0\n")
    with pytest.raises(InvalidRecordingError, match="sd_n must be positive"):
        StrengthReference.from_csv(tmp_path / "bad.csv")


def test_muscles_not_in_the_protocol_are_refused():
    trials = visit_trials()
    with pytest.raises(InvalidInputError, match="grip left, grip right"):
        summarize_visit(
            trials, protocol=StrengthProtocol(muscles=("elbow_flexion", "knee_extension"))
        )


def test_unrecorded_muscle_is_reported_not_dropped():
    protocol = StrengthProtocol(muscles=(*PROTOCOL.muscles, "hip_flexion"))
    table = summarize_visit(visit_trials(), protocol=protocol).to_frame()
    hip = table[table["muscle"] == "hip_flexion"]
    assert list(hip["status"]) == ["not_recorded", "not_recorded"]


def test_protocol_defaults_and_json_round_trip(tmp_path):
    default = StrengthProtocol()
    assert default.muscles == DEFAULT_MUSCLE_GROUPS and default.sides == ("left", "right")
    assert (default.trials_per_side, default.test_type) == (3, "make")
    custom = StrengthProtocol(muscles=["grip"], sides=["right"], test_type="break")
    path = tmp_path / "protocol.json"
    path.write_text(custom.to_json())
    assert StrengthProtocol.from_file(path) == custom


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"muscles": ["Knee Extension"]}, "lower-case"),
        ({"sides": ["middle"]}, "sides"),
        ({"test_type": "isokinetic"}, "test_type"),
        ({"trials_per_side": 0}, "at least 1"),
        ({"musles": ["grip"]}, "unknown strength protocol key"),
    ],
)
def test_bad_protocols_are_refused(data, message):
    with pytest.raises(InvalidInputError, match=message):
        StrengthProtocol.from_dict(data)


def test_asymmetry_formulas():
    assert limb_asymmetry_pct(100.0, 80.0) == pytest.approx(20.0)
    assert symmetry_index_pct(100.0, 80.0) == pytest.approx(-20 / 90 * 100)
    assert limb_asymmetry_pct(0.0, 0.0) == 0.0


def test_normative_table_is_validated(tmp_path):
    header = "muscle,sex,intercept_nm,age_nm_per_year,height_nm_per_m,mass_nm_per_kg\n"
    cases = {
        "muscle,sex,intercept_nm\nknee_extension,male,1\n": "lacks column",
        header + "knee_extension,other,1,1,1,1\n": "sex must be",
        header + "knee_extension,male,1,x,1,1\n": "finite numbers",
        header + "knee_extension,male,1,1,1,1\nknee_extension,male,2,1,1,1\n": "two equations",
    }
    for text, message in cases.items():
        path = tmp_path / "table.csv"
        path.write_text(text)
        with pytest.raises(InvalidRecordingError, match=message):
            NormativeTable.from_csv(path)
    harbo = load_harbo_2012()
    women = SubjectCharacteristics(sex="female", age_years=50, height_m=1.65, mass_kg=65)
    assert harbo.predicted_torque_nm("knee_extension", women) == pytest.approx(
        -201 - 0.96 * 50 + 216 * 1.65 + 0.88 * 65
    )
    assert harbo.predicted_torque_nm("grip", women) is None
    with pytest.raises(InvalidInputError, match="height_m"):
        SubjectCharacteristics(sex="female", age_years=50, height_m=165, mass_kg=65)


def test_trial_numbers_accept_numpy_integers_and_refuse_zero():
    result = visit_trials()[0].result
    assert StrengthTrial("grip", "left", np.int64(2), result=result).trial == 2
    with pytest.raises(InvalidInputError, match="start at 1"):
        StrengthTrial("grip", "left", 0, result=result)
