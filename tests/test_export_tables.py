import random

import numpy as np
import pandas as pd
import pytest
from export_helpers import make_result, small_trial

from alsmotion.errors import InvalidInputError
from alsmotion.export import VISIT_MEASURE_COLUMNS, write_exports
from alsmotion.export.sdtm import FT_COLUMNS, MK_COLUMNS


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    paths = write_exports(small_trial(), out)
    return out, paths


_TEXT = {name: str for name in ("algorithm_version", "FTORRES", "FTSTRESC", "MKORRES", "MKSTRESC")}


def _csv(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=_TEXT)


def test_visit_measures_columns_and_baseline_change(exported):
    _out, paths = exported
    table = _csv(paths["visit_measures_csv"])
    assert list(table.columns) == VISIT_MEASURE_COLUMNS
    speed = table[
        (table["participant_id"] == "ALS-001") & (table["measure"] == "10MWT_walk_speed_mps")
    ]
    assert speed["visit"].tolist() == ["baseline", "day30", "day90", "day180"]
    assert speed["baseline_value"].tolist() == [1.2] * 4
    np.testing.assert_allclose(speed["change_from_baseline"].iloc[:3], [0.0, -0.05, -0.15])
    assert speed["in_window"].tolist() == [True, True, False, True]
    assert "out_of_window" in speed["flags"].iloc[2].split(";")
    last = speed.iloc[3]
    assert np.isnan(last["value"]) and last["flags"] == "cannot_perform:unable to stand"
    assert last["n"] == 0
    force = table[(table["measure"] == "HHD_make_peak_force_n") & (table["side"] == "right")]
    assert force["muscle"].unique().tolist() == ["knee_extension"]
    assert force["unit"].unique().tolist() == ["N"]
    assert (table["domain"].isin(["gait", "strength"])).all()
    assert (table["algorithm_version"] == "1.0").all()


def test_duplicates_and_missed_tests_are_flagged_not_dropped(exported):
    _, paths = exported
    table = _csv(paths["visit_measures_csv"])
    p2 = table[(table["participant_id"] == "ALS-002") & (table["visit"] == "day30")]
    assert set(p2["visit_day"]) == {29, 31}
    assert all("duplicate" in flags for flags in p2["flags"])
    missed = p2[p2["flags"].str.contains("not_recorded")]
    assert len(missed) == 2 and set(missed["side"]) == {"left", "right"}
    assert missed["visit_day"].unique().tolist() == [29] and missed["value"].isna().all()


def test_wide_summary_has_one_row_per_session(exported):
    _, paths = exported
    wide = _csv(paths["visit_summary_wide"])
    assert len(wide) == 7
    assert "HHD_make_peak_force_n_knee_extension_left" in wide.columns
    assert wide.loc[0, "10MWT_walk_speed_mps"] == 1.2


def test_sdtm_ft_field_by_field(exported):
    _, paths = exported
    ft = _csv(paths["sdtm_ft"])
    assert list(ft.columns) == FT_COLUMNS
    assert ft["FTTESTCD"].str.len().max() <= 8 and ft["FTTEST"].str.len().max() <= 40
    subject = ft[ft["USUBJID"] == "ALS-TOFA-ALS-001"]
    assert subject["FTSEQ"].tolist() == list(range(1, len(subject) + 1))
    baseline = subject[(subject["VISIT"] == "BASELINE") & (subject["FTTESTCD"] == "W10SPD")]
    assert baseline["FTREPNUM"].tolist()[:2] == [1, 2]  # rejected trial 3 not in SDTM
    trial = baseline.iloc[0]
    assert trial["STUDYID"] == "ALS-TOFA" and trial["DOMAIN"] == "FT"
    assert trial["FTCAT"] == "10-METER WALK TEST" and trial["FTTEST"] == "10-Meter Walk: Walk Speed"
    assert trial["FTORRES"] == "1.19" and trial["FTORRESU"] == "m/s"
    assert trial["FTSTRESN"] == pytest.approx(1.19) and trial["FTSTRESU"] == "m/s"
    assert trial["VISITNUM"] == 1 and trial["VISITDY"] == 1 and trial["FTDY"] == 1
    assert trial["FTDTC"] == "2026-01-05T09:01:00" and pd.isna(trial["FTDRVFL"])
    derived = baseline[baseline["FTDRVFL"] == "Y"].iloc[0]
    assert pd.isna(derived["FTREPNUM"]) and derived["FTSTRESN"] == pytest.approx(1.2)
    not_done = subject[subject["FTSTAT"] == "NOT DONE"].iloc[0]
    assert not_done["VISIT"] == "DAY180" and not_done["FTREASND"] == "unable to stand"
    assert pd.isna(not_done["FTORRES"]) and pd.isna(not_done["FTSTRESN"])
    assert not_done["VISITDY"] == 181 and not_done["FTDY"] == 181
    out_of_window = subject[subject["VISIT"] == "DAY90"].iloc[0]
    assert out_of_window["VISITDY"] == 91 and out_of_window["FTDY"] == 99


def test_sdtm_mk_field_by_field(exported):
    _, paths = exported
    mk = _csv(paths["sdtm_mk"])
    assert list(mk.columns) == MK_COLUMNS
    row = mk[(mk["USUBJID"] == "ALS-TOFA-ALS-001") & (mk["VISIT"] == "BASELINE")].iloc[0]
    assert row["MKTESTCD"] == "PEAKFRC" and row["MKTEST"] == "Peak Force"
    assert row["MKCAT"] == "HANDHELD DYNAMOMETRY"
    assert (row["MKLOC"], row["MKLAT"], row["MKMETHOD"]) == ("KNEE EXTENSION", "LEFT", "MAKE TEST")
    assert row["MKREPNUM"] == 1 and row["MKSTRESN"] == 299.0 and row["MKSTRESU"] == "N"
    derived = mk[(mk["MKDRVFL"] == "Y") & (mk["USUBJID"] == "ALS-TOFA-ALS-001")]
    assert len(derived) == 8  # 4 visits x 2 sides


def test_data_dictionary_defines_every_variable_and_code(exported):
    _, paths = exported
    dictionary = _csv(paths["data_dictionary"])
    ft = _csv(paths["sdtm_ft"])
    variables = set(dictionary.loc[dictionary["value"].isna(), "variable"])
    assert set(FT_COLUMNS) | set(MK_COLUMNS) <= variables
    codes = set(dictionary.loc[dictionary["variable"] == "FTTESTCD", "value"])
    assert set(ft["FTTESTCD"]) <= codes


def test_reports_have_plots(exported):
    out, paths = exported
    report = paths["report_ALS-001"].read_text()
    assert "gait_walk_speed_mps.png" in report and "strength_knee_extension.png" in report
    assert (out / "reports" / "ALS-001" / "strength_knee_extension.png").read_bytes()[
        :4
    ] == b"\x89PNG"
    # flags in plain words (the codes are in the CSV tables)
    assert "cannot perform: unable to stand" in report
    assert "cannot_perform:" not in report and "_strides" not in report


def test_exports_are_byte_identical_whatever_the_input_order(exported, tmp_path):
    _out, paths = exported
    shuffled = small_trial()
    random.Random(3).shuffle(shuffled)
    again = write_exports(shuffled, tmp_path)
    assert sorted(again) == sorted(paths)
    for name, path in paths.items():
        assert again[name].read_bytes() == path.read_bytes(), name
    assert not list(tmp_path.rglob("*.tmp"))


def test_the_same_session_twice_is_refused(tmp_path):
    result = make_result("ALS-001", "baseline", 0)
    with pytest.raises(InvalidInputError, match="given twice"):
        write_exports([result, result], tmp_path)


def test_gait_measures_without_a_timed_walk_have_no_sdtm_rows(tmp_path):
    from dataclasses import replace

    result = make_result("ALS-009", "baseline", 0, skip_strength=True)
    measures = result.measures.assign(test="recording")
    paths = write_exports([replace(result, measures=measures)], tmp_path, reports=False)
    table = _csv(paths["visit_measures_csv"])
    assert "recording_walk_speed_mps" in set(table["measure"])
    ft = _csv(paths["sdtm_ft"])
    assert not (ft["FTDRVFL"] == "Y").any()  # only the 10MWT trial rows remain
