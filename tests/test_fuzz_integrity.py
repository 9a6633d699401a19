"""Fuzz suite of raw-data integrity (fixed seed, a few hundred cases): mutated sessions and CSV
files never crash, never pass ``verify`` when sealed and changed, never read as data that differ
from what was recorded without an issue, and the CLI keeps to its exit codes.

The mutations live in ``fuzz_integrity.py``; ``benchmarks/fuzz_integrity.py`` runs more of them.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fuzz_integrity import (
    CROSS_CHECK_MUTATIONS,
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

SEED = 20260105
N_SESSION_CASES = 160
N_CSV_CASES = 150
N_CROSS_CHECK_CASES = 24
N_CRASH_CASES = 100


@pytest.fixture(scope="module")
def clean_sessions(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("clean")
    return build_session(root / "a"), build_session(root / "b", participant="ALS-002")


def _failures(outcomes) -> list[str]:
    return [f"{o.kind} {o.mutation}: {o.failure}" for o in outcomes if o.failure]


def test_mutated_sessions_never_crash_pass_tampering_or_misread(clean_sessions, tmp_path):
    clean, other = clean_sessions
    rng = random.Random(SEED)
    outcomes = [
        run_session_case(
            tmp_path,
            clean,
            other,
            rng,
            closed=index % 3 != 0,
            process=index % 8 == 0,
            cli=index % 10 == 0,
        )
        for index in range(N_SESSION_CASES)
    ]
    assert _failures(outcomes) == []
    assert sum(o.refused for o in outcomes) > 10 and sum(o.flagged for o in outcomes) > 10
    assert max(o.seconds for o in outcomes) < 30  # no hang


def test_unclosed_sessions_detect_what_the_session_format_cross_checks(clean_sessions, tmp_path):
    clean, other = clean_sessions
    rng = random.Random(SEED)
    outcomes = [
        run_session_case(
            tmp_path,
            clean,
            other,
            rng,
            closed=False,
            process=index % 4 == 0,
            cli=False,
            mutate=cross_check_mutation,
        )
        for index in range(N_CROSS_CHECK_CASES)
    ]
    assert _failures(outcomes) == []
    assert all(o.flagged or o.refused for o in outcomes)
    kinds = {o.mutation.split(":")[1] for o in outcomes}
    assert kinds == set(CROSS_CHECK_MUTATIONS)


def test_sessions_cut_by_a_crash_at_any_byte_give_no_false_alarm(tmp_path):
    closed, states = crash_states(tmp_path / "write")
    rng = random.Random(SEED)
    outcomes = [
        run_crash_case(tmp_path, closed, rng.choice(states), rng) for _ in range(N_CRASH_CASES)
    ]
    assert _failures(outcomes) == []
    growing = {state[1] for state in states}
    assert growing >= {"events.jsonl", "audit.jsonl", "streams/imu.arrows", "session.json"}


def _geneactiv_lines(shared_data: Path) -> tuple[list[str], int]:
    text = (shared_data / "gaitpy-demo" / "demo_data.csv").read_bytes().decode("latin-1")
    lines = text.splitlines()[:400]
    first = next(i for i, line in enumerate(lines) if line[:2] == "20")
    return lines, first


def test_mutated_csv_files_are_read_exactly_or_refused_naming_the_line(shared_data, tmp_path):
    rng = random.Random(SEED)
    geneactiv, first = _geneactiv_lines(shared_data)
    generic = ["time_s,ax,ay,az"] + [
        f"{k / 50:.2f},{0.1 * (k % 7):.3f},{9.81 + 0.01 * (k % 5):.3f},{0.2:.3f}"
        for k in range(300)
    ]

    def read_generic(path: Path):
        return read_csv_recording(
            path, accel_columns=["ax", "ay", "az"], accel_unit="mps2", time_column="time_s"
        )

    force = force_table_lines(320)
    outcomes = []
    for index in range(N_CSV_CASES):
        cli = index % 12 == 0
        if index % 3 == 2:
            outcomes.append(
                run_csv_case(
                    tmp_path,
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
                    tmp_path,
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
                    tmp_path,
                    generic,
                    1,
                    read_generic,
                    rng,
                    kind="csv",
                    line_end="\n",
                    cli_args=(
                        [
                            "--accel-columns",
                            "ax,ay,az",
                            "--accel-unit",
                            "mps2",
                            "--time-column",
                            "time_s",
                            "--sensor-height-m",
                            "0.95",
                        ]
                        if cli
                        else None
                    ),
                )
            )
    assert _failures(outcomes) == []
    assert sum(o.refused for o in outcomes) > 20
