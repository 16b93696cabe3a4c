"""Fixtures of the artifact conformance suite: the ``target`` registry, per run.

Targets are chosen by environment variables (``fakes conformance`` sets them):

- ``FAKES_CONFORMANCE_TARGETS``: comma-separated ``fake`` and/or ``real``; when unset,
  ``fake`` plus ``real`` if ``FAKES_REGISTRY_URL`` is set;
- ``FAKES_REGISTRY_URL``: the real registry's base URL; used only when
  ``FAKES_CONFORMANCE_REAL=1`` says the user chose it (otherwise the run refuses to
  start);
- ``FAKES_REGISTRY_PROFILE``: ``distribution-2.8`` or ``oci-1.1`` (default);
- ``FAKES_REGISTRY_USERNAME`` / ``FAKES_REGISTRY_PASSWORD``: optional credentials;
- ``FAKES_REGISTRY_MAX_REQUESTS``: request budget for the real target (default 20000).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fakes.conformance.artifacts.targets import FakeTarget, RealTarget, Target

BEHAVIOUR_MARKER = (
    "behaviour(id, description, cite): the provider behaviour a conformance test checks, "
    "with the documentation URL (or measured fact) it relies on"
)


def selected_targets(environ: dict[str, str] | None = None) -> list[str]:
    """Target ids this run covers; raises UsageError for a real target not opted in."""
    env = dict(os.environ if environ is None else environ)
    raw = env.get("FAKES_CONFORMANCE_TARGETS")
    if raw:
        names = [n.strip() for n in raw.split(",") if n.strip()]
    else:
        names = ["fake"] + (["real"] if env.get("FAKES_REGISTRY_URL") else [])
    unknown = sorted(set(names) - {"fake", "real"})
    if unknown:
        raise pytest.UsageError(f"FAKES_CONFORMANCE_TARGETS: unknown targets {unknown}")
    if "real" in names:
        if not env.get("FAKES_REGISTRY_URL"):
            raise pytest.UsageError("target 'real' needs FAKES_REGISTRY_URL")
        if env.get("FAKES_CONFORMANCE_REAL") != "1":
            raise pytest.UsageError(
                "refusing to run the conformance suite against the real registry at "
                f"{env['FAKES_REGISTRY_URL']}: real targets are opt-in. Select it explicitly "
                "with `fakes conformance --target URL` (or set FAKES_CONFORMANCE_REAL=1), "
                "and point it at a sandbox registry: the suite pushes and deletes content."
            )
    return names


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", BEHAVIOUR_MARKER)
    selected_targets()  # refuse early, before anything is collected or started


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Rule 1 of the design: every conformance test names a behaviour and a citation."""
    problems = []
    for item in items:
        if not item.nodeid.replace("\\", "/").split("::")[0].endswith(".py"):
            continue
        if "target" not in getattr(item, "fixturenames", ()):
            continue
        marker = item.get_closest_marker("behaviour")
        if marker is None:
            problems.append(f"{item.nodeid}: no @pytest.mark.behaviour")
            continue
        cite = marker.kwargs.get("cite")
        if len(marker.args) != 2 or not cite:
            problems.append(f"{item.nodeid}: behaviour needs (id, description, cite=...)")
    if problems:
        raise pytest.UsageError("conformance tests without behaviour:\n" + "\n".join(problems))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        names = selected_targets()
        metafunc.parametrize("target", names, ids=names, indirect=True, scope="session")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The registry under test; everything the run created is removed at the end."""
    name: str = request.param
    built: Target = FakeTarget() if name == "fake" else RealTarget.from_environment()
    try:
        yield built
    finally:
        built.close()
