"""BIDS motion export (BIDS 1.9) of the raw streams of native sessions.

Each stream of a session becomes one tracking system::

    dataset_description.json, participants.tsv
    sub-<participant>/ses-<visit>/sub-<p>_ses-<v>_scans.tsv           (filename, acq_time)
    sub-<participant>/ses-<visit>/motion/
        sub-<p>_ses-<v>_task-<task>_tracksys-<stream>[_run-<i>]_motion.tsv   (no header row)
        sub-<p>_ses-<v>_task-<task>_tracksys-<stream>[_run-<i>]_channels.tsv
        sub-<p>_ses-<v>_task-<task>_tracksys-<stream>[_run-<i>]_motion.json
        sub-<p>_ses-<v>_task-<task>[_run-<i>]_events.tsv           (trials from the event log)

Labels keep letters and digits only (``ALS-001`` -> ``sub-ALS001``); the task label is the
session protocol. Channel types follow the unit: m/s^2 -> ACCEL, rad/s -> GYRO, rad or deg -> ORNT,
anything else (force in N) -> MISC. A LATENCY channel gives each sample's host arrival time in s
from the recording onset, since BLE samples are not exactly on the nominal grid. ``run-<i>`` is
added when one participant has more than one session with the same visit label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion._version import __version__
from alsmotion.atomicio import atomic_write_text
from alsmotion.errors import InvalidInputError
from alsmotion.export.tables import write_tsv
from alsmotion.session import decisions
from alsmotion.session.reader import Session, StreamData

BIDS_VERSION = "1.9.0"
CHANNEL_COLUMNS = ["name", "component", "type", "tracked_point", "units"]
_TYPE_BY_UNIT = {"m/s^2": "ACCEL", "rad/s": "GYRO", "rad": "ORNT", "deg": "ORNT", "uT": "MAGN"}


def bids_label(text: str) -> str:
    """A BIDS label: letters and digits only."""
    label = re.sub(r"[^A-Za-z0-9]", "", text)
    if not label:
        raise InvalidInputError(f"{text!r} has no letters or digits to form a BIDS label")
    return label


#: Components of Euler-angle channels (rotation about x, y, z).
_ANGLE_COMPONENTS = {"roll": "x", "pitch": "y", "yaw": "z"}


def _component(name: str) -> str:
    lowered = name.lower()
    if lowered in _ANGLE_COMPONENTS:
        return _ANGLE_COMPONENTS[lowered]
    match = re.search(r"[_-]?([xyz])$", lowered)
    return match.group(1) if match else "n/a"


def channels_table(stream: StreamData) -> pd.DataFrame:
    """``_channels.tsv`` rows: one per stream channel, then the LATENCY channel."""
    tracked = str(stream.extra.get("placement", "LowerBack" if stream.kind == "imu" else "n/a"))
    rows = []
    for name, unit in stream.channels:
        kind = _TYPE_BY_UNIT.get(unit, "MISC")
        rows.append(
            {
                "name": name,
                "component": _component(name) if kind != "MISC" else "n/a",
                "type": kind,
                "tracked_point": tracked,
                "units": unit,
            }
        )
    rows.append(
        {
            "name": "latency",
            "component": "n/a",
            "type": "LATENCY",
            "tracked_point": "n/a",
            "units": "s",
        }
    )
    return pd.DataFrame(rows, columns=CHANNEL_COLUMNS)


def motion_sidecar(stream: StreamData, task: str, channels: pd.DataFrame) -> dict[str, Any]:
    """``_motion.json`` with the required and the recommended fields we know."""
    counts = channels["type"].value_counts()
    host_s = (stream.host_time_ns - stream.host_time_ns[0]) / 1e9 if stream.n_samples else []
    duration_s = float(host_s[-1]) if stream.n_samples > 1 else 0.0
    sidecar: dict[str, Any] = {
        "TaskName": task,
        "SamplingFrequency": stream.sampling_rate_hz,
        "TrackingSystemName": stream.name,
        "Manufacturer": stream.device.manufacturer or "n/a",
        "ManufacturersModelName": stream.device.model or "n/a",
        "DeviceSerialNumber": stream.device.serial or "n/a",
        "SoftwareVersions": stream.device.firmware or "n/a",
        "MotionChannelCount": len(channels),
        "RecordingDuration": round(duration_s, 6),
        "RecordingType": "continuous",
        "MissingValues": "n/a",
    }
    if duration_s > 0:
        sidecar["SamplingFrequencyEffective"] = round((stream.n_samples - 1) / duration_s, 6)
    for kind in ("ACCEL", "GYRO", "MAGN", "ORNT", "MISC"):
        if kind in counts:
            sidecar[f"{kind}ChannelCount"] = int(counts[kind])
    return sidecar


def _events_table(session: Session, onset_ns: int) -> pd.DataFrame:
    trials = decisions.trials(session)
    rows = []
    for row in trials.to_dict("records"):
        if row["stop_host_ns"] is None or pd.isna(row["stop_host_ns"]):
            continue
        parts = [row["test"], row.get("muscle"), row.get("side"), row.get("method")]
        rows.append(
            {
                "onset": (int(row["start_host_ns"]) - onset_ns) / 1e9,
                "duration": (int(row["stop_host_ns"]) - int(row["start_host_ns"])) / 1e9,
                "trial_type": "_".join(str(p) for p in parts if p and not pd.isna(p)),
                "trial": int(row["trial"]),
                "status": row["status"],
            }
        )
    return pd.DataFrame(rows, columns=["onset", "duration", "trial_type", "trial", "status"])


def export_bids(session_paths: Sequence[str | Path], out_dir: str | Path) -> dict[str, Path]:
    """Write the streams of ``session_paths`` as a BIDS motion dataset into ``out_dir``.

    Returns
    -------
    dict of relative file name -> path of every file written.
    """
    out = Path(out_dir)
    sessions = sorted(
        (Session.open(path) for path in session_paths),
        key=lambda s: (s.metadata.participant_id, s.metadata.start_utc, s.path.name),
    )
    if not sessions:
        raise InvalidInputError("no sessions to export")
    written: dict[str, Path] = {}

    def record(path: Path) -> None:
        written[path.relative_to(out).as_posix()] = path

    labels = [
        (bids_label(s.metadata.participant_id), bids_label(decisions.visit_label(s)))
        for s in sessions
    ]
    counts = pd.Series(labels).value_counts()
    runs: dict[tuple[str, str], int] = {}
    scans: dict[tuple[str, str], list[dict[str, str]]] = {}
    for session, (sub, ses) in zip(sessions, labels, strict=True):
        task = bids_label(session.metadata.protocol)
        run = ""
        if counts[(sub, ses)] > 1:
            runs[(sub, ses)] = runs.get((sub, ses), 0) + 1
            run = f"_run-{runs[(sub, ses)]}"
        folder = out / f"sub-{sub}" / f"ses-{ses}"
        stem = f"sub-{sub}_ses-{ses}_task-{task}"
        onset_ns = min(
            (int(s.host_time_ns[0]) for s in session.streams.values() if s.n_samples),
            default=int(session.metadata.start_utc.timestamp() * 1e9),
        )
        for name in sorted(session.streams):
            stream = session.streams[name]
            if stream.n_samples == 0:
                continue
            base = f"{stem}_tracksys-{bids_label(name)}{run}"
            channels = channels_table(stream)
            latency_s = (stream.host_time_ns - int(stream.host_time_ns[0])) / 1e9
            samples = pd.DataFrame(np.column_stack([stream.values, latency_s]))
            record(write_tsv(samples, folder / "motion" / f"{base}_motion.tsv", header=False))
            record(write_tsv(channels, folder / "motion" / f"{base}_channels.tsv"))
            sidecar = motion_sidecar(stream, task, channels)
            record(
                atomic_write_text(
                    folder / "motion" / f"{base}_motion.json",
                    json.dumps(sidecar, indent=2, sort_keys=True) + "\n",
                )
            )
            first = pd.Timestamp(int(stream.host_time_ns[0]), unit="ns", tz="UTC")
            scans.setdefault((sub, ses), []).append(
                {
                    "filename": f"motion/{base}_motion.tsv",
                    "acq_time": first.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                }
            )
        events = _events_table(session, onset_ns)
        if len(events):
            record(write_tsv(events, folder / "motion" / f"{stem}{run}_events.tsv"))
    for (sub, ses), rows in sorted(scans.items()):
        path = out / f"sub-{sub}" / f"ses-{ses}" / f"sub-{sub}_ses-{ses}_scans.tsv"
        record(write_tsv(pd.DataFrame(rows).sort_values("filename"), path))
    participants = sorted({f"sub-{sub}" for sub, _ in labels})
    record(write_tsv(pd.DataFrame({"participant_id": participants}), out / "participants.tsv"))
    description = {
        "Name": "alsmotion raw motion recordings",
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "raw",
        "GeneratedBy": [{"Name": "alsmotion", "Version": __version__}],
    }
    record(
        atomic_write_text(
            out / "dataset_description.json", json.dumps(description, indent=2) + "\n"
        )
    )
    return dict(sorted(written.items()))
