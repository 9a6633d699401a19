"""Serve a simulated twin as a real GATT peripheral on BlueZ's D-Bus API (dbus-fast).

The twin's service, its notify and write characteristics and a Device Information service are
exported as a BlueZ GATT application and advertised with the twin's service UUID on one adapter;
any central (bleak on another adapter, a phone) then sees the device over BlueZ. Works against
real BlueZ and against the BlueZoo emulator. The data characteristic offers both ``StartNotify``
(one ``PropertiesChanged`` signal per notification) and ``AcquireNotify`` (a socket).

The twin's link faults map to BlueZ: a fault disconnect calls ``Device1.Disconnect`` on the
connected central, and while the twin is "away" its advertisement is withdrawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Annotated, Any

from alsmotion.acquisition.devices.base import (
    DEVICE_INFORMATION_CHARACTERISTICS,
    DEVICE_INFORMATION_SERVICE,
)
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.errors import require

BLUEZ = "org.bluez"
APP_ROOT = "/org/alsmotion/twin"
#: How often (s) the server follows the twin's advertising state.
ADVERTISING_POLL_S = 0.05


require("dbus_fast", extra="ble", feature="serving a twin over BlueZ")

from dbus_fast import BusType  # noqa: E402 - after the guard that names the extra
from dbus_fast.aio import MessageBus  # noqa: E402
from dbus_fast.annotations import (  # noqa: E402
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
)
from dbus_fast.service import (  # noqa: E402
    PropertyAccess,
    ServiceInterface,
    dbus_method,
    dbus_property,
)

StrList = Annotated[list[str], DBusSignature("as")]
FdAndMtu = Annotated[list[int], DBusSignature("hq")]
#: Time (s) after which the server closes its copy of a socket handed out over D-Bus.
FD_HANDOVER_S = 1.0


class GattService(ServiceInterface):
    def __init__(self, uuid: str) -> None:
        super().__init__("org.bluez.GattService1")
        self._uuid = uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> DBusBool:
        return True


class GattCharacteristic(ServiceInterface):
    def __init__(
        self, server: GattTwinServer, uuid: str, service_path: str, flags: list[str]
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self._server = server
        self._uuid = uuid
        self._service_path = service_path
        self._flags = flags
        self._value = b""
        self.notifying = False

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> DBusObjectPath:
        return self._service_path

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> StrList:
        return self._flags

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> DBusBytes:
        return self._value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        return self._server.twin.read(self._uuid) or b""

    @dbus_method()
    def WriteValue(self, value: DBusBytes, options: DBusDict):
        self._server.on_write(self._uuid, bytes(value))

    @dbus_method()
    def StartNotify(self):
        self.notifying = True
        self._server.on_start_notify(self._uuid)

    @dbus_method()
    def StopNotify(self):
        self.close()
        self._server.on_stop_notify()

    @dbus_method()
    def Confirm(self):
        return None

    def send(self, data: bytes) -> None:
        self._value = data
        self.emit_properties_changed({"Value": data})

    def close(self) -> None:
        """Release what the subscription holds (nothing for ``StartNotify``)."""
        self.notifying = False


class NotifyCharacteristic(GattCharacteristic):
    """The data characteristic: also offers ``AcquireNotify`` (notifications over a socket)."""

    def __init__(
        self, server: GattTwinServer, uuid: str, service_path: str, flags: list[str]
    ) -> None:
        super().__init__(server, uuid, service_path, flags)
        self._socket: socket.socket | None = None
        self._handed_over: socket.socket | None = None

    @dbus_property(access=PropertyAccess.READ)
    def NotifyAcquired(self) -> DBusBool:
        return self._socket is not None

    @dbus_method()
    def AcquireNotify(self, options: DBusDict) -> FdAndMtu:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.close()
        self._socket = ours
        self.notifying = True
        self._server.on_start_notify(self._uuid)
        # The reply carries a duplicate of ``theirs``; close ours once the reply has gone.
        self._handed_over = theirs
        asyncio.get_running_loop().call_later(FD_HANDOVER_S, theirs.close)
        return [theirs.fileno(), self._server.twin.att_mtu]

    def send(self, data: bytes) -> None:
        if self._socket is None:
            super().send(data)
            return
        try:
            self._socket.send(data)
        except OSError:  # the central closed its end: the subscription is over
            self.close()
            self._server.on_stop_notify()

    def close(self) -> None:
        super().close()
        for end in (self._socket, self._handed_over):
            if end is not None:
                end.close()
        self._socket = self._handed_over = None


class Advertisement(ServiceInterface):
    def __init__(self, name: str, service_uuids: list[str]) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self._name = name
        self._uuids = service_uuids

    @dbus_property(access=PropertyAccess.READ)
    def Type(self) -> DBusStr:
        return "peripheral"

    @dbus_property(access=PropertyAccess.READ)
    def ServiceUUIDs(self) -> StrList:
        return self._uuids

    @dbus_property(access=PropertyAccess.READ)
    def LocalName(self) -> DBusStr:
        return self._name

    @dbus_property(access=PropertyAccess.READ)
    def Discoverable(self) -> DBusBool:
        return True

    @dbus_method()
    def Release(self):
        return None


class GattTwinServer:
    """Serves ``twin`` on BlueZ adapter ``adapter``; use ``async with`` or start()/stop().

    Parameters
    ----------
    twin : the simulated peripheral.
    adapter : the BlueZ adapter to serve on (e.g. ``hci0``); the device's address is the
        adapter's address.
    index : distinguishes the object paths of several servers in one process.
    """

    def __init__(self, twin: SimulatedPeripheral, *, adapter: str, index: int = 0) -> None:
        self.twin = twin
        self.adapter_path = f"/org/bluez/{adapter}"
        self.app_path = f"{APP_ROOT}{index}"
        self._bus: Any = None
        self._characteristics: dict[str, Any] = {}
        self._advertised = False
        self._watcher: asyncio.Task[None] | None = None
        self._attached = False

    async def __aenter__(self) -> GattTwinServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Export the GATT application, register it and start advertising."""
        self._bus = bus = await MessageBus(
            bus_type=BusType.SYSTEM, negotiate_unix_fd=True
        ).connect()
        gatt = self.twin.driver.gatt
        layout = [
            (
                gatt.service_uuid,
                [
                    (gatt.notify_uuid, ["notify"]),
                    (gatt.write_uuid, ["write", "write-without-response"]),
                ],
            ),
            (
                DEVICE_INFORMATION_SERVICE,
                [(uuid, ["read"]) for uuid in DEVICE_INFORMATION_CHARACTERISTICS.values()],
            ),
        ]
        for s, (service_uuid, characteristics) in enumerate(layout):
            service_path = f"{self.app_path}/service{s}"
            bus.export(service_path, GattService(service_uuid))
            for c, (char_uuid, flags) in enumerate(characteristics):
                kind = NotifyCharacteristic if "notify" in flags else GattCharacteristic
                characteristic = kind(self, char_uuid, service_path, flags)
                bus.export(f"{service_path}/char{c}", characteristic)
                self._characteristics[char_uuid] = characteristic
        self._advertisement_path = f"{self.app_path}/advertisement"
        bus.export(
            self._advertisement_path,
            Advertisement(self.twin.name, list(self.twin.service_uuids)),
        )
        adapter = await self._interface(self.adapter_path, "org.bluez.Adapter1")
        await adapter.set_powered(True)
        # Some stacks (BlueZoo) only report a peripheral whose adapter is discoverable.
        await adapter.set_discoverable(True)
        manager = await self._interface(self.adapter_path, "org.bluez.GattManager1")
        await manager.call_register_application(self.app_path, {})
        await self._set_advertising(True)
        self._watcher = asyncio.get_running_loop().create_task(self._follow_advertising())

    async def stop(self) -> None:
        """Withdraw the advertisement and the application, and close the bus."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._bus is None:
            return
        self.twin.detach()
        for characteristic in self._characteristics.values():
            characteristic.close()
        with contextlib.suppress(Exception):
            await self._set_advertising(False)
            manager = await self._interface(self.adapter_path, "org.bluez.GattManager1")
            await manager.call_unregister_application(self.app_path)
        self._bus.disconnect()
        self._bus = None

    async def _interface(self, path: str, name: str) -> Any:
        introspection = await self._bus.introspect(BLUEZ, path)
        return self._bus.get_proxy_object(BLUEZ, path, introspection).get_interface(name)

    async def _set_advertising(self, advertise: bool) -> None:
        if advertise == self._advertised:
            return
        manager = await self._interface(self.adapter_path, "org.bluez.LEAdvertisingManager1")
        if advertise:
            await manager.call_register_advertisement(self._advertisement_path, {})
        else:
            await manager.call_unregister_advertisement(self._advertisement_path)
        self._advertised = advertise

    async def _follow_advertising(self) -> None:
        while True:
            await self._set_advertising(self.twin.advertising)
            await asyncio.sleep(ADVERTISING_POLL_S)

    # --- calls from the GATT objects ----------------------------------------------------------

    def _attach(self) -> None:
        if not self._attached:
            self._attached = True
            self.twin.attach(self)

    def on_write(self, char_uuid: str, data: bytes) -> None:
        self._attach()
        self.twin.write(char_uuid, data)

    def on_start_notify(self, char_uuid: str) -> None:
        self._attach()
        self.twin.subscribe(char_uuid)

    def on_stop_notify(self) -> None:
        if self._attached:
            self._attached = False
            self.twin.detach()

    # --- TwinLink -----------------------------------------------------------------------------

    def notify(self, char_uuid: str, data: bytes) -> None:
        characteristic = self._characteristics.get(char_uuid)
        if characteristic is not None and characteristic.notifying:
            characteristic.send(data)

    def drop(self) -> None:
        self._attached = False
        asyncio.get_running_loop().create_task(self._disconnect_centrals())

    async def _disconnect_centrals(self) -> None:
        for characteristic in self._characteristics.values():
            characteristic.close()
        introspection = await self._bus.introspect(BLUEZ, "/")
        root = self._bus.get_proxy_object(BLUEZ, "/", introspection)
        manager = root.get_interface("org.freedesktop.DBus.ObjectManager")
        objects = await manager.call_get_managed_objects()
        for path, interfaces in objects.items():
            device = interfaces.get("org.bluez.Device1")
            if (
                device is not None
                and path.startswith(self.adapter_path + "/")
                and device["Connected"].value
            ):
                proxy = await self._interface(path, "org.bluez.Device1")
                await proxy.call_disconnect()
