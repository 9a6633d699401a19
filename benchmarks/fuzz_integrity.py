"""Bigger fuzz run of raw-data integrity than the test suite's: mutated sessions (closed and
unclosed) and CSV files (GENEActiv, generic IMU CSV and force tables) through the API, a share
through the CLI; unclosed sessions given the changes the session format cross-checks (kind
``cross``: emptied or deleted logs, edited session.json, stamps stripped, batches cut from the
end, audit entries removed, edited or swapped), which must all be detected; and sessions cut by a crash at random bytes (kind ``crash``),
which must read without a false alarm.

    .venv/bin/python benchmarks/fuzz_integrity.py [--sessions 700] [--csv 600] [--cross 100]
        [--crash 300] [--seed 1]

Prints the counts per kind (refused, flagged, failures: crashes, tamper accepts, silent
misreads, undetected cross-checked changes, false alarms on crash states, CLI contract) and the
slowest case; exits 1 when any case failed.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz_integrity import (
    FORCE_CLI,
    build_session,
    crash_states,
    cross_check_mutation,
    force_table_lines,
    force_values,
    read_force_csv,
    run_crash_case,
    run_csv_case,
    run_session_case,
)

from alsmotion.readers import read_csv_recording, read_geneactiv_csv

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=700)
    parser.add_argument("--csv", type=int, default=600)
    parser.add_argument("--cross", type=int, default=100, help="unclosed cross-check cases")
    parser.add_argument("--crash", type=int, default=300, help="crash states cut at a byte")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clean = build_session(work / "a")
        other = build_session(work / "b", participant="ALS-002")
        for index in range(args.sessions):
            outcomes.append(
                run_session_case(
                    work,
                    clean,
                    other,
                    rng,
                    closed=index % 3 != 0,
                    process=True,
                    cli=index % 5 == 0,
                )
            )
        for index in range(args.cross):
            outcome = run_session_case(
                work,
                clean,
                other,
                rng,
                closed=False,
                process=index % 2 == 0,
                cli=index % 5 == 0,
                mutate=cross_check_mutation,
            )
            outcome.kind = "cross"
            if not (outcome.flagged or outcome.refused or outcome.failure):
                outcome.failure = "cross-checked change not detected"
            outcomes.append(outcome)
        if args.crash:
            closed, states = crash_states(work / "crash-write")
            outcomes += [
                run_crash_case(work, closed, rng.choice(states), rng) for _ in range(args.crash)
            ]
        text = (SHARED / "gaitpy-demo" / "demo_data.csv").read_bytes().decode("latin-1")
        geneactiv = text.splitlines()[:1500]
        first = next(i for i, line in enumerate(geneactiv) if line[:2] == "20")
        generic = ["time_s,ax,ay,az"] + [
            f"{k / 50:.2f},{0.1 * (k % 7):.3f},{9.81 + 0.01 * (k % 5):.3f},0.2" for k in range(1500)
        ]

        def read_generic(path: Path):
            return read_csv_recording(
                path, accel_columns=["ax", "ay", "az"], accel_unit="mps2", time_column="time_s"
            )

        generic_cli = [
            "--accel-columns",
            "ax,ay,az",
            "--accel-unit",
            "mps2",
            "--time-column",
            "time_s",
            "--sensor-height-m",
            "0.95",
        ]
        force = force_table_lines(1200)
        for index in range(args.csv):
            cli = index % 10 == 0
            if index % 3 == 2:
                outcomes.append(
                    run_csv_case(
                        work,
                        force,
                        1,
                        read_force_csv,
                        rng,
                        kind="force",
                        line_end="\n",
                        cli_args=FORCE_CLI if cli else None,
                        values=force_values,
                        command="strength",
                    )
                )
            elif index % 3:
                outcomes.append(
                    run_csv_case(
                        work,
                        geneactiv,
                        first,
                        read_geneactiv_csv,
                        rng,
                        kind="geneactiv",
                        line_end="\r\n",
                        cli_args=["--sensor-height-m", "0.95"] if cli else None,
                    )
                )
            else:
                outcomes.append(
                    run_csv_case(
                        work,
                        generic,
                        1,
                        read_generic,
                        rng,
                        kind="csv",
                        line_end="\n",
                        cli_args=generic_cli if cli else None,
                    )
                )
    total_s = time.perf_counter() - started
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for o in outcomes:
        counts = by_kind[o.kind]
        counts["cases"] += 1
        counts["refused"] += o.refused
        counts["flagged"] += o.flagged
        counts["changed unflagged"] += o.unflagged_change
        counts["failed"] += bool(o.failure)
    print(f"{len(outcomes)} cases in {total_s:.0f} s (seed {args.seed})")
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind:10s} " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"  slowest case: {slowest.seconds:.2f} s ({slowest.kind} {slowest.mutation})")
    silent = collections.Counter(
        o.mutation.split(" (")[0] for o in outcomes if o.kind == "unclosed" and o.unflagged_change
    )
    print(f"  unclosed, data changed without a flag (crash-like or undetectable): {dict(silent)}")
    failures = [o for o in outcomes if o.failure]
    kinds = collections.Counter(o.failure.split(":")[0] for o in failures)
    print(f"  failures: {len(failures)} {dict(kinds)}")
    for o in failures[:40]:
        print(f"    {o.kind} {o.mutation}: {o.failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
