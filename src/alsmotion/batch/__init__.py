"""Batch reprocessing: recompute every measure of a trial from its raw sessions, reproducibly,
on local processes or a Dask cluster (``alsmotion process``).

Modules: :mod:`~alsmotion.batch.sources` (finding sessions), :mod:`~alsmotion.batch.fingerprint`
(raw SHA-256), :mod:`~alsmotion.batch.cache` (per-session results), :mod:`~alsmotion.batch.executors`
(local processes or Dask), :mod:`~alsmotion.batch.tasks` (what a worker runs),
:mod:`~alsmotion.batch.report` (``errors.csv``, ``run.json``), :mod:`~alsmotion.batch.runner`.
"""

from alsmotion.batch.runner import BatchProcessor, BatchSummary
from alsmotion.batch.sources import SessionSource, discover_sessions

__all__ = ["BatchProcessor", "BatchSummary", "SessionSource", "discover_sessions"]
