"""Readable names of the export measures for reports and summaries: ``10MWT gait speed (IMU)``,
``knee extension left: peak force``, and why a value is missing."""

from __future__ import annotations

#: Readable name of a measure (the part after the test and method in an export measure name).
MEASURE_NAMES = {
    "walk_time_s": "walk time",
    "distance_m": "distance",
    "walk_speed_mps": "walk speed (distance / time)",
    "gait_speed_mps": "gait speed (IMU)",
    "cadence_spm": "cadence",
    "stride_time_s": "stride time",
    "stride_time_cv_pct": "stride-time CV",
    "step_length_m": "step length",
    "peak_force_n": "peak force",
    "peak_force_mean_n": "peak force, mean of valid trials",
    "peak_force_n_per_kg": "peak force per body mass",
    "pct_predicted": "% of predicted",
    "asymmetry_pct": "left/right asymmetry",
    "megascore_z": "strength megascore (z)",
    "between_trial_cv_pct": "between-trial CV",
    "time_to_peak_s": "time to peak",
    "rfd_0_100ms_n_per_s": "RFD 0-100 ms",
    "impulse_ns": "impulse",
}


def measure_text(name: str) -> str:
    """Readable name of a measure without test or method (``gait_speed_mps`` -> ``gait speed (IMU)``)."""
    return MEASURE_NAMES.get(name, name.replace("_", " "))


def readable_measure(measure: str, muscle: str = "", side: str = "") -> str:
    """Readable name of an export measure: the test stays for walks, the muscle and side replace
    the test and method for strength (``HHD_make_peak_force_n``, ``knee_extension``, ``left`` ->
    ``knee extension left: peak force``)."""
    test, _, rest = str(measure).partition("_")
    if muscle:
        if test == "HHD":
            rest = rest.partition("_")[2]
        where = f"{muscle} {side}" if side and side != "both" else muscle
        return f"{where.replace('_', ' ')}: {measure_text(rest)}"
    return f"{test} {measure_text(rest)}"


def missing_text(flags: str) -> str:
    """Why a value is missing: ``cannot perform: <reason>``, ``not recorded``, or ``missing``."""
    for flag in str(flags).split(";"):
        if flag.startswith("cannot_perform"):
            reason = flag.partition(":")[2]
            return f"cannot perform: {reason}" if reason else "cannot perform"
    if "not_recorded" in str(flags).split(";"):
        return "not recorded"
    return "missing"
