"""Devices screen: scan, connect, and watch battery, rate and connection state with guidance."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui.context import VisitContext
from alsmotion.gui.guidance import device_guidance, placement_guidance
from alsmotion.gui.link import IMU, AcquisitionLink, DeviceView, FoundDevice
from alsmotion.gui.widgets import heading, message_label

COLUMNS = ("Device", "Kind", "State", "Battery", "Rate", "Samples", "Gaps")
#: Seconds of IMU data used to check that the vertical axis is found.
PLACEMENT_WINDOW_S = 1.5


class DevicesScreen(QtWidgets.QWidget):
    """Find the IMU and the dynamometer, connect them, and show what is wrong in plain words."""

    def __init__(self, ctx: VisitContext, *, on_done: Callable[[], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self.on_done = on_done
        self.found: list[FoundDevice] = []
        self.scan_button = QtWidgets.QPushButton("&Scan for devices")
        self.scan_button.clicked.connect(self.scan)
        self.found_list = QtWidgets.QListWidget()
        self.found_list.setStyleSheet("font-size: 17px;")
        self.connect_button = QtWidgets.QPushButton("C&onnect selected")
        self.connect_button.clicked.connect(self.connect_selected)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        # the device's name and address in full: the operator matches it to the label on the device
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setStyleSheet("font-size: 17px;")
        self.guidance = message_label()
        self.continue_button = QtWidgets.QPushButton("Continue to &walk tests")
        self.continue_button.setEnabled(False)
        self.continue_button.clicked.connect(self.on_done)

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.scan_button)
        buttons.addWidget(self.connect_button)
        buttons.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Devices"))
        layout.addLayout(buttons)
        layout.addWidget(QtWidgets.QLabel("Found (tick the devices to use):"))
        layout.addWidget(self.found_list, 1)
        layout.addWidget(QtWidgets.QLabel("Connected:"))
        layout.addWidget(self.table, 2)
        layout.addWidget(self.guidance)
        layout.addWidget(self.continue_button)

    def entered(self) -> None:
        if self.ctx.link is None and self.ctx.metadata is not None:
            self.ctx.link = AcquisitionLink(
                data_dir=self.ctx.data_dir,
                metadata=self.ctx.metadata,
                simulate=self.ctx.simulate,
                faults=self.ctx.simulated_faults,
            )
        if not self.found and self.ctx.link is not None and not self.ctx.link.connected_kinds():
            self.scan()

    def tick(self) -> None:
        """Device states refresh on the slower status timer (:meth:`refresh_status`)."""

    def reset(self) -> None:
        """Forget the devices of the last visit (its link is closed): the next one scans again."""
        self.found = []
        self.found_list.clear()
        self.table.setRowCount(0)
        self.guidance.setText("")
        self.continue_button.setEnabled(False)

    def scan(self) -> None:
        link = self.ctx.require_link()
        self.scan_button.setEnabled(False)
        self.guidance.setText("Scanning…")
        self.ctx.worker.submit(link.scan, self._scanned, self._failed)

    def _scanned(self, found: list[FoundDevice]) -> None:
        self.scan_button.setEnabled(True)
        self.found = list(found)
        self.found_list.clear()
        for device in self.found:
            item = QtWidgets.QListWidgetItem(f"{device.name}  ({device.kind}, {device.address})")
            item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(QtCore.Qt.CheckState.Checked)
            self.found_list.addItem(item)
        self.guidance.setText(
            "" if self.found else "No device found: switch the devices on and scan again."
        )

    def _failed(self, exc: BaseException) -> None:
        self.scan_button.setEnabled(True)
        self.guidance.setText(str(exc) if isinstance(exc, AlsmotionError) else repr(exc))

    def connect_selected(self) -> None:
        chosen = [
            device
            for row, device in enumerate(self.found)
            if self.found_list.item(row).checkState() == QtCore.Qt.CheckState.Checked
        ]
        if not chosen:
            self.guidance.setText("Tick at least one device to connect.")
            return
        try:
            self.ctx.require_link().connect(chosen)
        except AlsmotionError as exc:
            self.guidance.setText(str(exc))
            return
        self.refresh_status()

    def refresh_status(self) -> list[str]:
        """Redraw the device table and guidance (every 500 ms); return the guidance messages."""
        link = self.ctx.link
        if link is None:
            return []
        views = link.device_views()
        self._fill_table(views)
        messages = []
        for view in views:
            for text in device_guidance(
                state=view.state,
                battery_pct=view.battery_pct,
                rate_hz=view.rate_hz,
                nominal_rate_hz=view.nominal_rate_hz,
            ):
                messages.append(f"{view.name}: {text}")
            if view.message:  # the recorder's own explanation, e.g. why a device was given up
                messages.append(f"{view.name}: {view.message}")
        if any(v.kind == IMU and v.state == "connected" for v in views):
            _, accel = link.recent(IMU, PLACEMENT_WINDOW_S)
            placement = placement_guidance(accel[:, :3]) if len(accel) else None
            if placement:
                messages.append(placement)
        self.guidance.setText("\n".join(messages))
        self.continue_button.setEnabled(bool(link.connected_kinds()))
        return messages

    def _fill_table(self, views: list[DeviceView]) -> None:
        self.table.setRowCount(len(views))
        for row, view in enumerate(views):
            cells = (
                view.name,
                view.kind,
                view.state,
                "–" if view.battery_pct is None else f"{view.battery_pct:.0f} %",
                "–" if view.rate_hz is None else f"{view.rate_hz:.0f} Hz",
                str(view.samples),
                str(view.gaps),
            )
            for column, text in enumerate(cells):
                item = self.table.item(row, column)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    self.table.setItem(row, column, item)
                item.setText(text)
