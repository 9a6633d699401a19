"""Processing cuts trials on when samples were taken (the recorded clock fits), not on when
they arrived: a packet of 8 samples arrives after its last one was taken, up to 60 ms late, so
by arrival time a trial's window starts about ten samples late."""

from __future__ import annotations

import numpy as np
import pytest
from session_helpers import START, WITMOTION, metadata

from alsmotion.processing.session_trials import find_trial, stored_trial_samples
from alsmotion.processing.slicing import trial_mask
from alsmotion.session import Session, SessionWriter
from alsmotion.timing import fit_clock, recorded_timeline_ns

RATE_HZ = 80.0
MIN_LATENCY_NS = 7_500_000  # one BLE connection interval
PACKET = 8


def _session(tmp_path, *, with_fit: bool, restart_after: int | None = None):
    """A force stream whose value is the sample's index, 8 samples per packet arriving 7.5-67.5 ms
    after the packet's last sample was taken; trial events at the times samples 100 and 300 (of
    the first link) were taken. ``with_fit``: the recorder's clock fits are in the events."""
    n = 480
    t0 = int(START.timestamp() * 1e9)
    index = np.arange(n)
    device_s = index / RATE_HZ
    if restart_after is not None:  # a reconnection 2 s later: the device clock restarts at 0
        device_s[restart_after:] = (index[restart_after:] - restart_after) / RATE_HZ
    taken_ns = t0 + np.rint(index / RATE_HZ * 1e9).astype(np.int64)
    if restart_after is not None:
        taken_ns[restart_after:] += 2_000_000_000
    packet_end = (index // PACKET) * PACKET + PACKET - 1
    jitter_ns = np.random.default_rng(3).integers(0, 60_000_000, n // PACKET).repeat(PACKET)
    arrival_ns = taken_ns[packet_end] + MIN_LATENCY_NS + jitter_ns
    with SessionWriter.create(tmp_path, metadata()) as writer:
        force = writer.add_stream(
            "force",
            kind="force",
            channels=(("force", "N"),),
            sampling_rate_hz=RATE_HZ,
            device=WITMOTION,
        )
        force.append(index.astype(float), host_time_ns=arrival_ns, device_time_s=device_s)
        if with_fit:  # as the recorder fits each link: packets' last device times vs arrivals
            links = [index] if restart_after is None else np.split(index, [restart_after])
            for link in links:
                ends = link[PACKET - 1 :: PACKET]
                fit = fit_clock(device_s[ends], arrival_ns[ends])
                writer.record_timing_fit("force", fit.to_dict())
        common = {
            "test": "HHD",
            "trial": 1,
            "muscle": "knee_extension",
            "side": "left",
            "method": "make",
        }
        writer.log_event("trial_started", host_time_ns=int(taken_ns[100]), **common)
        writer.log_event("trial_stopped", host_time_ns=int(taken_ns[300]), **common)
    return Session.open(writer.path)


@pytest.mark.parametrize("with_fit", [True, False], ids=["recorded fit", "refitted"])
@pytest.mark.parametrize("restart_after", [None, 200], ids=["one link", "reconnected"])
def test_a_trial_holds_the_samples_taken_inside_its_window(tmp_path, with_fit, restart_after):
    session = _session(tmp_path, with_fit=with_fit, restart_after=restart_after)
    row = find_trial(session, test="HHD", trial=1, muscle="knee_extension", side="left")
    samples = stored_trial_samples(session, "force", row)
    taken = samples.values[:, 0]
    assert taken[0] == pytest.approx(100, abs=1)
    assert taken[-1] == pytest.approx(300, abs=1)
    by_arrival = session.streams["force"].values[
        trial_mask(session.streams["force"].host_time_ns, row["start_host_ns"], row["stop_host_ns"])
    ]
    assert by_arrival[0, 0] <= 100 - 3  # what cutting on arrival times gives


def test_damaged_recorded_fits_fall_back_to_the_stored_columns(tmp_path):
    session = _session(tmp_path, with_fit=True)
    fits = [{"intercept_ns": "soon", "slope": 1.0}]
    stream = session.streams["force"]
    refitted = recorded_timeline_ns(stream.host_time_ns, stream.device_time_s, fits)
    assert np.array_equal(
        refitted, recorded_timeline_ns(stream.host_time_ns, stream.device_time_s, [])
    )
    taken_ns = session.sample_time_ns("force")
    assert np.abs(taken_ns - refitted).max() < 12_500_000  # both fits agree within a sample
