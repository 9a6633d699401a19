"""The main window: a list of visit stages on the left, the current screen on the right.

One QTimer (every 15 ms, about 60 fps) polls the running trial (walk or strength, whichever screen
is shown: timers, auto-stop and the trial's samples go on) and asks the visible screen to redraw
from the acquisition's ring buffers; a slower timer refreshes device states. Closing while
recording asks first; "keep recording" leaves everything running. "New visit" on the summary
resets everything for the next participant without restarting.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, TypeAlias

from PySide6 import QtCore, QtGui, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui.context import VisitContext
from alsmotion.gui.flow import STAGE_ORDER, Stage
from alsmotion.gui.screens.devices import DevicesScreen
from alsmotion.gui.screens.review import ReviewScreen
from alsmotion.gui.screens.start import StartScreen
from alsmotion.gui.screens.strength import StrengthScreen
from alsmotion.gui.screens.summary import SummaryScreen
from alsmotion.gui.screens.walk import WalkScreen
from alsmotion.gui.widgets import message_label
from alsmotion.gui.worker import Worker

#: Height (px) the window must fit: the client area of a maximised window on a 1366 x 768 laptop
#: screen, after its title bar and the task bar (about 70 px).
CLINIC_SCREEN_PX = (1366, 700)
#: Plot redraw period (ms): 60 fps with a margin for timer jitter; a frame costs 1-2 ms (sweep
#: plots, fixed axes; benchmarks/gui_fps.py).
REDRAW_PERIOD_MS = 15
#: The device alert stays this long (s) after its last message, so it does not flicker.
ALERT_HOLD_S = 3.0
STATUS_PERIOD_MS = 500
ALERT_STYLE = "font-size: 15px; color: #5c2100; background: #ffe3c2; padding: 4px;"
REVIEW_LABEL = "Review"


Screen: TypeAlias = (
    StartScreen | DevicesScreen | WalkScreen | StrengthScreen | SummaryScreen | ReviewScreen
)


class MainWindow(QtWidgets.QMainWindow):
    """The visit application.

    Parameters
    ----------
    data_dir : folder where sessions are recorded and earlier visits are found.
    export_dir : folder the visit exports are written to.
    simulate : use the devices' simulated twins instead of Bluetooth.
    simulated_faults : per device kind, a ``FaultPlan`` the simulated twins inject (e.g. a
        disconnect), to rehearse what the operator sees when a device drops out.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        export_dir: Path,
        simulate: bool,
        simulated_faults: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("alsmotion" + (" (simulated devices)" if simulate else ""))
        self.resize(*CLINIC_SCREEN_PX)
        # readable at arm's length; screens enlarge their result numbers further
        self.setStyleSheet(
            "QPushButton { font-size: 17px; padding: 6px 14px; } QLabel { font-size: 15px; } "
            "QLineEdit, QComboBox, QDoubleSpinBox { font-size: 16px; }"
        )
        self.ctx = VisitContext(
            data_dir=Path(data_dir),
            export_dir=Path(export_dir),
            simulate=simulate,
            worker=Worker(max_threads=1, parent=self),
            simulated_faults=dict(simulated_faults or {}),
        )
        self.start = StartScreen(self.ctx, on_done=self._start_done)
        self.devices = DevicesScreen(self.ctx, on_done=lambda: self._stage_done(Stage.DEVICES))
        self.walk = WalkScreen(self.ctx)
        self.strength = StrengthScreen(self.ctx)
        self.summary = SummaryScreen(self.ctx, on_new_visit=self.new_visit)
        self.review = ReviewScreen(self.ctx)
        self.screens: dict[str, Screen] = {
            Stage.START.value: self.start,
            Stage.DEVICES.value: self.devices,
            Stage.WALK.value: self.walk,
            Stage.STRENGTH.value: self.strength,
            Stage.SUMMARY.value: self.summary,
            REVIEW_LABEL: self.review,
        }

        self.nav = QtWidgets.QListWidget()
        self.nav.setFixedWidth(170)
        self.nav.setStyleSheet("font-size: 18px;")
        self.stack = QtWidgets.QStackedWidget()
        for number, (label, screen) in enumerate(self.screens.items(), start=1):
            item = QtWidgets.QListWidgetItem(f"{number}  {label}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, label)
            self.nav.addItem(item)
            self.stack.addWidget(screen)
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda label=label: self.show_screen(label))
        self.nav.currentItemChanged.connect(self._nav_changed)

        # device problems show on every screen, not only on the devices screen
        self.alert = message_label()
        self.alert.setObjectName("device_alert")
        # space reserved, so screens do not jump when it appears; shown again only after a hold
        self.alert.setFixedHeight(58)
        self.alert_until_s = 0.0
        right = QtWidgets.QVBoxLayout()
        right.setSpacing(2)
        right.addWidget(self.alert)
        right.addWidget(self.stack, 1)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QHBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 0)  # every pixel counts on a 768-pixel screen
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        self.recording_label = QtWidgets.QLabel("Not recording")
        self.recording_label.setStyleSheet("font-size: 15px; padding: 2px 8px;")
        self.statusBar().addPermanentWidget(self.recording_label)

        self.redraw_timer = QtCore.QTimer(self)
        self.redraw_timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.redraw_timer.setInterval(REDRAW_PERIOD_MS)
        self.redraw_timer.timeout.connect(self._redraw)
        self.redraw_timer.start()
        self.status_timer = QtCore.QTimer(self)
        self.status_timer.setInterval(STATUS_PERIOD_MS)
        self.status_timer.timeout.connect(self._refresh_status)
        self.status_timer.start()
        self._refresh_nav()
        self.nav.setCurrentRow(0)

    # navigation -----------------------------------------------------------------------------
    def show_screen(self, label: str) -> bool:
        """Switch to a screen by label; refuse (with a message) when its prerequisites are missing."""
        stage = next((s for s in STAGE_ORDER if s.value == label), None)
        if stage is not None:
            try:
                self.ctx.flow.go(stage)
            except AlsmotionError as exc:
                self.statusBar().showMessage(str(exc), 5000)
                self._select_nav(self.current_screen())
                return False
        screen = self.screens[label]
        leaving_strength = self.current_screen() is self.strength
        if leaving_strength and screen is not self.strength:
            self.strength.left()
        self.stack.setCurrentWidget(screen)
        self._select_nav(screen)
        screen.entered()
        return True

    def current_screen(self) -> Screen:
        return next(s for s in self.screens.values() if s is self.stack.currentWidget())

    def _select_nav(self, screen: Screen) -> None:
        row = list(self.screens.values()).index(screen)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)

    def _nav_changed(self, item: QtWidgets.QListWidgetItem | None, _previous) -> None:
        if item is not None:
            self.show_screen(item.data(QtCore.Qt.ItemDataRole.UserRole))

    def _refresh_nav(self) -> None:
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            label = item.data(QtCore.Qt.ItemDataRole.UserRole)
            stage = next((s for s in STAGE_ORDER if s.value == label), None)
            enabled = stage is None or self.ctx.flow.can_enter(stage)
            flags = item.flags()
            if enabled:
                item.setFlags(flags | QtCore.Qt.ItemFlag.ItemIsEnabled)
            else:
                item.setFlags(flags & ~QtCore.Qt.ItemFlag.ItemIsEnabled)

    def _start_done(self) -> None:
        self._stage_done(Stage.START)

    def _stage_done(self, stage: Stage) -> None:
        self.ctx.flow.complete(stage)
        self._refresh_nav()
        following = STAGE_ORDER[STAGE_ORDER.index(stage) + 1]
        self.show_screen(following.value)

    # timers ---------------------------------------------------------------------------------
    def _redraw(self) -> None:
        self.walk.poll()
        self.strength.poll()
        self.current_screen().tick()

    def _refresh_status(self) -> None:
        if self.ctx.recording:
            link = self.ctx.require_link()
            self.recording_label.setText(f"● Recording  {link.session_path.name}")
            self.recording_label.setStyleSheet(
                "font-size: 15px; padding: 2px 8px; color: white; background: #b00020;"
            )
        else:
            self.recording_label.setText("Not recording")
            self.recording_label.setStyleSheet("font-size: 15px; padding: 2px 8px;")
        messages = self.devices.refresh_status()
        now_s = time.monotonic()
        if messages:
            self.alert.setText("\n".join(messages))
            self.alert_until_s = now_s + ALERT_HOLD_S
        elif now_s >= self.alert_until_s:
            self.alert.setText("")
        shown = bool(self.alert.text()) and self.stack.currentWidget() is not self.devices
        self.alert.setStyleSheet(ALERT_STYLE if shown else "")
        if not shown:
            self.alert.setText("")

    # closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.ctx.recording and not self.confirm_quit():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def confirm_quit(self) -> bool:
        """Ask before ending a running recording; True means stop recording and quit."""
        box = QtWidgets.QMessageBox(self)
        box.setObjectName("confirm_quit")
        box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
        box.setWindowTitle("Recording in progress")
        box.setText(
            "A recording is running. Quitting stops it; everything received so far is saved."
        )
        keep = box.addButton("Keep recording", QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.addButton("Stop recording and quit", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(keep)
        box.exec()
        return box.clickedButton() is not keep

    def shutdown(self) -> None:
        """Stop timers and the recording (which flushes and closes the session), wait for jobs."""
        self.redraw_timer.stop()
        self.status_timer.stop()
        self._end_recording()
        self.ctx.worker.close()

    def _end_recording(self) -> None:
        if self.walk.running:
            self.walk.stop()
        if self.strength.trace is not None:
            self.strength.stop()
        self.ctx.worker.wait(30_000)
        if self.ctx.recording:
            self.strength.commit_pending()
        if self.ctx.link is not None:
            self.ctx.link.stop()

    def new_visit(self) -> None:
        """Close this visit's recording and start the next visit from the start screen."""
        self._end_recording()
        self.ctx.new_visit()
        for screen in (self.start, self.devices, self.walk, self.strength, self.summary):
            screen.reset()
        self._refresh_nav()
        self.alert.setText("")
        self.alert_until_s = 0.0
        self.recording_label.setText("Not recording")
        self.show_screen(Stage.START.value)
