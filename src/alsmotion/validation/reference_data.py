"""Loaders of the shared reference recordings, each with its independent reference on one clock.

Every loader returns a :class:`ReferenceRecording`: the lower-back IMU signals in SI units as the gait
pipeline takes them, and what an independent system found in them (initial contacts, strides, walking
bouts, turns), with every time in seconds on the pipeline's clock (0 = the first sample passed to
the pipeline). The recordings are those in ``shared/data`` beside the project (see its README):

- ``gaitpy-demo``: GENEActiv at 50 Hz; reference = GaitPy 1.6.1's strides (another algorithm, so its
  figures are agreement, not accuracy).
- ``mobilised-lab-HA001``: Test5 (straight walks) and Test11 (daily activities) at 100 Hz; reference =
  the INDIP multi-sensor system's strides and walking bouts (speed, left/right).
- ``ipol-healthy-L5``: subjects 1-10, 58 trials of walk 10 m, U-turn, walk back; reference = foot-sensor
  heel strikes checked by hand, and the U-turn boundaries. The files have one row per received
  packet, so they are read on their ``time_s`` clock (lost packets become NaN samples).
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alsmotion.boundedjson import loads_bounded
from alsmotion.errors import AlsmotionError, InvalidInputError, InvalidRecordingError
from alsmotion.readers import read_csv_recording, read_geneactiv_csv

#: Environment variable naming the shared reference-data folder (the one holding ``ipol-healthy-L5``).
DATA_DIR_VARIABLE = "ALSMOTION_SHARED_DATA"

#: Columns of :attr:`ReferenceRecording.strides`, in order.
REFERENCE_STRIDE_COLUMNS = (
    "foot",
    "ic_time_s",
    "end_time_s",
    "stride_time_s",
    "speed_mps",
    "turn_fraction",
    "in_turn",
    "is_first_or_last",
)

#: Columns of :attr:`ReferenceRecording.bouts`, in order.
REFERENCE_BOUT_COLUMNS = ("start_s", "end_s", "speed_mps", "n_strides")

#: Body height (m) used for IPOL subject 10, whose height is unknown (speeds there are not trusted).
IPOL_FALLBACK_HEIGHT_M = 1.70
IPOL_RATE_HZ = 100.0
#: IPOL's protocol: walk 10 m, U-turn, walk 10 m back (m).
IPOL_WALKWAY_M = 20.0
HA001_RATE_HZ = 100.0
#: GaitPy's demo output was computed with this body height (m).
GAITPY_DEMO_HEIGHT_M = 1.77
#: Two reference contacts closer than this (s) are one event (HA001 strides share their ICs).
SAME_EVENT_S = 0.05

HA001_TRIALS = ("Test5_Trial1", "Test5_Trial2", "Test11_Trial1")


@dataclass(frozen=True)
class ReferenceRecording:
    """One shared recording with its independent reference, all times in s on the pipeline clock.

    Attributes
    ----------
    name : unique name, ``<dataset>/<trial>`` (e.g. ``ipol-healthy-L5/3-2``).
    dataset : folder name in the shared data (``gaitpy-demo``, ``mobilised-lab-HA001``,
        ``ipol-healthy-L5``).
    participant : participant identifier; leave-one-participant-out folds are formed on it.
    activity : ``straight_walk``, ``daily_activities``, ``walk_turn_walk`` or ``free_walking``.
    reference_system : what produced the reference (``GaitPy 1.6.1``, ``INDIP``, ``foot sensors``).
    reference_is_truth : False where the reference is another lower-back algorithm (GaitPy).
    accel_mps2 : (n, 3) acceleration including gravity (m/s^2); NaN rows are lost samples.
    gyro_rads : (n, 3) angular velocity (rad/s), or None without a gyroscope.
    sampling_rate_hz : rate (Hz) of the uniform sample grid.
    sensor_height_m, height_m : measured sensor height and body height (m), None when unknown.
    height_is_fallback : True when ``height_m`` is a stand-in (IPOL subject 10).
    initial_contacts_s : every reference initial contact (s), sorted.
    initial_contact_feet : ``left``/``right``/``""`` per reference initial contact.
    strides : reference strides, columns :data:`REFERENCE_STRIDE_COLUMNS`; ``speed_mps`` and
        ``turn_fraction`` NaN where the reference has none; ``in_turn`` True when the stride overlaps
        a reference turn (IPOL: ``UTurnBoundaries``).
    bouts : reference walking bouts, columns :data:`REFERENCE_BOUT_COLUMNS` (HA001, GaitPy demo).
    turn_spans_s : (k, 2) start and end (s) of reference turns.
    evaluation_spans_s : (m, 2) spans (s) in which every event was annotated; detected events
        further outside them than a margin are not counted for precision (see
        :func:`~alsmotion.validation.gait.initial_contact_match`).
    walkway_m : the distance (m) the protocol walks between the first and the last reference
        contact (IPOL: 10 m, U-turn, 10 m back), None without one. A loose check of the length
        level, not a length truth: where the lower back is at the start, at the stop and through
        the turn is not part of the protocol.
    """

    name: str
    dataset: str
    participant: str
    activity: str
    reference_system: str
    reference_is_truth: bool
    accel_mps2: np.ndarray
    gyro_rads: np.ndarray | None
    sampling_rate_hz: float
    sensor_height_m: float | None
    height_m: float | None
    height_is_fallback: bool
    initial_contacts_s: np.ndarray
    initial_contact_feet: np.ndarray
    strides: pd.DataFrame
    bouts: pd.DataFrame
    turn_spans_s: np.ndarray
    evaluation_spans_s: np.ndarray
    walkway_m: float | None = None


def find_shared_data(data_dir: str | Path | None = None) -> Path:
    """The shared reference-data folder: ``data_dir``, else ``$ALSMOTION_SHARED_DATA``, else the first
    ``shared/data`` found beside the working directory or the package (walking up).

    Raises :class:`InvalidInputError` naming the places tried when none holds the recordings.
    """
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir))
    elif os.environ.get(DATA_DIR_VARIABLE):
        candidates.append(Path(os.environ[DATA_DIR_VARIABLE]))
    else:
        for start in (Path.cwd(), Path(__file__).resolve()):
            candidates.extend(parent / "shared" / "data" for parent in (start, *start.parents))
    for candidate in candidates:
        if (candidate / "ipol-healthy-L5").is_dir() or (candidate / "gaitpy-demo").is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates[:4])
    raise InvalidInputError(
        f"no shared reference data found (tried {tried}): pass the folder holding gaitpy-demo/, "
        f"mobilised-lab-HA001/ and ipol-healthy-L5/, or set {DATA_DIR_VARIABLE}"
    )


def _reference_loader(dataset: str) -> Callable[[Callable[..., ReferenceRecording]], Any]:
    """Make a loader of ``dataset`` raise :class:`InvalidRecordingError` naming the dataset's
    folder when a file is missing or not in the shared layout (a site's own references)."""

    def decorate(load: Callable[..., ReferenceRecording]) -> Callable[..., ReferenceRecording]:
        @functools.wraps(load)
        def guarded(data_dir: str | Path, *args: str) -> ReferenceRecording:
            try:
                return load(data_dir, *args)
            except AlsmotionError:
                raise
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                raise InvalidRecordingError(
                    f"{' '.join(args) or dataset}: not in the shared reference layout "
                    f"({type(exc).__name__}: {exc}); see the data README for the files expected",
                    path=Path(data_dir) / dataset,
                ) from None

        return guarded

    return decorate


def _read_json(path: Path) -> Any:
    try:
        return loads_bounded(path.read_bytes())
    except InvalidInputError as exc:
        raise InvalidRecordingError(
            f"not a JSON file alsmotion can read ({exc})", path=path
        ) from None


def _stride_frame(columns: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(columns, columns=list(REFERENCE_STRIDE_COLUMNS))


def _unique_events(times_s: np.ndarray, feet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort events and merge those within :data:`SAME_EVENT_S` of the previous kept one."""
    order = np.argsort(times_s, kind="stable")
    times_s, feet = times_s[order], feet[order]
    keep = np.ones(len(times_s), dtype=bool)
    last = -np.inf
    for index, time_s in enumerate(times_s):
        if time_s - last < SAME_EVENT_S:
            keep[index] = False
        else:
            last = time_s
    return times_s[keep], feet[keep]


@_reference_loader("gaitpy-demo")
def load_gaitpy_demo(data_dir: str | Path) -> ReferenceRecording:
    """The GaitPy demo recording with GaitPy 1.6.1's strides and bouts as the reference."""
    folder = Path(data_dir) / "gaitpy-demo"
    recording = read_geneactiv_csv(folder / "demo_data.csv")
    features = pd.read_csv(folder / "demo_gait_features.csv")
    # GaitPy wrote the device's local clock as if it were UTC, in ms since the epoch; the file's
    # first sample is at 10:25:50.000 on that clock.
    first_ms = pd.Timestamp("2019-08-06 10:25:50.000").value / 1e6
    ic_s = (features["IC"].to_numpy(dtype=float) - first_ms) / 1000.0
    stride_s = features["stride_duration"].to_numpy(dtype=float)
    strides = _stride_frame(
        {
            "foot": "",
            "ic_time_s": ic_s,
            "end_time_s": ic_s + stride_s,
            "stride_time_s": stride_s,
            "speed_mps": features["gait_speed"].to_numpy(dtype=float),
            "turn_fraction": np.nan,
            "in_turn": False,
            "is_first_or_last": False,
        }
    )
    first_sample = pd.Timestamp(first_ms, unit="ms")
    starts_s = (pd.to_datetime(features["bout_start_time"]) - first_sample).dt.total_seconds()
    per_bout = pd.DataFrame({"bout": features["bout_number"], "start_s": starts_s})
    per_bout["end_s"] = per_bout["start_s"] + features["bout_length_sec"]
    per_bout["speed_mps"] = features["gait_speed"]
    grouped = per_bout.groupby("bout")
    bouts = pd.DataFrame(
        {
            "start_s": grouped["start_s"].first(),
            "end_s": grouped["end_s"].first(),
            "speed_mps": grouped["speed_mps"].mean(),
            "n_strides": grouped.size(),
        }
    ).reset_index(drop=True)
    events = np.sort(np.concatenate((ic_s, ic_s + stride_s)))
    events, feet = _unique_events(events, np.full(len(events), "", dtype=object))
    return ReferenceRecording(
        name="gaitpy-demo/demo_data",
        dataset="gaitpy-demo",
        participant="gaitpy-demo",
        activity="free_walking",
        reference_system="GaitPy 1.6.1",
        reference_is_truth=False,
        accel_mps2=recording.streams["accel"].values,
        gyro_rads=None,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=None,
        height_m=GAITPY_DEMO_HEIGHT_M,
        height_is_fallback=False,
        initial_contacts_s=events,
        initial_contact_feet=feet,
        strides=strides,
        bouts=bouts[list(REFERENCE_BOUT_COLUMNS)],
        turn_spans_s=np.zeros((0, 2)),
        evaluation_spans_s=bouts[["start_s", "end_s"]].to_numpy(dtype=float),
    )


@_reference_loader("mobilised-lab-HA001")
def load_ha001(data_dir: str | Path, trial: str) -> ReferenceRecording:
    """One Mobilise-D HA001 trial (``Test5_Trial1``, ``Test5_Trial2`` or ``Test11_Trial1``) with the
    INDIP reference strides and walking bouts."""
    if trial not in HA001_TRIALS:
        raise InvalidInputError(
            f"unknown HA001 trial {trial!r}: use one of {', '.join(HA001_TRIALS)}"
        )
    folder = Path(data_dir) / "mobilised-lab-HA001"
    participant = _read_json(folder / "participant.json")
    recording = read_csv_recording(
        folder / f"{trial}.csv",
        accel_columns=("acc_x", "acc_y", "acc_z"),
        accel_unit="g",
        gyro_columns=("gyr_x", "gyr_y", "gyr_z"),
        gyro_unit="dps",
        sampling_rate_hz=HA001_RATE_HZ,
    )
    table = pd.read_csv(folder / f"{trial}_reference_strides.csv")
    start_s = table["start"].to_numpy(dtype=float) / HA001_RATE_HZ
    end_s = table["end"].to_numpy(dtype=float) / HA001_RATE_HZ
    feet = table["lr_label"].astype(str).to_numpy(dtype=object)
    first_or_last = np.zeros(len(table), dtype=bool)
    for _, index in table.groupby(["wb_id", "lr_label"]).indices.items():
        first_or_last[[index[0], index[-1]]] = True
    strides = _stride_frame(
        {
            "foot": feet,
            "ic_time_s": start_s,
            "end_time_s": end_s,
            "stride_time_s": table["duration_s"].to_numpy(dtype=float),
            "speed_mps": table["speed_mps"].to_numpy(dtype=float),
            "turn_fraction": np.nan,
            "in_turn": False,
            "is_first_or_last": first_or_last,
        }
    )
    walking = pd.read_csv(folder / f"{trial}_reference_walking_bouts.csv")
    bouts = pd.DataFrame(
        {
            "start_s": walking["start"].to_numpy(dtype=float) / HA001_RATE_HZ,
            "end_s": walking["end"].to_numpy(dtype=float) / HA001_RATE_HZ,
            "speed_mps": walking["avg_walking_speed_mps"].to_numpy(dtype=float),
            "n_strides": walking["n_strides"].to_numpy(dtype=int),
        }
    )
    events, event_feet = _unique_events(
        np.concatenate((start_s, end_s)), np.concatenate((feet, feet))
    )
    return ReferenceRecording(
        name=f"mobilised-lab-HA001/{trial}",
        dataset="mobilised-lab-HA001",
        participant="HA001",
        activity="straight_walk" if trial.startswith("Test5") else "daily_activities",
        reference_system="INDIP",
        reference_is_truth=True,
        accel_mps2=recording.streams["accel"].values,
        gyro_rads=recording.gyro_rads,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=float(participant["sensor_height_m"]),
        height_m=float(participant["height_m"]),
        height_is_fallback=False,
        initial_contacts_s=events,
        initial_contact_feet=event_feet,
        strides=strides,
        bouts=bouts,
        turn_spans_s=np.zeros((0, 2)),
        evaluation_spans_s=bouts[["start_s", "end_s"]].to_numpy(dtype=float),
    )


def ipol_trial_names(data_dir: str | Path) -> list[str]:
    """The IPOL trials present (``"<subject>-<trial>"``), sorted by subject then trial."""
    folder = Path(data_dir) / "ipol-healthy-L5"
    names = [p.name.removesuffix("_lowerback.csv") for p in folder.glob("*_lowerback.csv")]
    names = [name for name in names if re.fullmatch(r"\d+-\d+", name)]
    return sorted(names, key=lambda n: tuple(int(part) for part in n.split("-")))


@_reference_loader("ipol-healthy-L5")
def load_ipol_trial(data_dir: str | Path, trial: str) -> ReferenceRecording:
    """One IPOL trial (``"<subject>-<trial>"``) on its packet-counter clock, with the foot-sensor heel
    strikes within ``TrialBoundaries`` and the U-turn as the reference."""
    if not re.fullmatch(r"\d+-\d+", trial):
        raise InvalidInputError(f"IPOL trials are named '<subject>-<trial>', got {trial!r}")
    folder = Path(data_dir) / "ipol-healthy-L5"
    meta = _read_json(folder / f"{trial}.json")
    path = folder / f"{trial}_lowerback.csv"
    recording = read_csv_recording(
        path,
        accel_columns=("acc_x", "acc_y", "acc_z"),
        accel_unit="mps2",
        gyro_columns=("gyr_x", "gyr_y", "gyr_z"),
        gyro_unit="rads",
        time_column="time_s",
        sampling_rate_hz=IPOL_RATE_HZ,
    )
    # The reader counts time from the first row; the annotations count on the packet clock.
    first_s = float(pd.read_csv(path, usecols=["time_s"], nrows=1)["time_s"].iloc[0])
    start, end = meta["TrialBoundaries"]
    events: list[tuple[float, str]] = []
    for key, foot in (("LeftFootEvents", "left"), ("RightFootEvents", "right")):
        events.extend(
            (heel_strike / IPOL_RATE_HZ - first_s, foot)
            for _, heel_strike in meta[key]
            if start <= heel_strike <= end
        )
    events.sort()
    table = pd.read_csv(folder / f"{trial}_reference_strides.csv")
    strides = _stride_frame(
        {
            "foot": table["foot"].astype(str).to_numpy(dtype=object),
            "ic_time_s": table["ic_time_s"].to_numpy(dtype=float) - first_s,
            "end_time_s": table["next_ic_time_s"].to_numpy(dtype=float) - first_s,
            "stride_time_s": table["stride_time_s"].to_numpy(dtype=float),
            "speed_mps": np.nan,
            "turn_fraction": table["uturn_fraction"].to_numpy(dtype=float),
            "in_turn": table["in_uturn"].to_numpy(dtype=bool),
            "is_first_or_last": table["is_first_or_last"].to_numpy(dtype=bool),
        }
    )
    height_cm = meta.get("Height")
    known_height = isinstance(height_cm, int | float) and math.isfinite(height_cm)
    turn = np.asarray(meta["UTurnBoundaries"], dtype=float).reshape(1, 2) / IPOL_RATE_HZ - first_s
    return ReferenceRecording(
        name=f"ipol-healthy-L5/{trial}",
        dataset="ipol-healthy-L5",
        participant=f"ipol-{meta['Subject']}",
        activity="walk_turn_walk",
        reference_system="foot sensors",
        reference_is_truth=True,
        accel_mps2=recording.streams["accel"].values,
        gyro_rads=recording.gyro_rads,
        sampling_rate_hz=recording.sampling_rate_hz,
        sensor_height_m=None,
        height_m=float(height_cm) / 100.0 if known_height else IPOL_FALLBACK_HEIGHT_M,
        height_is_fallback=not known_height,
        initial_contacts_s=np.array([t for t, _ in events]),
        initial_contact_feet=np.array([f for _, f in events], dtype=object),
        strides=strides,
        bouts=pd.DataFrame(columns=list(REFERENCE_BOUT_COLUMNS)),
        turn_spans_s=turn,
        evaluation_spans_s=np.array([[start, end]], dtype=float) / IPOL_RATE_HZ - first_s,
        walkway_m=IPOL_WALKWAY_M,
    )


def iter_reference_recordings(
    data_dir: str | Path, *, datasets: tuple[str, ...] | None = None
) -> Iterator[ReferenceRecording]:
    """Every shared reference recording, one at a time (GaitPy demo, HA001, IPOL 1-10).

    ``datasets`` restricts to some of ``gaitpy-demo``, ``mobilised-lab-HA001``, ``ipol-healthy-L5``.
    """
    known = ("gaitpy-demo", "mobilised-lab-HA001", "ipol-healthy-L5")
    wanted = known if datasets is None else datasets
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InvalidInputError(f"unknown dataset(s) {unknown}: use some of {', '.join(known)}")
    if "gaitpy-demo" in wanted:
        yield load_gaitpy_demo(data_dir)
    if "mobilised-lab-HA001" in wanted:
        for trial in HA001_TRIALS:
            yield load_ha001(data_dir, trial)
    if "ipol-healthy-L5" in wanted:
        for trial in ipol_trial_names(data_dir):
            yield load_ipol_trial(data_dir, trial)
