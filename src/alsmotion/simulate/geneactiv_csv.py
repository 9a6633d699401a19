"""Write a GENEActiv CSV export from known acceleration: the text twin of
:mod:`alsmotion.readers.geneactiv` (a ``key,value`` header, then
``YYYY-MM-DD hh:mm:ss:mmm,x,y,z,lux,button,temperature`` rows in g, CR LF line ends), for long
recordings in tests and benchmarks.

A sample holding NaN is not written (the device was not recording), so the time jumps over it.
The device clock is written as UTC (``Time Zone,GMT +00:00``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.units import STANDARD_GRAVITY_MPS2


def write_geneactiv_csv(
    path: str | Path,
    chunks: Iterable[tuple[int, np.ndarray]],
    *,
    sampling_rate_hz: float,
    start_utc: pd.Timestamp,
    serial: str = "070123",
) -> Path:
    """Write ``chunks`` of (first sample, (n, 3) m/s^2) on a uniform grid from ``start_utc`` as a
    GENEActiv CSV export, acceleration to 0.1 mg. Returns the path."""
    start = pd.Timestamp(start_utc)
    start = start.tz_convert("UTC").tz_localize(None) if start.tzinfo is not None else start
    header = [
        "Device Type,GENEActiv",
        "Device Model,1.1",
        f"Device Unique Serial Code,{serial}",
        "Device Firmware Version,Ver06.17",
        f"Measurement Frequency,{sampling_rate_hz:g} Hz",
        f"Start Time,{start.strftime('%Y-%m-%d %H:%M:%S')}:000",
        "Device Location Code,back",
        "Time Zone,GMT +00:00",
        "",
    ]
    path = Path(path)
    origin = start.to_datetime64().astype("datetime64[ms]")
    with path.open("w", newline="") as handle:
        handle.write("\r\n".join(header) + "\r\n")
        for first, accel_mps2 in chunks:
            accel_g = np.asarray(accel_mps2, float) / STANDARD_GRAVITY_MPS2
            kept = np.flatnonzero(~np.isnan(accel_g).any(axis=1))
            elapsed_ms = np.round((first + kept) * (1000.0 / sampling_rate_hz)).astype(np.int64)
            stamps = np.datetime_as_string(origin + elapsed_ms, unit="ms")
            rows = pd.DataFrame(
                {
                    "timestamp": pd.Series(stamps).str.replace("T", " ").str.replace(".", ":"),
                    "x": accel_g[kept, 0],
                    "y": accel_g[kept, 1],
                    "z": accel_g[kept, 2],
                    "lux": 0,
                    "button": 0,
                    "temperature": 25.0,
                }
            )
            rows.to_csv(
                handle, header=False, index=False, float_format="%.4f", lineterminator="\r\n"
            )
    return path
