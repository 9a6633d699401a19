"""``alsmotion scan``: list nearby devices that alsmotion can record (by GATT service UUID)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scan", help="list nearby BLE devices alsmotion can record")
    parser.add_argument(
        "--timeout-s", type=float, default=5.0, help="how long to listen, s (default 5)"
    )
    parser.add_argument("--adapter", help="host Bluetooth adapter, e.g. hci0 (default: BlueZ's)")
    parser.add_argument(
        "--simulate", action="store_true", help="list simulated twins instead of radios"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from alsmotion.acquisition.devices import DRIVERS, MODELS
    from alsmotion.acquisition.wiring import make_transport

    simulated = {"imu": "SIM:00:00:00:00:01", "force": "SIM:00:00:00:00:02"}
    transport, _twins = make_transport(simulated, simulate=args.simulate, adapter=args.adapter)
    # What to write after --device for each service: the kind, and the model unless default.
    selectors = {
        driver.gatt.service_uuid: (
            f"{kind}=" if driver is DRIVERS[kind] else f"{kind}={name}:",
            driver.model,
        )
        for kind, models in MODELS.items()
        for name, driver in models.items()
    }
    found = asyncio.run(transport.scan(service_uuids=list(selectors), timeout_s=args.timeout_s))
    if not found:
        print("no recordable device found: switch the devices on and keep them close")
        return 0
    for advertisement in found:
        prefix, model = next(
            (selectors[u] for u in advertisement.service_uuids if u in selectors),
            ("?=", "unknown"),
        )
        rssi = "" if advertisement.rssi_dbm is None else f"  {advertisement.rssi_dbm} dBm"
        print(f"{prefix}{advertisement.address}  {model}  {advertisement.name}{rssi}")
    return 0
