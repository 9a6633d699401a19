import subprocess
import sys


def test_core_imports_without_optional_dependencies():
    code = (
        "import sys, alsmotion, alsmotion.readers, alsmotion.recording, alsmotion.units;"
        "heavy = {'PySide6', 'pyqtgraph', 'bleak', 'dask', 'distributed', 'matplotlib', 'tqdm'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_acquisition_and_gui_are_subpackages():
    import alsmotion.acquisition
    import alsmotion.gui

    assert alsmotion.acquisition.__name__ == "alsmotion.acquisition"
    assert alsmotion.gui.__name__ == "alsmotion.gui"
