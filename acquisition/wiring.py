"""Turn ``kind -> address`` choices into drivers and a transport (radios or simulated twins)."""

from __future__ import annotations

from collections.abc import Mapping

from alsmotion.acquisition.devices import DRIVERS
from alsmotion.acquisition.recorder import DeviceRequest
from alsmotion.acquisition.transport.base import Transport
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.errors import InvalidInputError


def build_requests(
    devices: Mapping[str, str], sampling_rates_hz: Mapping[str, float] | None
) -> list[DeviceRequest]:
    """``kind -> address`` (kinds ``imu``, ``force``) into recorder requests with drivers.

    Each device records at ``sampling_rates_hz[kind]``, or at its driver's ``recording_rate_hz``.
    """
    rates = dict(sampling_rates_hz or {})
    unknown = sorted((set(devices) | set(rates)) - set(DRIVERS))
    if unknown:
        raise InvalidInputError(
            f"unknown device kind(s) {', '.join(unknown)}: use {', '.join(DRIVERS)}"
        )
    if not devices:
        raise InvalidInputError("give at least one device, e.g. imu=C4:3E:11:22:33:44")
    requests = []
    for kind, address in devices.items():
        driver_class = DRIVERS[kind]
        rate_hz = rates.get(kind, driver_class.recording_rate_hz)
        requests.append(DeviceRequest(kind, address, driver_class(sampling_rate_hz=rate_hz)))
    return requests


def make_transport(
    devices: Mapping[str, str],
    *,
    simulate: bool,
    faults: Mapping[str, FaultPlan] | None = None,
    adapter: str | None = None,
) -> tuple[Transport, list[SimulatedPeripheral]]:
    """The transport to reach ``devices``: bleak, or in-process twins (also returned)."""
    if simulate:
        from alsmotion.acquisition.transport.inprocess import InProcessTransport
        from alsmotion.acquisition.twins.factory import make_twin

        faults = faults or {}
        twins = [
            make_twin(kind, address, faults=faults.get(kind), seed=i)
            for i, (kind, address) in enumerate(devices.items())
        ]
        return InProcessTransport(twins), twins
    if faults:
        raise InvalidInputError("faults can only be injected into simulated devices")
    from alsmotion.acquisition.transport.bleak_transport import BleakTransport

    return BleakTransport(adapter=adapter), []
