"""Readable names of the export measures for reports and summaries: ``10MWT gait speed (IMU)``,
``knee extension left: peak force``, why a value is missing, and quality flags in plain words
(the codes stay in the exports: they are the study's vocabulary)."""

from __future__ import annotations

#: Readable name of a measure (the part after the test and method in an export measure name).
MEASURE_NAMES = {
    "walk_time_s": "walk time",
    "distance_m": "distance",
    "walk_speed_mps": "timed speed (distance / time)",
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
    # home monitoring, per visit window (alsmotion.home.windows); the Mobilise-D codes
    "walking_min_per_day": "walking time per valid day",
    "worn_h_per_day": "worn time per valid day",
    "stride_velocity_p95_mps": "stride velocity 95th centile (SV95C-like)",
    "wb_all_sum": "walking bouts per day",
    "walkdur_all_sum": "walking time in bouts per day",
    "wbsteps_all_sum": "steps in walking bouts per day",
    "turns_all_sum": "turns in walking bouts per day",
    "wbdur_all_avg": "walking bout duration, median",
    "wbdur_all_p90": "walking bout duration, 90th centile",
    "wbdur_all_var": "walking bout duration, CV",
    "cadence_all_avg": "cadence, all bouts",
    "strdur_all_avg": "stride duration, all bouts",
    "cadence_all_var": "cadence CV, all bouts",
    "strdur_all_var": "stride duration CV, all bouts",
    "ws_1030_avg": "walking speed, bouts of 10-30 s",
    "strlen_1030_avg": "stride length, bouts of 10-30 s",
    "wb_10_sum": "bouts over 10 s per day",
    "ws_10_p90": "walking speed 90th centile, bouts over 10 s",
    "wb_30_sum": "bouts over 30 s per day",
    "ws_30_avg": "walking speed, bouts over 30 s",
    "strlen_30_avg": "stride length, bouts over 30 s",
    "cadence_30_avg": "cadence, bouts over 30 s",
    "strdur_30_avg": "stride duration, bouts over 30 s",
    "ws_30_p90": "walking speed 90th centile, bouts over 30 s",
    "cadence_30_p90": "cadence 90th centile, bouts over 30 s",
    "ws_30_var": "walking speed CV, bouts over 30 s",
    "strlen_30_var": "stride length CV, bouts over 30 s",
    "wb_60_sum": "bouts over 60 s per day",
    "wb_1030_sum": "bouts of 10-30 s per day",
}

#: Domain and test part of the home-window measures in the exports (``HOME_<name>``, named
#: ``home: <name>`` in reports).
HOME_DOMAIN = "home_gait"
HOME_TEST = "HOME"


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
    if test == HOME_TEST:
        return f"home: {measure_text(rest)}"
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


#: code -> sentence.
FLAG_WORDS = {
    "data_gap": "samples were lost during the trial (device dropout)",
    "data_gaps": "the recording has gaps (a device dropped out during the visit)",
    "session_not_closed": "the recording was not closed (interrupted)",
    "torn_tail_skipped": "an incomplete last block of a stream was left out",
    "no_imu_stream": "no IMU was recorded",
    "no_imu_samples": "no IMU samples in this trial",
    "no_walking": "no walking was found in the IMU signal",
    "no_strides": "no complete strides were found",
    "turns_from_acceleration": "turns estimated without the gyroscope",
    "feet_from_acceleration": (
        "left/right told without the gyroscope: may be swapped if the trunk tilts sideways"
    ),
    "sensor_height_from_body_height": "step length uses a sensor height estimated from body height",
    "walking_aid": (
        "walked with a walking aid: speed and step length read low (the aid steadies the trunk); "
        "compare cadence and stride times, not speed"
    ),
    "no_effort": "no push was found",
    "continuous_recording": (
        "from a recording without trials (gait over the whole recording, pushes found in the "
        "force signal): not a protocol trial"
    ),
    "muscle_not_recorded": "the muscle and side of the push were not recorded",
    "no_effort_found": "no push was found in the force recording",
    "no_valid_effort": "no push in the force recording could be measured",
    "effort_too_short": "the push was too short (or started before the trial): repeat it",
    "saturation": "the force exceeded the gauge's range",
    "no_return_to_baseline": "the force did not return to rest before the trial ended",
    "more_than_one_effort": "more than one push in the trial",
    "signal_dropout": "force samples were lost during the push",
    "no_quiet_baseline": "the participant was already pushing when the trial started",
    "lowpass_not_applied": "the curve was too short to smooth",
    "plateau_unsupported": "no steady plateau to measure",
    "rfd_20_80pct_unsupported": "rise too fast to measure the 20-80 % rate",
}


def flag_sentence(flag: str) -> str:
    """A quality flag (``code`` or ``code:detail``) as a sentence a clinician reads."""
    code, _, detail = flag.partition(":")
    if code in FLAG_WORDS:
        return FLAG_WORDS[code]
    if code.startswith("fewer_than_") and code.endswith("_strides"):
        n = code.removeprefix("fewer_than_").removesuffix("_strides")
        return f"fewer than {n} strides: stride-time variability is not reliable"
    if code.startswith("fewer_than_") and code.endswith("_valid_days"):
        n = code.removeprefix("fewer_than_").removesuffix("_valid_days")
        return f"fewer than {n} valid days in the home window"
    if code == "valid_days":
        return f"{detail} valid day{'' if detail == '1' else 's'} (worn long enough)"
    if code == "worn_h":
        return f"{detail} h worn in the home window"
    if code == "home_window":
        return f"home window {detail.replace('/', ' to ')}"
    if code == "n_strides":
        return f"from {detail} strides"
    if code == "walking_h":
        return f"{detail} h of walking"
    if code.startswith("rfd_0_") and code.endswith("ms_unsupported"):
        window = code.removeprefix("rfd_0_").removesuffix("ms_unsupported")
        return f"too few samples for the 0-{window} ms rate of force development"
    if code == "idle_sleep_s":
        return f"{detail} s of the device's idle sleep, read as its last sample repeated"
    if code == "device_utc_offset_differs":
        return (
            f"the device clock ran at UTC{detail}, an offset the study's time zone does not have "
            "then: its times were put on UTC by that offset; if the device was set up in the "
            "participant's zone, check the set-up computer's time zone"
        )
    if code == "gait_failed":
        return f"gait analysis failed ({detail})"
    if code == "stopped_early":
        return f"stopped before its time: {detail}" if detail else "stopped before its time"
    if code == "megascore_method":
        return f"megascore from the {detail} tests"
    if code == "megascore_reference":
        return f"megascore reference: {detail.replace('_', ' ')}"
    if code == "cannot_perform":
        return f"cannot perform: {detail}" if detail else "cannot perform"
    return flag.replace("_", " ")


def flag_sentences(flags: str) -> str:
    """``;``-joined flag codes as plain-word sentences joined by ``; ``."""
    return "; ".join(dict.fromkeys(flag_sentence(f) for f in str(flags).split(";") if f))
