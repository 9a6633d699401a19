"""Quality flags in the words a clinician reads: what happened and what it means for the value.

The codes stay in the exports (they are the study's vocabulary); the screens show these sentences,
and leave out flags that cannot apply to the test (a 10 m walk never has 20 strides).
"""

from __future__ import annotations

from collections.abc import Sequence

from alsmotion.gait import TIMED_WALK_TESTS

#: code -> sentence.
FLAG_WORDS = {
    "data_gap": "samples were lost during the trial (device dropout)",
    "no_imu_stream": "no IMU was recorded",
    "no_imu_samples": "no IMU samples in this trial",
    "no_walking": "no walking was found in the IMU signal",
    "no_strides": "no complete strides were found",
    "turns_from_acceleration": "turns estimated without the gyroscope",
    "feet_from_acceleration": (
        "left/right told without the gyroscope: may be swapped if the trunk tilts sideways"
    ),
    "sensor_height_from_body_height": "step length uses a sensor height estimated from body height",
    "no_effort": "no push was found",
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
#: The walk tests short enough that a stride-count flag says nothing (variability needs a 2MWT).
_SHORT_WALKS = tuple(code for code, test in TIMED_WALK_TESTS.items() if test.distance_m is not None)


def _one(flag: str) -> str:
    code, _, detail = flag.partition(":")
    if code in FLAG_WORDS:
        return FLAG_WORDS[code]
    if code.startswith("fewer_than_") and code.endswith("_strides"):
        n = code.removeprefix("fewer_than_").removesuffix("_strides")
        return f"fewer than {n} strides: stride-time variability is not reliable"
    if code.startswith("rfd_0_") and code.endswith("ms_unsupported"):
        window = code.removeprefix("rfd_0_").removesuffix("ms_unsupported")
        return f"too few samples for the 0-{window} ms rate of force development"
    if code == "gait_failed":
        return f"gait analysis failed ({detail})"
    if code == "cannot_perform":
        return f"cannot perform: {detail}" if detail else "cannot perform"
    return flag.replace("_", " ")


def flag_words(flags: Sequence[str], *, test: str | None = None) -> tuple[str, ...]:
    """Sentences for ``flags``, without the stride-count flag on the short walks."""
    shown = []
    for flag in flags:
        if flag.startswith("fewer_than_") and test in _SHORT_WALKS:
            continue
        shown.append(_one(flag))
    return tuple(dict.fromkeys(shown))
