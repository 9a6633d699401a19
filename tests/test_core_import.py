import importlib.util
import json
import subprocess
import sys
from pathlib import Path

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


def test_acquisition_and_gui_are_subpackages(tmp_path):
    """The top-level acquisition/ and gui/ folders are the packages alsmotion.acquisition and
    alsmotion.gui (with every subpackage), and nothing installs them under their bare names."""
    import alsmotion

    code = (
        "import importlib.util, json, alsmotion.acquisition, alsmotion.gui\n"
        "print(json.dumps({'acquisition': alsmotion.acquisition.__file__,\n"
        "    'gui': alsmotion.gui.__file__,\n"
        "    'bare': [importlib.util.find_spec(name) is not None for name in ('acquisition', 'gui')]}))"
    )
    # from an empty folder, so the checkout itself is not on sys.path
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    found = json.loads(out.stdout)
    root = Path(alsmotion.__file__).resolve().parents[2]  # src/alsmotion -> the checkout
    assert Path(found["acquisition"]) == root / "acquisition" / "__init__.py"
    assert Path(found["gui"]) == root / "gui" / "__init__.py"
    assert found["bare"] == [False, False]
    for top in ("acquisition", "gui"):
        for init in sorted((root / top).rglob("__init__.py")):
            dotted = ".".join(init.parent.relative_to(root).parts)
            spec = importlib.util.find_spec(f"alsmotion.{dotted}")
            assert spec is not None and Path(spec.origin) == init, dotted
