"""Long home recordings as chunks of acceleration, for :func:`analyze_home_recording`.

A native alsmotion session is read record batch by record batch from a memory map (bounded
memory whatever its length): its samples are placed on the nominal-rate grid by the device's
sample counter (by the host arrival time when the stream has no counter), and samples that never
arrived are NaN, which the wear detection counts as no data. The CSV formats the other readers
take (:mod:`alsmotion.readers`) are checked whole a chunk of rows at a time, then read again
chunk by chunk, their rows placed on the grid by their own times as device files are.
Device files (:data:`DEVICE_FILE_SUFFIXES`: Axivity ``.cwa``, ActiGraph ``.gt3x``, GENEActiv
``.bin``) are checked once and then read a
few megabytes at a time, their samples interpolated onto the nominal-rate grid by their own
times (:func:`alsmotion.readers._timegrid.stream_to_grid`); gaps of more than two sample
periods are NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from alsmotion.errors import InvalidInputError, SessionError
from alsmotion.readers._timegrid import MAX_GRID_SAMPLES
from alsmotion.units import STANDARD_GRAVITY_MPS2, validate_sampling_rate_hz

if TYPE_CHECKING:
    from alsmotion.readers._chunked import GridSource

#: Chunk length of the home pipeline (s): an hour at 100 Hz is 360 000 samples, about 9 MB.
CHUNK_S = 3600.0

ChunkReader = Callable[[int], Iterator[tuple[int, np.ndarray]]]


@dataclass(frozen=True)
class HomeRecording:
    """One home recording ready to be read chunk by chunk.

    Attributes
    ----------
    path : the session folder or file.
    participant_id : the participant's pseudonym.
    start_utc : time of the first sample, in UTC; for a device file (whose clock runs on the
        set-up computer's local time) that does not declare its clock's offset from UTC, without
        a zone: the home pipeline reads it in ``timezone``.
    sampling_rate_hz : the grid's rate (Hz).
    n_samples : samples on the grid (first to last sample).
    sensor_height_m, height_m : sensor height above the ground / body height (m), when known.
    visit : the visit label recorded with the session ("" for files).
    source_sha256 : SHA-256 of the acceleration stream file (of the session's manifest when it
        has one) or of the CSV file.
    flags : what reading found (e.g. ``raw_data_integrity:<problem>``).
    device_utc_offset_s : the offset from UTC (s) a device file declares for its clock; None
        for sessions, CSV files and device files that declare none.
    """

    path: Path
    participant_id: str
    start_utc: pd.Timestamp
    sampling_rate_hz: float
    n_samples: int
    sensor_height_m: float | None
    height_m: float | None
    visit: str
    source_sha256: str
    flags: tuple[str, ...]
    read_chunks: ChunkReader
    device_utc_offset_s: int | None = None

    @property
    def duration_h(self) -> float:
        return self.n_samples / self.sampling_rate_hz / 3600.0

    def chunks(self, chunk_s: float = CHUNK_S) -> Iterator[tuple[int, np.ndarray]]:
        """(first sample, (n, 3) acceleration in m/s^2) chunk by chunk."""
        return self.read_chunks(max(round(chunk_s * self.sampling_rate_hz), 1))


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _accel_stream(session: Path) -> Path:
    """The session's stream with three m/s^2 channels (the lumbar IMU)."""
    from alsmotion.session.reader import iter_stream_batches

    found = []
    for stream_path in sorted((session / "streams").glob("*.arrows")):
        if stream_path.name.startswith("."):
            continue
        descriptor, _ = iter_stream_batches(stream_path)
        if sum(unit == "m/s^2" for _, unit in descriptor.channels) >= 3:
            found.append(stream_path)
    if not found:
        raise SessionError(
            "no stream with three acceleration channels (m/s^2): not a home IMU recording",
            path=session,
        )
    return found[0]


def _sample_index(batch: Any, rate_hz: float, origin: tuple[float, int]) -> np.ndarray:
    """Grid index of every sample of ``batch``: counter - first counter, or the host time."""
    counter = batch.column("counter")
    first_counter, first_host_ns = origin
    if counter.null_count == 0 and np.isfinite(first_counter):
        return counter.to_numpy().astype(np.int64) - int(first_counter)
    host = batch.column("host_time_ns").to_numpy().astype(np.int64)
    return np.round((host - first_host_ns) * (rate_hz / 1e9)).astype(np.int64)


def read_home_session(path: str | Path) -> HomeRecording:
    """A native session folder holding a home recording (see the module docstring).

    The manifest is checked first (file sizes and SHA-256, read in blocks); a mismatch flags the
    recording ``raw_data_integrity:<first problem>`` instead of refusing it.
    """
    from alsmotion.session.manifest import check_manifest, read_manifest, sha256_file
    from alsmotion.session.reader import iter_stream_batches, read_session_metadata

    session = Path(path)
    if not session.is_dir():
        raise SessionError("not a folder: give a session folder or a CSV file", path=session)
    metadata = read_session_metadata(session)
    manifest = read_manifest(session)
    problems = check_manifest(session, manifest) if manifest is not None else []
    flags = [f"raw_data_integrity:{problems[0]}"] if problems else []
    if manifest is None:
        flags.append("session_not_closed")
    stream_path = _accel_stream(session)
    entry = (manifest or {}).get("files", {}).get(f"streams/{stream_path.name}", {})
    source_sha256 = str(entry.get("sha256") or sha256_file(stream_path))
    descriptor, batches = iter_stream_batches(stream_path)
    rate = validate_sampling_rate_hz(descriptor.sampling_rate_hz)
    columns = [i for i, (_, unit) in enumerate(descriptor.channels) if unit == "m/s^2"][:3]
    names = [descriptor.channels[i][0] for i in columns]
    origin: tuple[float, int] | None = None
    last = -1
    for batch in batches:  # first pass: the timing columns only (memory-mapped)
        if batch.num_rows == 0:
            continue
        if origin is None:
            counter = batch.column("counter")
            first = float(counter[0].as_py()) if counter.null_count == 0 else float("nan")
            origin = (first, int(batch.column("host_time_ns")[0].as_py()))
        last = max(last, int(_sample_index(batch, rate, origin).max()))
    if origin is None:
        raise SessionError("the IMU stream holds no samples", path=stream_path)
    start = pd.Timestamp(origin[1], unit="ns", tz="UTC")
    n_samples = last + 1
    if n_samples > MAX_GRID_SAMPLES:
        raise SessionError(
            f"the IMU stream's sample counter spans {n_samples} samples, more than "
            f"{MAX_GRID_SAMPLES} ({MAX_GRID_SAMPLES / rate / 86400:.0f} days at {rate:g} Hz): "
            "a counter reset or a wrong counter; check the session with alsmotion verify",
            path=stream_path,
        )

    def read(chunk_samples: int) -> Iterator[tuple[int, np.ndarray]]:
        assert origin is not None
        _, batches = iter_stream_batches(stream_path)
        first = 0
        buffer = np.full((min(chunk_samples, n_samples), 3), np.nan)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            index = _sample_index(batch, rate, origin)
            values = np.column_stack([batch.column(name).to_numpy() for name in names])
            while len(index):
                inside = (index >= first) & (index < first + len(buffer))
                buffer[index[inside] - first] = values[inside]
                if index[-1] < first + len(buffer):
                    break
                yield first, buffer
                first += len(buffer)
                buffer = np.full((min(chunk_samples, n_samples - first), 3), np.nan)
                keep = index >= first
                index, values = index[keep], values[keep]
        while first < n_samples:
            yield first, buffer
            first += len(buffer)
            buffer = np.full((min(chunk_samples, n_samples - first), 3), np.nan)

    extra = metadata.extra
    if extra.get("walking_aid"):
        # The gait pipeline's flag: a walker's steadied trunk makes speeds read low.
        flags.append("walking_aid")
    return HomeRecording(
        path=session,
        participant_id=metadata.participant_id,
        start_utc=start,
        sampling_rate_hz=rate,
        n_samples=n_samples,
        sensor_height_m=_optional_float(extra.get("sensor_height_m")),
        height_m=_optional_float(extra.get("height_m")),
        visit=metadata.visit,
        source_sha256=source_sha256,
        flags=tuple(flags),
        read_chunks=read,
    )


def home_recording_from(
    source: GridSource,
    *,
    participant_id: str,
    start_utc: pd.Timestamp | None = None,
    sensor_height_m: float | None = None,
    height_m: float | None = None,
) -> HomeRecording:
    """A checked CSV file (:func:`alsmotion.readers.geneactiv.open_geneactiv_csv`,
    :func:`alsmotion.readers.csv_table.open_csv_recording`) as a :class:`HomeRecording` whose
    chunks are read from the file as they are needed; ``start_utc`` is needed when the file does
    not carry its own (GENEActiv headers do)."""
    from alsmotion.session.manifest import sha256_file
    from alsmotion.session.pseudonym import validate_pseudonym

    start = source.start_utc if start_utc is None else start_utc
    if start is None:
        raise InvalidInputError(
            f"{source.path}: the file does not say when it started: give --start-utc "
            "(ISO 8601, e.g. 2026-01-05T00:00:00Z) so days can be told apart"
        )
    if source.streams[0][0] != "accel":
        raise InvalidInputError(f"{source.path}: no acceleration columns")
    stamp = pd.Timestamp(start)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")

    def read(chunk_samples: int) -> Iterator[tuple[int, np.ndarray]]:
        for first, values in source.chunks(chunk_samples):
            yield first, values[:, :3]

    return HomeRecording(
        path=source.path,
        participant_id=validate_pseudonym(participant_id),
        start_utc=stamp,
        sampling_rate_hz=source.sampling_rate_hz,
        n_samples=source.n_samples,
        sensor_height_m=sensor_height_m,
        height_m=height_m,
        visit="",
        source_sha256=sha256_file(source.path),
        flags=(),
        read_chunks=read,
    )


#: Device file formats read chunk by chunk, by file name suffix (lower case).
DEVICE_FILE_SUFFIXES = {
    ".cwa": "Axivity AX3/AX6",
    ".gt3x": "ActiGraph GT3X+/wGT3X-BT",
    ".bin": "GENEActiv",
}


class DeviceFile(Protocol):
    """What the device readers (``open_cwa``, ``open_gt3x``, ``open_geneactiv_bin``) return: a checked file whose
    samples are read a few megabytes at a time, their times in s from ``origin_s`` (a whole
    second since 1970, device clock; relative times keep float64 exact to well below a
    microsecond); ``utc_offset_s`` is the device clock's offset from UTC when the file declares
    one."""

    @property
    def origin_s(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    @property
    def sampling_rate_hz(self) -> float: ...

    @property
    def utc_offset_s(self) -> int | None: ...

    @property
    def first_sample_s(self) -> float: ...

    @property
    def last_sample_s(self) -> float: ...

    def timed_samples(self) -> Iterator[tuple[np.ndarray, np.ndarray]]: ...


def _open_device_file(path: Path, skip_damaged: bool) -> DeviceFile:
    from alsmotion.readers.cwa import open_cwa
    from alsmotion.readers.geneactiv_bin import open_geneactiv_bin
    from alsmotion.readers.gt3x import open_gt3x

    suffix = path.suffix.lower()
    if skip_damaged and suffix != ".cwa":
        raise InvalidInputError(f"{path}: skipping damaged blocks is for .cwa files only")
    if suffix == ".gt3x":
        return open_gt3x(path)
    if suffix == ".bin":
        return open_geneactiv_bin(path)
    return open_cwa(path, skip_damaged=skip_damaged)


def read_home_device_file(
    path: str | Path,
    *,
    participant_id: str,
    sensor_height_m: float | None = None,
    height_m: float | None = None,
    skip_damaged: bool = False,
) -> HomeRecording:
    """A device file of :data:`DEVICE_FILE_SUFFIXES` as a :class:`HomeRecording` whose chunks
    are read from the file as they are needed (the file is checked whole first: see
    :func:`alsmotion.readers.cwa.open_cwa` and :func:`alsmotion.readers.gt3x.open_gt3x`).
    ``skip_damaged`` (.cwa only): damaged blocks read as no data, and the recording is flagged
    ``damaged_blocks_skipped:<n>``. A file that declares its clock's offset from UTC (GT3X
    ``TimeZone``, GENEActiv ``Time Zone``) starts at the UTC time that offset gives; one that
    does not starts at its clock time, which the home pipeline reads in its time zone. A
    ``.gt3x`` file's idle-sleep seconds (read as the last sample repeated) are flagged
    ``idle_sleep_s:<n>``."""
    from alsmotion.readers._timegrid import stream_to_grid
    from alsmotion.session.pseudonym import validate_pseudonym

    path = Path(path)
    if path.suffix.lower() not in DEVICE_FILE_SUFFIXES:
        raise InvalidInputError(
            f"{path}: not a device file alsmotion reads ({', '.join(DEVICE_FILE_SUFFIXES)})"
        )
    device = _open_device_file(path, skip_damaged)
    skipped = len(getattr(device, "damaged_offsets", ()))
    idle_s = int(getattr(device, "idle_sleep_s", 0))
    rate = validate_sampling_rate_hz(device.sampling_rate_hz)
    start_s = device.first_sample_s
    n_samples = int(np.floor((device.last_sample_s - start_s) * rate + 1e-6)) + 1
    if n_samples > MAX_GRID_SAMPLES:
        raise InvalidInputError(
            f"{path}: the samples span {n_samples / rate / 86400:.0f} days, more than "
            f"{MAX_GRID_SAMPLES} samples at {rate:g} Hz: the device clock jumped; check the "
            "device's time setting"
        )

    def read(chunk_samples: int) -> Iterator[tuple[int, np.ndarray]]:
        for first, accel_g in stream_to_grid(
            device.timed_samples(),
            start_s=start_s,
            n_samples=n_samples,
            sampling_rate_hz=rate,
            chunk_samples=chunk_samples,
            n_columns=3,
        ):
            yield first, accel_g * STANDARD_GRAVITY_MPS2

    clock = pd.Timestamp(device.origin_s * 10**9 + round(start_s * 1e9), unit="ns")
    offset_s = device.utc_offset_s
    flags = [f"damaged_blocks_skipped:{skipped}"] if skipped else []
    if idle_s:
        flags.append(f"idle_sleep_s:{idle_s}")
    return HomeRecording(
        path=path,
        participant_id=validate_pseudonym(participant_id),
        # Without a declared offset the clock stays zoneless: the home pipeline localises it.
        start_utc=clock
        if offset_s is None
        else (clock - pd.Timedelta(seconds=offset_s)).tz_localize("UTC"),
        sampling_rate_hz=rate,
        n_samples=n_samples,
        sensor_height_m=sensor_height_m,
        height_m=height_m,
        visit="",
        source_sha256=device.sha256,
        flags=tuple(flags),
        read_chunks=read,
        device_utc_offset_s=offset_s,
    )
