"""Run the BlueZoo BlueZ emulator with the fixes a correct central needs (test harness only).

BlueZoo 1.0.2 (GPL-2.0, a test dependency) differs from real BlueZ in ways DOMAIN.md lists; the
small subclasses below make it behave like BlueZ where the recorder depends on it:

- a rescan re-reports a device it already knows (real BlueZ emits an RSSI change per advertising
  report), so a central can find a device again to reconnect;
- a disconnect, from either side, drops both sides of the link and tells the peripheral's GATT
  application that notifications stopped (real BlueZ calls StopNotify when the client goes);
- the GATT objects of a link go away with it, so a reconnect does not deliver every
  notification twice;
- adapters report their roles, the peripheral's as ``["peripheral"]``.

Usage: ``python bluezoo_harness.py --peripheral ADDRESS [--peripheral ADDRESS] --central ADDRESS``
on the bus in ``DBUS_SYSTEM_BUS_ADDRESS``; prints ``ready`` when the adapters are up.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from typing import ClassVar

import sdbus
from bluezoo import adapter as bluezoo_adapter
from bluezoo import bluezoo as bluezoo_main
from bluezoo import device as bluezoo_device
from bluezoo.gatt import GattCharacteristicClientLink

_rssi = itertools.cycle(range(-60, -50))


class HarnessDevice(bluezoo_device.Device):
    """A device whose RSSI changes per report and whose disconnect drops both ends."""

    @sdbus.dbus_property_async_override()
    def RSSI(self) -> int:
        return self.rssi

    @RSSI.setter_private
    def RSSI_setter(self, value: int) -> None:
        self.rssi = value

    def counterpart(self) -> HarnessDevice | None:
        """This link's other end: the device standing for our adapter on the peer adapter."""
        path = f"{self.peer_adapter.get_object_path()}/dev_{self.adapter.address.replace(':', '_')}"
        return self.peer_adapter.devices.get(path)

    async def drop_gatt_links(self) -> None:
        for link in list(self.services.values()):
            if isinstance(link, GattCharacteristicClientLink):
                link.client_props_changed_subscription.unsubscribe()
                if link.client.Notifying.get(False):
                    await link.client.StopNotify()
            self.peer_adapter.mock.remove_object(link)
        self.services.clear()
        if self.services_resolved:
            await self.ServicesResolved.set_async(False)

    async def disconnect(self, uuid: str | None = None) -> None:
        self.connecting_task.cancel()
        for device in (self, self.counterpart()):
            if device is None:
                continue
            await device.drop_gatt_links()
            if device.connected:
                await device.Connected.set_async(False)


class HarnessAdapter(bluezoo_adapter.Adapter):
    """An adapter that re-reports known devices and names its role."""

    peripheral_ids: ClassVar[set[int]] = set()

    async def add_device(self, device: bluezoo_device.Device) -> None:
        path_known = f"{self.get_object_path()}/dev_{device.address.replace(':', '_')}"
        known = self.devices.get(path_known)
        await super().add_device(device)
        if known is not None and known is not device and device.is_le:
            await known.RSSI.set_async(next(_rssi))

    @sdbus.dbus_property_async_override()
    def Roles(self) -> list[str]:
        return ["peripheral"] if self.id in self.peripheral_ids else ["central"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peripheral", action="append", default=[])
    parser.add_argument("--central", required=True)
    args = parser.parse_args()
    bluezoo_main.Adapter = HarnessAdapter
    bluezoo_main.Device = HarnessDevice
    bluezoo_device.Device = HarnessDevice
    HarnessAdapter.peripheral_ids = set(range(len(args.peripheral)))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(
        bluezoo_main.startup(
            bus="system",
            adapters=[*args.peripheral, args.central],
            auto_enable=True,
            scan_interval=1,
        )
    )
    print("ready", flush=True)
    loop.run_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
