"""What the physiotherapist accepts is what is exported: the integrity points of the visit GUI.

Every test drives the real window (pytest-qt) with the real LiveAcquisition recording the
byte-level simulated twins (the IMU twin walks at 105 steps/min after 3 s of standing; the force
twin replays one 180 N make test every ~5.5 s), and checks the session and the export the visit
writes. Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("alsmotion.acquisition.live", reason="needs the ble area's LiveAcquisition")

import pandas as pd
from PySide6 import QtCore, QtWidgets

from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.gui import analysis
from alsmotion.gui.main_window import CLINIC_SCREEN_PX, MainWindow
from alsmotion.processing import process_session
from alsmotion.session import Session
from alsmotion.session import decisions as current

ARTIFACTS = Path(__file__).parent / "artifacts"
#: A 2MWT shortened to this many seconds (the real one lasts 120 s); the screen's timer,
#: auto-stop and the export treat it like the real one.
SHORT_2MWT_S = 14.0
LEFT = QtCore.Qt.MouseButton.LeftButton


def shot(window: MainWindow, name: str) -> None:
    assert window.size().toTuple() == CLINIC_SCREEN_PX, (name, window.size())  # fits the laptop
    QtWidgets.QApplication.processEvents()  # the layout settles, as on a real screen
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / f"gui_{name}.png"))


@pytest.fixture
def open_visit(qtbot, tmp_path):
    """Factory: a window sized for a 1366 x 768 laptop with a visit started and both twins streaming."""
    windows: list[MainWindow] = []

    def make(protocol: str = "demo-v1", faults: dict | None = None, participant="ALS-101"):
        window = MainWindow(
            data_dir=tmp_path / "sessions",
            export_dir=tmp_path / "exports",
            simulate=True,
            simulated_faults=faults,
        )
        windows.append(window)
        window.resize(*CLINIC_SCREEN_PX)
        window.show()
        start_visit(qtbot, window, protocol=protocol, participant=participant)
        return window

    yield make
    for window in windows:
        window.shutdown()
        window.close()


def start_visit(qtbot, window: MainWindow, *, protocol: str, participant: str) -> None:
    window.start.participant.setEditText(participant)
    window.start.operator.setText("AB")
    window.start.height_m.setValue(1.70)
    window.start.protocol.setCurrentText(protocol)
    window.start.submit()
    assert window.current_screen() is window.devices
    qtbot.waitUntil(lambda: window.devices.found_list.count() == 2, timeout=5000)
    window.devices.connect_selected()
    qtbot.waitUntil(lambda: streaming(window, "lumbar IMU", "dynamometer"), timeout=10_000)
    qtbot.waitUntil(window.devices.continue_button.isEnabled, timeout=2000)


def streaming(window: MainWindow, *kinds: str) -> bool:
    views = {view.kind: view.state for view in window.ctx.require_link().device_views()}
    return all(views.get(kind) == "connected" for kind in kinds)


def force_now(window: MainWindow) -> float:
    _, force_n = window.ctx.require_link().recent("force", 0.1)
    return float(force_n[-1, 0]) if len(force_n) else 0.0


def just_released(window: MainWindow) -> bool:
    """The twin's push has just ended: start the next trial at rest, as on command."""
    _, force_n = window.ctx.require_link().recent("force", 1.0)
    return len(force_n) > 0 and force_n.max() > 100 and force_n[-1, 0] < 5


def strength_trial(qtbot, window: MainWindow) -> None:
    """Start a trial at rest and wait for its result."""
    strength = window.strength
    qtbot.waitUntil(lambda: just_released(window), timeout=15_000)
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_Space)
    assert strength.trace is not None
    qtbot.waitUntil(lambda: strength.result is not None, timeout=20_000)


def export(qtbot, window: MainWindow) -> Path:
    """Summary -> Save and export; returns the closed session's folder."""
    assert window.show_screen("Summary")
    summary = window.summary
    qtbot.mouseClick(summary.export_button, LEFT)
    qtbot.waitUntil(
        lambda: bool(window.ctx.exported) or "failed" in summary.status.text(), timeout=60_000
    )
    assert window.ctx.exported, summary.status.text()
    return window.ctx.require_link().session_path


def exported_trials(session_path: Path, **match) -> pd.DataFrame:
    trials = process_session(session_path).trials
    for name, value in match.items():
        trials = trials[trials[name] == value]
    return trials


def quick_walk(qtbot, window: MainWindow):
    """A 10MWT of 6 s, accepted; returns its trial."""
    walk = window.walk
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    qtbot.wait(6000)
    qtbot.keyClick(walk, QtCore.Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: walk.deciding is not None, timeout=20_000)
    trial = walk.deciding
    qtbot.mouseClick(walk.accept_button, LEFT)
    assert trial.status == "accepted"
    return trial


def type_distance(qtbot, walk, text: str) -> None:
    """Type into the distance field as the operator does (focus selects its text)."""
    walk.distance_m.setFocus()
    walk.distance_m.selectAll()
    qtbot.keyClicks(walk.distance_m.findChild(QtWidgets.QLineEdit), text)


def short_2mwt(monkeypatch) -> None:
    real = analysis.walk_duration_s
    monkeypatch.setattr(
        analysis, "walk_duration_s", lambda test: SHORT_2MWT_S if test == "2MWT" else real(test)
    )


# 1 -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_force_shown_and_accepted_is_the_exported_force_even_when_started_mid_effort(
    qtbot, open_visit
):
    window = open_visit()
    window.devices.on_done()
    assert window.show_screen("Strength")
    strength = window.strength
    # Space while the participant already pushes
    qtbot.waitUntil(lambda: force_now(window) > 100, timeout=15_000)
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_Space)
    if strength.trace is not None:  # a trial started mid-effort: whatever it shows is exported
        qtbot.waitUntil(lambda: strength.result is not None, timeout=20_000)
        if strength.accept_button.isEnabled():
            qtbot.keyClick(strength, QtCore.Qt.Key.Key_A)
        else:
            strength.reject_reason.setCurrentText("started before command")
            qtbot.keyClick(strength, QtCore.Qt.Key.Key_R)
    else:
        assert "relax" in strength.reasons.text()
    flow = window.ctx.strength
    while flow.current is not None and flow.current.side == "left":
        strength_trial(qtbot, window)
        assert strength.result.valid, strength.result.reasons
        shot(window, "strength_result")
        qtbot.keyClick(strength, QtCore.Qt.Key.Key_A)
    session_path = export(qtbot, window)

    peaks = exported_trials(session_path, test="HHD", side="left", measure="peak_force_n")
    accepted = [d for d in flow.decisions if d.status == "accepted"]
    assert accepted
    exported_accepted = peaks[peaks["status"] == "accepted"]
    assert len(exported_accepted) == len(accepted)
    shown = sorted(d.measures["peak_force_n"] for d in accepted)
    assert sorted(exported_accepted["value"]) == pytest.approx(shown, rel=1e-9)
    assert shown[0] == pytest.approx(180, rel=0.15)
    visit = process_session(session_path).measures
    best = visit[(visit["side"] == "left") & (visit["measure"] == "peak_force_n")]
    assert float(best["value"].iloc[0]) == pytest.approx(max(shown), rel=1e-9)


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


# 6 -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_strength_decisions_are_deliberate_undoable_and_numbered_as_on_screen(qtbot, open_visit):
    window = open_visit(protocol="gait-hhd-short-v1")
    window.devices.on_done()
    assert window.show_screen("Strength")
    strength, flow = window.strength, window.ctx.strength
    assert strength.step_label.text() == "Elbow flexion, left, trial 1 of 2, attempt 1"

    strength_trial(qtbot, window)
    peak_n = strength.result.measures["peak_force_n"]
    assert f"accepted with {peak_n:.0f} N" in strength.decision_hint.text()  # what A records
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_A)
    assert "Recorded:" in strength.decision_hint.text() and flow.current.side == "right"
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert flow.current.side == "left" and flow.decisions == []
    assert strength.result is not None  # the same trial, to decide again
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_R)
    assert flow.attempt == 1  # no reason chosen: nothing recorded
    strength.reject_reason.setCurrentText("submaximal effort")
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_R)
    assert flow.attempt == 2
    assert strength.reject_reason.currentText() == ""  # reasons reset for the next trial
    assert strength.step_label.text() == "Elbow flexion, left, trial 1 of 2, attempt 2"

    strength_trial(qtbot, window)
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_A)
    assert flow.current.side == "right"
    # "cannot perform" needs its own reason, never an old one, and can be undone
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_C)
    assert flow.current.side == "right"
    strength.cannot_reason.setCurrentText("pain")
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_C)
    marks = [strength.sequence_list.item(i).text() for i in range(strength.sequence_list.count())]
    assert marks[1].startswith("–") and marks[3].startswith("–")  # both right trials skipped
    assert marks[0].startswith("✓")
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_Z, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert flow.current.side == "right"
    assert strength.cannot_reason.currentText() == ""
    strength.cannot_reason.setCurrentText("participant declined")
    qtbot.keyClick(strength, QtCore.Qt.Key.Key_C)
    shot(window, "strength_decisions")
    session_path = export(qtbot, window)

    session = Session.open(session_path)
    trials = current.trials(session)
    assert list(trials["trial"]) == [1, 1] and list(trials["attempt"]) == [1, 2]
    assert list(trials["status"]) == ["rejected", "accepted"]
    assert list(trials["reason"]) == ["submaximal effort", ""]
    assert list(current.cannot_perform(session)["reason"]) == ["participant declined"]


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


# 8 -----------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_visit_runs_without_restarting(qtbot, open_visit, tmp_path):
    window = open_visit(participant="ALS-201")
    window.devices.on_done()
    first_link = window.ctx.require_link()
    quick_walk(qtbot, window)
    first_path = export(qtbot, window)
    summary = window.summary
    assert summary.new_visit_button.isEnabled()
    shot(window, "summary_after_export")
    qtbot.mouseClick(summary.new_visit_button, LEFT)

    assert window.current_screen() is window.start
    assert window.start.participant.currentText() == "" and window.start.operator.text() == ""
    assert not window.show_screen("Walk tests")  # locked again until start and devices
    assert window.ctx.link is None and window.ctx.walk_trials == []
    assert window.ctx.strength is None and not window.ctx.exported
    shot(window, "start_new_visit")
    start_visit(qtbot, window, protocol="demo-v1", participant="ALS-202")
    shot(window, "devices_second_visit")
    second_link = window.ctx.require_link()
    assert second_link is not first_link and second_link.session_path != first_path
    window.devices.on_done()
    assert quick_walk(qtbot, window).trial == 1  # numbering starts again
    assert window.show_screen("Summary")
    assert "strength not tested" in window.summary.warning.text()
    shot(window, "summary_incomplete")
    second_path = export(qtbot, window)
    table = pd.read_csv(tmp_path / "exports" / "visit_measures.csv")
    assert {"ALS-201", "ALS-202"} <= set(table["participant_id"])
    assert Session.open(second_path).metadata.participant_id == "ALS-202"
    assert Session.open(first_path).closed and Session.open(second_path).closed
