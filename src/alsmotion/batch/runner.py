"""Reprocess every session under a raw-data root into one per-visit export.

:class:`BatchProcessor` finds the sessions, takes unchanged ones from the cache, sends the others
to an executor (local processes or a Dask cluster: the same code path), caches each result as it
arrives, and writes the exports, ``errors.csv`` and ``run.json`` once every session is done.
Home recordings (:mod:`alsmotion.batch.home`) are tasks of the same executor, one per
recording; their results are combined per participant and join the exports as ``home_gait``
rows, with ``OUT/home/daily.csv`` and ``OUT/home/bouts.csv`` beside them.

Ctrl-C stops a run cleanly: pending sessions are cancelled, results that already arrived are
cached, and no export is written, so the previous exports stay whole and a rerun resumes from the
cache.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alsmotion._version import __version__
from alsmotion.batch.cache import CACHE_DIR_NAME, CacheKey, ResultCache
from alsmotion.batch.executors import ExecutorHandle, open_executor
from alsmotion.batch.fingerprint import source_sha256
from alsmotion.batch.home import HomeSettings, home_tables, write_home_tables
from alsmotion.batch.report import RUN_FILE, SessionFailure, write_errors_csv, write_run_json
from alsmotion.batch.sources import (
    HOME_KINDS,
    SessionSource,
    discover_home_files,
    discover_sessions,
)
from alsmotion.batch.tasks import TaskOutcome, failure_reason, run_task
from alsmotion.errors import AlsmotionError, InvalidInputError
from alsmotion.export import write_exports
from alsmotion.home.study import AnalysedRecording, HomeTables
from alsmotion.processing import ALGORITHM_VERSION, ProcessingSettings, SessionResult
from alsmotion.visits import StudySchedule

#: Threads that hash raw files before dispatch (hashlib releases the GIL on large reads).
_HASH_THREADS = 4


@dataclass(frozen=True)
class BatchSummary:
    """What a run did.

    Attributes
    ----------
    n_sessions : sessions found under the raw-data root, home recordings included.
    n_home : of them, home recordings (home sessions and device files).
    n_computed : sessions processed in this run.
    n_cached : sessions whose cached result was reused.
    n_failed : sessions that could not be processed (listed in ``failures`` and ``errors.csv``).
    failures : the failed sessions, sorted by file.
    exports : export name -> file written.
    """

    n_sessions: int
    n_home: int
    n_computed: int
    n_cached: int
    n_failed: int
    failures: tuple[SessionFailure, ...]
    exports: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_sessions": self.n_sessions,
            "n_home": self.n_home,
            "n_computed": self.n_computed,
            "n_cached": self.n_cached,
            "n_failed": self.n_failed,
            "failures": [failure.to_dict() for failure in self.failures],
            "exports": sorted(self.exports),
        }


def _progress_bar(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        desc="sessions",
        unit="session",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
    )


def _home_bar(enabled: bool):
    """Hours of home recording analysed (a recording counts when its task finishes)."""
    from tqdm import tqdm

    return tqdm(
        desc="home",
        unit="h",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        position=1,
        bar_format="{desc}: {n:.1f} h of recording [{elapsed}, {rate_noinv_fmt}]{postfix}",
    )


def _hours(results: Iterable[object]) -> float:
    """Hours of home recording among ``results``."""
    return sum(item.duration_h for item in results if isinstance(item, AnalysedRecording))


def _outcome(future: Future[TaskOutcome], source: SessionSource) -> TaskOutcome:
    try:
        return future.result()
    except Exception as exc:  # the worker itself failed (crashed, killed, lost)
        return TaskOutcome(source, None, f"worker failed: {failure_reason(exc)}")


def _cache_keys(
    sources: list[SessionSource],
    settings_hash: Callable[[SessionSource], str],
    raw_root: Path,
    failures: list[SessionFailure],
) -> dict[SessionSource, CacheKey]:
    """Cache key of every readable source (``settings_hash``: of the settings it is processed
    with); unreadable ones go to ``failures``."""
    keys: dict[SessionSource, CacheKey] = {}
    with ThreadPoolExecutor(max_workers=_HASH_THREADS) as pool:
        digests = {source: pool.submit(source_sha256, source) for source in sources}
        for source, digest in digests.items():
            try:
                keys[source] = CacheKey(
                    digest.result(), settings_hash(source), ALGORITHM_VERSION, __version__
                )
            except (OSError, AlsmotionError) as exc:
                reason = failure_reason(exc)
                if isinstance(exc, OSError):
                    reason = f"cannot read the raw files: {reason}"
                failures.append(SessionFailure.of(source, raw_root, reason))
    return keys


class BatchProcessor:
    """Reprocess a whole trial from raw sessions.

    Parameters
    ----------
    settings : processing settings for every session.
    workers : local worker processes; None for one per core.
    scheduler : address of an existing Dask scheduler (``tcp://HOST:PORT``) instead of local
        processes.
    force : recompute every session even when a cached result matches.
    progress : show a progress bar on stderr.
    schedule : visit schedule of the exports; None for the default (baseline, day 30, 90, 180).
    reports : also write the per-participant HTML/PNG reports (the slowest export).
    home : settings of the home recordings' analysis; None for :class:`HomeSettings` defaults.
    home_paths : files or folders of home device files to add (home sessions under the raw-data
        root are found without them).
    home_window_days : days after each visit that form its home window in the exports.
    home_min_valid_days : valid days below which a home window's rows are flagged.

    Attributes
    ----------
    summary_ : :class:`BatchSummary` of the last run.
    results_ : session results of the last run, sorted by source path.
    home_ : home tables of the last run (None without home recordings).
    """

    def __init__(
        self,
        settings: ProcessingSettings,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        force: bool = False,
        progress: bool = True,
        schedule: StudySchedule | None = None,
        reports: bool = True,
        home: HomeSettings | None = None,
        home_paths: Sequence[str | Path] = (),
        home_window_days: int = 7,
        home_min_valid_days: int = 3,
    ):
        self.settings = settings
        self.home = HomeSettings() if home is None else home
        self.home_paths = tuple(Path(path) for path in home_paths)
        self.home_window_days = home_window_days
        self.home_min_valid_days = home_min_valid_days
        self.workers = workers
        self.scheduler = scheduler
        self.force = force
        self.progress = progress
        self.schedule = StudySchedule.default() if schedule is None else schedule
        self.reports = reports

    def run(self, raw_root: str | Path, out_dir: str | Path) -> BatchProcessor:
        """Process every session under ``raw_root`` and write the exports into ``out_dir``.

        Raises
        ------
        InvalidInputError
            When ``raw_root`` holds no session or the executor options are wrong.
        KeyboardInterrupt
            After a clean stop on Ctrl-C (finished sessions cached, no export written).
        """
        raw_root = Path(raw_root).resolve()
        out_dir = Path(out_dir).resolve()
        sources = discover_sessions(raw_root) + discover_home_files(self.home_paths)
        if not sources:
            raise InvalidInputError(
                f"{raw_root}: no session found (native session folders with session.json, "
                "GENEActiv CSV files, or home device files given with --home)"
            )
        started_utc = datetime.now(UTC)
        settings_hash = str(self.settings.settings_hash)
        home_hash = str(self.home.settings_hash)

        def hash_of(source: SessionSource) -> str:
            return home_hash if source.kind in HOME_KINDS else settings_hash

        cache = ResultCache(out_dir / CACHE_DIR_NAME)
        results: dict[SessionSource, SessionResult | AnalysedRecording] = {}
        failures: list[SessionFailure] = []
        n_home = sum(source.kind in HOME_KINDS for source in sources)
        with open_executor(workers=self.workers, scheduler=self.scheduler) as handle:
            keys = _cache_keys(sources, hash_of, raw_root, failures)
            pending: list[SessionSource] = []
            for source, key in keys.items():
                cached = None if self.force else cache.get(key)
                if cached is None:
                    pending.append(source)
                else:
                    results[source] = cached
            n_cached = len(results)
            bar = _progress_bar(len(sources), len(sources) - len(pending), self.progress)
            home_bar = _home_bar(self.progress and n_home > 0)
            with bar, home_bar:
                bar.set_postfix(failed=len(failures), cached=n_cached)
                home_bar.update(_hours(results.values()))
                for outcome in self._dispatch(handle, pending):
                    if outcome.result is not None:
                        cache.put(keys[outcome.source], outcome.result)
                        results[outcome.source] = outcome.result
                        home_bar.update(_hours([outcome.result]))
                    else:
                        failures.append(SessionFailure.of(outcome.source, raw_root, outcome.reason))
                    bar.update(1)
                    bar.set_postfix(failed=len(failures), cached=n_cached)

        ordered = [results[source] for source in sources if source in results]
        sessions = [result for result in ordered if isinstance(result, SessionResult)]
        analysed = [result for result in ordered if isinstance(result, AnalysedRecording)]
        home = home_tables(analysed, self.home)
        exports = self._write_exports(sessions, home, out_dir)
        failures.sort(key=lambda item: (item.file, item.reason))
        self.results_ = sessions
        self.home_ = home
        self.summary_ = BatchSummary(
            n_sessions=len(sources),
            n_home=n_home,
            n_computed=len(results) - n_cached,
            n_cached=n_cached,
            n_failed=len(failures),
            failures=tuple(failures),
            exports=exports,
        )
        write_errors_csv(out_dir, failures)
        write_run_json(
            out_dir,
            {
                "software": "alsmotion",
                "software_version": __version__,
                "algorithm_version": ALGORITHM_VERSION,
                "settings": self.settings.to_dict(),
                "settings_hash": settings_hash,
                "home_settings": self.home.to_dict(),
                "home_settings_hash": home_hash,
                "home_paths": [path.as_posix() for path in self.home_paths],
                "home_window_days": self.home_window_days,
                "home_min_valid_days": self.home_min_valid_days,
                "schedule": dataclasses.asdict(self.schedule),
                "raw_root": raw_root.as_posix(),
                "executor": {
                    "kind": handle.kind,
                    "n_workers": handle.n_workers,
                    "address": handle.address,
                },
                "force": self.force,
                "reports": self.reports,
                "started_utc": started_utc.isoformat(),
                "finished_utc": datetime.now(UTC).isoformat(),
                **self.summary_.to_dict(),
            },
        )
        return self

    def _dispatch(
        self, handle: ExecutorHandle, pending: list[SessionSource]
    ) -> Iterator[TaskOutcome]:
        """Yield the outcome of every pending session as it completes.

        A worker that dies (killed, out of memory) fails its session, not the run. On Ctrl-C the
        sessions not started are cancelled, those that already finished are still yielded (so
        they get cached), and the interrupt is re-raised.
        """
        futures: dict[Future[TaskOutcome], SessionSource] = {
            handle.executor.submit(run_task, source, self.settings, self.home): source
            for source in pending
        }
        remaining = set(futures)
        try:
            for future in as_completed(futures):
                remaining.discard(future)
                yield _outcome(future, futures[future])
        except KeyboardInterrupt:
            for future in remaining:
                future.cancel()
            for future in remaining:
                if future.done() and not future.cancelled():
                    outcome = _outcome(future, futures[future])
                    if outcome.ok:
                        yield outcome
            raise

    def _write_exports(
        self, results: list[SessionResult], home: HomeTables | None, out_dir: Path
    ) -> dict[str, Path]:
        """Write the exports (with ``home``: its days in ``home/`` and its windows in the
        exports); ``run.json`` is removed first and written last, so an export stage cut short
        leaves no ``run.json`` beside a mix of old and new files."""
        (out_dir / RUN_FILE).unlink(missing_ok=True)
        written = write_home_tables(home, out_dir)
        if not results:
            return written
        if self.progress:
            reports = " and reports (unchanged ones reused)" if self.reports else ""
            print(f"writing the exports{reports} into {out_dir}", file=sys.stderr, flush=True)
        exports = write_exports(
            results,
            out_dir,
            schedule=self.schedule,
            reports=self.reports,
            progress=self.progress,
            home=home,
            home_window_days=self.home_window_days,
            home_min_valid_days=self.home_min_valid_days,
        )
        return {**written, **exports}
