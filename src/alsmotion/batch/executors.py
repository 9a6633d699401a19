"""Where the sessions are processed: local processes or a Dask cluster, behind one interface.

Both back ends are a :class:`concurrent.futures.Executor`: the standard library's
``ProcessPoolExecutor`` (the default, one process per core) and the executor of a Dask
``distributed.Client`` connected to an existing scheduler. The batch runner submits the same
function to either and reads the same futures; only :func:`open_executor` knows which it is.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from alsmotion.errors import AlsmotionError, InvalidInputError, require

#: Module every worker imports before its first task (pre-loaded by the fork server).
WORKER_MODULE = "alsmotion.batch.tasks"

#: How often a local worker checks that the process that started it is still alive (s).
_PARENT_CHECK_INTERVAL_S = 1.0


class SchedulerUnreachableError(AlsmotionError):
    """The Dask scheduler named by ``--scheduler`` cannot be reached."""


@dataclass(frozen=True)
class ExecutorHandle:
    """An open executor with what a run report needs to say about it.

    Attributes
    ----------
    executor : where tasks are submitted.
    kind : ``"processes"`` or ``"dask"``.
    n_workers : worker processes (local) or Dask worker threads in total (cluster).
    address : the Dask scheduler address, ``""`` for local processes.
    """

    executor: Executor
    kind: str
    n_workers: int
    address: str = ""


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _exit_when_gone(parent_pid: int) -> None:
    while True:
        time.sleep(_PARENT_CHECK_INTERVAL_S)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """Set up a local worker: Ctrl-C is for the parent, which stops the run cleanly (workers just
    get cancelled); and a worker whose parent was killed exits instead of idling forever (its
    task queue never reports the parent's death)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_when_gone, args=(parent_pid,), name="alsmotion-parent-watch", daemon=True
    ).start()


def _process_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([WORKER_MODULE])
        return context
    return multiprocessing.get_context("spawn")


@contextmanager
def _local_processes(n_workers: int) -> Iterator[ExecutorHandle]:
    pool = ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=_process_context(),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    try:
        yield ExecutorHandle(pool, "processes", n_workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_cluster(address: str, connect_timeout_s: float) -> Iterator[ExecutorHandle]:
    distributed = require("distributed", extra="dask", feature="processing on a Dask cluster")
    try:
        client = distributed.Client(address, timeout=connect_timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {address} ({exc}): start one with "
            "`dask scheduler` and `dask worker ADDRESS`, or check the address"
        ) from None
    try:
        workers = client.scheduler_info()["workers"]
        n_threads = sum(int(worker["nthreads"]) for worker in workers.values())
        executor = client.get_executor(pure=False)
        try:
            yield ExecutorHandle(executor, "dask", n_threads, address)
        finally:
            executor.shutdown(wait=True)
    finally:
        client.close()


def open_executor(
    *, workers: int | None = None, scheduler: str | None = None, connect_timeout_s: float = 10.0
) -> AbstractContextManager[ExecutorHandle]:
    """Open the executor a run asked for, as a context manager yielding an :class:`ExecutorHandle`.

    Parameters
    ----------
    workers : local worker processes; None for one per available core. Not used with a scheduler.
    scheduler : address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    connect_timeout_s : how long to try reaching the scheduler (s).

    Raises
    ------
    InvalidInputError
        For a worker count below 1, both options at once, or an address without a protocol.
    """
    if scheduler is not None:
        if workers is not None:
            raise InvalidInputError(
                "--workers and --scheduler exclude each other: the Dask cluster decides its workers"
            )
        if "://" not in scheduler:
            raise InvalidInputError(
                f"scheduler address {scheduler!r} has no protocol: use e.g. tcp://HOST:8786"
            )
        return _dask_cluster(scheduler, connect_timeout_s)
    n_workers = available_cores() if workers is None else workers
    if n_workers < 1:
        raise InvalidInputError(f"--workers must be at least 1, got {n_workers}")
    return _local_processes(n_workers)
