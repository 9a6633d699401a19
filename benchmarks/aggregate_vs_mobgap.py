"""The daily walking aggregates against mobgap's MobilisedAggregator on random walking bouts.

The shared Mobilise-D test (``tests/test_home_aggregate.py``) is one participant-day. This script
draws ``--cases`` random bout tables (1-60 bouts over 2 participants and 3 days; durations
uniform over 3-120 s with a share placed exactly on the 10, 30 and 60 s filter edges; 8 % of
the speed, cadence, stride length and stride duration values missing) and compares
:func:`alsmotion.home.aggregate_walking_bouts` with mobgap's aggregator code by code, after
mobgap's output is put in the reference file's units (walking time in hours, stride length in
cm). It prints, per code, the participant-days that differ (relative tolerance 1e-9; both
missing counts as equal).

mobgap is not a dependency of alsmotion and its pytest plugin breaks the suite, so run this
from a separate environment: ``uv venv /tmp/peer && VIRTUAL_ENV=/tmp/peer uv pip install mobgap
-e .`` then ``/tmp/peer/bin/python benchmarks/aggregate_vs_mobgap.py``.
"""

from __future__ import annotations

import argparse
import importlib.util

import numpy as np
import pandas as pd

from alsmotion.home import AGGREGATE_CODES, aggregate_walking_bouts

VALUE_COLUMNS = ("cadence_spm", "walking_speed_mps", "stride_length_m", "stride_duration_s")
EDGE_DURATIONS_S = (10.0, 30.0, 60.0)


def random_bouts(rng: np.random.Generator) -> pd.DataFrame:
    n = int(rng.integers(1, 61))
    duration_s = np.round(rng.uniform(3.0, 120.0, n), 2)
    on_edge = rng.random(n) < 0.15
    duration_s[on_edge] = rng.choice(EDGE_DURATIONS_S, int(on_edge.sum()))
    bouts = pd.DataFrame(
        {
            "wb_id": np.arange(n),
            "participant_id": rng.choice(["P1", "P2"], n),
            "measurement_date": rng.choice(["2024-01-01", "2024-01-02", "2024-01-03"], n),
            "visit_type": "T1",
            "duration_s": duration_s,
            "n_steps": rng.integers(4, 200, n),
            "n_turns": rng.integers(0, 4, n),
            "cadence_spm": rng.uniform(60.0, 120.0, n),
            "walking_speed_mps": rng.uniform(0.2, 1.5, n),
            "stride_length_m": rng.uniform(0.3, 1.6, n),
            "stride_duration_s": rng.uniform(0.8, 2.0, n),
        }
    )
    for column in VALUE_COLUMNS:
        bouts.loc[rng.random(n) < 0.08, column] = np.nan
    return bouts


def mobgap_aggregates(bouts: pd.DataFrame) -> pd.DataFrame:
    from mobgap.aggregation import MobilisedAggregator

    aggregator = MobilisedAggregator(
        groupby=["visit_type", "participant_id", "measurement_date"],
        unique_wb_id_column="wb_id",
        use_original_names=True,
    )
    dmos = bouts.rename(columns={"n_steps": "n_raw_initial_contacts"}).set_index("wb_id")
    out = aggregator.aggregate(dmos).aggregated_data_.reset_index().drop(columns="visit_type")
    out = out.set_index(["participant_id", "measurement_date"])
    out["walkdur_all_sum"] = out["walkdur_all_sum"] / 60.0  # mobgap: minutes
    for code in ("strlen_1030_avg", "strlen_30_avg"):
        out[code] = out[code] * 100.0  # mobgap: m
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if importlib.util.find_spec("mobgap") is None:
        print(
            "mobgap is not installed here: run this from a separate environment (see its docstring)"
        )
        return
    rng = np.random.default_rng(args.seed)
    differing = dict.fromkeys(AGGREGATE_CODES, 0)
    n_days = 0
    for _ in range(args.cases):
        bouts = random_bouts(rng)
        ours = aggregate_walking_bouts(bouts).set_index(["participant_id", "measurement_date"])
        theirs = mobgap_aggregates(bouts).reindex(ours.index)
        n_days += len(ours)
        for code in AGGREGATE_CODES:
            a, b = ours[code].astype(float), theirs[code].astype(float)
            same = np.isclose(a, b, rtol=1e-9, atol=1e-12) | (a.isna() & b.isna())
            differing[code] += int((~same).sum())
    print(f"{args.cases} random bout tables, {n_days} participant-days")
    print("| code | participant-days differing |")
    print("| --- | --- |")
    for code, count in differing.items():
        print(f"| {code} | {count} |")


if __name__ == "__main__":
    main()
