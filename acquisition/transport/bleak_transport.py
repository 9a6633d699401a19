"""The real radio: bleak (BlueZ on Linux) with bleak-retry-connector's ``establish_connection``.

bleak is imported when this transport is created (extra ``ble``). High-rate notifications use
BlueZ ``AcquireNotify`` (a socket) instead of one D-Bus signal per notification where the
peripheral supports it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from alsmotion.acquisition.transport.base import (
    Advertisement,
    Connection,
    NotifyCallback,
    Transport,
)
from alsmotion.errors import DeviceError, require

#: Connection attempts establish_connection makes (with its own backoff) per connect call.
CONNECT_ATTEMPTS = 3


@contextlib.contextmanager
def bluetooth_errors(address: str | None = None) -> Iterator[None]:
    """Turn the errors of bleak, D-Bus and the OS into :class:`DeviceError` saying what to do."""
    bleak = require("bleak", extra="ble", feature="BLE recording")
    dbus_fast = require("dbus_fast", extra="ble", feature="BLE recording")
    try:
        yield
    except (bleak.exc.BleakError, dbus_fast.errors.DBusError, OSError, EOFError) as exc:
        raise DeviceError(
            f"Bluetooth is not available or refused ({type(exc).__name__}: {exc}): check that "
            "the adapter is on and BlueZ (bluetoothd) is running",
            address=address,
        ) from exc


class BleakConnection(Connection):
    """A connected ``BleakClient``."""

    def __init__(self, client: Any, address: str, *, use_acquire_notify: bool) -> None:
        self.address = address
        self._client = client
        self._use_acquire_notify = use_acquire_notify

    @property
    def is_connected(self) -> bool:
        return bool(self._client.is_connected)

    def _characteristic(self, char_uuid: str) -> Any:
        return self._client.services.get_characteristic(char_uuid)

    async def start_notify(self, char_uuid: str, callback: NotifyCallback) -> None:
        def on_notify(_characteristic: Any, data: bytearray) -> None:
            callback(bytes(data))

        bluez = {"use_start_notify": not self._use_acquire_notify}
        await self._guarded(self._client.start_notify(char_uuid, on_notify, bluez=bluez))

    async def write(self, char_uuid: str, data: bytes) -> None:
        characteristic = self._characteristic(char_uuid)
        if characteristic is None:
            raise DeviceError(f"no characteristic {char_uuid} to write to", address=self.address)
        response = "write-without-response" not in characteristic.properties
        await self._guarded(self._client.write_gatt_char(characteristic, data, response=response))

    async def read(self, char_uuid: str) -> bytes | None:
        characteristic = self._characteristic(char_uuid)
        if characteristic is None or "read" not in characteristic.properties:
            return None
        return bytes(await self._guarded(self._client.read_gatt_char(characteristic)))

    async def disconnect(self) -> None:
        bleak = require("bleak", extra="ble", feature="BLE recording")
        try:
            await self._client.disconnect()
        except (bleak.exc.BleakError, EOFError, TimeoutError):
            return

    async def _guarded(self, awaitable: Any) -> Any:
        bleak = require("bleak", extra="ble", feature="BLE recording")
        try:
            return await awaitable
        except (bleak.exc.BleakError, EOFError, TimeoutError) as exc:
            raise DeviceError(f"BLE operation failed: {exc}", address=self.address) from exc


class BleakTransport(Transport):
    """Scans and connects with bleak.

    Parameters
    ----------
    adapter : the host adapter to use (e.g. ``"hci0"``); None: BlueZ's default.
    use_acquire_notify : subscribe with BlueZ ``AcquireNotify`` (needs peripheral support).
    """

    def __init__(self, *, adapter: str | None = None, use_acquire_notify: bool = True) -> None:
        self._bleak = require("bleak", extra="ble", feature="BLE recording")
        self._retry = require("bleak_retry_connector", extra="ble", feature="BLE recording")
        self.adapter = adapter
        self.use_acquire_notify = use_acquire_notify
        self._seen: dict[str, Any] = {}

    def _bluez_args(self) -> dict[str, str]:
        return {} if self.adapter is None else {"adapter": self.adapter}

    async def scan(self, *, service_uuids: Sequence[str], timeout_s: float) -> list[Advertisement]:
        with bluetooth_errors():
            found = await self._bleak.BleakScanner.discover(
                timeout=timeout_s,
                return_adv=True,
                service_uuids=list(service_uuids) or None,
                bluez=self._bluez_args(),
            )
        result = []
        for device, advertisement in found.values():
            self._seen[device.address.upper()] = device
            result.append(
                Advertisement(
                    address=device.address,
                    name=advertisement.local_name or device.name or "",
                    service_uuids=tuple(advertisement.service_uuids),
                    rssi_dbm=advertisement.rssi,
                )
            )
        return result

    async def connect(
        self, address: str, *, on_disconnect: Callable[[], None], timeout_s: float
    ) -> Connection:
        bleak = self._bleak
        with bluetooth_errors(address):
            device = await bleak.BleakScanner.find_device_by_address(
                address, timeout=timeout_s, bluez=self._bluez_args()
            )
        if device is None:
            device = self._seen.get(address.upper())
        if device is None:
            raise DeviceError("device not found: is it switched on and in range?", address=address)
        try:
            client = await self._retry.establish_connection(
                bleak.BleakClient,
                device,
                address,
                disconnected_callback=lambda _client: on_disconnect(),
                max_attempts=CONNECT_ATTEMPTS,
                bluez=self._bluez_args(),
            )
        except (bleak.exc.BleakError, TimeoutError, OSError, EOFError) as exc:
            raise DeviceError(f"could not connect: {exc}", address=address) from exc
        return BleakConnection(client, address, use_acquire_notify=self.use_acquire_notify)
