"""Write a GENEActiv ``.bin`` file from known acceleration: the byte-level twin of
:mod:`alsmotion.readers.geneactiv_bin`, written from the format's published layout (a 59-line
header of ``Key:Value`` sections with the calibration, then ten-line pages of 300 samples in
hexadecimal), so the readers can be tested against a truth.

A page holding a NaN sample is not written (the device was not recording), so it reads as no
data. The device clock runs at ``utc_offset_s`` from UTC (``Time Zone:GMT +01:00`` for 3600).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError
from alsmotion.units import STANDARD_GRAVITY_MPS2

PAGE_SAMPLES = 300
#: A device's calibration (raw counts x 100 = gain x g + offset), typical magnitudes.
CALIBRATION = {"x": (25548, -2138), "y": (25787, -165), "z": (25516, -3084)}


def quantized_g(accel_mps2: np.ndarray) -> np.ndarray:
    """The acceleration (g) a file written with :data:`CALIBRATION` holds for ``accel_mps2``."""
    accel_g = np.asarray(accel_mps2, float) / STANDARD_GRAVITY_MPS2
    missing = np.isnan(accel_g)
    raw = _raw(np.where(missing, 0.0, accel_g))
    gain, offset = (np.array(v, float) for v in zip(*CALIBRATION.values(), strict=True))
    return np.where(missing, np.nan, (raw * 100.0 - offset) / gain)


def _raw(accel_g: np.ndarray) -> np.ndarray:
    gain, offset = (np.array(v, float) for v in zip(*CALIBRATION.values(), strict=True))
    return np.clip(np.round((accel_g * gain + offset) / 100.0), -2048, 2047).astype(np.int64)


def _stamp(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S:") + f"{t.microsecond // 1000:03d}"


def _time_zone(offset_s: int) -> str:
    sign = "-" if offset_s < 0 else "+"
    hours, rest = divmod(abs(offset_s), 3600)
    return f"GMT {sign}{hours:02d}:{rest // 60:02d}"


def _header(
    rate: float, start: pd.Timestamp, n_pages: int, serial: str, utc_offset_s: int
) -> list[str]:
    (xg, xo), (yg, yo), (zg, zo) = CALIBRATION.values()
    return [
        "Device Identity",
        f"Device Unique Serial Code:{serial}",
        "Device Type:GENEActiv",
        "Device Model:1.2",
        "Device Firmware:Ver06.17 15June23",
        "Calibration Date:2025-01-06 10:00:00:000",
        "",
        "Device Capabilities",
        "Accelerometer Range:-8 to 8",
        "Accelerometer Resolution:0.0039",
        "Accelerometer Units:g",
        "Light Meter Range:0 to 3000",
        "Light Meter Resolution:5",
        "Light Meter Units:lux",
        "Temperature Sensor Range:-30 to 70",
        "Temperature Sensor Resolution:0.25",
        "Temperature Sensor Units:deg. C",
        "",
        "Configuration Info",
        f"Measurement Frequency:{rate:g} Hz",
        "Measurement Period:168 Hours",
        f"Start Time:{_stamp(start)}",
        f"Time Zone:{_time_zone(utc_offset_s)}",
        "",
        "Trial Info",
        "Study Centre:",
        "Study Code:",
        "Investigator ID:",
        "Exercise Type:",
        "Config Operator ID:",
        f"Config Time:{_stamp(start)}",
        "Config Notes:",
        "Extract Operator ID:",
        "Extract Time:",
        "Extract Notes:",
        "",
        "Subject Info",
        "Device Location Code:lower back",
        "Subject Code:",
        "Date of Birth:",
        "Sex:",
        "Height:",
        "Weight:",
        "Handedness Code:",
        "Subject Notes:",
        "",
        "Calibration Data",
        f"x gain:{xg}",
        f"x offset:{xo}",
        f"y gain:{yg}",
        f"y offset:{yo}",
        f"z gain:{zg}",
        f"z offset:{zo}",
        "Volts:300",
        "Lux:800",
        "",
        "Memory Status",
        f"Number of Pages:{n_pages}",
        "",
    ]


def _hex_page(raw_xyz: np.ndarray) -> str:
    """Samples as 12 hexadecimal digits each: x, y, z (12 bits), light 0, button 0."""
    value = (
        ((raw_xyz[:, 0] & 0xFFF) << 36)
        | ((raw_xyz[:, 1] & 0xFFF) << 24)
        | ((raw_xyz[:, 2] & 0xFFF) << 12)
    ).astype(">u8")
    return value.view(np.uint8).reshape(-1, 8)[:, 2:].tobytes().hex().upper()


def write_geneactiv_bin(
    path: str | Path,
    chunks: Iterable[tuple[int, np.ndarray]],
    *,
    sampling_rate_hz: float,
    start_utc: pd.Timestamp,
    serial: str = "070123",
    utc_offset_s: int = 0,
) -> Path:
    """Write ``chunks`` of (first sample, (n, 3) m/s^2) on a uniform grid from ``start_utc``
    (chunks of whole pages of 300 samples) as a GENEActiv ``.bin`` file whose clock runs at
    ``utc_offset_s`` from UTC. Returns the path."""
    rate = float(sampling_rate_hz)
    if not 10 <= rate <= 100:
        raise InvalidInputError(f"GENEActiv records at 10-100 Hz, not {rate:g}")
    start = pd.Timestamp(start_utc)
    start = start.tz_convert("UTC").tz_localize(None) if start.tzinfo is not None else start
    start += pd.Timedelta(seconds=utc_offset_s)  # the device clock
    path = Path(path)
    sequence = 0
    with path.open("wb") as handle:
        header = "\r\n".join(_header(rate, start, 0, serial, utc_offset_s)) + "\r\n"
        count_at = header.index("Number of Pages:") + len("Number of Pages:")
        header = header.replace("Number of Pages:0", "Number of Pages:" + " " * 10)
        handle.write(header.encode("ascii"))
        for first, accel_mps2 in chunks:
            accel = np.asarray(accel_mps2, float)
            if first % PAGE_SAMPLES or len(accel) % PAGE_SAMPLES:
                raise InvalidInputError(f"chunks must hold whole pages of {PAGE_SAMPLES} samples")
            pages = []
            for k in range(0, len(accel), PAGE_SAMPLES):
                page = accel[k : k + PAGE_SAMPLES]
                if np.isnan(page).any():
                    continue
                page_time = start + pd.Timedelta(seconds=(first + k) / rate)
                pages.append(
                    "\r\n".join(
                        [
                            "Recorded Data",
                            f"Device Unique Serial Code:{serial}",
                            f"Sequence Number:{sequence}",
                            f"Page Time:{_stamp(page_time)}",
                            "Unassigned:",
                            "Temperature:25.0",
                            "Battery voltage:4.1",
                            "Device Status:Recording",
                            f"Measurement Frequency:{rate:g}",
                            _hex_page(_raw(page / STANDARD_GRAVITY_MPS2)),
                        ]
                    )
                    + "\r\n"
                )
                sequence += 1
            handle.write("".join(pages).encode("ascii"))
        handle.seek(count_at)  # the page count, now known, over the spaces kept for it
        handle.write(f"{sequence:<10d}".encode("ascii"))
    return path
