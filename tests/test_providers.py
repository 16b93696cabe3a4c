"""Providers are plug-ins: discovery, descriptors, and a core that imports none of them."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path

import pytest

import fakes
from fakes import providers
from fakes.artifacts._provider import PROVIDER
from fakes.errors import MissingExtraError, PluginError
from fakes.providers import Provider, RealTargets

SRC = Path(fakes.__file__).resolve().parent
GROUP = providers.ENTRY_POINT_GROUP


def entry(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name, value, GROUP)


def test_the_artifacts_provider_is_installed() -> None:
    installed = providers.providers()
    assert installed["artifacts"] is PROVIDER
    assert providers.get("artifacts") is PROVIDER
    assert PROVIDER.fixtures == ("fake_registry_server", "fake_registry", "fake_registry_factory")
    assert PROVIDER.install_hint == "pip install 'verified-fakes[artifacts]'"
    from fakes.artifacts import FakeRegistry

    assert PROVIDER.load_fake() is FakeRegistry


def test_an_unknown_provider_is_named_with_the_installed_ones() -> None:
    with pytest.raises(PluginError, match=r"no provider 'nonesuch' is installed \(installed: "):
        providers.get("nonesuch")


def test_discovery_checks_what_entry_points_name() -> None:
    here = __name__
    assert providers._discover([entry("artifacts", "fakes.artifacts._provider:PROVIDER")]) == {
        "artifacts": PROVIDER
    }
    # The same entry point seen twice (the distribution twice on sys.path) is one provider.
    twice = [entry("artifacts", "fakes.artifacts._provider:PROVIDER")] * 2
    assert list(providers._discover(twice)) == ["artifacts"]
    with pytest.raises(PluginError, match="two providers are named 'artifacts'"):
        providers._discover([entry("artifacts", "fakes.artifacts._provider:PROVIDER"),
                             entry("artifacts", f"{here}:RENAMED")])
    with pytest.raises(PluginError, match=r"is a str, not a fakes\.providers\.Provider"):
        providers._discover([entry("odd", f"{here}:__name__")])
    with pytest.raises(PluginError, match="the entry point is named 'other' but its descriptor"):
        providers._discover([entry("other", "fakes.artifacts._provider:PROVIDER")])
    with pytest.raises(PluginError, match="could not be loaded from no_such_module:X"):
        providers._discover([entry("broken", "no_such_module:X")])
    with pytest.raises(PluginError, match="both define the fixture 'fake_registry_server'"):
        providers._discover([entry("artifacts", "fakes.artifacts._provider:PROVIDER"),
                             entry("artifacts2", f"{here}:RENAMED")])


RENAMED = Provider(name="artifacts2", summary="-", fake="fakes.artifacts:FakeRegistry",
                   fixture="fake_registry")


def test_a_descriptor_names_its_fake_by_import_path() -> None:
    with pytest.raises(ValueError, match=r"expected 'package\.module:attribute'"):
        Provider(name="x", summary="-", fake="fakes.artifacts.FakeRegistry", fixture="x")
    with pytest.raises(ValueError, match=r"expected 'package\.module:attribute'"):
        RealTargets(metavar="URL", help="-", environment=lambda *_: {}, janitor="module")


def test_a_missing_extra_is_named_with_its_install_command() -> None:
    needy = Provider(name="needy", summary="-", fake="vf_nowhere:Fake", fixture="needy",
                     extra="needy", requires=("vf_nowhere", "json"))
    assert needy.missing_modules() == ["vf_nowhere"]
    assert needy.missing_requirements() == ["vf_nowhere"]
    message = (
        "verified-fakes: the needy provider needs vf_nowhere, which is not installed: "
        "pip install 'verified-fakes[needy]'"
    )
    with pytest.raises(MissingExtraError) as raised:
        needy.load_fake()
    assert str(raised.value) == message
    # An extra whose modules are there but whose fake still cannot be imported.
    broken = Provider(name="broken", summary="-", fake="vf_nowhere:Fake", fixture="broken",
                      extra="broken")
    with pytest.raises(MissingExtraError, match="could not import vf_nowhere:Fake"):
        broken.load_fake()


def test_the_extra_is_checked_against_the_installed_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requirements = ['oras>=0.2.25; extra == "artifacts"', 'vf-not-installed; extra == "artifacts"',
                    'other; extra == "test"', "attrs>=23.1"]
    monkeypatch.setattr(providers.metadata, "requires", lambda _name: requirements)
    assert PROVIDER.missing_requirements() == ["vf-not-installed"]


def test_the_core_imports_no_provider() -> None:
    pattern = re.compile(r"(from|import)\s+(fakes\.|\.)(artifacts|kubernetes|github)")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(SRC.glob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_importing_the_core_imports_no_fake_and_no_extra() -> None:
    code = (
        "import sys, fakes, fakes.cli, fakes.pytest_plugin, fakes.providers\n"
        "fakes.providers.providers()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('kubernetes', 'github', 'oras') or m.startswith('fakes.artifacts._')"
        " and m != 'fakes.artifacts._provider')\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_moved_names_still_import_with_a_deprecation_warning() -> None:
    from fakes.artifacts import Account, FakeRegistry, RegistryError

    with pytest.warns(DeprecationWarning, match=r"fakes.FakeRegistry moved to fakes.artifacts"):
        assert fakes.FakeRegistry is FakeRegistry
    with pytest.warns(DeprecationWarning, match=r"fakes.Account moved to fakes.artifacts"):
        assert fakes.Account is Account
    with pytest.warns(DeprecationWarning, match=r"fakes.errors.RegistryError moved"):
        from fakes.errors import RegistryError as old
    assert old is RegistryError
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            _ = fakes.NoSuchThing  # type: ignore[attr-defined]
        with pytest.raises(ImportError):
            from fakes.errors import NoSuchError  # type: ignore[attr-defined]  # noqa: F401


def test_the_artifacts_package_exports_lazily() -> None:
    import fakes.artifacts

    assert set(fakes.artifacts.__all__) <= set(dir(fakes.artifacts))
    for name in fakes.artifacts.__all__:
        assert getattr(fakes.artifacts, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = fakes.artifacts.Nope  # type: ignore[attr-defined]
