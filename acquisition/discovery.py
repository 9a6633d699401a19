"""Find the devices to record as people name them: by address, by name (or name prefix) or by
the GATT service they advertise, with one scan before the session starts.

``--device force=Progressor_4218`` (the name printed on the gauge or a prefix of it),
``--device force=C4:3E:11:22:33:44`` (an address) and ``--device force=service:7e4e1701-...``
(the first device advertising that service) all resolve to an address before anything is
recorded, so a device that is off, out of range or misnamed is reported within the scan time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from alsmotion.acquisition.transport.base import Advertisement, Transport
from alsmotion.errors import DeviceError, InvalidInputError

#: Six hex pairs separated by colons, e.g. C4:3E:11:22:33:44.
ADDRESS_PATTERN = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
#: What looks like an attempt at an address: hex pairs joined by ':' or '-'.
ADDRESS_LIKE = re.compile(r"^[0-9A-Fa-f]{1,2}([:-][0-9A-Fa-f]{0,3})+$")
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SERVICE_PREFIX = "service:"


@dataclass(frozen=True)
class DeviceSelector:
    """How one device was named: ``by`` is ``address``, ``name`` or ``service``."""

    kind: str
    by: str
    value: str

    def matches(self, advertisement: Advertisement) -> bool:
        if self.by == "address":
            return advertisement.address.upper() == self.value
        if self.by == "service":
            return self.value in {u.lower() for u in advertisement.service_uuids}
        return advertisement.name.startswith(self.value)

    def describe(self) -> str:
        what = {"address": "at address", "name": "named", "service": "advertising service"}
        return f"{self.kind} device {what[self.by]} {self.value}"


def parse_selector(kind: str, text: str) -> DeviceSelector:
    """Read ``text`` of ``--device KIND=TEXT``; a malformed address is refused at once."""
    text = text.strip()
    if not text:
        raise InvalidInputError(f"{kind}: give an address, a name or service:UUID")
    if text.lower().startswith(SERVICE_PREFIX):
        uuid = text[len(SERVICE_PREFIX) :].lower()
        if not UUID_PATTERN.match(uuid):
            raise InvalidInputError(
                f"{kind}: {uuid!r} is not a 128-bit service UUID "
                "(e.g. service:7e4e1701-1ea6-40c9-9dcc-13d34ffead57)"
            )
        return DeviceSelector(kind, "service", uuid)
    if ADDRESS_PATTERN.match(text):
        return DeviceSelector(kind, "address", text.upper())
    if ADDRESS_LIKE.match(text) or text.count(":") >= 2:
        raise InvalidInputError(
            f"{kind}: {text!r} is not a Bluetooth address: write six hex pairs separated by "
            "colons (e.g. C4:3E:11:22:33:44), or give the device's name"
        )
    return DeviceSelector(kind, "name", text)


async def resolve_addresses(
    transport: Transport,
    selectors: Sequence[DeviceSelector],
    *,
    service_uuids: Mapping[str, str],
    scan_timeout_s: float,
) -> dict[str, str]:
    """Scan once and return ``kind -> address`` for every selector.

    Parameters
    ----------
    service_uuids : ``kind -> service UUID`` of each kind's driver (filters the scan; a name or
        address must belong to a device advertising its kind's service).
    scan_timeout_s : how long to listen (s).

    Raises :class:`DeviceError` naming every device not found and what to do; a missing adapter
    or stopped BlueZ raises from the scan itself.
    """
    found = await transport.scan(
        service_uuids=sorted(set(service_uuids.values())), timeout_s=scan_timeout_s
    )
    addresses: dict[str, str] = {}
    missing: list[str] = []
    for selector in selectors:
        wanted_service = service_uuids[selector.kind].lower()
        candidates = [
            a
            for a in found
            if selector.matches(a)
            and (selector.by != "name" or wanted_service in {u.lower() for u in a.service_uuids})
        ]
        if not candidates:
            missing.append(selector.describe())
            continue
        best = max(candidates, key=lambda a: (a.name == selector.value, a.rssi_dbm or -999))
        addresses[selector.kind] = best.address
    if missing:
        seen = ", ".join(f"{a.name or '?'} ({a.address})" for a in found) or "none"
        raise DeviceError(
            f"not found within {scan_timeout_s:g} s: {'; '.join(missing)}. Switch the device on "
            "(press its button), keep it within a few metres, check that no phone or tablet is "
            f"connected to it, and run again (`alsmotion scan` lists what is seen). Seen: {seen}"
        )
    return addresses
