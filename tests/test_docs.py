"""The documentation is tested like code.

* Every ```python block in the README and docs/ runs as a pytest module: a
  code example that stops working is a bug in the documentation.
* The API reference (docs/reference/) documents every public name, the
  fixtures page every fixture, docs/cli.md every option of the `fakes`
  command.
* The README and docs/ point only at files the repository has.

The site itself is built with `mkdocs build --strict` by scripts/test.sh.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

# The examples use requests. pytester's in-process runs drop the modules a run
# imported when it ends, so each run would import its own copy of requests and
# mix classes from two copies ("You can only merge into CookieJar"); imported
# here once, every run shares this one.
import requests  # noqa: F401

from fakes import cli

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The examples run in pytester's in-process sessions, which forget the modules they
# imported; a native extension (cryptography's, which the Kubernetes fake's TLS uses)
# cannot be imported afresh, so it is imported once here, outside them.
with contextlib.suppress(ImportError):
    import cryptography.hazmat.primitives.asymmetric.ec
    import cryptography.x509  # noqa: F401
# The same holds for dulwich (the GitHub fake's git objects): its Rust extensions keep
# the classes of the first import, so a second copy of dulwich.objects would not match.
with contextlib.suppress(ImportError):
    import dulwich.object_store
    import dulwich.pack
    import dulwich.repo
    import dulwich.server  # noqa: F401

PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)

EXAMPLES = [
    pytest.param(code, id=f"{page.relative_to(ROOT)}-{n}")
    for page in PAGES
    for n, code in enumerate(BLOCK.findall(page.read_text()), 1)
]

# The public modules: what the API reference must cover, name by name (their __all__).
PUBLIC_MODULES = [
    "fakes",
    "fakes.artifacts",
    "fakes.artifacts.strategies",
    "fakes.faults",
    "fakes.errors",
    "fakes.wire",
    "fakes.providers",
    "fakes.kubernetes",
    "fakes.kubernetes.faults",
    "fakes.kubernetes.strategies",
    "fakes.github.strategies",
    "fakes.reconciliation",
    "fakes.diagnostics",
]
# mkdocstrings directives: `::: dotted.path`, then indented options, maybe a members list.
DIRECTIVE = re.compile(r"^::: (\S+)\n((?:[ \t]+\S.*\n?)*)", re.M)
MEMBER = re.compile(r"^\s+- (\w+)\s*$", re.M)


def test_there_are_examples() -> None:
    assert any(p.id.startswith("README.md") for p in EXAMPLES)  # type: ignore[union-attr]


@pytest.mark.parametrize("code", EXAMPLES)
def test_example_runs(pytester: pytest.Pytester, code: str) -> None:
    pytester.makepyfile(test_example=code)
    result = pytester.runpytest_inprocess("-q", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1 or "test_" not in code


def _resolve(path: str) -> Any:
    """The object a dotted path names: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(path)


def _documented() -> list[Any]:
    """Every object the reference pages render with a `:::` directive."""
    found = []
    for page in sorted((DOCS / "reference").glob("*.md")):
        for path, options in DIRECTIVE.findall(page.read_text()):
            found.append(_resolve(path))
            found += [_resolve(f"{path}.{member}") for member in MEMBER.findall(options)]
    return found


def test_the_reference_documents_every_public_name() -> None:
    documented = _documented()
    missing = [
        f"{module}.{name}"
        for module in PUBLIC_MODULES
        for name in importlib.import_module(module).__all__
        if name != "__version__"
        and not any(getattr(importlib.import_module(module), name) is obj for obj in documented)
    ]
    assert missing == [], f"not in docs/reference/*.md (add a `::: path` directive): {missing}"


def test_the_fixtures_page_lists_every_fixture_with_its_scope() -> None:
    plugin = importlib.import_module("fakes.pytest_plugin")
    page = (DOCS / "reference" / "fixtures.md").read_text()
    fixtures = {}
    for attribute, obj in vars(plugin).items():
        # pytest >= 8.4 marks fixtures with _fixture_function_marker, older ones with
        # _pytestfixturefunction.
        marker = getattr(obj, "_fixture_function_marker", None) or getattr(
            obj, "_pytestfixturefunction", None
        )
        if marker is not None:
            fixtures[marker.name or attribute] = marker.scope
    assert fixtures
    for name, scope in fixtures.items():
        assert f"| `{name}` | {scope} |" in page, f"{name} ({scope}) missing from fixtures.md"


@pytest.mark.parametrize("command", ["serve", "conformance"])
def test_the_cli_page_names_every_option(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", capsys.readouterr().out)) - {"--help"}
    assert options
    page = (DOCS / "cli.md").read_text()
    assert sorted(o for o in options if f"`{o}" not in page) == []


def test_pages_point_only_at_files_in_the_repository() -> None:
    for page in PAGES:
        text = page.read_text()
        assert not re.search(r"DESIGN\.md|\.\./shared", text), page
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
            if "://" not in target and not target.startswith("mailto:"):
                assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
