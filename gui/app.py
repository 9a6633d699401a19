"""Start the desktop application (``alsmotion gui``)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6 import QtWidgets

from alsmotion.gui.main_window import MainWindow


def run(*, data_dir: Path, export_dir: Path, simulate: bool) -> int:
    """Open the main window and run the Qt event loop until it closes; return the exit code.

    Parameters
    ----------
    data_dir : folder for recorded sessions (created when missing).
    export_dir : folder for the visit exports (created when missing).
    simulate : use the devices' simulated twins instead of Bluetooth.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    export_dir.mkdir(parents=True, exist_ok=True)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("alsmotion")
    window = MainWindow(data_dir=data_dir, export_dir=export_dir, simulate=simulate)
    window.show()
    return int(app.exec())
