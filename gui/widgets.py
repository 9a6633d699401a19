"""Reusable widgets: large result numbers with units, and live plots redrawn from pulled data."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

#: Colours of up to six channels, distinguishable by colour-blind viewers (Okabe-Ito).
CHANNEL_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKER_COLOUR = "#000000"
#: A pause between samples longer than this (s) is drawn as a break in a live trace.
GAP_BREAK_S = 0.25

pg.setConfigOptions(antialias=False, background="w", foreground="k")


class BigNumber(QtWidgets.QFrame):
    """A measure shown at arm's length: caption, large value and its unit."""

    def __init__(
        self, caption: str, unit: str, *, decimals: int, size_px: int = 34, parent=None
    ) -> None:
        super().__init__(parent)
        self.unit = unit
        self.decimals = decimals
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(0)
        self.caption = QtWidgets.QLabel(caption)
        self.caption.setStyleSheet("font-size: 15px; color: #333;")
        self.value = QtWidgets.QLabel("–")
        self.value.setStyleSheet(f"font-size: {size_px}px; font-weight: bold;")
        self.value.setAccessibleName(caption)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self.clear()

    def set_value(self, value: float | None) -> None:
        if value is None or not math.isfinite(value):
            self.value.setText(f"– {self.unit}".strip())
        else:
            value = round(value, self.decimals) + 0.0  # no "-0 N" at rest
            self.value.setText(f"{value:.{self.decimals}f} {self.unit}".strip())

    def clear(self) -> None:
        self.set_value(None)

    def text(self) -> str:
        return self.value.text()


class BigNumberPanel(QtWidgets.QWidget):
    """A row of :class:`BigNumber` keyed by measure name."""

    def __init__(
        self,
        fields: Sequence[tuple[str, str, str, int]],
        *,
        columns: int = 3,
        size_px: int = 34,
        parent=None,
    ) -> None:
        """``fields``: (key, caption, unit, decimals) per number, ``columns`` per row."""
        super().__init__(parent)
        layout = QtWidgets.QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.numbers: dict[str, BigNumber] = {}
        for column, (key, caption, unit, decimals) in enumerate(fields):
            number = BigNumber(caption, unit, decimals=decimals, size_px=size_px)
            self.numbers[key] = number
            layout.addWidget(number, column // columns, column % columns)

    def show_values(self, values: dict[str, float | None]) -> None:
        for key, number in self.numbers.items():
            number.set_value(values.get(key))

    def clear(self) -> None:
        for number in self.numbers.values():
            number.clear()


#: A source gives (time_s (n,), values (n, k)) of the samples to draw, newest last.
TraceSource = Callable[[], tuple[np.ndarray, np.ndarray]]


class LivePlot(pg.PlotWidget):
    """A plot redrawn from a pulled source on a timer, never per notification.

    Live data is drawn as a sweep, as on a patient monitor: the x axis is fixed (0 to
    ``window_s``), the trace is written at ``time mod window_s`` and a cursor marks now, so no frame
    rebuilds the axes (scrolling the range repaints them every frame). The y range only widens
    while a trace runs. A finished trial is drawn whole, once (:meth:`show_trial`), and the timer
    then leaves it alone. Gaps in the samples are drawn as breaks, not straight lines.
    """

    def __init__(
        self,
        *,
        channel_names: Sequence[str],
        y_label: str,
        y_unit: str,
        window_s: float,
        parent=None,
    ) -> None:
        super().__init__(parent=parent)
        self.window_s = float(window_s)
        self.source: TraceSource | None = None
        self.setLabel("left", y_label, units=y_unit)
        self.setLabel("bottom", "time", units="s")
        # one row of channel names along the top, on white: readable over the trace
        legend = self.addLegend(offset=(5, 2), brush=pg.mkBrush(255, 255, 255, 210))
        legend.setColumnCount(max(1, len(channel_names)))
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(170)
        self.curves = [
            self.plot(pen=pg.mkPen(CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)], width=1), name=name)
            for i, name in enumerate(channel_names)
        ]
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888888", width=1))
        self.addItem(self.cursor)
        self.markers = pg.ScatterPlotItem(
            size=11, symbol="t", pen=pg.mkPen(MARKER_COLOUR), brush=pg.mkBrush(MARKER_COLOUR)
        )
        self.addItem(self.markers)
        self.lines: list[pg.InfiniteLine] = []
        self.frames_drawn = 0
        self.frozen = False
        self._y_range: tuple[float, float] | None = None
        self.live()

    def live(self) -> None:
        """Back to the live sweep (after a finished trial was shown)."""
        self.frozen = False
        self.cursor.show()
        self._y_range = None
        self.getPlotItem().enableAutoRange(x=False, y=False)
        self.setXRange(0.0, self.window_s, padding=0.0)

    def refresh(self) -> None:
        """Pull the newest samples from the source and redraw (called by a QTimer)."""
        if self.source is None or self.frozen:
            return
        time_s, values = self.source()
        self.show_data(time_s, values)

    def show_data(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Sweep (n,) times in seconds against (n, k) values, one curve per column."""
        time_s = np.asarray(time_s, dtype=float)
        values = np.asarray(values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        if len(time_s):
            keep = time_s > time_s[-1] - self.window_s
            time_s, values = time_s[keep], values[keep]
        x = np.mod(time_s, self.window_s)
        breaks = np.flatnonzero((np.diff(x) < 0) | (np.diff(time_s) > GAP_BREAK_S))
        x = np.insert(x, breaks + 1, np.nan)
        values = np.insert(values, breaks + 1, np.nan, axis=0)
        self._draw(x, values)
        if len(time_s):
            self.cursor.setValue(float(x[-1]))
            self._widen_y(values)
        self.frames_drawn += 1

    def show_trial(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Draw a whole finished trial once (NaN rows are breaks) and stop the live sweep."""
        self.frozen = True
        self.cursor.hide()
        values = np.asarray(values, dtype=float).reshape(len(time_s), -1)
        self._draw(np.asarray(time_s, dtype=float), values)
        end_s = float(np.nanmax(time_s)) if len(time_s) else self.window_s
        self.setXRange(0.0, max(end_s, 1.0), padding=0.01)
        self._y_range = None
        self._widen_y(values)

    def _draw(self, x: np.ndarray, values: np.ndarray) -> None:
        for channel, curve in enumerate(self.curves):
            if channel < values.shape[1]:
                curve.setData(x, values[:, channel], connect="finite")
            else:
                curve.setData([], [])

    def _widen_y(self, values: np.ndarray) -> None:
        """Widen the y range to the data, in steps, so that the axis is rarely redrawn."""
        finite = values[np.isfinite(values)]
        if len(finite) == 0:
            return
        low, high = float(finite.min()), float(finite.max())
        if self._y_range is not None and self._y_range[0] <= low and high <= self._y_range[1]:
            return
        span = max(high - low, 1.0)
        if self._y_range is not None:
            low, high = min(low, self._y_range[0]), max(high, self._y_range[1])
        self._y_range = (low - 0.15 * span, high + 0.15 * span)
        self.setYRange(*self._y_range, padding=0.0)

    def set_markers(self, x: np.ndarray, y: np.ndarray) -> None:
        """Mark events (steps, peak) with triangles at (x [s], y [plot unit])."""
        self.markers.setData(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def set_lines(self, positions_s: Sequence[float], labels: Sequence[str]) -> None:
        """Vertical labelled lines (onset, events) at the given times in seconds."""
        for line in self.lines:
            self.removeItem(line)
        self.lines = []
        for position_s, label in zip(positions_s, labels, strict=True):
            line = pg.InfiniteLine(
                pos=position_s,
                angle=90,
                pen=pg.mkPen("#555555", width=1, style=QtCore.Qt.PenStyle.DashLine),
                label=label or None,
                # halfway up, on the left of the line: clear of the curve rising after an onset
                labelOpts={"position": 0.5, "anchors": [(1, 0.5), (1, 0.5)], "color": "#222222"},
            )
            self.addItem(line)
            self.lines.append(line)

    def clear_overlays(self) -> None:
        self.markers.clear()
        self.set_lines([], [])


def heading(text: str) -> QtWidgets.QLabel:
    """A screen title."""
    label = QtWidgets.QLabel(text)
    label.setStyleSheet("font-size: 26px; font-weight: bold;")
    return label


def message_label() -> QtWidgets.QLabel:
    """A wrapped label for guidance and flags, readable at arm's length."""
    label = QtWidgets.QLabel("")
    label.setWordWrap(True)
    label.setStyleSheet("font-size: 16px; color: #8a3b00;")
    return label


class SpaceToTest(QtCore.QObject):
    """Event filter for number fields on a test screen: Space starts or stops the test instead
    of going into the field (a spin box would take it as typing)."""

    def __init__(self, toggle: Callable[[], None], parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self.toggle = toggle

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        kinds = (QtCore.QEvent.Type.ShortcutOverride, QtCore.QEvent.Type.KeyPress)
        if (
            event.type() in kinds
            and isinstance(event, QtGui.QKeyEvent)
            and event.key() == QtCore.Qt.Key.Key_Space
            and not event.modifiers()
        ):
            if event.type() == QtCore.QEvent.Type.KeyPress:
                self.toggle()
            event.accept()
            return True
        return False


def guard_space(toggle: Callable[[], None], *fields: QtWidgets.QWidget) -> None:
    """Install :class:`SpaceToTest` on ``fields`` (and a spin box's line edit)."""
    for field in fields:
        space = SpaceToTest(toggle, field)
        field.installEventFilter(space)
        edit = field.findChild(QtWidgets.QLineEdit)
        if isinstance(field, QtWidgets.QAbstractSpinBox) and edit is not None:
            edit.installEventFilter(space)
