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

    from alsmotion.acquisition.devices import DRIVERS
    from alsmotion.acquisition.wiring import make_transport

    simulated = {"imu": "SIM:00:00:00:00:01", "force": "SIM:00:00:00:00:02"}
    transport, _twins = make_transport(simulated, simulate=args.simulate, adapter=args.adapter)
    kinds = {driver.gatt.service_uuid: kind for kind, driver in DRIVERS.items()}
    found = asyncio.run(transport.scan(service_uuids=list(kinds), timeout_s=args.timeout_s))
    if not found:
        print("no recordable device found: switch the devices on and keep them close")
        return 0
    for advertisement in found:
        kind = next((kinds[u] for u in advertisement.service_uuids if u in kinds), "?")
        model = DRIVERS[kind].model if kind in DRIVERS else "unknown"
        rssi = "" if advertisement.rssi_dbm is None else f"  {advertisement.rssi_dbm} dBm"
        print(f"{kind}={advertisement.address}  {model}  {advertisement.name}{rssi}")
    return 0
