"""Finding devices by address, name prefix or service, and refusing what cannot be one."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from alsmotion.acquisition.devices import TindeqProgressor, WitMotionImu
from alsmotion.acquisition.discovery import parse_selector, resolve_addresses
from alsmotion.acquisition.transport.inprocess import InProcessTransport
from alsmotion.acquisition.twins import TindeqTwin, WitMotionTwin
from alsmotion.errors import DeviceError, InvalidInputError

SERVICES = {"force": TindeqProgressor.gatt.service_uuid, "imu": WitMotionImu.gatt.service_uuid}


def _transport() -> InProcessTransport:
    force = TindeqTwin(
        address="C4:00:00:00:42:18",
        name="Progressor_4218",
        signal_si=np.zeros((4, 1)),
        signal_rate_hz=80.0,
    )
    imu = WitMotionTwin(
        address="C4:00:00:00:00:07",
        name="WT901BLE68",
        signal_si=np.zeros((4, 9)),
        signal_rate_hz=100.0,
    )
    return InProcessTransport([force, imu])


@pytest.mark.parametrize(
    ("text", "by"),
    [
        ("c4:3e:11:22:33:44", "address"),
        ("Progressor_4218", "name"),
        ("Progressor", "name"),
        ("service:7E4E1701-1EA6-40C9-9DCC-13D34FFEAD57", "service"),
    ],
)
def test_selectors(text: str, by: str) -> None:
    assert parse_selector("force", text).by == by


@pytest.mark.parametrize(
    "text", ["C4:3E:11:22:33", "C4-3E-11-22-33-44", "C4:3E:11:22:33:4G", "service:7e4e"]
)
def test_malformed_addresses_and_uuids_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="not a"):
        parse_selector("force", text)


def test_resolve_by_name_prefix_address_and_service() -> None:
    selectors = [
        parse_selector("force", "Progressor_42"),
        parse_selector("imu", "C4:00:00:00:00:07"),
    ]
    found = asyncio.run(
        resolve_addresses(_transport(), selectors, service_uuids=SERVICES, scan_timeout_s=0.1)
    )
    assert found == {"force": "C4:00:00:00:42:18", "imu": "C4:00:00:00:00:07"}
    by_service = [parse_selector("force", f"service:{SERVICES['force']}")]
    found = asyncio.run(
        resolve_addresses(_transport(), by_service, service_uuids=SERVICES, scan_timeout_s=0.1)
    )
    assert found == {"force": "C4:00:00:00:42:18"}


def test_a_device_never_found_is_reported_within_the_scan_with_what_to_do() -> None:
    selectors = [parse_selector("force", "Progressor_9999")]
    with pytest.raises(DeviceError, match="Switch the device on") as caught:
        asyncio.run(
            resolve_addresses(_transport(), selectors, service_uuids=SERVICES, scan_timeout_s=0.1)
        )
    assert "force device named Progressor_9999" in str(caught.value)
    assert "Progressor_4218 (C4:00:00:00:42:18)" in str(caught.value)
