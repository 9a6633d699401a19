"""Twins for ``--simulate``: one per requested device, fed by the signals of :mod:`.signals`."""

from __future__ import annotations

from collections.abc import Mapping

from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.acquisition.twins.signals import make_test_force_signal, walking_imu_signal
from alsmotion.acquisition.twins.tindeq import TindeqTwin
from alsmotion.acquisition.twins.witmotion import WitMotionTwin

from alsmotion.errors import InvalidInputError

#: Rate (Hz) of the IMU twin's source signal (the sensor's highest rate).
IMU_SIGNAL_RATE_HZ = 200.0
#: Rate (Hz) of the force twin's source signal.
FORCE_SIGNAL_RATE_HZ = 80.0


def make_twin(
    kind: str,
    address: str,
    *,
    faults: FaultPlan | None = None,
    seed: int = 0,
    time_scale: float = 1.0,
) -> SimulatedPeripheral:
    """A twin of the device ``kind`` (``imu`` or ``force``) advertising under ``address``."""
    if kind == "imu":
        signal = walking_imu_signal(sampling_rate_hz=IMU_SIGNAL_RATE_HZ, duration_s=60.0, seed=seed)
        return WitMotionTwin(
            address=address,
            signal_si=signal,
            signal_rate_hz=IMU_SIGNAL_RATE_HZ,
            faults=faults,
            seed=seed,
            time_scale=time_scale,
        )
    if kind == "force":
        signal = make_test_force_signal(sampling_rate_hz=FORCE_SIGNAL_RATE_HZ, seed=seed)
        return TindeqTwin(
            address=address,
            signal_si=signal,
            signal_rate_hz=FORCE_SIGNAL_RATE_HZ,
            faults=faults,
            seed=seed,
            time_scale=time_scale,
        )
    raise InvalidInputError(f"no simulated twin for device kind {kind!r}: use imu or force")


def make_twins(addresses: Mapping[str, str], *, seed: int = 0) -> list[SimulatedPeripheral]:
    """One twin per ``kind -> address`` entry."""
    return [
        make_twin(kind, address, seed=seed + i)
        for i, (kind, address) in enumerate(addresses.items())
    ]
