"""Reusable widgets: large result numbers with units, and live plots redrawn from pulled data."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

#: Colours of up to six channels, distinguishable by colour-blind viewers (Okabe-Ito).
CHANNEL_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKER_COLOUR = "#000000"

pg.setConfigOptions(antialias=False, background="w", foreground="k")


class BigNumber(QtWidgets.QFrame):
    """A measure shown at arm's length: caption, large value and its unit."""

    def __init__(self, caption: str, unit: str, *, decimals: int, parent=None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.decimals = decimals
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = QtWidgets.QVBoxLayout(self)
        self.caption = QtWidgets.QLabel(caption)
        self.caption.setStyleSheet("font-size: 15px; color: #333;")
        self.value = QtWidgets.QLabel("–")
        self.value.setStyleSheet("font-size: 40px; font-weight: bold;")
        self.value.setAccessibleName(caption)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        self.clear()

    def set_value(self, value: float | None) -> None:
        if value is None or not math.isfinite(value):
            self.value.setText(f"– {self.unit}")
        else:
            self.value.setText(f"{value:.{self.decimals}f} {self.unit}")

    def clear(self) -> None:
        self.set_value(None)

    def text(self) -> str:
        return self.value.text()


class BigNumberPanel(QtWidgets.QWidget):
    """A row of :class:`BigNumber` keyed by measure name."""

    def __init__(self, fields: Sequence[tuple[str, str, str, int]], parent=None) -> None:
        """``fields``: (key, caption, unit, decimals) per number."""
        super().__init__(parent)
        layout = QtWidgets.QGridLayout(self)
        self.numbers: dict[str, BigNumber] = {}
        for column, (key, caption, unit, decimals) in enumerate(fields):
            number = BigNumber(caption, unit, decimals=decimals)
            self.numbers[key] = number
            layout.addWidget(number, column // 3, column % 3)

    def show_values(self, values: dict[str, float | None]) -> None:
        for key, number in self.numbers.items():
            number.set_value(values.get(key))

    def clear(self) -> None:
        for number in self.numbers.values():
            number.clear()


#: A source gives (time_s (n,), values (n, k)) of the samples to draw, newest last.
TraceSource = Callable[[], tuple[np.ndarray, np.ndarray]]


class LivePlot(pg.PlotWidget):
    """A plot that redraws its curves from a pulled source on a timer, never per notification.

    Curves are created once and updated with ``setData(..., skipFiniteCheck=True)``, pen width 1,
    clipped to the view with peak downsampling, as the pyqtgraph examples do for live data.
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
        self.addLegend(offset=(5, 5))
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setClipToView(True)
        self.setDownsampling(auto=True, mode="peak")
        self.curves = [
            self.plot(pen=pg.mkPen(CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)], width=1), name=name)
            for i, name in enumerate(channel_names)
        ]
        self.markers = pg.ScatterPlotItem(
            size=11, symbol="t", pen=pg.mkPen(MARKER_COLOUR), brush=pg.mkBrush(MARKER_COLOUR)
        )
        self.addItem(self.markers)
        self.lines: list[pg.InfiniteLine] = []
        self.frames_drawn = 0

    def refresh(self) -> None:
        """Pull the newest samples from the source and redraw (called by a QTimer)."""
        if self.source is None:
            return
        time_s, values = self.source()
        self.show_data(time_s, values)

    def show_data(self, time_s: np.ndarray, values: np.ndarray) -> None:
        """Draw (n,) times in seconds against (n, k) values, one curve per column."""
        values = np.asarray(values, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        for channel, curve in enumerate(self.curves):
            if channel < values.shape[1]:
                curve.setData(time_s, values[:, channel], skipFiniteCheck=True)
        if len(time_s):
            end_s = float(time_s[-1])
            self.setXRange(max(float(time_s[0]), end_s - self.window_s), end_s, padding=0.01)
        self.frames_drawn += 1

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
                labelOpts={"position": 0.92, "color": "#222222"},
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
