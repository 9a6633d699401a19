"""``alsmotion info FILE``: what a recording file holds, in SI units."""

from __future__ import annotations

import argparse

from alsmotion.cli._imu_args import add_imu_arguments, read_imu


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("info", help="describe an IMU recording file")
    add_imu_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    recording = read_imu(args)
    device = recording.device
    print(f"file:            {recording.source}")
    if device.model:
        print(f"device:          {device.manufacturer} {device.model} serial {device.serial}")
    print(
        f"start (UTC):     {recording.start_utc.isoformat() if recording.start_utc else 'unknown'}"
    )
    print(f"sampling rate:   {recording.sampling_rate_hz:g} Hz")
    print(f"samples:         {recording.n_samples} ({recording.duration_s:.1f} s)")
    for kind, stream in recording.streams.items():
        values = stream.values
        missing = int(np.isnan(values).any(axis=1).sum())
        norm = np.linalg.norm(np.nan_to_num(values), axis=1)
        print(
            f"{kind:<16} {', '.join(stream.channel_names)} [{stream.unit}], "
            f"median |v| {np.median(norm):.3g}, {missing} samples missing"
        )
    return 0
