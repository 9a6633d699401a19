"""Device drivers: one module per device model, all implementing :class:`base.DeviceDriver`."""

from __future__ import annotations

from alsmotion.acquisition.devices.base import DeviceDriver
from alsmotion.acquisition.devices.movesense import MovesenseImu
from alsmotion.acquisition.devices.tindeq import TindeqProgressor
from alsmotion.acquisition.devices.witmotion import WitMotionImu
from alsmotion.errors import InvalidInputError

#: Default driver class per device kind name used on the command line (``--device imu=ADDRESS``).
DRIVERS: dict[str, type[DeviceDriver]] = {"imu": WitMotionImu, "force": TindeqProgressor}
#: Every model of each kind, by the name that picks it (``--device imu=movesense:ADDRESS``).
MODELS: dict[str, dict[str, type[DeviceDriver]]] = {
    "imu": {"witmotion": WitMotionImu, "movesense": MovesenseImu},
    "force": {"tindeq": TindeqProgressor},
}


def split_model(kind: str, text: str) -> tuple[type[DeviceDriver], str]:
    """Read an optional model prefix off ``text`` of ``--device KIND=TEXT``.

    ``movesense:0C:8C:DC:11:22:33`` gives the Movesense driver and the address; text without a
    model prefix (an address, a name, ``service:UUID``) gives the kind's default driver.
    """
    models = MODELS.get(kind)
    if models is None:
        raise InvalidInputError(f"unknown device kind {kind!r}: use {', '.join(MODELS)}")
    prefix, sep, rest = text.strip().partition(":")
    model = prefix.lower()
    if sep and model in models:
        return models[model], rest.strip()
    return DRIVERS[kind], text


__all__ = [
    "DRIVERS",
    "MODELS",
    "DeviceDriver",
    "MovesenseImu",
    "TindeqProgressor",
    "WitMotionImu",
    "split_model",
]
