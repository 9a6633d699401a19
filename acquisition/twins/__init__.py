"""Byte-level simulated twins of the supported devices, with fault injection.

A twin emits exactly the notification bytes its real device would, at the device's rate with its
clock drift and BLE connection-event jitter, and answers the device's commands. It sits behind the
same transport interface as a real radio: in-process (:mod:`alsmotion.acquisition.transport.inprocess`)
or as a GATT peripheral on BlueZ (:mod:`alsmotion.acquisition.twins.gatt_server`).
"""

from __future__ import annotations

from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.acquisition.twins.movesense import MovesenseTwin
from alsmotion.acquisition.twins.tindeq import TindeqTwin
from alsmotion.acquisition.twins.witmotion import WitMotionTwin

__all__ = ["FaultPlan", "MovesenseTwin", "SimulatedPeripheral", "TindeqTwin", "WitMotionTwin"]
