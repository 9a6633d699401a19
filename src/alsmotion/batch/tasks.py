"""What a worker runs for one session: process it, and turn any failure into a reportable reason.

This module is imported by every worker process (local or Dask); it must stay importable without
the parent's state and everything it returns must pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsmotion.batch.allocator import task_allocation
from alsmotion.batch.foreign import process_foreign_recording
from alsmotion.batch.home import HomeSettings, analyze_home_source
from alsmotion.batch.sources import HOME_KINDS, SessionSource
from alsmotion.errors import AlsmotionError, InvalidRecordingError
from alsmotion.home.study import AnalysedRecording
from alsmotion.processing import ProcessingSettings, SessionResult, process_session


@dataclass(frozen=True)
class TaskOutcome:
    """Result of one task: ``result`` when the session (a ``SessionResult``) or home recording
    (an ``AnalysedRecording``) was processed, else the ``reason`` why not."""

    source: SessionSource
    result: SessionResult | AnalysedRecording | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None


def process_one(
    source: SessionSource, settings: ProcessingSettings, home: HomeSettings
) -> SessionResult | AnalysedRecording:
    """Process one source and return its result.

    Native sessions go through :func:`alsmotion.processing.process_session` (``settings``);
    foreign recordings through :func:`alsmotion.batch.foreign.process_foreign_recording`; home
    recordings through :func:`alsmotion.batch.home.analyze_home_source` (``home``).
    """
    if source.problem:
        raise InvalidRecordingError(source.problem, path=source.path)
    if source.kind in HOME_KINDS:
        return analyze_home_source(source, home)
    if source.kind == "native":
        return process_session(source.path, settings)
    return process_foreign_recording(source, settings)


def failure_reason(exc: BaseException) -> str:
    """One line saying why a session failed: an alsmotion error's message (it names the file and
    line), or for anything else its type and message."""
    text = str(exc) if isinstance(exc, AlsmotionError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # file names not in UTF-8


def run_task(
    source: SessionSource, settings: ProcessingSettings, home: HomeSettings
) -> TaskOutcome:
    """Process one source; never raises for a bad one, so one corrupt file cannot stop a run.

    Runs under :func:`alsmotion.batch.allocator.task_allocation` (a Dask worker's malloc
    setting would otherwise double its CPU time)."""
    try:
        with task_allocation():
            return TaskOutcome(source, process_one(source, settings, home))
    except Exception as exc:  # any failure of one session is reported in errors.csv, not raised
        return TaskOutcome(source, None, failure_reason(exc))
