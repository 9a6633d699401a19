"""A simulated strength visit, end to end: force curves -> trials -> per muscle and side -> visit.

Three muscle groups on both sides, three make-test trials each at 80 Hz (Tindeq Progressor rate);
one trial holds two efforts (invalid) and the left grip cannot be performed. The megascore uses a
reference table; % predicted uses the shipped Harbo 2012 equations with measured lever arms.
Run: ``.venv/bin/python examples/strength_visit.py``.
"""

from __future__ import annotations

import pandas as pd

from alsmotion.simulate.force import simulate_force_trial
from alsmotion.strength import (
    StrengthProtocol,
    StrengthReference,
    StrengthTrial,
    SubjectCharacteristics,
    analyze_trial,
    load_harbo_2012,
    summarize_visit,
)

RATE_HZ = 80.0
PEAKS_N = {
    ("elbow_flexion", "left"): (182.0, 195.0, 201.0),
    ("elbow_flexion", "right"): (171.0, 176.0, 163.0),
    ("grip", "right"): (251.0, 238.0, 246.0),
    ("knee_extension", "left"): (298.0, 0.0, 262.0),  # 0: the participant pushed twice
    ("knee_extension", "right"): (311.0, 304.0, 289.0),
}


def simulated_trials() -> list[StrengthTrial]:
    trials = []
    for (muscle, side), peaks in PEAKS_N.items():
        for number, peak_n in enumerate(peaks, start=1):
            sim = simulate_force_trial(
                sampling_rate_hz=RATE_HZ,
                peak_force_n=peak_n or 280.0,
                noise_sd_n=0.4,
                drift_n_per_s=0.05,
                timestamp_jitter_fraction=0.2,
                failure=None if peak_n else "more_than_one_effort",
                seed=number,
            )
            result = analyze_trial(sim.force_n, sampling_rate_hz=RATE_HZ, time_s=sim.time_s)
            trials.append(StrengthTrial(muscle, side, number, result=result))
    trials.append(StrengthTrial("grip", "left", 1, cannot_perform_reason="cannot hold the device"))
    return trials


def main() -> pd.DataFrame:
    reference = StrengthReference(
        values={
            ("elbow_flexion", "left"): (250.0, 50.0, 0),
            ("elbow_flexion", "right"): (250.0, 50.0, 0),
            ("grip", "left"): (300.0, 60.0, 0),
            ("grip", "right"): (300.0, 60.0, 0),
            ("knee_extension", "left"): (400.0, 100.0, 0),
            ("knee_extension", "right"): (400.0, 100.0, 0),
        },
        source="example reference",
    )
    visit = summarize_visit(
        simulated_trials(),
        protocol=StrengthProtocol(muscles=("elbow_flexion", "grip", "knee_extension")),
        subject=SubjectCharacteristics(sex="male", age_years=58, height_m=1.76, mass_kg=78.0),
        reference=reference,
        normative=load_harbo_2012(),
        lever_arms_m={"elbow_flexion": 0.26, "knee_extension": 0.36},
    )
    table = visit.to_frame()
    columns = ["muscle", "side", "status", "n_valid", "best_force_n", "between_trial_cv_pct"]
    columns += ["asymmetry_pct", "percent_predicted", "flags"]
    with pd.option_context("display.width", 160, "display.max_columns", None):
        print(table[columns].round(1).to_string(index=False))
    print(f"megascore {visit.megascore:+.2f} over {visit.n_megascore_muscles} muscles and sides")
    return table


if __name__ == "__main__":
    main()
