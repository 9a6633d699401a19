"""The wheel, as a newcomer gets it: built from the checkout without build warnings, installed into
a fresh virtual environment outside the repository, ``alsmotion demo`` run from there.

To stay fast and offline (beyond PyPI for the build backend), the fresh environment does not
download its dependencies again: it sees, through a ``.pth`` line, a folder that links to the
installed files of exactly the distributions the wheel requires (without extras, transitively),
and nothing else. So a package the code needs but the wheel does not declare is missing there,
as it would be after ``pip install alsmotion``; alsmotion itself comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Each step has its own timeout naming it; together they may exceed the suite-wide 300 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]

#: Setuptools' warnings about the project's configuration (licence form, package data, ...).
_BUILD_WARNING = re.compile(r"Setuptools\w*Warning|BuildBackendWarning|[Dd]eprecat")

_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "demo-output",
    "artifacts",
)

# Runs in the fresh environment: the console script's entry point on `demo`.
_DEMO = r"""
import json, sys
from importlib import metadata

(entry,) = metadata.entry_points(group="console_scripts", name="alsmotion")
sys.argv = ["alsmotion", "demo", "--out", sys.argv[1], "--participants", "3"]
code = entry.load()()
import alsmotion, alsmotion.acquisition, alsmotion.gui
files = [alsmotion.__file__, alsmotion.acquisition.__file__, alsmotion.gui.__file__]
print(json.dumps({"code": code, "files": files}))
"""


def _required_distributions(wheel: Path) -> set[str]:
    """The wheel's Requires-Dist without extras, with theirs, transitively (canonical names)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        todo = Parser().parsestr(archive.read(name).decode()).get_all("Requires-Dist") or []
    required: set[str] = set()
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        dist_name = canonicalize_name(requirement.name)
        if dist_name not in required:
            required.add(dist_name)
            todo.extend(metadata.distribution(dist_name).requires or [])
    return required


def _link_installed_files(distributions: set[str], folder: Path) -> None:
    """Make ``folder`` a site directory holding only ``distributions`` (links to their files)."""
    folder.mkdir()
    for dist_name in sorted(distributions):
        dist = metadata.distribution(dist_name)
        site = Path(str(dist.locate_file("")))
        tops = {Path(file).parts[0] for file in dist.files or [] if not str(file).startswith("..")}
        for top in sorted(tops):
            if (site / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(site / top)


def _run(command: list[str], what: str, timeout_s: float, **options) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False, **options
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"hung: {what} did not finish within {timeout_s} s") from exc
    assert done.returncode == 0, f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_wheel_installs_in_a_fresh_environment_and_runs_the_demo(tmp_path: Path):
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(PROJECT_ROOT, source, ignore=_IGNORED, symlinks=True)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    log = _run(
        [*pip, "wheel", "--no-deps", "-v", "-w", str(tmp_path / "dist"), str(source)],
        "building the wheel",
        600,
    )
    lines = (log.stdout + log.stderr).splitlines()
    warnings = [line.strip() for line in lines if _BUILD_WARNING.search(line)]
    assert not warnings, "the build warned:\n" + "\n".join(warnings)
    (wheel,) = (tmp_path / "dist").glob("alsmotion-*.whl")

    env_dir = tmp_path / "fresh-env"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], "creating the venv", 300)
    python = env_dir / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    fresh_site = Path(_run([str(python), "-c", purelib], "asking the venv", 60).stdout.strip())
    required = _required_distributions(wheel)
    assert {"numpy", "scipy", "pandas", "pyarrow", "matplotlib", "tqdm"} <= required
    _link_installed_files(required, tmp_path / "dependencies")
    (fresh_site / "dependencies.pth").write_text(f"{tmp_path / 'dependencies'}\n")
    _run(  # --no-index: pip must find every requirement among the linked distributions
        [*pip, "--python", str(python), "install", "--no-index", str(wheel)],
        "installing the wheel",
        600,
    )
    assert (env_dir / "bin" / "alsmotion").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    demo = _run(
        [str(python), "-c", _DEMO, str(elsewhere / "demo")],
        "`alsmotion demo` from the fresh environment",
        900,
        cwd=elsewhere,
        env=clean,
    )
    report = json.loads(demo.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    for file in report["files"]:  # the installed copy, not the checkout
        assert Path(file).is_relative_to(env_dir), file
    summary = json.loads((elsewhere / "demo" / "summary.json").read_text())
    assert summary["n_strides"] > 100
    measures = (elsewhere / "demo" / "exports" / "visit_measures.csv").read_text()
    assert "ALS-003" in measures  # the three simulated participants, through the schedule data
