"""Turn ``kind -> address`` choices into drivers and a transport (radios or simulated twins)."""

from __future__ import annotations

from collections.abc import Mapping

from alsmotion.acquisition.devices import DRIVERS, split_model
from alsmotion.acquisition.recorder import DeviceRequest
from alsmotion.acquisition.transport.base import Transport
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.errors import InvalidInputError


def build_requests(
    devices: Mapping[str, str],
    sampling_rates_hz: Mapping[str, float] | None,
    *,
    tare: bool = False,
) -> list[DeviceRequest]:
    """``kind -> address`` (kinds ``imu``, ``force``) into recorder requests with drivers.

    An address may start with a model (``movesense:0C:8C:DC:11:22:33``) to pick a driver other
    than the kind's default (:func:`~alsmotion.acquisition.devices.split_model`). Each device
    records at ``sampling_rates_hz[kind]``, or at its driver's ``recording_rate_hz``.
    ``tare``: zero the devices that can be tared on the session's first connection.
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
    for kind, text in devices.items():
        driver_class, address = split_model(kind, text)
        rate_hz = rates.get(kind, driver_class.recording_rate_hz)
        driver = driver_class(sampling_rate_hz=rate_hz)
        tare_it = tare and bool(driver.tare_commands())
        requests.append(DeviceRequest(kind, address, driver, tare_on_first_connect=tare_it))
    return requests


def make_transport(
    devices: Mapping[str, str],
    *,
    simulate: bool,
    faults: Mapping[str, FaultPlan] | None = None,
    adapter: str | None = None,
) -> tuple[Transport, list[SimulatedPeripheral]]:
    """The transport to reach ``devices`` (``kind -> address or name``): bleak, or in-process
    twins (also returned). A simulated device named by something other than an address also
    advertises that name, so it is found by name as a radio is."""
    if simulate:
        from alsmotion.acquisition.discovery import ADDRESS_PATTERN
        from alsmotion.acquisition.transport.inprocess import InProcessTransport
        from alsmotion.acquisition.twins.factory import make_twin

        faults = faults or {}
        twins = []
        for i, (kind, text) in enumerate(devices.items()):
            driver_class, address = split_model(kind, text)
            name = None if ADDRESS_PATTERN.match(address) else address
            twins.append(
                make_twin(
                    kind,
                    address,
                    name=name,
                    faults=faults.get(kind),
                    seed=i,
                    driver=driver_class,
                )
            )
        return InProcessTransport(twins), twins
    if faults:
        raise InvalidInputError("faults can only be injected into simulated devices")
    from alsmotion.acquisition.transport.bleak_transport import BleakTransport

    return BleakTransport(adapter=adapter), []
