"""``alsmotion reference SESSION``: store a site reference value of a walk trial (stopwatch time,
measured distance or walkway speed) with the session, as an audit entry (raw files are never
rewritten). ``alsmotion validate --sessions DIR`` compares the IMU with these values."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from alsmotion.cli import EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reference", help="store a stopwatch or walkway reference value of a walk trial"
    )
    parser.add_argument("session", type=Path, metavar="SESSION", help="session folder")
    parser.add_argument("--test", required=True, help="walk test code, e.g. 10MWT")
    parser.add_argument("--trial", required=True, type=int, help="trial number (1, 2, ...)")
    value = parser.add_mutually_exclusive_group(required=True)
    value.add_argument("--walk-time-s", type=float, help="stopwatch time of the timed section, s")
    value.add_argument("--distance-m", type=float, help="distance walked (2MWT, 6MWT), m")
    value.add_argument("--gait-speed-mps", type=float, help="walkway gait speed, m/s")
    parser.add_argument(
        "--method", required=True, help="how it was measured, e.g. stopwatch, walkway"
    )
    parser.add_argument("--who", default=None, help="who measured it (default: login name)")
    parser.add_argument("--why", default="site reference run", help="reason (audit log)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from alsmotion.errors import InvalidInputError
    from alsmotion.session import append_audit
    from alsmotion.session.events import WALK_TESTS
    from alsmotion.session.reader import Session
    from alsmotion.validation.site_reference import reference_speed_mps, reference_values

    if args.test not in WALK_TESTS:
        raise InvalidInputError(f"--test must be a walk test ({', '.join(WALK_TESTS)})")
    if args.trial < 1:
        raise InvalidInputError(f"--trial must be a positive integer, got {args.trial}")
    quantity, value = next(
        (name, getattr(args, name))
        for name in ("walk_time_s", "distance_m", "gait_speed_mps")
        if getattr(args, name) is not None
    )
    speed = reference_speed_mps(args.test, quantity, value)
    session = Session.open(args.session)
    earlier = reference_values(session)
    earlier = earlier[(earlier["test"] == args.test) & (earlier["trial"] == args.trial)]
    entry = append_audit(
        args.session,
        who=args.who or getpass.getuser(),
        what="reference_value",
        why=args.why,
        change={
            "test": args.test,
            "trial": args.trial,
            "quantity": quantity,
            "reference_method": args.method,
            "before": None if earlier.empty else float(earlier["value"].iloc[-1]),
            "after": value,
        },
    )
    print(
        f"{args.session}: {args.test} trial {args.trial} {quantity} {value:g} ({args.method}), "
        f"reference speed {speed:.3f} m/s; audit entry {entry['sha256'][:12]}"
    )
    return EXIT_OK
