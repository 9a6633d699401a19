"""Driving the visit GUI as the physiotherapist does, for the GUI integrity tests.

The window is the real one (pytest-qt), recording with the real LiveAcquisition the byte-level
simulated twins: the IMU twin walks at 105 steps/min after 3 s of standing; the force twin replays
one 180 N make test every ~5.5 s. Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from PySide6 import QtCore, QtWidgets

from alsmotion.gui import analysis
from alsmotion.gui.main_window import CLINIC_SCREEN_PX, MainWindow
from alsmotion.processing import process_session

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


def visit_windows(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:
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
