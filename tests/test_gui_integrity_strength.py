"""What the physiotherapist accepts is what is exported, for strength trials: the integrity points
1, 6 and 8 of the visit GUI (the walk points are in ``test_gui_integrity_walks.py``; the window,
the twins and the helpers in ``gui_driver.py``). Each test checks the session and the export the
visit writes.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("alsmotion.acquisition.live", reason="needs the ble area's LiveAcquisition")

import pandas as pd
from gui_driver import (
    LEFT,
    export,
    exported_trials,
    force_now,
    quick_walk,
    shot,
    start_visit,
    strength_trial,
)
from PySide6 import QtCore

from alsmotion.processing import process_session
from alsmotion.session import Session
from alsmotion.session import decisions as current


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
