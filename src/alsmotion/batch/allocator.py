"""glibc's malloc thresholds while a task runs, so a Dask worker computes as fast as a local one.

A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536`` (the distributed setting
``distributed.nanny.pre-spawn-environ``), so that freed memory goes back to the operating system.
Setting any malloc threshold switches off glibc's dynamic mmap threshold (mallopt(3)): every
allocation above 128 KiB, i.e. nearly every signal array, becomes a fresh ``mmap`` that the
kernel zero-fills page by page and that is unmapped again when freed. A 24-h home day then takes
about 260 000 minor page faults instead of 5 000 and 1.5 to 2 times the CPU time, most of it in
the kernel, so two Dask workers did the work of one local worker.

:func:`task_allocation` gives a task the thresholds glibc's dynamic rule reaches on its own
(mmap above 32 MiB, trim above 64 MiB) and, when the last running task of the process ends, puts
the environment's thresholds back and trims, so the worker still returns its memory between tasks.
Nothing changes where no malloc threshold is set in the environment (local workers by default),
where ``MALLOC_MMAP_THRESHOLD_`` is set (an explicit choice), or off glibc.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: mallopt(3) parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: glibc's ceiling of its dynamic mmap threshold on 64-bit systems, and its trim threshold then.
TASK_MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TASK_TRIM_THRESHOLD_BYTES = 2 * TASK_MMAP_THRESHOLD_BYTES

#: glibc's mmap threshold when a threshold is set in the environment (its fixed default).
_DEFAULT_MMAP_THRESHOLD_BYTES = 128 * 1024

_TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
_MMAP_VARIABLE = "MALLOC_MMAP_THRESHOLD_"

_lock = threading.Lock()
_running_tasks = 0


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library of this process when it is glibc, else None."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # Windows has no process-wide symbol table
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") else None  # not musl, not macOS


def _environment_trim_threshold_bytes() -> int | None:
    """The trim threshold the environment fixed (the case :func:`task_allocation` handles), or
    None when there is none, the mmap threshold is set too, or the value is not a byte count
    that mallopt(3) takes (a C int)."""
    if _MMAP_VARIABLE in os.environ:
        return None
    try:
        trim_bytes = int(os.environ[_TRIM_VARIABLE])
    except (KeyError, ValueError):
        return None
    return trim_bytes if 0 <= trim_bytes < 2**31 else None


@contextmanager
def task_allocation() -> Iterator[None]:
    """Run one task with glibc's large-allocation thresholds; restore the environment's
    thresholds and return free memory to the system when the process's last task ends.

    Safe with several tasks at once in one process (Dask worker threads): the first to start
    raises the thresholds, the last to end restores them.
    """
    global _running_tasks
    trim_bytes = _environment_trim_threshold_bytes()
    libc = None if trim_bytes is None else _glibc()
    if libc is None or trim_bytes is None:
        yield
        return
    with _lock:
        if _running_tasks == 0:
            libc.mallopt(_M_MMAP_THRESHOLD, TASK_MMAP_THRESHOLD_BYTES)
            libc.mallopt(_M_TRIM_THRESHOLD, TASK_TRIM_THRESHOLD_BYTES)
        _running_tasks += 1
    try:
        yield
    finally:
        with _lock:
            _running_tasks -= 1
            if _running_tasks == 0:
                libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD_BYTES)
                libc.mallopt(_M_TRIM_THRESHOLD, trim_bytes)
                libc.malloc_trim(0)
