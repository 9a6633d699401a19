"""Reproducible table files: fixed row order, fixed float formatting, atomic writes.

The same DataFrame always gives the same bytes: floats are written with :data:`FLOAT_FORMAT`,
missing values as empty fields, line endings ``\\n``; Parquet files carry no creation time and no
pandas index metadata.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from alsmotion.atomicio import atomic_write_bytes, atomic_write_text

#: Floats in CSV: 10 significant digits (more than any measure here warrants, stable across runs).
FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` (without index) as CSV atomically."""
    text = frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return atomic_write_text(path, text)


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` (without index or pandas metadata) as Parquet atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", write_statistics=True)
    return atomic_write_bytes(path, buffer.getvalue())


def write_tsv(frame: pd.DataFrame, path: Path, *, header: bool = True) -> Path:
    """Write ``frame`` as tab-separated values, missing values as ``n/a`` (BIDS) atomically."""
    text = frame.to_csv(
        index=False,
        sep="\t",
        header=header,
        na_rep="n/a",
        float_format=FLOAT_FORMAT,
        lineterminator="\n",
    )
    return atomic_write_text(path, text)
