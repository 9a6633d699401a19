"""Text recordings checked whole, chunk by chunk, then read again onto the uniform grid chunk by
chunk: the CSV readers' shared machinery, so a week of samples never sits in memory at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import numpy as np

from alsmotion.errors import InvalidInputError, InvalidRecordingError
from alsmotion.readers._timegrid import stream_to_grid
from alsmotion.recording import DeviceInfo, Recording, Stream

#: Rows parsed at a time by the CSV readers (about 20-40 MB of text and its columns).
CHUNK_ROWS = 200_000

#: (times in s from the first sample, (n, k) values in SI units) of consecutive rows.
Pieces = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]

T = TypeVar("T")


class FirstErrors:
    """The first error of each kind met while checking a file chunk by chunk.

    A whole-file reader checks one kind of problem over the whole file before the next kind
    (the row structure, then the values, then the times): ``rank`` orders the kinds, and
    :meth:`raise_first` raises the first-met error of the lowest rank, so a file read chunk by
    chunk is refused with the same error, naming the same line.
    """

    def __init__(self, *, immediate: bool = False) -> None:
        self._first: dict[int, Exception] = {}
        self._immediate = immediate

    def catch(self, rank: int, check: Callable[..., T], *args: object) -> T | None:
        """``check(*args)``, or None after keeping its error (the first of that rank); with
        ``immediate`` (a file read again after it was checked) the error is raised at once."""
        try:
            return check(*args)
        except (InvalidRecordingError, InvalidInputError) as exc:
            if self._immediate:
                raise
            self._first.setdefault(rank, exc)
            return None

    def keep(self, rank: int, error: Exception) -> None:
        self._first.setdefault(rank, error)

    def has(self, below_rank: int) -> bool:
        """True when an error of a rank below ``below_rank`` was kept."""
        return any(rank < below_rank for rank in self._first)

    def raise_first(self) -> None:
        if self._first:
            raise self._first[min(self._first)]


@dataclass(frozen=True)
class GridSource:
    """A checked text recording, read again from its file chunk by chunk onto the uniform grid.

    Attributes
    ----------
    path : the file.
    sampling_rate_hz : the grid's rate (Hz).
    n_samples : grid samples from the first row's time to the last's.
    streams : (kind, channel names) of each three columns of the values, in order.
    pieces : reads the file again: (times in s from the first row, values in SI units).
    on_grid : the rows' times are the grid already (each step one period).
    start_utc, device : what the file says of its start and its device.
    """

    path: Path
    sampling_rate_hz: float
    n_samples: int
    streams: tuple[tuple[str, tuple[str, ...]], ...]
    pieces: Pieces
    on_grid: bool
    start_utc: datetime | None = None
    device: DeviceInfo = field(default_factory=DeviceInfo)

    def chunks(self, chunk_samples: int) -> Iterator[tuple[int, np.ndarray]]:
        """(first grid index, (m, 3 x streams) values) with m = ``chunk_samples`` (fewer at the
        end); grid points inside a gap of more than two periods are NaN."""
        if not self.on_grid:
            yield from stream_to_grid(
                self.pieces(),
                start_s=0.0,
                n_samples=self.n_samples,
                sampling_rate_hz=self.sampling_rate_hz,
                chunk_samples=chunk_samples,
                n_columns=3 * len(self.streams),
            )
            return
        held: list[np.ndarray] = []
        n_held = first = 0
        for _, values in self.pieces():
            held.append(values)
            n_held += len(values)
            while n_held >= chunk_samples:
                block = np.concatenate(held) if len(held) > 1 else held[0]
                yield first, block[:chunk_samples]
                first += chunk_samples
                held, n_held = [block[chunk_samples:]], n_held - chunk_samples
        if n_held:
            yield first, np.concatenate(held)

    def to_recording(self) -> Recording:
        """The whole grid as a :class:`Recording` (all chunks joined)."""
        values = np.concatenate([v for _, v in self.chunks(max(self.n_samples, 1))])
        streams = {
            kind: Stream(kind, values[:, 3 * k : 3 * k + 3], names)
            for k, (kind, names) in enumerate(self.streams)
        }
        return Recording(
            sampling_rate_hz=self.sampling_rate_hz,
            time_s=np.arange(self.n_samples) / self.sampling_rate_hz,
            streams=streams,
            start_utc=self.start_utc,
            device=self.device,
            source=self.path,
        )
