"""Which foot makes each initial contact, from the trunk's sideways velocity at the contact.

The trunk sways over the stance foot: at a left initial contact it is moving leftwards fastest (the
right foot pushed it left during the right single support, the left foot now brakes it), at a right
one rightwards. So the change of sideways velocity over the step before an IC minus that over the
step after it points towards the contact's foot. The sideways direction needs a signed frame, not
the sign-free principal axes: "left" is ``up x forward`` in the sensor's right-handed frame, with
forward the direction in which the trunk is fastest at the contacts (it slows over each single
support, when it climbs over the stance leg, and speeds up again into the next double support,
like the vertical excursion of the inverted pendulum). Both cues are velocity differences between
event-bounded intervals, so they need no constant and no sign convention of the wearer. They do
need the axes as the IMU defines them (right-handed): data with one axis negated on export would
swap every label.

A trunk that rolls sideways tilts the accelerometer, which then reads part of gravity as sideways
acceleration; with a gyroscope the tilt (integrated angular velocity, relative to the window in
which the vertical is averaged) is removed first.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from alsmotion.units import STANDARD_GRAVITY_MPS2


def tilt_corrected_horizontal(
    horizontal_mps2: np.ndarray,
    up: np.ndarray,
    gyro_rads: np.ndarray,
    *,
    sampling_rate_hz: float,
    window_samples: int,
) -> np.ndarray:
    """Horizontal acceleration (n, 3) with the gravity read through trunk tilt removed.

    ``up`` (n, 3) is the vertical averaged over ``window_samples``; the tilt is the angular velocity
    integrated and taken relative to its own average over that window (small angles). A sensor
    tilted by the rotation vector ``r`` sees the vertical as ``up - r x up``, so it reads
    ``-g r x up`` of gravity horizontally; that is added back and the result made horizontal again.
    """
    angle_rad = np.cumsum(gyro_rads, axis=0) / sampling_rate_hz
    angle_rad -= uniform_filter1d(
        angle_rad, size=max(int(window_samples), 1), axis=0, mode="nearest"
    )
    corrected = horizontal_mps2 + STANDARD_GRAVITY_MPS2 * np.cross(angle_rad, up)
    return corrected - np.einsum("ni,ni->n", corrected, up)[:, None] * up


def left_foot_cues_mps(
    horizontal_mps2: np.ndarray,
    up: np.ndarray,
    ic: np.ndarray,
    valid: np.ndarray,
    *,
    sampling_rate_hz: float,
) -> np.ndarray:
    """Per initial contact: leftward trunk velocity at the contact relative to the contacts around it
    (m/s); positive for a left contact, NaN where it cannot be told.

    Parameters
    ----------
    horizontal_mps2 : (n, 3) horizontal acceleration in the sensor frame (right-handed).
    up : (n, 3) unit vertical per sample.
    ic : sample indices of the initial contacts (sorted); step k runs from ``ic[k]`` to ``ic[k + 1]``.
    valid : per step, True for a walking step. Only contacts between two valid steps get a cue, and
        forward is found over each run of valid steps.
    """
    ic = np.asarray(ic, dtype=int)
    cues = np.full(len(ic), np.nan)
    if len(ic) < 3:
        return cues
    cumulative = np.empty((len(horizontal_mps2) + 1, 3))
    cumulative[0] = 0.0
    np.cumsum(horizontal_mps2, axis=0, out=cumulative[1:])
    inner = np.arange(1, len(ic) - 1)
    inner = inner[valid[inner - 1] & valid[inner]]
    if not len(inner):
        return cues
    mid = (ic[:-1] + ic[1:]) // 2
    at_ic = 2.0 * cumulative[ic[inner]]
    # Velocity at the contact against the two mid-stances around it (forward) and against the
    # contacts before and after it (sideways), as velocity changes over the intervals between.
    forward_evidence = at_ic - cumulative[mid[inner - 1]] - cumulative[mid[inner]]
    sideways = at_ic - cumulative[ic[inner - 1]] - cumulative[ic[inner + 1]]
    # Runs of consecutive valid steps: a new run starts after every invalid step.
    run = np.cumsum(~valid)[inner]
    _, run_index = np.unique(run, return_inverse=True)
    forward = np.zeros((run_index.max() + 1, 3))
    np.add.at(forward, run_index, forward_evidence)
    norm = np.linalg.norm(forward, axis=1, keepdims=True)
    forward = np.divide(forward, norm, out=np.full_like(forward, np.nan), where=norm > 0)
    left = np.cross(up[ic[inner]], forward[run_index])
    cues[inner] = np.einsum("ni,ni->n", sideways, left) / sampling_rate_hz
    return cues
