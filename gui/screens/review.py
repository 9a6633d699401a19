"""Review mode: open any raw session, scroll and zoom its signals with the events overlaid, change
trial decisions (each change goes to the session's audit log with who and why), re-export."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import exporting, review_data
from alsmotion.gui.context import VisitContext
from alsmotion.gui.widgets import LivePlot, heading, message_label

TRIAL_COLUMNS = ("Test", "Muscle", "Side", "Trial", "Start (s)", "Decision", "Reason")
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

        self.plot_area = QtWidgets.QVBoxLayout()
        self.plots: list[LivePlot] = []
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
        try:
            self.review = review_data.load(path)
        except AlsmotionError as exc:
            self.status.setText(str(exc))
            return
        self._show_signals()
        self._show_trials()
        self.status.setText(f"Opened {path.name}: {len(self.review.trials)} trials")

    def _show_signals(self) -> None:
        assert self.review is not None
        for plot in self.plots:
            self.plot_area.removeWidget(plot)
            plot.deleteLater()
        self.plots = []
        for signal in self.review.signals:
            plot = LivePlot(
                channel_names=signal.channel_names,
                y_label=signal.name,
                y_unit=signal.unit,
                window_s=max(1.0, float(signal.time_s[-1] - signal.time_s[0]))
                if len(signal.time_s)
                else 1.0,
            )
            plot.show_data(signal.time_s, signal.values)
            markers = self.review.markers
            # event names on the top plot only; the lines run through every plot
            labels = [m.label if not self.plots else "" for m in markers]
            plot.set_lines([m.time_s for m in markers], labels)
            if self.plots:
                plot.setXLink(self.plots[0])
            self.plot_area.addWidget(plot)
            plot.show()  # added after the screen was shown: Qt leaves new children hidden
            self.plots.append(plot)

    def _show_trials(self) -> None:
        assert self.review is not None
        self.trials.setRowCount(len(self.review.trials))
        for row, trial in enumerate(self.review.trials):
            cells = (
                trial.test,
                trial.muscle,
                trial.side,
                str(trial.trial),
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
        self.plots[0].setXRange(trial.start_s - 2.0, trial.stop_s + 2.0, padding=0)

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
