"""``alsmotion gait FILE --out DIR``: strides and a gait summary from a lower-back IMU recording."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alsmotion.cli._imu_args import add_imu_arguments, read_imu
from alsmotion.cli._paths import output_folder
from alsmotion.errors import InvalidInputError


def _timed_walk_code(text: str) -> str:
    from alsmotion.gait.timed_walk import TIMED_WALK_TESTS

    if text not in TIMED_WALK_TESTS:
        raise argparse.ArgumentTypeError(
            f"unknown timed walk {text!r}: use one of {', '.join(TIMED_WALK_TESTS)}"
        )
    return text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gait",
        help="gait strides and summary from a lower-back IMU recording",
        description="Detect gait bouts and strides in a lower-back IMU recording and write "
        "DIR/strides.csv (one row per stride), DIR/bouts.csv and DIR/summary.json.",
    )
    add_imu_arguments(parser)
    height = parser.add_mutually_exclusive_group(required=True)
    height.add_argument(
        "--sensor-height-m", type=float, help="measured sensor height above the ground (m)"
    )
    height.add_argument(
        "--height-m", type=float, help="body height (m); the sensor is taken at 0.53 x height"
    )
    parser.add_argument(
        "--walking-aid",
        action="store_true",
        help="the person walked with a walker or rollator: speed and step length are flagged",
    )
    parser.add_argument(
        "--timed-walk",
        type=_timed_walk_code,
        metavar="CODE",
        help="the recording is this timed walk test (10MWT, T25FW, 2MWT or 6MWT): add its "
        "clinical speed to the summary",
    )
    parser.add_argument("--walk-time-s", type=float, help="timed walk: measured time (s)")
    parser.add_argument("--walk-distance-m", type=float, help="timed walk: measured distance (m)")
    parser.add_argument(
        "--out", type=output_folder, required=True, metavar="DIR", help="output folder"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.gait import GaitPipeline, timed_walk_speed

    if args.timed_walk is None and (
        args.walk_time_s is not None or args.walk_distance_m is not None
    ):
        raise InvalidInputError("--walk-time-s/--walk-distance-m need --timed-walk CODE")
    recording = read_imu(args)
    assert recording.accel_mps2 is not None
    pipeline = GaitPipeline().analyze(
        recording.accel_mps2,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=args.sensor_height_m,
        height_m=args.height_m,
        gyro_rads=recording.gyro_rads,
        walking_aid=args.walking_aid,
    )
    result = pipeline.result_
    summary = {"file": str(args.file), **result.to_dict()}
    if args.timed_walk is not None:
        timed = timed_walk_speed(
            args.timed_walk,
            time_s=args.walk_time_s,
            distance_m=args.walk_distance_m,
            gait=result,
        )
        summary["timed_walk"] = timed.to_dict()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    result.strides.to_csv(out / "strides.csv", index=False, float_format="%.9g")
    result.bouts.to_csv(out / "bouts.csv", index=False, float_format="%.9g")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    s = result.summary
    print(
        f"{s.n_strides} strides in {s.n_bouts} bouts: gait speed {s.gait_speed_mps:.2f} m/s, "
        f"cadence {s.cadence_spm:.1f} steps/min, stride time CV {s.stride_time_cv_pct:.1f} % "
        f"({s.n_steady_strides} steady strides); flags: {', '.join(s.flags) or 'none'}"
    )
    print(f"wrote {out / 'strides.csv'}, {out / 'bouts.csv'}, {out / 'summary.json'}")
    return 0
