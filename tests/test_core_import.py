import subprocess
import sys

import pytest

#: Optional or heavy packages that the core and the analysis modules must not import.
HEAVY_MODULES = ("PySide6", "pyqtgraph", "bleak", "dask", "distributed", "matplotlib", "tqdm")


@pytest.mark.parametrize(
    "modules",
    [
        "alsmotion, alsmotion.readers, alsmotion.recording, alsmotion.units",
        "alsmotion.gait, alsmotion.strength, alsmotion.session, alsmotion.processing, "
        "alsmotion.visits, alsmotion.export, alsmotion.simulate.force, alsmotion.simulate.trial, "
        "alsmotion.cli, alsmotion.cli.strength",
    ],
)
def test_imports_without_optional_dependencies(modules):
    code = f"import sys, {modules}; print(sorted(set({HEAVY_MODULES!r}) & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_acquisition_and_gui_are_subpackages():
    import alsmotion.acquisition
    import alsmotion.gui

    assert alsmotion.acquisition.__name__ == "alsmotion.acquisition"
    assert alsmotion.gui.__name__ == "alsmotion.gui"
