"""A transport that reaches simulated twins in the same event loop (fast tests, ``--simulate``).

It behaves like a radio the recorder cannot see through: scans list advertising twins, links drop
when a twin drops them, and writes and notifications carry bytes only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from alsmotion.acquisition.transport.base import (
    Advertisement,
    Connection,
    NotifyCallback,
    Transport,
)
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.errors import DeviceError

#: Time an in-process scan takes to hear advertisements (s).
ADVERTISING_INTERVAL_S = 0.1


class InProcessConnection(Connection):
    """The central's side of a link to a twin; also the twin's :class:`TwinLink`."""

    def __init__(self, twin: SimulatedPeripheral, on_disconnect: Callable[[], None]) -> None:
        self.address = twin.address
        self._twin = twin
        self._on_disconnect = on_disconnect
        self._callbacks: dict[str, NotifyCallback] = {}
        self._connected = True
        twin.attach(self)

    @property
    def is_connected(self) -> bool:
        return self._connected

    def _require_link(self) -> None:
        if not self._connected:
            raise DeviceError("not connected", address=self.address)

    async def start_notify(self, char_uuid: str, callback: NotifyCallback) -> None:
        self._require_link()
        self._callbacks[char_uuid.lower()] = callback
        self._twin.subscribe(char_uuid)

    async def write(self, char_uuid: str, data: bytes) -> None:
        self._require_link()
        self._twin.write(char_uuid, data)

    async def read(self, char_uuid: str) -> bytes | None:
        self._require_link()
        return self._twin.read(char_uuid)

    async def disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self._twin.detach()

    # TwinLink
    def notify(self, char_uuid: str, data: bytes) -> None:
        callback = self._callbacks.get(char_uuid.lower())
        if self._connected and callback is not None:
            callback(data)

    def drop(self) -> None:
        if self._connected:
            self._connected = False
            self._on_disconnect()


class InProcessTransport(Transport):
    """Connects to the given twins by address."""

    def __init__(self, twins: Sequence[SimulatedPeripheral]) -> None:
        self.twins = {twin.address.upper(): twin for twin in twins}

    async def scan(self, *, service_uuids: Sequence[str], timeout_s: float) -> list[Advertisement]:
        await asyncio.sleep(min(timeout_s, ADVERTISING_INTERVAL_S))
        wanted = {uuid.lower() for uuid in service_uuids}
        return [
            Advertisement(twin.address, twin.name, twin.service_uuids, rssi_dbm=-60)
            for twin in self.twins.values()
            if twin.advertising and (not wanted or wanted & set(twin.service_uuids))
        ]

    async def connect(
        self, address: str, *, on_disconnect: Callable[[], None], timeout_s: float
    ) -> Connection:
        twin = self.twins.get(address.upper())
        if twin is None or not twin.advertising:
            await asyncio.sleep(min(timeout_s, ADVERTISING_INTERVAL_S))
            raise DeviceError("device not found: is it switched on and in range?", address=address)
        if twin.faults.refuse_connections:
            await asyncio.sleep(min(timeout_s, ADVERTISING_INTERVAL_S))
            raise DeviceError("the device did not accept the connection", address=address)
        return InProcessConnection(twin, on_disconnect)
