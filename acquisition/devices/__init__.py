"""Device drivers: one module per device model, all implementing :class:`base.DeviceDriver`."""

from __future__ import annotations

from alsmotion.acquisition.devices.base import DeviceDriver
from alsmotion.acquisition.devices.tindeq import TindeqProgressor
from alsmotion.acquisition.devices.witmotion import WitMotionImu

#: Driver class per device kind name used on the command line (``--device imu=ADDRESS``).
DRIVERS: dict[str, type[DeviceDriver]] = {"imu": WitMotionImu, "force": TindeqProgressor}

__all__ = ["DRIVERS", "DeviceDriver", "TindeqProgressor", "WitMotionImu"]
