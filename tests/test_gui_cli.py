"""``alsmotion gui``: registered, and Qt is imported only when the GUI actually starts."""

from __future__ import annotations

import subprocess
import sys

from alsmotion.cli import build_parser


def test_gui_subcommand_parses_simulate_and_folders(tmp_path):
    args = build_parser().parse_args(
        ["gui", "--simulate", "--data-dir", str(tmp_path / "s"), "--export-dir", str(tmp_path)]
    )
    assert args.simulate and args.data_dir == tmp_path / "s" and args.export_dir == tmp_path


def test_building_the_cli_does_not_import_qt():
    code = (
        "import sys; from alsmotion.cli import build_parser; build_parser();"
        "print(sorted({'PySide6', 'pyqtgraph'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
