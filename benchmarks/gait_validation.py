"""Validation figures of the gait pipeline on every shared reference recording (../shared/data).

Runs :func:`alsmotion.validation.validate_gait`: the pipeline on the GaitPy demo, Mobilise-D HA001
(Test5 straight walks, Test11 daily activities) and IPOL subjects 1-10 (58 walk-turn-walk trials),
each with and without its gyroscope, scored against the independent references. Every figure is
printed in-sample and left-out (constants fitted to data re-fitted leave-one-participant-out).
IPOL has no step lengths; its ``walkway_distance`` compares the distance walked from the first to
the last heel strike with the protocol's 20 m, a loose check of the length level (where the lower
back is at the start, the stop and through the U-turn is not part of the protocol).
First the pooled table per dataset, then one line per recording.

    python benchmarks/gait_validation.py [--data DIR] [--csv FILE]
"""

from __future__ import annotations

import argparse

import pandas as pd

from alsmotion.validation import records_frame, validate_gait, validation_table

#: Per-recording columns printed (measure, metric) and their short headers.
PER_RECORDING = (
    ("initial_contacts", "recall", "IC rec"),
    ("initial_contacts", "precision", "IC prec"),
    ("initial_contacts", "timing_bias_s", "IC bias s"),
    ("stride_time", "mae_s", "stride MAE s"),
    ("stride_time_cv", "reference_pct", "ref CV %"),
    ("stride_time_cv", "detected_pct", "CV %"),
    ("turn_flags", "turning_flagged", "turns flagged"),
    ("turn_flags", "straight_flagged", "straight flagged"),
    ("foot_labels", "accuracy", "L/R"),
    ("gait_speed", "bout_mae_mps", "speed MAE m/s"),
    ("gait_speed", "kept_reference_speed_pct", "kept ref speed %"),
    ("walkway_distance", "detected_over_protocol", "walked/protocol"),
)


def _pair(values: pd.Series) -> str:
    inside, out = values.get("in-sample"), values.get("left-out")
    if pd.isna(inside) and pd.isna(out):
        return "-"
    if inside == out or (pd.isna(inside) and pd.isna(out)):
        return f"{out:.3f}"
    return f"{inside:.3f}|{out:.3f}"


def per_recording_table(records) -> pd.DataFrame:
    """One row per recording and sensor set; cells ``in-sample|left-out`` (one value when equal)."""
    frame = records_frame(records)
    frame = frame[frame["participant"] != "all"]
    cells = {}
    for measure, metric, header in PER_RECORDING:
        chosen = frame[(frame["measure"] == measure) & (frame["metric"] == metric)]
        wide = chosen.pivot_table(
            index=["recording", "sensors"],
            columns="evaluation",
            values="value",
            aggfunc="first",
            dropna=False,
        )
        cells[header] = wide.apply(_pair, axis=1)
    order = frame.drop_duplicates(["recording", "sensors"]).set_index(["recording", "sensors"])
    return pd.DataFrame(cells).reindex(order.index).fillna("-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="shared reference-data folder (default: found beside)")
    parser.add_argument("--csv", help="also write every record to this CSV file")
    args = parser.parse_args()
    records = validate_gait(args.data, progress=True)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_rows", 1000)
    pd.set_option("display.max_columns", 20)
    print("Pooled per dataset (in-sample | left-out one participant):")
    print(validation_table(records, pooled_only=True).to_string(index=False, float_format="%.3f"))
    print("\nPer recording (cells in-sample|left-out; one value when equal):")
    print(per_recording_table(records).to_string())
    if args.csv:
        records_frame(records).to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
