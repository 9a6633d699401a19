"""A PNG figure of a gait analysis: vertical acceleration with the detected steps, stride speeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from alsmotion.gait.results import GaitResult


def plot_gait(
    accel_mps2: np.ndarray, *, sampling_rate_hz: float, result: GaitResult, path: str | Path
) -> Path:
    """Save a two-panel PNG: acceleration magnitude (m/s^2) with initial contacts and bouts, and
    gait speed (m/s) per stride. matplotlib is imported here; the figure is drawn off-screen
    without pyplot, so the caller's matplotlib backend and figures are left alone."""
    from matplotlib.figure import Figure

    time_s = np.arange(len(accel_mps2)) / sampling_rate_hz
    magnitude = np.linalg.norm(accel_mps2, axis=1)
    figure = Figure(figsize=(11, 6))
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(time_s, magnitude, linewidth=0.6, color="0.3")
    for start, end in result.bouts[["start_s", "end_s"]].itertuples(index=False):
        top.axvspan(start, end, color="tab:green", alpha=0.12)
    contacts = result.initial_contacts_s
    top.plot(
        contacts,
        np.interp(contacts, time_s, magnitude),
        "v",
        color="tab:red",
        markersize=3,
        label="initial contacts",
    )
    top.set_ylabel("|acceleration| (m/s²)")
    top.legend(loc="upper right")
    strides = result.strides
    steady = strides["is_steady"].to_numpy()
    bottom.plot(
        strides["ic_time_s"][steady], strides["gait_speed_mps"][steady], ".", label="steady"
    )
    bottom.plot(
        strides["ic_time_s"][~steady],
        strides["gait_speed_mps"][~steady],
        "x",
        label="bout end / turn",
    )
    bottom.set_ylabel("gait speed (m/s)")
    bottom.set_xlabel("time (s)")
    bottom.legend(loc="lower right")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=100)
    return path
