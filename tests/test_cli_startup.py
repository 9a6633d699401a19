"""``alsmotion --help`` and each ``alsmotion COMMAND --help`` load no heavy library."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alsmotion.cli import COMMAND_MODULES

HEAVY = ("pandas", "scipy", "pyarrow", "matplotlib")
PROBE = """
import sys
from alsmotion.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:" + ",".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("argv", [["--help"], *[[name, "--help"] for name in COMMAND_MODULES]])
def test_help_imports_no_heavy_library(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert loaded == "loaded:", f"alsmotion {' '.join(argv)} imported {loaded}"
