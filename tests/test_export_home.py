"""Home windows in the per-visit exports: ``home_gait`` rows of visit_measures with valid days
and wear in n/flags, change from baseline, FT rows and data dictionary entries, from hand-made
home tables whose every value is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from export_helpers import make_result

from alsmotion.export import write_exports
from alsmotion.export.home import HOME_DOMAIN
from alsmotion.export.sdtm import HOME_CODES
from alsmotion.home import AGGREGATE_CODES
from alsmotion.home.study import HomeTables

P = "ALS-001"
#: (date, worn h, valid, walking min, bout durations s, stride speeds m/s) of the home days.
DAYS = [
    # the baseline visit is 2026-01-05: its window is Jan 6-12
    ("2026-01-06", 14.0, True, 30.0, (20.0, 40.0), (1.0, 1.1, 1.2)),
    ("2026-01-07", 15.0, True, 20.0, (15.0,), (0.9, 1.0)),
    ("2026-01-08", 16.0, True, 10.0, (70.0,), (1.3,)),
    ("2026-01-09", 5.0, False, 99.0, (500.0,), (3.0,)),  # too little wear: left out
    # day 180 (2026-07-04): its window is Jul 5-11, two valid days
    ("2026-07-05", 13.0, True, 12.0, (12.0,), (0.8, 0.9)),
    ("2026-07-06", 13.0, True, 8.0, (35.0,), (0.85,)),
    # no visit's window holds this day
    ("2026-04-20", 20.0, True, 50.0, (50.0,), (1.5,)),
]


def _home() -> HomeTables:
    daily, bouts, strides = [], [], []
    for date, worn, valid, minutes, durations, speeds in DAYS:
        common = {"participant_id": P, "measurement_date": date}
        daily.append(
            {
                **common,
                "worn_h": worn,
                "recorded_h": 24.0,
                "valid_day": valid,
                "walking_min": minutes,
                "recorded_visit": "",
                "source_sha256": "ab" * 32,
            }
        )
        for duration in durations:
            bouts.append(
                {
                    **common,
                    "duration_s": duration,
                    "n_steps": duration * 2,
                    "n_turns": 1,
                    "cadence_spm": 100.0,
                    "walking_speed_mps": 1.0,
                    "stride_length_m": 1.2,
                    "stride_duration_s": 1.2,
                }
            )
        strides += [{**common, "gait_speed_mps": s, "stride_time_s": 1.2} for s in speeds]
    return HomeTables(
        pd.DataFrame(daily), pd.DataFrame(bouts), pd.DataFrame(strides), min_worn_hours=12.0
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    results = [
        make_result(P, "baseline", 0),
        make_result(P, "day30", 30),
        make_result(P, "day180", 180),
    ]
    out = tmp_path_factory.mktemp("exports")
    return write_exports(results, out, reports=False, home=_home())


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def test_home_rows_carry_valid_days_wear_and_change_from_baseline(exported):
    table = _read(exported["visit_measures_csv"])
    home = table[table["domain"] == HOME_DOMAIN].set_index(["visit", "measure"])
    expected = {"walking_min_per_day", "worn_h_per_day", "stride_velocity_p95_mps"}
    assert set(home.loc["baseline"].index) == {f"HOME_{m}" for m in {*expected, *AGGREGATE_CODES}}
    base = home.loc["baseline"]
    assert base.loc["HOME_walking_min_per_day", "value"] == pytest.approx(20.0)
    assert base.loc["HOME_worn_h_per_day", "value"] == pytest.approx(15.0)
    assert base["n"].eq(3).all()
    flags = base.loc["HOME_walking_min_per_day", "flags"].split(";")
    assert {"valid_days:3", "worn_h:50.0", "home_window:2026-01-06/2026-01-12"} <= set(flags)
    # four bouts over three valid days; the 500 s bout of the invalid day is not counted
    assert base.loc["HOME_wb_all_sum", "value"] == pytest.approx(4 / 3)
    assert base.loc["HOME_wb_60_sum", "value"] == pytest.approx(1 / 3)
    assert base.loc["HOME_wbdur_all_avg", "value"] == pytest.approx(30.0)
    speeds = [1.0, 1.1, 1.2, 0.9, 1.0, 1.3]
    assert base.loc["HOME_stride_velocity_p95_mps", "value"] == pytest.approx(
        np.percentile(speeds, 95)
    )
    assert "n_strides:6" in base.loc["HOME_stride_velocity_p95_mps", "flags"]
    last = home.loc["day180"]
    assert last["n"].eq(2).all()
    assert "fewer_than_3_valid_days" in last.loc["HOME_walking_min_per_day", "flags"]
    assert last.loc["HOME_walking_min_per_day", "change_from_baseline"] == pytest.approx(-10.0)
    assert last.loc["HOME_worn_h_per_day", "baseline_value"] == pytest.approx(15.0)
    # day 30 had no home days: its rows are there, empty, flagged not_recorded
    missed = home.loc["day30"]
    assert missed["value"].isna().all() and missed["flags"].str.contains("not_recorded").all()
    # no home recording behind them: the home rows' settings, no source (not the clinic's)
    assert missed["settings_hash"].eq(base["settings_hash"].iloc[0]).all()
    assert missed["source_sha256"].isna().all()
    assert home.reset_index()["unit"].ne("").all()


def test_home_windows_in_sdtm_ft_and_the_data_dictionary(exported):
    ft = _read(exported["sdtm_ft"])
    home = ft[ft["FTCAT"] == "REAL-WORLD WALKING (HOME)"]
    assert len(home) == 2 * len(HOME_CODES)
    assert home["FTTESTCD"].str.len().le(8).all() and home["FTTEST"].str.len().le(40).all()
    assert (home["FTDRVFL"] == "Y").all()
    walking = home[home["FTTESTCD"] == "HWWALKT"].set_index("VISIT")
    assert walking.loc["BASELINE", "FTSTRESN"] == pytest.approx(20.0)
    assert walking.loc["BASELINE", "FTSTRESU"] == "min/day"
    assert walking.loc["BASELINE", "FTDTC"] == "2026-01-06"
    assert walking.loc["BASELINE", "FTENDTC"] == "2026-01-12"
    assert walking.loc["BASELINE", "FTDY"] == 2  # the day after baseline (study day 1)
    assert walking.loc["DAY180", "FTDY"] == 182
    assert ft["FTSEQ"].is_unique
    dictionary = _read(exported["data_dictionary"])
    codes = dictionary[dictionary["value"].isin([c.code for c in HOME_CODES.values()])]
    assert len(codes) == len(HOME_CODES) and codes["unit"].ne("").all()
    assert codes["description"].str.contains("visit_measures: HOME_").all()
    assert "FTENDTC" in set(dictionary["variable"])


def test_a_window_without_a_valid_day_is_not_done(tmp_path):
    home = _home()
    daily = home.daily.assign(valid_day=home.daily["measurement_date"] < "2026-07-01")
    results = [make_result(P, "baseline", 0), make_result(P, "day180", 180)]
    paths = write_exports(
        results,
        tmp_path,
        reports=False,
        home=HomeTables(daily, home.bouts, home.strides, min_worn_hours=12.0),
    )
    ft = _read(paths["sdtm_ft"])
    last = ft[(ft["FTCAT"] == "REAL-WORLD WALKING (HOME)") & (ft["VISIT"] == "DAY180")]
    assert (last["FTSTAT"] == "NOT DONE").all()
    assert (last["FTREASND"] == "no valid day in the home window").all()
    table = _read(paths["visit_measures_csv"])
    rows = table[(table["domain"] == HOME_DOMAIN) & (table["visit"] == "day180")]
    assert rows["n"].eq(0).all() and rows["flags"].str.contains("valid_days:0").all()


def test_the_report_shows_the_home_days_and_windows(tmp_path):
    home = _home()
    results = [
        make_result(P, "baseline", 0),
        make_result(P, "day30", 30),
        make_result(P, "day180", 180),
        make_result("ALS-002", "baseline", 0),  # no home days: no home section
    ]
    paths = write_exports(results, tmp_path, home=home)
    folder = tmp_path / "reports" / P
    page = paths[f"report_{P}"].read_text()
    section = page.split("<h2>Home monitoring between visits</h2>")[1]
    windows = section.split("<h3>Home windows after the visits</h3>")[1].split("<h3>")[0]
    baseline, day30, day180 = windows.split("<tr>")[1:4]  # the header row has a style
    assert "2026-01-06 to 2026-01-12" in baseline and "<td>3</td>" in baseline
    assert "no home days" in day30
    assert "<td>2</td>" in day180 and "fewer than 3 valid days" in day180
    measures = section.split("<h3>Home measures per visit window")[1]
    walking = measures.split("<td>walking time per valid day</td>")[1].split("</tr>")[0]
    assert "<td>20</td>" in walking and "<td>10 (-10)</td>" in walking
    # the home rows are in the home section only, not 29 'not recorded' lines per visit
    missing = page.split("<h2>Missing and not performed")[1].split("<h2>")[0]
    assert "home" not in missing.lower()
    assert "HOME_" not in page.split("<h2>All measures")[1]
    png = (folder / "home_days.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = (folder / "report.pdf").read_bytes()
    assert pdf.count(b"/Subtype /Image") == len(list(folder.glob("*.png")))
    other = tmp_path / "reports" / "ALS-002"
    assert "Home monitoring" not in (other / "report.html").read_text()
    assert not (other / "home_days.png").exists()
    # the daily rows reach the plot as given: another day redraws it (the report is not reused)
    changed = home.daily.assign(
        walking_min=home.daily["walking_min"].where(
            home.daily["measurement_date"] != "2026-04-20", 5.0
        )
    )
    write_exports(
        results,
        tmp_path,
        home=HomeTables(changed, home.bouts, home.strides, min_worn_hours=12.0),
    )
    assert (folder / "home_days.png").read_bytes() != png
