"""A third-party provider plug-in, installed into a directory for subprocesses to find.

``install(directory)`` writes a distribution ``vf-demo-provider`` (a ``.dist-info``
with its entry points, as pip would leave it) and its modules; put the directory on
``PYTHONPATH`` and ``importlib.metadata`` finds the providers there:

- ``mirror``: the artifacts fake again under its own fixture names, with a
  conformance suite of its own (``vf_demo_suite``) and a janitor that prints what it
  was given — everything a provider can have, and no edit to the core;
- ``needy``: a provider whose extra is not installed;
- ``toykv``: the toy key-value fake of ``tests/plugins/toykv`` — a fake of its own,
  not the registry's.

``install(directory, duplicate=True)`` adds a second provider named ``artifacts``.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

PLUGINS = Path(__file__).resolve().parent / "plugins"  # the toy providers' fakes

PROVIDERS = '''
import argparse
import json
import sys

from fakes.providers import Provider, RealTargets


def _options(parser):
    parser.add_argument("--greeting", default="hello")


def _build(args, common):
    from fakes.artifacts import FakeRegistry

    print(f"greeting: {args.greeting}", file=sys.stderr, flush=True)
    return FakeRegistry(**common)


def _environment(values, profile, environ):
    if any(not v.startswith("demo://") for v in values):
        raise ValueError("--target must be 'fake' or demo://NAME")
    return {"DEMO_TARGET": ",".join(values), "DEMO_PROFILE": profile or ""}


def janitor(environ, older_than):
    print(json.dumps({
        "target": environ["DEMO_TARGET"],
        "hours": older_than.total_seconds() / 3600,
        "real": environ.get("FAKES_CONFORMANCE_REAL"),
    }))
    return 3


MIRROR = Provider(
    name="mirror",
    summary="the registry fake again, from a third-party plug-in",
    fake="fakes.artifacts:FakeRegistry",
    fixture="mirror_registry",
    distribution="vf-demo-provider",
    conformance="vf_demo_suite",
    serve_options=_options,
    build_served=_build,
    real_targets=RealTargets(
        metavar="demo://NAME", help="a demo target", environment=_environment,
        janitor="vf_demo_provider:janitor",
    ),
)

NEEDY = Provider(
    name="needy",
    summary="a provider whose extra is not installed",
    fake="vf_demo_needy:NeedyFake",
    fixture="needy_fake",
    extra="needy",
    requires=("vf_demo_not_installed",),
    conformance="vf_demo_suite",
    build_served=_build,
)

TOYKV = Provider(
    name="toykv",
    summary="a key-value store with versions and a watch",
    fake="toykv:FakeKV",
    fixture="fake_kv",
    conformance="toykv_suite",
    build_served=lambda args, common: __import__("toykv").FakeKV(**common),
)

DUPLICATE = Provider(
    name="artifacts",
    summary="a second provider named artifacts",
    fake="fakes.artifacts:FakeRegistry",
    fixture="duplicate_registry",
)
'''

SUITE_CONFTEST = '''
import attrs
import requests

from fakes.conformance import Suite, Target


@attrs.frozen
class Capabilities:
    profile: str
    everything: bool


class MirrorTarget(Target):
    name = "fake"

    def __init__(self):
        from fakes.artifacts import FakeRegistry

        super().__init__(Capabilities(profile="mirror", everything=False))
        self.fake = FakeRegistry().start()
        self.url = self.fake.url

    def close(self):
        self.fake.stop()


suite = Suite(
    provider="mirror",
    make_target=lambda name: MirrorTarget(),
    real_variables=("DEMO_TARGET",),
    real_description="the demo target {DEMO_TARGET}",
    target_metavar="demo://NAME",
)
pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()
'''

SUITE_TESTS = '''
import pytest
import requests


@pytest.mark.behaviour("DEMO-001", "GET /v2/ answers 200", cite="https://example.test/spec#v2")
def test_version_check(target):
    assert requests.get(target.url + "/v2/").status_code == 200


@pytest.mark.behaviour("DEMO-002", "needs everything", cite="https://example.test/spec#all")
def test_needs_everything(target):
    target.require("everything")
'''


def install(directory: Path, *, duplicate: bool = False) -> Path:
    """Write the demo distribution into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vf_demo_provider.py").write_text(textwrap.dedent(PROVIDERS))
    suite = directory / "vf_demo_suite"
    suite.mkdir(exist_ok=True)
    (suite / "__init__.py").write_text('"""The mirror provider\'s conformance suite."""\n')
    (suite / "conftest.py").write_text(textwrap.dedent(SUITE_CONFTEST))
    (suite / "test_mirror.py").write_text(textwrap.dedent(SUITE_TESTS))
    info = directory / "vf_demo_provider-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: vf-demo-provider\nVersion: 0.1\n"
    )
    entry_points = [
        "[verified_fakes.providers]",
        "mirror = vf_demo_provider:MIRROR",
        "needy = vf_demo_provider:NEEDY",
        "toykv = vf_demo_provider:TOYKV",
    ]
    if duplicate:
        entry_points.append("artifacts = vf_demo_provider:DUPLICATE")
    (info / "entry_points.txt").write_text("\n".join(entry_points) + "\n")
    return directory


def environment(directory: Path) -> dict[str, str]:
    """``os.environ`` with ``directory`` first on PYTHONPATH and no FAKES_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKES_", "DEMO_"))}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(directory), str(PLUGINS), os.environ.get("PYTHONPATH", "")) if p
    )
    return env
