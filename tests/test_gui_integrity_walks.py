"""What the physiotherapist accepts is what is exported, for timed walks: the integrity points
2-5 and 7 of the visit GUI (the strength points are in ``test_gui_integrity_strength.py``; the
window, the twins and the helpers in ``gui_driver.py``). Each test checks the session and the export
the visit writes.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("alsmotion.acquisition.live", reason="needs the ble area's LiveAcquisition")

from gui_driver import LEFT, SHORT_2MWT_S, export, short_2mwt, shot, streaming, type_distance
from PySide6 import QtCore, QtWidgets

from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.gui import analysis
from alsmotion.processing import process_session
from alsmotion.session import Session
from alsmotion.session import decisions as current


# 2 and 3 -----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_2mwt_keeps_running_on_another_screen_and_its_entered_distance_is_exported(
    qtbot, open_visit, monkeypatch
):
    short_2mwt(monkeypatch)
    window = open_visit(protocol="gait-hhd-v1")
    window.devices.on_done()
    walk = window.walk
    walk.test.setCurrentText("2MWT")
    qtbot.wait(3500)  # the twin stands for 3 s before it walks
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    assert walk.running
    qtbot.wait(4000)
    assert window.show_screen("Strength")  # away in the middle of the walk
    strength = window.strength
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_Space)
    assert strength.trace is None  # no strength trial while a walk runs
    assert "2MWT trial 1 is running" in strength.reasons.text()
    # the timer runs and stops the walk by itself while the strength screen is shown
    qtbot.waitUntil(lambda: not walk.running, timeout=int(SHORT_2MWT_S * 1000) + 3000)
    assert window.current_screen() is strength
    assert window.show_screen("Walk tests")
    qtbot.waitUntil(lambda: walk.deciding is not None, timeout=20_000)
    trial = walk.deciding
    assert trial.duration_s == pytest.approx(SHORT_2MWT_S, abs=0.6)
    assert not any("lost" in flag for flag in trial.flags), trial.flags  # no fake gap

    # the distance is required and starts empty (not the 10 m of another test)
    assert walk.distance_m.value() == 0.0 and walk.distance_m.isEnabled()
    qtbot.mouseClick(walk.accept_button, LEFT)
    assert trial.status == "undecided" and "distance" in walk.decision_hint.text()
    type_distance(qtbot, walk, "21.5")
    assert walk.distance_m.value() == pytest.approx(21.5)
    shot(window, "walk_2mwt_distance")
    qtbot.mouseClick(walk.accept_button, LEFT)
    assert trial.status == "accepted"
    assert walk.results.numbers["distance_m"].text() == "21.5 m"
    assert trial.measures["walk_speed_mps"] == pytest.approx(21.5 / trial.duration_s)
    session_path = export(qtbot, window)

    measures = process_session(session_path).measures
    of_2mwt = measures[measures["test"] == "2MWT"].set_index("measure")
    assert of_2mwt.loc["distance_m", "value"] == pytest.approx(21.5)
    assert of_2mwt.loc["walk_speed_mps", "value"] == pytest.approx(
        trial.measures["walk_speed_mps"], rel=1e-3
    )
    # the strides the screen counted are the strides the export pooled
    assert of_2mwt.loc["gait_speed_mps", "n"] == trial.measures["n_strides"] > 5
    assert of_2mwt.loc["gait_speed_mps", "value"] == pytest.approx(
        trial.measures["gait_speed_mps"], rel=1e-9
    )


@pytest.mark.slow
def test_a_timed_walk_stopped_early_asks_why_and_the_export_says_so(qtbot, open_visit, monkeypatch):
    real = analysis.walk_duration_s
    monkeypatch.setattr(analysis, "walk_duration_s", lambda t: 30.0 if t == "2MWT" else real(t))
    window = open_visit(protocol="gait-hhd-v1")
    window.devices.on_done()
    walk = window.walk
    walk.test.setCurrentText("2MWT")
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    qtbot.wait(5000)
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)  # stopped 25 s before its time
    qtbot.waitUntil(lambda: walk.deciding is not None, timeout=20_000)
    trial = walk.deciding
    assert walk.early_reason.isEnabled() and "stopped early" in trial.flags
    type_distance(qtbot, walk, "6")
    qtbot.mouseClick(walk.accept_button, LEFT)
    assert trial.status == "undecided" and "stopped early" in walk.decision_hint.text()
    walk.early_reason.setCurrentText("pain")
    qtbot.mouseClick(walk.accept_button, LEFT)
    assert trial.status == "accepted"
    session_path = export(qtbot, window)

    of_2mwt = process_session(session_path).measures
    of_2mwt = of_2mwt[of_2mwt["test"] == "2MWT"].set_index("measure")
    for name in ("walk_time_s", "distance_m", "walk_speed_mps"):
        assert "stopped_early:pain" in of_2mwt.loc[name, "flags"].split(";"), name
    assert "stopped_early" not in of_2mwt.loc["gait_speed_mps", "flags"]


# 4 and 5 -----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_walk_trial_needs_a_decision_and_its_steps_sit_on_the_stored_device_timeline(
    qtbot, open_visit
):
    # the IMU drops out ~9 s into the walk for 1.5 s: the device clock jumps over the lost samples
    window = open_visit(faults={"imu": FaultPlan(disconnect_after_s=12.0, offline_s=1.5)})
    window.devices.on_done()
    walk, link = window.walk, window.ctx.require_link()
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not streaming(window, "lumbar IMU"), timeout=20_000)
    qtbot.waitUntil(lambda: streaming(window, "lumbar IMU"), timeout=10_000)
    qtbot.wait(8000)  # enough walking after the dropout for a bout of its own
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(window.ctx.walk_trials) == 1, timeout=20_000)
    stored = current.trials(Session.open(link.session_path))

    # 5: every step marker sits on a stored sample (its value, at the time that sample was taken
    # by the recorded clock fits), and the ones after the dropout are later than their sample
    # count says: lost samples shift nothing
    session = Session.open(link.session_path)
    imu = session.streams["imu"]
    row = stored.iloc[0]
    taken_ns = session.sample_time_ns("imu")
    inside = (taken_ns >= row["start_host_ns"]) & (taken_ns <= row["stop_host_ns"])
    taken_s = (taken_ns[inside] - taken_ns[inside][0]) / 1e9
    markers_x, markers_y = walk.plot.markers.getData()
    assert len(markers_x) >= 8
    matched = []
    for x, y in zip(markers_x, markers_y, strict=True):
        same = np.flatnonzero(np.isclose(imu.values[inside], y, rtol=0, atol=1e-9).any(axis=1))
        near = same[np.abs(taken_s[same] - x) < 0.5 / imu.sampling_rate_hz]
        assert len(near) >= 1, f"no stored sample at the marker ({x:.2f} s, {y:.2f})"
        matched.append(near[0])
    shift_s = markers_x - np.array(matched) / imu.sampling_rate_hz
    assert shift_s.max() > 1.0 and shift_s.min() < 0.1
    # the dropout is drawn as a break, not a straight line
    _, y = walk.plot.curves[0].getData()
    assert np.isnan(y).any()

    trial = walk.deciding
    # 4: stored as not accepted until someone accepts it; no next trial before a decision
    stored = current.trials(Session.open(link.session_path))
    assert list(stored["status"]) == ["rejected"]
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    assert not walk.running and "last trial" in walk.decision_hint.text()

    walk.reject_reason.setCurrentText("")
    qtbot.mouseClick(walk.reject_button, LEFT)
    assert trial.status == "undecided"  # a rejection needs a reason
    walk.reject_reason.setCurrentText("sensor came loose")
    walk.note.setText("belt clip re-attached")
    qtbot.mouseClick(walk.reject_button, LEFT)
    assert trial.status == "rejected"
    assert walk.reject_reason.currentText() == ""  # the next trial starts without a reason
    session_path = export(qtbot, window)
    trials = current.trials(Session.open(session_path))
    assert list(trials["status"]) == ["rejected"]
    assert list(trials["reason"]) == ["sensor came loose"]
    notes = current.notes(Session.open(session_path))
    assert "10MWT trial 1: belt clip re-attached" in list(notes["text"])
    measures = process_session(session_path).measures
    assert set(measures.loc[measures["test"] == "10MWT", "flags"]) == {"no_accepted_trial"}


# 7 -----------------------------------------------------------------------------------------------
def test_space_goes_to_the_test_never_into_a_field_and_start_is_enabled(
    qtbot, open_visit, monkeypatch
):
    monkeypatch.setattr(analysis, "walk_duration_s", lambda test: 3.0 if test == "2MWT" else None)
    window = open_visit(protocol="gait-hhd-v1")
    window.devices.on_done()
    walk = window.walk
    walk.test.setCurrentText("2MWT")
    # a number field if one is open before the walk, else the test chooser
    spin_boxes = [
        w for w in walk.findChildren(QtWidgets.QAbstractSpinBox) if w.isEnabled() and w.isVisible()
    ]
    field = spin_boxes[0] if spin_boxes else walk.test
    field.setFocus()
    qtbot.keyClick(field, QtCore.Qt.Key.Key_Space)
    assert walk.running, f"Space went into the {type(field).__name__}, not to the test"
    assert walk.test.currentText() == "2MWT"
    qtbot.waitUntil(lambda: walk.deciding is not None, timeout=20_000)
    type_distance(qtbot, walk, "8")
    qtbot.keyClick(walk.distance_m, QtCore.Qt.Key.Key_Space)
    assert walk.distance_m.value() == pytest.approx(8.0)  # no space typed into the number
    assert "before starting the next one" in walk.decision_hint.text()

    assert window.show_screen("Strength")
    assert window.strength.start_stop.isEnabled()  # a trial can start: the button says so
