"""Twins for ``--simulate``: one per requested device, fed by walking and make-test signals."""

from __future__ import annotations

from alsmotion.acquisition.devices import DeviceDriver, MovesenseImu
from alsmotion.acquisition.twins.base import SimulatedPeripheral
from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.acquisition.twins.movesense import MovesenseTwin
from alsmotion.acquisition.twins.signals import imu9_channels_from_walk, imu_channels_from_walk
from alsmotion.acquisition.twins.tindeq import TindeqTwin
from alsmotion.acquisition.twins.witmotion import WitMotionTwin
from alsmotion.errors import InvalidInputError
from alsmotion.simulate.force import simulate_force_trial
from alsmotion.simulate.gait import simulate_walk
from alsmotion.units import NEWTONS_PER_KGF

#: Rate (Hz) of the IMU twin's source signal (the sensor's highest rate).
IMU_SIGNAL_RATE_HZ = 200.0
#: What the simulated gauge reads unloaded (N): 0.45 kg, the rig offset a tare removes.
FORCE_RIG_OFFSET_N = 0.45 * NEWTONS_PER_KGF
#: Rate (Hz) of the force twin's source signal.
FORCE_SIGNAL_RATE_HZ = 80.0


def make_twin(
    kind: str,
    address: str,
    *,
    name: str | None = None,
    faults: FaultPlan | None = None,
    seed: int = 0,
    time_scale: float = 1.0,
    driver: type[DeviceDriver] | None = None,
) -> SimulatedPeripheral:
    """A twin of the device ``kind`` (``imu`` or ``force``) advertising under ``address`` (and
    ``name``, or its model's default name); ``driver`` picks a model other than the kind's
    default (:data:`~alsmotion.acquisition.devices.MODELS`)."""
    if kind == "imu":
        walk = simulate_walk(
            sampling_rate_hz=IMU_SIGNAL_RATE_HZ, n_strides=40, rest_s=3.0, seed=seed
        )
        if driver is MovesenseImu:
            return MovesenseTwin(
                address=address,
                signal_si=imu9_channels_from_walk(walk),
                signal_rate_hz=IMU_SIGNAL_RATE_HZ,
                name=name,
                faults=faults,
                seed=seed,
                time_scale=time_scale,
            )
        signal = imu_channels_from_walk(walk)
        return WitMotionTwin(
            address=address,
            signal_si=signal,
            signal_rate_hz=IMU_SIGNAL_RATE_HZ,
            name=name,
            faults=faults,
            seed=seed,
            time_scale=time_scale,
        )
    if kind == "force":
        trial = simulate_force_trial(
            sampling_rate_hz=FORCE_SIGNAL_RATE_HZ,
            peak_force_n=180.0,
            quiet_before_s=2.0,
            quiet_after_s=2.0,
            noise_sd_n=0.3,
            seed=seed,
        )
        return TindeqTwin(
            offset_n=FORCE_RIG_OFFSET_N,
            address=address,
            signal_si=trial.force_n[:, None],
            signal_rate_hz=FORCE_SIGNAL_RATE_HZ,
            name=name,
            faults=faults,
            seed=seed,
            time_scale=time_scale,
        )
    raise InvalidInputError(f"no simulated twin for device kind {kind!r}: use imu or force")
