"""Every ```python block in the README and docs/ runs as a pytest module.

A code example that stops working is a bug in the documentation; this test
finds it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

EXAMPLES = [
    pytest.param(code, id=f"{page.name}-{n}")
    for page in PAGES
    for n, code in enumerate(BLOCK.findall(page.read_text()), 1)
]


def test_there_are_examples() -> None:
    assert any(p.id.startswith("README.md") for p in EXAMPLES)  # type: ignore[union-attr]


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(pytester: pytest.Pytester, code: str) -> None:
    pytester.makepyfile(test_example=code)
    result = pytester.runpytest_inprocess("-q", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1 or "test_" not in code
