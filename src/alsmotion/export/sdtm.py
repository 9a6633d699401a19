"""CDISC SDTM-style datasets: FT (timed walks, and real-world walking at home) and MK (handheld
dynamometry), and their data dictionary.

Rows: one per accepted trial and test code (``--REPNUM`` = trial number) plus one derived row per
visit and test code (``--DRVFL = "Y"``: the visit's value: the mean over walk trials, or the
strength summary over trials). A test that could not be performed gives rows with
``--STAT = "NOT DONE"`` and ``--REASND``. Rejected trials are not in SDTM (they are in
``trial_measures.csv`` with their reason). Test codes are alsmotion's own (no CDISC controlled
terminology exists for instrumented gait measures or HHD); ``data_dictionary.csv`` defines them.

Home monitoring goes to FT too, ``FTCAT = "REAL-WORLD WALKING (HOME)"``: no CDISC domain or
terminology exists for digital mobility outcomes; CDISC's digital health technology examples put a
device's derived measures in the findings domain of the concept measured (sleep in NV), and
walking performance is FT's concept. One derived row (``FTDRVFL = "Y"``) per visit window and
measure, ``FTDTC``/``FTENDTC`` the window's first and last day, ``FTDY`` the study day of its first
day; a window without a valid day is ``FTSTAT = "NOT DONE"``. Test codes ``HW...``
(:data:`HOME_CODES`).

Study days follow SDTM (no day 0): ``--DY`` = days after baseline + 1 for days on or after baseline;
``VISITDY`` is the planned day (target day + 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.processing.result import SessionResult
from alsmotion.processing.walks import GAIT_MEASURES
from alsmotion.session.events import CONTINUOUS_TEST, STRENGTH_TEST
from alsmotion.vocabulary import Method


@dataclass(frozen=True)
class TestCode:
    """One SDTM test: code (<= 8 chars), name (<= 40 chars), standard unit."""

    code: str
    name: str
    unit: str


_WALK_PREFIX = {
    "10MWT": ("W10", "10-Meter Walk"),
    "T25FW": ("T25", "Timed 25-Foot Walk"),
    "2MWT": ("W2M", "2-Minute Walk"),
    "6MWT": ("W6M", "6-Minute Walk"),
    CONTINUOUS_TEST: ("CNT", "Continuous Recording"),
}
_WALK_MEASURES = {
    "walk_speed_mps": ("SPD", "Walk Speed", "m/s"),
    "walk_time_s": ("TIME", "Walk Time", "s"),
    "distance_m": ("DIST", "Distance Walked", "m"),
    "gait_speed_mps": ("GSPD", "IMU Gait Speed", "m/s"),
    "cadence_spm": ("CAD", "Cadence", "steps/min"),
    "stride_time_s": ("STRT", "Stride Time", "s"),
    "stride_time_cv_pct": ("STCV", "Stride Time CV", "%"),
    "step_length_m": ("STPL", "Step Length", "m"),
}
STRENGTH_CODES = {
    "peak_force_n": TestCode("PEAKFRC", "Peak Force", "N"),
    "time_to_peak_s": TestCode("TTPKFRC", "Time to Peak Force", "s"),
    "rfd_0_100ms_n_per_s": TestCode("RFD100", "Rate of Force Development 0-100 ms", "N/s"),
    "between_trial_cv_pct": TestCode("TRIALCV", "Between-Trial CV of Peak Force", "%"),
    "peak_force_mean_n": TestCode("PKFRCMN", "Mean Peak Force of Valid Trials", "N"),
    "peak_force_n_per_kg": TestCode("PKFRCKG", "Peak Force per Body Mass", "N/kg"),
    "asymmetry_pct": TestCode("ASYMPCT", "Left-Right Asymmetry of Peak Force", "%"),
    "pct_predicted": TestCode("PKFRCPRD", "Peak Force Percent of Predicted", "%"),
    "megascore_z": TestCode("MEGASCR", "Strength Megascore (Mean z-Score)", "z"),
}
#: MKLAT of a measure's side (``both``: a left/right comparison).
_LATERALITY = {"left": "LEFT", "right": "RIGHT", "both": "BILATERAL"}
WALK_CODES = {
    (test, measure): TestCode(f"{prefix}{suffix}", f"{long_test}: {long_name}", unit)
    for test, (prefix, long_test) in _WALK_PREFIX.items()
    for measure, (suffix, long_name, unit) in _WALK_MEASURES.items()
    # a continuous recording has no start, stop or distance: IMU gait measures only
    if test != CONTINUOUS_TEST or measure in GAIT_MEASURES
}
_WALK_CATEGORY = {
    "10MWT": "10-METER WALK TEST",
    "T25FW": "TIMED 25-FOOT WALK",
    "2MWT": "2-MINUTE WALK TEST",
    "6MWT": "6-MINUTE WALK TEST",
    CONTINUOUS_TEST: "CONTINUOUS RECORDING, NOT A PROTOCOL TRIAL",
}
#: FT codes of the home window measures (``HOME_<name>`` in visit_measures); SDTM units are
#: short: counts and sums are per valid day of the window.
HOME_CODES = {
    "walking_min_per_day": TestCode("HWWALKT", "Home: Walking Time per Valid Day", "min/day"),
    "worn_h_per_day": TestCode("HWWEART", "Home: Worn Time per Valid Day", "h/day"),
    "stride_velocity_p95_mps": TestCode("HWSV95", "Home: Stride Velocity 95th Centile", "m/s"),
    "wb_all_sum": TestCode("HWWBN", "Home: Walking Bouts per Day", "/day"),
    "walkdur_all_sum": TestCode("HWWBDSUM", "Home: Walking Duration per Day", "h/day"),
    "wbsteps_all_sum": TestCode("HWSTEPS", "Home: Steps in Walking Bouts per Day", "/day"),
    "turns_all_sum": TestCode("HWTURNS", "Home: Turns in Walking Bouts per Day", "/day"),
    "wbdur_all_avg": TestCode("HWWBDMED", "Home: Median Walking Bout Duration", "s"),
    "wbdur_all_p90": TestCode("HWWBDP90", "Home: Walking Bout Duration P90", "s"),
    "wbdur_all_var": TestCode("HWWBDCV", "Home: Walking Bout Duration CV", "ratio"),
    "cadence_all_avg": TestCode("HWCAD", "Home: Cadence, All Bouts", "steps/min"),
    "strdur_all_avg": TestCode("HWSTD", "Home: Stride Duration, All Bouts", "s"),
    "cadence_all_var": TestCode("HWCADCV", "Home: Cadence CV, All Bouts", "ratio"),
    "strdur_all_var": TestCode("HWSTDCV", "Home: Stride Duration CV, All Bouts", "ratio"),
    "ws_1030_avg": TestCode("HWWS1030", "Home: Walking Speed, Bouts 10-30 s", "m/s"),
    "strlen_1030_avg": TestCode("HWSL1030", "Home: Stride Length, Bouts 10-30 s", "cm"),
    "wb_10_sum": TestCode("HWWB10", "Home: Bouts > 10 s per Day", "/day"),
    "ws_10_p90": TestCode("HWWS10P9", "Home: Walking Speed P90, Bouts > 10 s", "m/s"),
    "wb_30_sum": TestCode("HWWB30", "Home: Bouts > 30 s per Day", "/day"),
    "ws_30_avg": TestCode("HWWS30", "Home: Walking Speed, Bouts > 30 s", "m/s"),
    "strlen_30_avg": TestCode("HWSL30", "Home: Stride Length, Bouts > 30 s", "cm"),
    "cadence_30_avg": TestCode("HWCAD30", "Home: Cadence, Bouts > 30 s", "steps/min"),
    "strdur_30_avg": TestCode("HWSTD30", "Home: Stride Duration, Bouts > 30 s", "s"),
    "ws_30_p90": TestCode("HWWS30P9", "Home: Walking Speed P90, Bouts > 30 s", "m/s"),
    "cadence_30_p90": TestCode("HWCA30P9", "Home: Cadence P90, Bouts > 30 s", "steps/min"),
    "ws_30_var": TestCode("HWWS30CV", "Home: Walking Speed CV, Bouts > 30 s", "ratio"),
    "strlen_30_var": TestCode("HWSL30CV", "Home: Stride Length CV, Bouts > 30 s", "ratio"),
    "wb_60_sum": TestCode("HWWB60", "Home: Bouts > 60 s per Day", "/day"),
    "wb_1030_sum": TestCode("HWWB1030", "Home: Bouts 10-30 s per Day", "/day"),
}
HOME_CATEGORY = "REAL-WORLD WALKING (HOME)"
_METHODS: dict[str, str] = {Method.MAKE: "MAKE TEST", Method.BREAK: "BREAK TEST"}
#: SDTM domain of each measure domain; gait measures without a timed-walk test code (e.g. a whole
#: free-living recording) have no FT test code and are left out.
_DOMAINS = {"gait": "FT", "strength": "MK"}

_STRENGTH_DESCRIPTIONS = {
    "peak_force_n": "peak force above the tare; the visit row is the best (or mean) valid trial",
    "time_to_peak_s": "onset to peak force of the best valid trial",
    "rfd_0_100ms_n_per_s": "mean rate of force development 0-100 ms after onset, best trial",
    "between_trial_cv_pct": "SD / mean x 100 of the valid trials' peak forces",
    "peak_force_mean_n": "mean peak force of the valid trials",
    "peak_force_n_per_kg": "visit peak force / body mass (session metadata body_mass_kg)",
    "asymmetry_pct": "|L - R| / max(L, R) x 100 of the visit peak forces (MKLAT BILATERAL)",
    "pct_predicted": "peak force x lever arm / normative torque x 100 (settings name the table)",
    "megascore_z": "mean over muscles and sides of (F - mu) / sigma; mu, sigma from the "
    "baseline cohort or a reference table (named in the row's flags)",
}


def _strength_measure_name(measure: str) -> str:
    return f"HHD_{measure}" if measure == "megascore_z" else f"HHD_<method>_{measure}"


_COMMON = ["STUDYID", "DOMAIN", "USUBJID"]
_RESULT = ["ORRES", "ORRESU", "STRESC", "STRESN", "STRESU", "STAT", "REASND"]
_VISIT = ["VISITNUM", "VISIT", "VISITDY"]


def _columns(domain: str) -> list[str]:
    p = domain
    middle = [f"{p}SEQ", f"{p}TESTCD", f"{p}TEST", f"{p}CAT", *(p + name for name in _RESULT)]
    if domain == "MK":
        middle += ["MKLOC", "MKLAT", "MKMETHOD"]
    times = [f"{p}DTC", *(["FTENDTC"] if domain == "FT" else []), f"{p}DY"]
    return [*_COMMON, *middle, f"{p}REPNUM", f"{p}DRVFL", *_VISIT, *times]


FT_COLUMNS = _columns("FT")
MK_COLUMNS = _columns("MK")


def _code(domain: str, test: str, measure: str) -> TestCode | None:
    """The test code of a measure; None for the efforts of a continuous recording, which have no
    muscle or side (MKLOC, MKLAT) and are left out of MK."""
    if domain == "FT":
        return WALK_CODES.get((test, measure))
    return STRENGTH_CODES.get(measure) if test == STRENGTH_TEST else None


def _result_fields(p: str, code: TestCode, value: float, not_done_reason: str) -> dict[str, Any]:
    if not_done_reason:
        return {
            f"{p}ORRES": "",
            f"{p}ORRESU": "",
            f"{p}STRESC": "",
            f"{p}STRESN": np.nan,
            f"{p}STRESU": "",
            f"{p}STAT": "NOT DONE",
            f"{p}REASND": not_done_reason,
        }
    text = "" if np.isnan(value) else f"{value:.6g}"
    return {
        f"{p}ORRES": text,
        f"{p}ORRESU": code.unit if text else "",
        f"{p}STRESC": text,
        f"{p}STRESN": value,
        f"{p}STRESU": code.unit if text else "",
        f"{p}STAT": "",
        f"{p}REASND": "",
    }


def _reason(flags: str) -> str:
    for flag in str(flags).split(";"):
        if flag.startswith("cannot_perform:"):
            return flag.removeprefix("cannot_perform:")
    return ""


def _visit_fields(result: SessionResult, visit: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "STUDYID": result.study_id,
        "USUBJID": f"{result.study_id}-{result.participant_id}",
        "VISITNUM": float(visit["visit_number"]),
        "VISIT": str(visit["visit"]).upper(),
        "VISITDY": np.nan if pd.isna(visit["target_day"]) else int(visit["target_day"]) + 1,
    }


def _study_day(days_after_baseline: int) -> int:
    return days_after_baseline + 1 if days_after_baseline >= 0 else days_after_baseline


def build_sdtm(
    results: Sequence[SessionResult],
    assignments: pd.DataFrame,
    *,
    home_rows: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The FT and MK datasets of all sessions (and of the home windows ``home_rows``, from
    :func:`alsmotion.export.home.home_visit_rows`), rows sorted and ``--SEQ`` numbered per
    subject."""
    visits = {str(row["session_id"]): row for row in assignments.to_dict("records")}
    rows: dict[str, list[dict[str, Any]]] = {"FT": [], "MK": []}
    for result in results:
        visit = visits[result.session_id]
        base = _visit_fields(result, visit)
        study_day = _study_day(int(visit["visit_day"]))
        session_dtc = result.session_start_utc.strftime("%Y-%m-%dT%H:%M:%S")
        for trial in result.trials.to_dict("records"):
            if trial["status"] != "accepted":
                continue
            domain = _DOMAINS[trial["domain"]]
            row = _row(domain, base, trial, float(trial["value"]), "", trial["trial"], "")
            if row is not None:
                row[f"{domain}DTC"] = str(trial["start_utc"])[:19]
                row[f"{domain}DY"] = study_day
                row["_session"] = result.session_id
                rows[domain].append(row)
        for measure in result.measures.to_dict("records"):
            domain = _DOMAINS[measure["domain"]]
            reason = _reason(measure["flags"])
            row = _row(domain, base, measure, float(measure["value"]), reason, np.nan, "Y")
            if row is not None:
                row[f"{domain}DTC"] = session_dtc
                row[f"{domain}DY"] = study_day
                row["_session"] = result.session_id
                rows[domain].append(row)
    if home_rows is not None:
        by_id = {result.session_id: result for result in results}
        rows["FT"] += [_home_row(record, by_id, visits) for record in home_rows.to_dict("records")]
    return {domain: _finish(domain, domain_rows) for domain, domain_rows in rows.items()}


def _home_row(
    record: Mapping[Any, Any],
    results: Mapping[str, SessionResult],
    visits: Mapping[str, Mapping[Any, Any]],
) -> dict[str, Any]:
    """The FT record of one home window measure (module docstring)."""
    session = str(record["session_id"])
    visit = visits[session]
    code = HOME_CODES[str(record["measure"]).removeprefix("HOME_")]
    value = float(record["value"])
    reason = "no valid day in the home window" if int(record["n"]) == 0 else ""
    first_day = (
        int(visit["visit_day"])
        + (pd.Timestamp(record["window_start"]) - pd.Timestamp(visit["visit_date"])).days
    )
    return {
        **_visit_fields(results[session], visit),
        "DOMAIN": "FT",
        "FTTESTCD": code.code,
        "FTTEST": code.name,
        "FTCAT": HOME_CATEGORY,
        **_result_fields("FT", code, value, reason),
        "FTREPNUM": np.nan,
        "FTDRVFL": "Y",
        "FTDTC": str(record["window_start"]),
        "FTENDTC": str(record["window_end"]),
        "FTDY": _study_day(first_day),
        "_session": session,
    }


def _row(
    domain: str,
    base: dict[str, Any],
    record: Mapping[Any, Any],
    value: float,
    reason: str,
    repnum: float,
    derived: str,
) -> dict[str, Any] | None:
    """One FT/MK record of a trial or visit measure, or None when it has no test code."""
    code = _code(domain, record["test"], record["measure"])
    if code is None:
        return None
    p = domain
    row = {
        **base,
        "DOMAIN": domain,
        f"{p}TESTCD": code.code,
        f"{p}TEST": code.name,
        **_result_fields(p, code, value, reason),
        f"{p}REPNUM": repnum,
        f"{p}DRVFL": derived,
    }
    if domain == "FT":
        row["FTCAT"] = _WALK_CATEGORY[record["test"]]
    else:
        row["MKCAT"] = "HANDHELD DYNAMOMETRY"
        row["MKLOC"] = str(record["muscle"] or "").replace("_", " ").upper()
        row["MKLAT"] = _LATERALITY.get(str(record["side"] or ""), "")
        row["MKMETHOD"] = _METHODS.get(str(record["method"] or ""), "")
    return row


def _finish(domain: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = FT_COLUMNS if domain == "FT" else MK_COLUMNS
    frame = pd.DataFrame(rows, columns=[*columns, "_session"])
    if frame.empty:
        return frame[columns]
    order = ["USUBJID", "VISITNUM", "_session", f"{domain}TESTCD"]
    order += ["MKLOC", "MKLAT", "MKMETHOD"] if domain == "MK" else []
    frame["_rep"] = frame[f"{domain}REPNUM"].fillna(0)
    frame = frame.sort_values([*order, f"{domain}DRVFL", "_rep"], kind="stable").drop(
        columns="_rep"
    )
    frame[f"{domain}SEQ"] = frame.groupby("USUBJID").cumcount() + 1
    frame[f"{domain}REPNUM"] = frame[f"{domain}REPNUM"].astype("Int64")
    frame["VISITDY"] = frame["VISITDY"].astype("Int64")
    return frame[columns].reset_index(drop=True)


_VARIABLE_LABELS = {
    "STUDYID": ("Study Identifier", "Char", "study_id of the session metadata"),
    "DOMAIN": ("Domain Abbreviation", "Char", "FT or MK"),
    "USUBJID": ("Unique Subject Identifier", "Char", "STUDYID-participant pseudonym"),
    "SEQ": ("Sequence Number", "Num", "order of the record within the subject"),
    "TESTCD": ("Short Name of Test", "Char", "see the test code rows below (<= 8 chars)"),
    "TEST": ("Name of Test", "Char", "see the test code rows below (<= 40 chars)"),
    "CAT": (
        "Category",
        "Char",
        "walk test name, REAL-WORLD WALKING (HOME), or HANDHELD DYNAMOMETRY",
    ),
    "ORRES": ("Result in Original Units", "Char", "value as text (6 significant digits)"),
    "ORRESU": ("Original Units", "Char", "unit of ORRES"),
    "STRESC": ("Result in Standard Format", "Char", "same as ORRES (results are SI already)"),
    "STRESN": ("Numeric Result in Standard Units", "Num", "full-precision value"),
    "STRESU": ("Standard Units", "Char", "unit of STRESN"),
    "STAT": ("Completion Status", "Char", "NOT DONE when the test could not be performed"),
    "REASND": ("Reason Not Done", "Char", "reason recorded with cannot_perform"),
    "LOC": ("Location", "Char", "muscle group tested; empty for the megascore (MK only)"),
    "LAT": ("Laterality", "Char", "LEFT, RIGHT, or BILATERAL for asymmetry (MK only)"),
    "METHOD": ("Method of Test", "Char", "MAKE TEST or BREAK TEST (MK only)"),
    "REPNUM": ("Repetition Number", "Num", "trial number; empty on derived visit rows"),
    "DRVFL": ("Derived Flag", "Char", "Y on the visit-level value derived from the trials"),
    "VISITNUM": ("Visit Number", "Num", "schedule number; unscheduled visits get N.1"),
    "VISIT": ("Visit Name", "Char", "visit assigned by date relative to baseline"),
    "VISITDY": ("Planned Study Day of Visit", "Num", "target day after baseline + 1"),
    "DTC": (
        "Date/Time of Test",
        "Char",
        "ISO 8601 UTC start of the trial (or session); home: first day of the window",
    ),
    "ENDTC": ("End Date/Time of Test", "Char", "home: last day of the window (FT only)"),
    "DY": ("Study Day of Test", "Num", "days after baseline + 1 (baseline is day 1)"),
}


def _home_description(measure: str) -> str:
    if measure == "walking_min_per_day":
        return "mean over the window's valid days of the minutes in walking bouts"
    if measure == "worn_h_per_day":
        return "mean over the window's valid days of the worn hours (van Hees 2013 non-wear)"
    if measure == "stride_velocity_p95_mps":
        return (
            "SV95C-like: 95th centile of the speed of every stride in bouts on valid days "
            "(strides and walking hours in the flags; not the ankle-worn SV95C itself)"
        )
    per_day = ", per valid day" if measure.endswith("_sum") else ""
    return f"Mobilise-D {measure} over the bouts of the window's valid days{per_day}"


def data_dictionary() -> pd.DataFrame:
    """Every variable of FT and MK and every test code, with labels, types and units."""
    from alsmotion.home.windows import WINDOW_UNITS

    rows = []
    for domain, columns in (("FT", FT_COLUMNS), ("MK", MK_COLUMNS)):
        for column in columns:
            key = column if column in _VARIABLE_LABELS else column[2:]
            label, kind, description = _VARIABLE_LABELS[key]
            rows.append(
                {
                    "dataset": domain,
                    "variable": column,
                    "value": "",
                    "label": label,
                    "type": kind,
                    "unit": "",
                    "description": description,
                }
            )
    for (test, measure), code in sorted(WALK_CODES.items(), key=lambda item: item[1].code):
        rows.append(
            {
                "dataset": "FT",
                "variable": "FTTESTCD",
                "value": code.code,
                "label": code.name,
                "type": "Char",
                "unit": code.unit,
                "description": f"{test} {measure}",
            }
        )
    for measure, code in sorted(HOME_CODES.items(), key=lambda item: item[1].code):
        rows.append(
            {
                "dataset": "FT",
                "variable": "FTTESTCD",
                "value": code.code,
                "label": code.name,
                "type": "Char",
                "unit": code.unit,
                "description": f"{HOME_CATEGORY}: {_home_description(measure)} "
                f"(visit_measures: HOME_{measure}, unit {WINDOW_UNITS[measure]})",
            }
        )
    for measure, code in sorted(STRENGTH_CODES.items(), key=lambda item: item[1].code):
        rows.append(
            {
                "dataset": "MK",
                "variable": "MKTESTCD",
                "value": code.code,
                "label": code.name,
                "type": "Char",
                "unit": code.unit,
                "description": _STRENGTH_DESCRIPTIONS.get(measure, "")
                + f" (visit_measures: {_strength_measure_name(measure)})",
            }
        )
    return pd.DataFrame(rows)
