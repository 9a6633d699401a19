"""Review mode: open any raw session, scroll and zoom its signals with the events overlaid, change
trial decisions (each change goes to the session's audit log with who and why), re-export."""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import exporting, review_data
from alsmotion.gui.context import VisitContext
from alsmotion.gui.widgets import LivePlot, heading, message_label

TRIAL_COLUMNS = (
    "Test",
    "Muscle",
    "Side",
    "Trial",
    "Attempt",
    "Start (s)",
    "Decision",
    "Reason",
)
#: Rows of the event lane: neighbouring labels alternate between them so they do not overlap.
EVENT_LANE_ROWS = 2
#: The view a session opens on (s from its first event): a whole visit's event names would overlap;
#: drag, zoom or select a trial to move.
OPENING_VIEW_S = 60.0
#: Height of one signal plot (px); more streams scroll.
REVIEW_PLOT_HEIGHT_PX = 150
NEW_DECISIONS = ("accepted", "rejected")


class ReviewScreen(QtWidgets.QWidget):
    """Look at a recorded session and correct its trial decisions, with an audit trail."""

    def __init__(self, ctx: VisitContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.review: review_data.ReviewSession | None = None
        self.path_edit = QtWidgets.QLineEdit()
        self.path_edit.setPlaceholderText("session folder")
        browse = QtWidgets.QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        open_button = QtWidgets.QPushButton("&Open")
        open_button.clicked.connect(lambda: self.open_session(Path(self.path_edit.text())))
        self.path_edit.returnPressed.connect(open_button.click)

        # signals scroll (a session may hold many streams); the event lane stays above them
        self.plot_area = QtWidgets.QVBoxLayout()
        self.signal_area = QtWidgets.QVBoxLayout()
        signals = QtWidgets.QWidget()
        signals.setLayout(self.signal_area)
        self.signal_scroll = QtWidgets.QScrollArea()
        self.signal_scroll.setWidgetResizable(True)
        self.signal_scroll.setWidget(signals)
        self.plot_area.addWidget(self.signal_scroll, 1)
        self.plots: list[LivePlot] = []
        self.events: pg.PlotWidget | None = None
        self.trials = QtWidgets.QTableWidget(0, len(TRIAL_COLUMNS))
        self.trials.setHorizontalHeaderLabels(TRIAL_COLUMNS)
        self.trials.horizontalHeader().setStretchLastSection(True)
        self.trials.verticalHeader().setVisible(False)
        self.trials.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trials.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.trials.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.trials.itemSelectionChanged.connect(self._zoom_to_selected)
        self.new_decision = QtWidgets.QComboBox()
        self.new_decision.addItems(NEW_DECISIONS)
        self.reason = QtWidgets.QLineEdit()
        self.reason.setPlaceholderText("reason for the change (required)")
        self.who = QtWidgets.QLineEdit()
        self.who.setPlaceholderText("your initials")
        self.apply_button = QtWidgets.QPushButton("Change &decision")
        self.apply_button.clicked.connect(self.change_decision)
        self.export_button = QtWidgets.QPushButton("Re-e&xport")
        self.export_button.clicked.connect(self.reexport)
        self.status = message_label()

        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.path_edit, 1)
        top.addWidget(browse)
        top.addWidget(open_button)
        edit = QtWidgets.QHBoxLayout()
        edit.addWidget(self.new_decision)
        edit.addWidget(self.reason, 2)
        edit.addWidget(self.who, 1)
        edit.addWidget(self.apply_button)
        edit.addWidget(self.export_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Review a session"))
        layout.addLayout(top)
        layout.addLayout(self.plot_area, 3)
        layout.addWidget(self.trials, 1)
        layout.addLayout(edit)
        layout.addWidget(self.status)

    def entered(self) -> None:
        if not self.path_edit.text() and self.ctx.link is not None:
            self.path_edit.setText(str(self.ctx.link.session_path))

    def tick(self) -> None:
        """Review plots are static; pyqtgraph handles scroll and zoom itself."""

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Open a session", str(self.ctx.data_dir)
        )
        if folder:
            self.path_edit.setText(folder)
            self.open_session(Path(folder))

    def open_session(self, path: Path) -> None:
        """Read the session in the worker (a long visit takes seconds), then draw it."""
        self.status.setText(f"Loading {path.name}…")
        self.ctx.worker.submit(
            lambda: review_data.load(path), lambda review: self._opened(path, review), self._failed
        )

    def _opened(self, path: Path, review: review_data.ReviewSession) -> None:
        self.review = review
        self._show_signals()
        self._show_trials()
        self.status.setText(f"Opened {path.name}: {len(review.trials)} trials")

    def _show_signals(self) -> None:
        assert self.review is not None
        for plot in self.plots:
            self.signal_area.removeWidget(plot)
            plot.deleteLater()
        if self.events is not None:
            self.plot_area.removeWidget(self.events)
            self.events.deleteLater()
        self.plots = []
        markers = self.review.markers
        self.events = self._event_lane(markers)
        self.plot_area.insertWidget(0, self.events)
        self.events.show()
        for signal in self.review.signals:
            plot = LivePlot(
                channel_names=signal.channel_names,
                y_label=signal.name,
                y_unit=signal.unit,
                window_s=1.0,
            )
            plot.show_trial(signal.time_s, signal.values)
            plot.setMouseEnabled(x=True, y=False)  # wheel zooms and drag scrolls the time
            # the lines run through every plot; their names are in the event lane
            plot.set_lines([m.time_s for m in markers], ["" for _ in markers])
            plot.setXLink(self.events)
            plot.setMinimumHeight(REVIEW_PLOT_HEIGHT_PX)
            self.signal_area.addWidget(plot)
            plot.show()  # added after the screen was shown: Qt leaves new children hidden
            self.plots.append(plot)
        if markers:
            first_s = markers[0].time_s
            self.events.setXRange(first_s - 2.0, first_s + OPENING_VIEW_S, padding=0)

    def _event_lane(self, markers: tuple[review_data.Marker, ...]) -> pg.PlotWidget:
        """One strip above the signals with every event's name, staggered on a few rows."""
        lane = pg.PlotWidget()
        lane.setFixedHeight(24 * EVENT_LANE_ROWS + 12)
        lane.hideAxis("left")
        lane.hideAxis("bottom")
        lane.setMouseEnabled(x=True, y=False)
        lane.setYRange(-0.5, EVENT_LANE_ROWS - 0.5, padding=0)
        for index, marker in enumerate(markers):
            row = EVENT_LANE_ROWS - 1 - index % EVENT_LANE_ROWS
            text = pg.TextItem(marker.label, color="#222222", anchor=(0, 0.5))
            text.setPos(marker.time_s, row)
            lane.addItem(text)
            lane.addItem(pg.InfiniteLine(pos=marker.time_s, angle=90, pen=pg.mkPen("#999999")))
        return lane

    def _show_trials(self) -> None:
        assert self.review is not None
        self.trials.setRowCount(len(self.review.trials))
        for row, trial in enumerate(self.review.trials):
            cells = (
                trial.test,
                trial.muscle.replace("_", " "),
                trial.side,
                str(trial.trial),
                "" if trial.attempt is None else str(trial.attempt),
                f"{trial.start_s:.1f}",
                trial.decision,
                trial.reason,
            )
            for column, text in enumerate(cells):
                self.trials.setItem(row, column, QtWidgets.QTableWidgetItem(text))

    def _zoom_to_selected(self) -> None:
        row = self.trials.currentRow()
        if self.review is None or row < 0 or not self.plots:
            return
        trial = self.review.trials[row]
        if self.events is not None:
            self.events.setXRange(trial.start_s - 2.0, trial.stop_s + 2.0, padding=0)

    def change_decision(self) -> None:
        """Record a decision change in the audit log (who, what, why); the raw data is untouched."""
        row = self.trials.currentRow()
        if self.review is None or row < 0:
            self.status.setText("Select a trial first.")
            return
        try:
            self.review = review_data.change_decision(
                self.review,
                self.review.trials[row],
                decision=self.new_decision.currentText(),
                reason=self.reason.text(),
                who=self.who.text(),
            )
        except AlsmotionError as exc:
            self.status.setText(str(exc))
            return
        self._show_trials()
        self.trials.selectRow(row)
        self.reason.clear()
        self.status.setText("Decision changed and written to the audit log. Re-export to update.")

    def reexport(self) -> None:
        if self.review is None:
            return
        review = self.review
        self.export_button.setEnabled(False)
        self.status.setText("Re-exporting…")
        data_dir, export_dir = self.ctx.data_dir, self.ctx.export_dir

        def work() -> exporting.ExportOutcome:
            return exporting.export_participant(data_dir, export_dir, review.participant_id)

        self.ctx.worker.submit(work, self._exported, self._failed)

    def _exported(self, outcome: exporting.ExportOutcome) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(f"Re-exported to {self.ctx.export_dir}")

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(str(exc) if isinstance(exc, AlsmotionError) else repr(exc))
