"""``LiveAcquisition``: the recorder behind a thread-safe facade, for the GUI.

The asyncio loop, the transport and the :class:`~alsmotion.acquisition.recorder.Recorder` run in
one background thread. Every public method returns quickly and may be called from any thread (the
Qt main thread in the GUI): ``connect`` starts recording, ``status`` and ``latest`` read snapshots
(ring buffers for plots), ``log_event`` writes to the session, ``stop`` ends the recording. The GUI
never touches asyncio.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import Any

import numpy as np

from alsmotion.acquisition.recorder import ReconnectPolicy, Recorder
from alsmotion.acquisition.sinks import SessionSink
from alsmotion.acquisition.status import DeviceStatus
from alsmotion.acquisition.transport.base import Transport
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.acquisition.wiring import build_requests, make_transport
from alsmotion.errors import DeviceError

#: Longest time (s) ``stop`` waits for the recorder to flush and close the connections.
STOP_TIMEOUT_S = 30.0


class LiveAcquisition:
    """Thread-safe control of a recording.

    Parameters
    ----------
    ring_seconds : seconds of samples kept per stream for :meth:`latest`.
    reconnect : reconnect backoff and give-up policy.
    """

    def __init__(
        self, *, ring_seconds: float = 60.0, reconnect: ReconnectPolicy | None = None
    ) -> None:
        self.ring_seconds = ring_seconds
        self.reconnect = reconnect
        self.recorder: Recorder | None = None
        self.error: BaseException | None = None
        self.twins: list[Any] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def connect(
        self,
        devices: Mapping[str, str],
        *,
        simulate: bool = False,
        session: SessionSink | None = None,
        sampling_rates_hz: Mapping[str, float] | None = None,
        faults: Mapping[str, FaultPlan] | None = None,
        transport: Transport | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Start recording ``devices`` (``kind -> BLE address``) in the background.

        Parameters
        ----------
        devices : e.g. ``{"imu": "C4:3E:..", "force": "F1:0A:.."}``.
        simulate : record byte-level simulated twins instead of radios (any address works).
        session : the session to write into (``alsmotion.session.SessionWriter``); the caller
            closes it after :meth:`stop`. None: live view only, nothing stored.
        sampling_rates_hz : rate per kind; default each driver's ``recording_rate_hz``.
        faults : per kind, faults the simulated twins inject (``simulate=True`` only).
        transport : a transport to use instead of bleak or the twins (tests).
        duration_s : stop by itself after this many seconds (None: run until :meth:`stop`).
        """
        if self.running:
            raise DeviceError("already recording: call stop() first")
        requests = build_requests(devices, sampling_rates_hz)
        if transport is None:
            transport, self.twins = make_transport(devices, simulate=simulate, faults=faults)
        self.recorder = Recorder(
            transport,
            requests,
            session=session,
            reconnect=self.reconnect,
            ring_seconds=self.ring_seconds,
        )
        self.error = None
        self._ready.clear()
        self._thread = threading.Thread(
            target=self._run, args=(self.recorder, duration_s), name="alsmotion-ble", daemon=True
        )
        self._thread.start()
        self._ready.wait()

    def _run(self, recorder: Recorder, duration_s: float | None) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._ready.set()
        try:
            loop.run_until_complete(recorder.run(duration_s=duration_s))
        except BaseException as exc:  # kept for the GUI thread to report
            self.error = exc
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _require_recorder(self) -> Recorder:
        if self.recorder is None:
            raise DeviceError("not recording: call connect() first")
        return self.recorder

    def status(self) -> dict[str, DeviceStatus]:
        """Per-device state, battery, rate, sample and gap counts (snapshot)."""
        return {} if self.recorder is None else self.recorder.status()

    def channels(self, stream: str) -> tuple[tuple[str, str], ...]:
        """(name, SI unit) of each column :meth:`latest` returns for ``stream``."""
        return self._require_recorder().channels(stream)

    def latest(self, stream: str, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The last ``seconds`` of ``stream``: (time s since recording start (n,), values (n, k))."""
        return self._require_recorder().latest(stream, seconds)

    def log_event(self, event_type: str, /, **fields: Any) -> None:
        """Log an event (vocabulary of ``alsmotion.session.events``) in the session."""
        self._require_recorder().log_event(event_type, **fields)

    def tare(self, stream: str, *, timeout_s: float = 5.0) -> None:
        """Zero the force gauge of ``stream``; raises DeviceError if it is not connected."""
        recorder = self._require_recorder()
        self._call(recorder.tare(stream)).result(timeout=timeout_s)

    def wait_until_streaming(self, timeout_s: float) -> bool:
        """Block until every device streams (True) or ``timeout_s`` passes (False).

        For scripts and tests; the GUI polls :meth:`status` instead.
        """
        stop = threading.Event()
        deadline = timeout_s
        step_s = 0.05
        while deadline > 0:
            states = {s.state for s in self.status().values()}
            if states == {"streaming"}:
                return True
            if not self.running:
                return False
            stop.wait(step_s)
            deadline -= step_s
        return False

    def stop(self) -> None:
        """Stop streaming, flush everything to the session and end the background thread."""
        thread, loop, recorder = self._thread, self._loop, self.recorder
        if thread is None or loop is None or recorder is None:
            return
        if thread.is_alive():
            loop.call_soon_threadsafe(recorder.request_stop)
        thread.join(STOP_TIMEOUT_S)
        self._thread = None
        if self.error is not None:
            raise self.error

    def _call(self, coroutine: Any) -> Future[Any]:
        if self._loop is None or not self.running:
            coroutine.close()
            raise DeviceError("not recording: call connect() first")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)
