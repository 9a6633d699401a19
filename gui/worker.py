"""Run analysis off the GUI thread and deliver the result back to it through a Qt signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore


class _Signals(QtCore.QObject):
    done = QtCore.Signal(object)
    failed = QtCore.Signal(object)


class _Job(QtCore.QRunnable):
    def __init__(self, function: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.function = function
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.function()
        except Exception as exc:  # delivered to the GUI, which shows it to the operator
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class Worker(QtCore.QObject):
    """Submits callables to a thread pool; ``on_done``/``on_error`` run on the GUI thread.

    Parameters
    ----------
    max_threads : worker threads (one keeps analyses in order and leaves a core for the GUI).
    """

    def __init__(self, *, max_threads: int, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QtCore.QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._pending: set[_Signals] = set()

    def submit(
        self,
        function: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        signals = _Signals(self)
        self._pending.add(signals)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._pending.discard(signals)
            signals.deleteLater()
            callback(value)

        signals.done.connect(lambda result: finish(on_done, result))
        signals.failed.connect(lambda exc: finish(on_error, exc))
        self.pool.start(_Job(function, signals))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, timeout_ms: int) -> bool:
        """Block until queued jobs finish (used on shutdown and in tests)."""
        return self.pool.waitForDone(timeout_ms)
