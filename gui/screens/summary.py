"""Visit summary: every measure of the visit, change from baseline and a small plot per measure
across visits; "Save and export" closes the recording and writes the exports in the worker."""

from __future__ import annotations

import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import exporting
from alsmotion.gui.context import VisitContext
from alsmotion.gui.visit_summary import MeasureRow, missing_parts, strength_rows, walk_rows
from alsmotion.gui.widgets import CHANNEL_COLOURS, heading, message_label

COLUMNS = ("Measure", "This visit", "Baseline", "Change", "Flags")
#: Widths (px) of the measure, value, baseline and change columns ("knee extension right: peak
#: force per body mass" and "cannot perform: participant declined" in two lines).
COLUMN_PX = (230, 135, 125, 125)
#: Small plots per row in the across-visits grid, and the height of one plot (px).
PLOTS_PER_ROW = 1
PLOT_HEIGHT_PX = 150
#: Width of the across-visits plot column (px); the table takes the rest.
PLOT_PANEL_PX = 290


def _common_flags(
    cells: list[tuple[str, str, str, str, str]],
) -> tuple[list[tuple[str, str, str, str, str]], list[str]]:
    """The flag sentences every row carries (said once above the table), and the rows without
    them."""
    sets = [[f for f in row[4].split("; ") if f] for row in cells]
    common = [f for f in sets[0] if all(f in other for other in sets[1:])] if len(cells) > 1 else []
    rows = [
        (*row[:4], "; ".join(f for f in flags if f not in common))
        for row, flags in zip(cells, sets, strict=True)
    ]
    return rows, common


class SummaryScreen(QtWidgets.QWidget):
    """What was measured today, how it compares with baseline, and the export."""

    def __init__(self, ctx: VisitContext, *, on_new_visit: Callable[[], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[MeasureRow] = []
        self.history: exporting.History | None = None
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        # fixed columns whose text wraps; the flags take the width left and wrap, so everything
        # is read in full before the export
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        for column, width_px in enumerate(COLUMN_PX):
            header.resizeSection(column, width_px)
        header.setSectionResizeMode(len(COLUMNS) - 1, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setStyleSheet("font-size: 16px;")
        #: flags every row carries (e.g. a dropout somewhere in the visit), said once
        self.visit_flags = message_label()
        self.plots = pg.GraphicsLayoutWidget()
        plot_scroll = QtWidgets.QScrollArea()
        plot_scroll.setWidgetResizable(True)
        plot_scroll.setWidget(self.plots)
        plot_scroll.setFixedWidth(PLOT_PANEL_PX)
        plot_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.export_button = QtWidgets.QPushButton("&Save and export")
        self.export_button.setStyleSheet("font-size: 20px; padding: 8px 24px;")
        self.export_button.clicked.connect(self.save_and_export)
        self.status = message_label()
        self.status.setStyleSheet("font-size: 16px;")
        self.status.setMinimumHeight(70)
        self.warning = message_label()
        self.warning.setObjectName("protocol_warning")
        self.warning.setStyleSheet("font-size: 17px; color: #8a0000; font-weight: bold;")
        self.new_visit_button = QtWidgets.QPushButton("&New visit")
        self.new_visit_button.setToolTip("Close this visit and start the next participant's")
        self.new_visit_button.clicked.connect(on_new_visit)
        self.new_visit_button.setEnabled(False)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Visit summary"))
        layout.addWidget(self.visit_flags)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addWidget(plot_scroll)
        layout.addLayout(body, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.status)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.export_button, 1)
        buttons.addWidget(self.new_visit_button)
        layout.addLayout(buttons)

    def entered(self) -> None:
        decisions = self.ctx.strength.decisions if self.ctx.strength else []
        self.rows = walk_rows(self.ctx.walk_trials) + strength_rows(decisions)
        missing = missing_parts(self.ctx.protocol, self.ctx.walk_trials, self.ctx.strength)
        self.warning.setText(
            "The protocol is incomplete: " + "; ".join(missing) + "." if missing else ""
        )
        if not self.ctx.exported:
            self._fill(history=None)
        self.export_button.setFocus()

    def tick(self) -> None:
        """Nothing live on this screen."""

    def reset(self) -> None:
        """Empty for the next visit."""
        self.rows, self.history = [], None
        self.table.setRowCount(0)
        self.plots.clear()
        for label in (self.status, self.warning, self.visit_flags):
            label.setText("")
        self.new_visit_button.setEnabled(False)

    def save_and_export(self) -> None:
        """Stop the recording (closing the session with its manifest) and export in the worker."""
        link, metadata = self.ctx.link, self.ctx.metadata
        if link is None or metadata is None:
            self.status.setText("Nothing recorded yet: start a visit first.")
            return
        self.export_button.setEnabled(False)
        self.status.setText("Saving the recording and writing the exports…")
        data_dir, export_dir = self.ctx.data_dir, self.ctx.export_dir
        participant = metadata.participant_id

        def work() -> exporting.ExportOutcome:
            link.stop()
            return exporting.export_participant(data_dir, export_dir, participant)

        self.ctx.worker.submit(work, self._exported, self._failed)

    def _exported(self, outcome: exporting.ExportOutcome) -> None:
        self.ctx.exported = dict(outcome.paths)
        self.export_button.setEnabled(True)
        self.new_visit_button.setEnabled(True)
        self.status.setText(
            f"Saved {self.ctx.require_link().session_path.name}; exports written to "
            f"{self.ctx.export_dir}: " + ", ".join(sorted(p.name for p in outcome.paths.values()))
        )
        self._fill(history=outcome.history)
        self.history = outcome.history

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(
            "Export failed: " + (str(exc) if isinstance(exc, AlsmotionError) else repr(exc))
        )

    def _fill(self, *, history: exporting.History | None) -> None:
        """This visit's rows: live values before the export, the exported table after it."""
        if history is None:
            cells = [(row.label, row.value_text(), "", "", row.flags) for row in self.rows]
        else:
            cells = history.latest_rows()
        cells, common = _common_flags(cells)
        self.visit_flags.setText("Every measure: " + "; ".join(common) if common else "")
        self.table.setRowCount(len(cells))
        for row_index, texts in enumerate(cells):
            for column, text in enumerate(texts):
                self.table.setItem(row_index, column, QtWidgets.QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        self.plots.clear()
        if history is None:
            return
        plotted = 0
        for label, (visits, values) in history.series().items():
            finite = [(x, v) for x, v in enumerate(values) if math.isfinite(v)]
            if not finite:
                continue  # e.g. cannot perform at every visit: the table says why
            plot = self.plots.addPlot(row=plotted // PLOTS_PER_ROW, col=plotted % PLOTS_PER_ROW)
            # muscle and side above the measure: a long title would widen the plot past the panel
            plot.setTitle(label.replace(": ", ":<br>", 1), size="10pt")
            plotted += 1
            x, y = zip(*finite, strict=True)
            plot.plot(
                list(x),
                list(y),
                pen=pg.mkPen(CHANNEL_COLOURS[0], width=1),
                symbol="o",
                symbolSize=6,
            )
            plot.getAxis("bottom").setTicks([list(enumerate(visits))])
            plot.setXRange(-0.4, len(visits) - 0.5)  # the last visit label whole
            plot.setMouseEnabled(x=False, y=False)
        rows = -(-plotted // PLOTS_PER_ROW)
        self.plots.setMinimumHeight(rows * PLOT_HEIGHT_PX)
