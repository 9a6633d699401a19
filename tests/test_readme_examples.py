"""Every Python example of README.md runs as written, from a checkout beside ``../shared``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _examples() -> list:
    """One parameter (line of the block's first code line, code) per ```python block."""
    text = README.read_text(encoding="utf-8")
    examples = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        examples.append(pytest.param(line, match.group(1), id=f"README.md:{line}"))
    return examples


def test_the_readme_has_python_examples():
    assert len(_examples()) >= 3


@pytest.mark.parametrize(("line", "code"), _examples())
def test_readme_example_runs(line: int, code: str, tmp_path: Path, shared_data: Path, monkeypatch):
    # The examples name the reference recordings as ../shared/data, relative to the checkout; run
    # them in an empty folder laid out the same way, so whatever they write stays in tmp_path.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(shared_data)
    monkeypatch.chdir(checkout)
    exec(compile(code, f"{README}:{line}", "exec"), {"__name__": "readme_example"})
