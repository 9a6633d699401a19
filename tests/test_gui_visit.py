"""A whole visit driven through the widgets, with the real LiveAcquisition recording simulated twins.

Start -> devices (scan, connect) -> a 10 m walk during which the IMU drops out and comes back ->
strength with a rejected and repeated trial, an accepted one and a "cannot perform" -> summary and
export -> review with a decision change -> quit. Screenshots of the main screens go to
``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("alsmotion.acquisition.live", reason="needs the ble area's LiveAcquisition")

from PySide6 import QtCore, QtWidgets

from alsmotion.acquisition.twins.faults import FaultPlan
from alsmotion.gui.main_window import CLINIC_SCREEN_PX, MainWindow
from alsmotion.gui.protocols import PROTOCOLS
from alsmotion.session import Session
from alsmotion.session import decisions as current_decisions

ARTIFACTS = Path(__file__).parent / "artifacts"
#: The IMU twin drops its link this long after it starts streaming, for this long (its simulated
#: walk starts with 3 s of standing, so the trial holds about 9 s of walking before the drop).
IMU_DROP_AFTER_S = 12.0
IMU_OFFLINE_S = 1.5


def _shot(window: MainWindow, name: str) -> None:
    # the window was not pushed past the laptop's screen by what this screen shows
    assert window.size().toTuple() == CLINIC_SCREEN_PX, (name, window.size())
    QtWidgets.QApplication.processEvents()  # the layout settles, as on a real screen
    ARTIFACTS.mkdir(exist_ok=True)
    assert window.grab().save(str(ARTIFACTS / f"gui_{name}.png"))


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(
        data_dir=tmp_path / "sessions",
        export_dir=tmp_path / "exports",
        simulate=True,
        simulated_faults={
            "imu": FaultPlan(disconnect_after_s=IMU_DROP_AFTER_S, offline_s=IMU_OFFLINE_S)
        },
    )
    win.resize(*CLINIC_SCREEN_PX)  # a clinic laptop screen
    win.show()
    yield win
    # not qtbot.addWidget: pytest-qt would close the window before this teardown, and closing
    # while recording asks for confirmation in a modal dialog
    win.shutdown()
    win.close()


def _press(qtbot, widget: QtWidgets.QWidget, key=QtCore.Qt.Key.Key_Space) -> None:
    qtbot.keyClick(widget, key)


@pytest.mark.slow
# alsmotion.processing converts event times with pd.Timestamp(...).to_pydatetime(), which warns
# when a real host clock stamp has nanoseconds; the export is correct to the microsecond
def test_visit_flow_through_the_widgets(qtbot, window, tmp_path):
    # --- start: PHI refused, then a pseudonym ---------------------------------------------
    start = window.start
    window.show_screen("Start")
    assert "baseline" in start.visit.currentText()
    assert not window.show_screen("Walk tests")  # locked until start and devices are done
    start.participant.setEditText("Jane Smith")
    start.operator.setText("AB")
    start.height_m.setValue(1.72)
    start.protocol.setCurrentText("demo-v1")
    shown = [c for c in start.lever_arms.findChildren(QtWidgets.QLabel) if c.isVisible()]
    assert [c.text() for c in shown] == ["knee extension"]  # the protocol's muscles only
    start.lever_arm_m["knee_extension"].setValue(0.35)
    qtbot.mouseClick(start.continue_button, QtCore.Qt.MouseButton.LeftButton)
    assert "name" in start.error.text() and start.error.text().startswith("Participant ")
    _shot(window, "start")
    start.participant.setEditText("ALS-001")
    assert start.error.text() == ""  # the error clears when the field is corrected
    qtbot.mouseClick(start.continue_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.devices

    # --- devices: scan finds both twins, connect, both stream -------------------------------
    devices = window.devices
    qtbot.waitUntil(lambda: devices.found_list.count() == 2, timeout=5000)
    qtbot.mouseClick(devices.connect_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            [v.state for v in window.ctx.require_link().device_views()]
            == ["connected", "connected"]
        ),
        timeout=10_000,
    )
    qtbot.waitUntil(devices.continue_button.isEnabled, timeout=2000)
    qtbot.wait(1200)
    _shot(window, "devices")
    qtbot.mouseClick(devices.continue_button, QtCore.Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.walk

    # --- walk: space starts, the IMU drops out mid-trial, space stops -----------------------
    walk = window.walk
    assert walk.test.currentText() == "10MWT"
    _press(qtbot, walk)
    assert walk.running
    drops = window.ctx.require_link()
    qtbot.waitUntil(
        lambda: any(v.state != "connected" for v in drops.device_views()), timeout=20_000
    )
    qtbot.waitUntil(lambda: "Out of range" in window.alert.text(), timeout=2000)
    assert window.alert.isVisible()
    qtbot.waitUntil(
        lambda: all(v.state == "connected" for v in drops.device_views()), timeout=10_000
    )
    qtbot.wait(1000)
    _press(qtbot, walk)
    assert not walk.running
    qtbot.waitUntil(lambda: len(window.ctx.walk_trials) == 1, timeout=20_000)
    trial = window.ctx.walk_trials[0]
    assert trial.measures["n_strides"] >= 4, trial.flags
    assert 90 < trial.measures["cadence_spm"] < 120  # the twin walks at 105 steps/min
    assert any("samples were lost" in flag for flag in trial.flags)
    assert trial.measures["walk_speed_mps"] == pytest.approx(10.0 / trial.duration_s)
    assert "steps/min" in walk.results.numbers["cadence_spm"].text()
    assert len(walk.plot.markers.data) >= 4  # steps marked on the trace
    assert trial.status == "undecided"
    assert walk.stopwatch_s.isEnabled()  # a 10MWT can carry the site's stopwatch time
    walk.stopwatch_s.setValue(8.37)
    qtbot.mouseClick(walk.accept_button, QtCore.Qt.MouseButton.LeftButton)
    assert trial.status == "accepted"
    _shot(window, "walk")

    # --- strength: reject and repeat, accept, then the sequence moves on ----------------------
    assert window.show_screen("Strength")
    strength = window.strength
    flow = window.ctx.strength
    assert flow is not None and flow.current.side == "left"
    link = window.ctx.require_link()

    def just_released() -> bool:  # the twin replays one make test: start at rest, as on command
        _, force_n = link.recent("force", 1.0)
        return len(force_n) > 0 and force_n.max() > 100 and force_n[-1, 0] < 5

    for decision in ("reject", "accept"):
        qtbot.waitUntil(just_released, timeout=15_000)
        _press(qtbot, strength)
        assert strength.trace is not None
        qtbot.waitUntil(lambda: strength.result is not None, timeout=20_000)
        assert strength.results.numbers["peak_force_n"].text().endswith(" N")
        assert strength.result.measures["peak_force_n"] == pytest.approx(180, rel=0.15), (
            strength.result.reasons
        )
        assert strength.result.onset_time_s is not None
        assert 0.1 < strength.result.measures["time_to_peak_s"] < 1.0  # the twin rises in 0.4 s
        assert len(strength.plot.lines) == 1 and len(strength.plot.markers.data) == 1
        if decision == "reject":
            _shot(window, "strength")
            strength.reject_reason.setCurrentText("submaximal effort")
            _press(qtbot, strength, QtCore.Qt.Key.Key_R)
            assert flow.attempt == 2
            assert "✗ trial 1, attempt 1" in strength.this_visit.item(0).text()
        else:
            _press(qtbot, strength, QtCore.Qt.Key.Key_A)
    assert flow.current.side == "right"
    assert "Rest" in strength.rest_label.text()
    strength.cannot_reason.setCurrentText("pain")
    qtbot.mouseClick(strength.cannot_button, QtCore.Qt.MouseButton.LeftButton)
    assert flow.done

    # --- summary and export ---------------------------------------------------------------------
    assert window.show_screen("Summary")
    summary = window.summary
    texts = [summary.table.item(r, 1).text() for r in range(summary.table.rowCount())]
    assert any("cannot perform: pain" in t for t in texts)
    qtbot.mouseClick(summary.export_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: summary.export_button.isEnabled(), timeout=60_000)
    assert window.ctx.exported, summary.status.text()
    assert not window.ctx.recording
    assert (tmp_path / "exports" / "visit_measures.csv").is_file()
    exported = {
        summary.table.item(r, 0).text(): summary.table.item(r, 1).text()
        for r in range(summary.table.rowCount())
    }
    assert exported["knee extension right: peak force"] == "cannot perform: pain"
    assert exported["knee extension left: peak force"].endswith(" N")
    _shot(window, "summary")

    # --- the session on disk holds the trials, decisions, gap and reason --------------------
    session = Session.open(window.ctx.require_link().session_path)
    assert session.closed
    assert session.metadata.extra["lever_arms_m"] == {"knee_extension": 0.35}
    assert not session.gaps.empty and set(session.gaps["stream"]) == {"imu"}
    trials = current_decisions.trials(session)
    hhd = trials[trials["test"] == "HHD"]
    assert list(hhd["status"]) == ["rejected", "accepted"]
    assert list(hhd["reason"]) == ["submaximal effort", ""]
    assert list(hhd["trial"]) == [1, 1] and list(hhd["attempt"]) == [1, 2]
    assert list(current_decisions.cannot_perform(session)["reason"]) == ["pain"]
    (reference,) = [r for r in session.event_records if r["type"] == "reference_value"]
    assert (reference["test"], reference["trial"], reference["value"]) == ("10MWT", 1, 8.37)
    assert reference["quantity"] == "walk_time_s" and reference["reference_method"] == "stopwatch"

    # --- review: open the session, change the rejected trial with a reason -------------------
    assert window.show_screen("Review")
    review = window.review
    qtbot.keyClick(review.path_edit, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: review.review is not None, timeout=20_000)  # loaded in the worker
    assert len(review.plots) >= 3
    row = next(i for i, t in enumerate(review.review.trials) if t.decision == "rejected")
    review.trials.selectRow(row)
    review.new_decision.setCurrentText("accepted")
    review.reason.setText("effort was maximal on video review")
    review.who.setText("CD")
    qtbot.mouseClick(review.apply_button, QtCore.Qt.MouseButton.LeftButton)
    assert review.review.trials[row].decision == "accepted"
    _shot(window, "review")
    created, *audit = Session.open(review.review.path).audit_records
    assert created["what"] == "create_session"
    assert [(a["who"], a["what"], a["why"]) for a in audit] == [
        ("CD", "accept_trial", "effort was maximal on video review")
    ]


def _answer_quit_dialog(button_text: str) -> None:
    """Click ``button_text`` in the quit confirmation once it is open (it runs modally)."""

    def click() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(box, QtWidgets.QMessageBox):
            QtCore.QTimer.singleShot(50, click)
            return
        next(b for b in box.buttons() if b.text() == button_text).click()

    QtCore.QTimer.singleShot(50, click)


def _connect_devices(qtbot, window: MainWindow) -> None:
    window.start.participant.setEditText("ALS-002")
    window.start.operator.setText("AB")
    window.start.submit()
    qtbot.waitUntil(lambda: window.devices.found_list.count() == 2, timeout=5000)
    window.devices.connect_selected()
    qtbot.waitUntil(lambda: window.devices.continue_button.isEnabled(), timeout=10_000)


def test_closing_while_recording_asks_and_loses_nothing(qtbot, tmp_path):
    window = MainWindow(
        data_dir=tmp_path / "sessions", export_dir=tmp_path / "exports", simulate=True
    )
    window.show()
    _connect_devices(qtbot, window)
    link = window.ctx.require_link()
    qtbot.waitUntil(lambda: all(v.samples > 50 for v in link.device_views()), timeout=10_000)

    _answer_quit_dialog("Keep recording")
    assert not window.close()
    assert window.isVisible() and window.ctx.recording
    before = {v.kind: v.samples for v in link.device_views()}
    # Still recording: new samples keep arriving (however long the busy machine takes to show it).
    qtbot.waitUntil(
        lambda: all(v.samples > before[v.kind] for v in link.device_views()), timeout=60_000
    )

    _answer_quit_dialog("Stop recording and quit")
    assert window.close()
    assert not window.ctx.recording
    counted = {view.kind: view.samples for view in link.device_views()}
    session = Session.open(link.session_path)
    assert session.closed and not session.issues
    stored = {"lumbar IMU": session.streams["imu"].n_samples}
    stored["dynamometer"] = session.streams["force"].n_samples
    assert stored == counted  # every sample the recorder counted is in the closed session


def test_every_screen_fits_a_1366x768_laptop(qtbot, tmp_path):
    """No screen needs more than a maximised window's client area (title and task bars off 768)."""
    window = MainWindow(
        data_dir=tmp_path / "sessions", export_dir=tmp_path / "exports", simulate=True
    )
    window.resize(*CLINIC_SCREEN_PX)
    window.show()
    try:
        for protocol in PROTOCOLS:  # its lever-arm fields on the start screen
            window.start.protocol.setCurrentText(protocol)
            QtWidgets.QApplication.processEvents()
            need = window.minimumSizeHint()
            assert need.width() <= CLINIC_SCREEN_PX[0], (protocol, need)
            assert need.height() <= CLINIC_SCREEN_PX[1], (protocol, need)
        assert window.size().toTuple() == CLINIC_SCREEN_PX
    finally:
        window.shutdown()
        window.close()
