"""A native session's lumbar IMU stream as a :class:`~alsmotion.recording.Recording`, so the
commands that read a recording file (``alsmotion gait``, ``alsmotion info``) take a session
folder too.

Samples are placed on the stream's nominal grid by when they were taken
(:meth:`alsmotion.session.Session.sample_time_ns`: the recorded clock fits); grid points no sample
fell on are NaN (lost samples, which the gait pipeline bridges or splits at). The whole stream is
read into memory: for week-long home recordings use ``alsmotion home``, which reads in chunks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidRecordingError
from alsmotion.processing.slicing import on_nominal_grid
from alsmotion.recording import Recording, Stream

#: The grid of one stream may span at most this many samples (a week at 100 Hz is 60 M).
MAX_GRID_SAMPLES = 200_000_000


def is_session_folder(path: Path) -> bool:
    return path.is_dir() and (path / "session.json").is_file()


def read_session_imu(path: str | Path) -> Recording:
    """The first stream of the session at ``path`` with three acceleration channels (m/s^2),
    with its gyroscope channels (rad/s) when it has three, on a uniform grid in SI units.

    Raises
    ------
    SessionError
        When ``path`` is not a readable session.
    InvalidRecordingError
        When the session has no IMU stream or it holds no samples.
    """
    from alsmotion.session import Session

    path = Path(path)
    session = Session.open(path)
    imu_streams = [n for n, s in session.streams.items() if len(s.channel_indices("m/s^2")) >= 3]
    if not imu_streams:
        raise InvalidRecordingError(
            "the session has no stream with three acceleration channels (m/s^2): record the "
            "lumbar IMU",
            path=path,
        )
    name = imu_streams[0]
    stream = session.streams[name]
    accel = stream.channel_indices("m/s^2")
    if stream.n_samples == 0:
        raise InvalidRecordingError(f"the {name!r} stream holds no samples", path=path)
    rate_hz = stream.sampling_rate_hz
    taken_ns = session.sample_time_ns(name)
    span = int(np.rint((taken_ns.max() - taken_ns.min()) * (rate_hz / 1e9))) + 1
    if span > MAX_GRID_SAMPLES:
        raise InvalidRecordingError(
            f"the {name!r} stream's sample times span {span} samples at {rate_hz:g} Hz: "
            "check the session with alsmotion verify",
            path=path,
        )
    gyro = stream.channel_indices("rad/s")
    channels = accel[:3] + (gyro[:3] if len(gyro) >= 3 else [])
    grid, first_ns = on_nominal_grid(stream.values[:, channels], taken_ns, sampling_rate_hz=rate_hz)
    streams = {"accel": Stream("accel", grid[:, :3], _names(stream.channel_names, accel[:3]))}
    if len(channels) == 6:
        streams["gyro"] = Stream("gyro", grid[:, 3:], _names(stream.channel_names, gyro[:3]))
    return Recording(
        sampling_rate_hz=rate_hz,
        time_s=np.arange(len(grid)) / rate_hz,
        streams=streams,
        start_utc=pd.Timestamp(first_ns, unit="ns", tz="UTC").to_pydatetime(),
        device=stream.device,
        source=path,
    )


def _names(names: tuple[str, ...], indices: list[int]) -> tuple[str, ...]:
    return tuple(names[i] for i in indices)
