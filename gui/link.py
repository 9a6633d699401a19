"""The GUI's one connection to the acquisition: :class:`alsmotion.acquisition.LiveAcquisition`.

LiveAcquisition runs the asyncio loop, the recorder and the session writer in its own thread; every
call here returns at once (the GUI never touches asyncio). This module turns its status records
into what the screens show and names the two device roles the visit needs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from alsmotion.errors import DeviceError, require

if TYPE_CHECKING:
    from alsmotion.session import SessionMetadata

#: Device roles (and session stream names) of a visit.
IMU = "imu"
FORCE = "force"
KIND_LABELS = {IMU: "lumbar IMU", FORCE: "dynamometer"}
#: Battery voltage range (V) shown as 0-100 % (single Li-ion cell).
BATTERY_EMPTY_V = 3.3
BATTERY_FULL_V = 4.2
#: Seconds of samples the acquisition keeps per stream for the plots.
RING_SECONDS = 30.0
#: How long a Bluetooth scan listens (s).
SCAN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class FoundDevice:
    """A device seen by a scan: its role, advertised name and address."""

    kind: str
    name: str
    address: str


@dataclass(frozen=True)
class DeviceView:
    """One device as the devices screen shows it."""

    name: str
    kind: str
    state: str
    battery_pct: float | None
    rate_hz: float | None
    nominal_rate_hz: float | None
    samples: int
    gaps: int
    message: str


def battery_pct(battery_v: float | None) -> float | None:
    """Battery charge (%) from the cell voltage (V), linear between empty and full."""
    if battery_v is None:
        return None
    fraction = (battery_v - BATTERY_EMPTY_V) / (BATTERY_FULL_V - BATTERY_EMPTY_V)
    return float(np.clip(fraction, 0.0, 1.0) * 100.0)


class AcquisitionLink:
    """Recording of one visit's session through LiveAcquisition.

    The session folder is created when the devices are connected and closed (manifest written)
    by :meth:`stop`.

    Parameters
    ----------
    data_dir : parent folder of the session folder.
    metadata : the session's metadata (participant, visit, operator, protocol).
    simulate : use the devices' simulated twins instead of Bluetooth.
    faults : per device kind, link faults the simulated twins inject (demos and tests).
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        metadata: SessionMetadata,
        simulate: bool,
        faults: Mapping[str, Any] | None = None,
    ) -> None:
        live = require("alsmotion.acquisition.live", extra="ble", feature="live recording")
        from alsmotion.acquisition.devices import DRIVERS

        self.drivers = DRIVERS
        self.live: Any = live.LiveAcquisition(ring_seconds=RING_SECONDS)
        self.data_dir = Path(data_dir)
        self.metadata = metadata
        self.simulate = simulate
        self.faults = dict(faults or {})
        self.writer: Any = None
        self._stopped = False

    @property
    def session_path(self) -> Path:
        if self.writer is None:
            raise DeviceError("no session yet: connect the devices first")
        return Path(self.writer.path)

    @property
    def recording(self) -> bool:
        return self.writer is not None and not self._stopped

    def scan(self) -> list[FoundDevice]:
        """Find the visit's devices (blocks for the scan: call it from the worker thread)."""
        if self.simulate:
            return [
                FoundDevice(kind, f"{driver.model} (simulated)", f"SIM-{kind.upper()}")
                for kind, driver in self.drivers.items()
            ]
        import asyncio

        from alsmotion.acquisition.transport.bleak_transport import BleakTransport

        by_service = {driver.gatt.service_uuid: kind for kind, driver in self.drivers.items()}
        seen = asyncio.run(
            BleakTransport().scan(service_uuids=list(by_service), timeout_s=SCAN_TIMEOUT_S)
        )
        return [
            FoundDevice(by_service[uuid], ad.name or ad.address, ad.address)
            for ad in seen
            for uuid in ad.service_uuids
            if uuid in by_service
        ]

    def connect(self, devices: list[FoundDevice]) -> None:
        """Create the session and start recording the chosen devices (returns at once)."""
        if self.writer is not None:
            raise DeviceError(
                "the devices of this visit are already connected; "
                "to record another device, save this visit and start a new one"
            )
        kinds = [d.kind for d in devices]
        if len(set(kinds)) != len(kinds):
            raise DeviceError("choose one device of each kind (one IMU, one dynamometer)")
        from alsmotion.session import SessionWriter

        self.writer = SessionWriter.create(self.data_dir, self.metadata)
        self.live.connect(
            {d.kind: d.address for d in devices},
            simulate=self.simulate,
            session=self.writer,
            sampling_rates_hz={kind: self.nominal_rate_hz(kind) for kind in kinds},
            faults={kind: plan for kind, plan in self.faults.items() if kind in kinds} or None,
        )

    def connected_kinds(self) -> set[str]:
        return set(self.live.status())

    def device_views(self) -> list[DeviceView]:
        views = []
        for stream, status in self.live.status().items():
            percent = battery_pct(status.battery_v)
            if status.low_power:
                percent = min(percent if percent is not None else 0.0, 5.0)
            views.append(
                DeviceView(
                    name=f"{status.model} {status.address}",
                    kind=KIND_LABELS.get(stream, stream),
                    state="connected" if status.state == "streaming" else status.state,
                    battery_pct=percent,
                    rate_hz=status.rate_hz if status.state == "streaming" else None,
                    nominal_rate_hz=self.nominal_rate_hz(stream),
                    samples=status.n_samples,
                    gaps=status.n_gaps,
                    # the name already says the address: "SIM-IMU: device not found" once
                    message=status.message.removeprefix(f"{status.address}: "),
                )
            )
        return views

    def nominal_rate_hz(self, stream: str) -> float:
        """The rate (Hz) the device of ``stream`` is configured to record at."""
        return float(self.drivers[stream].recording_rate_hz)

    def n_channels(self, stream: str) -> int:
        return len(self.live.channels(stream))

    def clock_s(self) -> float:
        """Now on the clock of :meth:`recent` (seconds since the recording started)."""
        recorder = self.live.recorder
        if recorder is None:
            return 0.0
        return (time.time_ns() - recorder.start_utc_ns) / 1e9

    def recent(self, stream: str, seconds: float) -> tuple[np.ndarray, np.ndarray]:
        """The last ``seconds`` of a stream: (time s on :meth:`clock_s`, values (n, k))."""
        if stream not in self.live.status():
            return np.empty(0), np.empty((0, 1))
        return self.live.latest(stream, seconds)

    def streaming(self, stream: str) -> bool:
        """True while the device of ``stream`` sends samples (thread-safe snapshot)."""
        status = self.live.status().get(stream)
        return status is not None and status.state == "streaming"

    def tare(self, stream: str) -> None:
        """Zero the force gauge of ``stream`` (blocks up to seconds: call it from the worker)."""
        self.live.tare(stream)

    def log_event(self, event_type: str, /, **fields: Any) -> None:
        """Write an event into the session (trial start/stop, decisions, notes)."""
        if self.writer is None:
            raise DeviceError("no session yet: connect the devices first")
        self.live.log_event(event_type, **fields)

    def stop(self) -> None:
        """Stop recording, flush every sample, close the session (manifest). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        try:
            self.live.stop()
        finally:
            if self.writer is not None:
                self.writer.close()
