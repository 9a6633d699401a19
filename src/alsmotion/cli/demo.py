"""``alsmotion demo --out DIR``: a simulated visit's gait assessment, then a simulated trial, end
to end.

A simulated participant walks a 2-minute walk test up and down a corridor (turns at each end) with
a lower-back IMU; the recording is analysed like a real one and the strides, a summary table and a
plot are written to DIR. Then a small trial (participants x 4 visits, walks and dynamometry) is
recorded through the native session format into DIR/raw, processed, and exported to DIR/exports
(visit tables, SDTM, reports) and DIR/bids (see :mod:`alsmotion.cli._trial_demo`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alsmotion.cli._numbers import whole_number_at_least
from alsmotion.cli._paths import output_folder

DEMO_RATE_HZ = 100.0
DEMO_PARTICIPANTS = 4
DEMO_SEED = 2024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="run a simulated visit's gait assessment and a simulated trial's exports"
    )
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.add_argument(
        "--participants",
        type=whole_number_at_least(3),
        default=DEMO_PARTICIPANTS,
        metavar="N",
        help="participants of the simulated trial (at least 3, which hold every built-in case: "
        f"out of window, missed test, cannot perform; default {DEMO_PARTICIPANTS})",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.cli._trial_demo import run_trial_demo

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    run_gait_demo(out)
    run_trial_demo(out, n_participants=args.participants)
    return 0


def run_gait_demo(out: Path) -> None:
    """The simulated visit's gait assessment: prints the table, writes strides, summary, plot."""
    from alsmotion.gait import analyze_gait, timed_walk_speed
    from alsmotion.gait.plot import plot_gait
    from alsmotion.simulate.gait import simulate_walk

    print("Simulating a 2-minute walk test and analysing its gait ...", flush=True)
    walk = simulate_walk(
        sampling_rate_hz=DEMO_RATE_HZ,
        n_strides=100,
        speed_mps=0.95,
        cadence_spm=104.0,
        stride_time_cv_pct=3.0,
        sensor_height_m=0.92,
        turn_every_strides=14,
        rest_s=10.0,
        orientation_deg=(8.0, -12.0, 95.0),
        seed=DEMO_SEED,
    )
    result = analyze_gait(
        walk.accel_mps2,
        sampling_rate_hz=walk.sampling_rate_hz,
        sensor_height_m=walk.truth.sensor_height_m,
        gyro_rads=walk.gyro_rads,
    )
    walked_s = float(walk.truth.bout_spans_s[0, 1] - walk.truth.bout_spans_s[0, 0])
    timed = timed_walk_speed(
        "2MWT", time_s=walked_s, distance_m=walk.truth.gait_speed_mps * walked_s, gait=result
    )
    summary = result.summary
    rows = [
        ("gait speed (IMU)", summary.gait_speed_mps, "m/s", walk.truth.gait_speed_mps),
        ("gait speed (distance / time)", timed.clinical_speed_mps, "m/s", None),
        ("cadence", summary.cadence_spm, "steps/min", walk.truth.cadence_spm),
        ("stride time", summary.stride_time_s, "s", float(walk.truth.stride_times_s.mean())),
        ("stride time CV (steady)", summary.stride_time_cv_pct, "%", walk.truth.stride_time_cv_pct),
        ("step length", summary.step_length_m, "m", None),
        ("strides / steady strides", f"{summary.n_strides} / {summary.n_steady_strides}", "", None),
        ("bouts", summary.n_bouts, "", None),
    ]
    print("Simulated visit: 2-minute walk test, lower-back IMU at 100 Hz")
    print(f"{'measure':<30} {'value':>12} {'unit':<10} {'simulated truth':>15}")
    for name, value, unit, truth in rows:
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        expected = "" if truth is None else f"{truth:.3f}"
        print(f"{name:<30} {shown:>12} {unit:<10} {expected:>15}")
    print(f"flags: {', '.join(summary.flags) or 'none'}")
    result.strides.to_csv(out / "strides.csv", index=False, float_format="%.9g")
    (out / "summary.json").write_text(
        json.dumps({**result.to_dict(), "timed_walk": timed.to_dict()}, indent=2) + "\n"
    )
    figure = plot_gait(
        walk.accel_mps2,
        sampling_rate_hz=walk.sampling_rate_hz,
        result=result,
        path=out / "gait.png",
    )
    print(f"wrote {out / 'strides.csv'}, {out / 'summary.json'}, {figure}")
