"""``fakes conformance``: run a provider's conformance suite against its fake and real targets.

One test body runs against every selected target: ``fake`` (the in-memory fake) and,
when the user names one with ``--target``, the real provider. What a real ``--target``
value means (a registry URL, a kubeconfig context …) is the provider's business: its
descriptor (:class:`fakes.providers.RealTargets`) turns the values into the
environment its suite reads. Naming a real target is the explicit opt-in; the runner
then sets ``FAKES_CONFORMANCE_REAL=1``, without which the suite refuses to start.

Each test names the behaviour it checks and the documentation it relies on
(``@pytest.mark.behaviour``); the runner prints one row per behaviour with its outcome
per target, and can write the same table as Markdown and the run's evidence as JSON
(``--report run.md``, ``--report run.json``: each target's description, version and
profile, the time, the run id; ``fakes evidence`` merges such files).

Usage::

    fakes conformance [--provider NAME] [--target fake|REAL ...] [--profile NAME]
                      [--junit PATH] [--report PATH ...] [-- PYTEST-ARGS]
    fakes conformance [--provider NAME] --janitor --target REAL [--older-than HOURS]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from importlib import util as importlib_util
from pathlib import Path

import pytest

from fakes import providers as _providers
from fakes.conformance._harness import REAL_VARIABLE, TARGET_NAMES, TARGETS_VARIABLE
from fakes.conformance._report import (
    BehaviourCollector,
    render_json,
    render_markdown,
    render_text,
    utc_now,
)
from fakes.conformance._target import RUN_ID_VARIABLE, run_id_from_environment
from fakes.errors import PluginError
from fakes.providers import Provider

__all__ = ["main", "missing_behaviours"]


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) ``values`` in ``os.environ``; restore them after."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


class _HypothesisHome:
    """A pytest plugin: during the run Hypothesis keeps its example database and caches
    under ``path``, not in a ``.hypothesis/`` directory of the working directory.

    It imports Hypothesis only once pytest is configured: imported earlier, pytest
    would warn that it cannot rewrite the asserts of an already imported plugin.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self) -> None:
        from hypothesis import configuration

        configuration.set_hypothesis_home_dir(self.path)

    def pytest_unconfigure(self) -> None:
        from hypothesis import configuration

        configuration.set_hypothesis_home_dir(None)  # back to its default


def _suite_directory(provider: Provider) -> Path:
    assert provider.conformance is not None
    spec = importlib_util.find_spec(provider.conformance)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"fakes conformance: the {provider.name} suite ({provider.conformance}) is not "
            "installed"
        )
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _parser(installed: Mapping[str, Provider]) -> argparse.ArgumentParser:
    real = [p for p in installed.values() if p.real_targets is not None]
    target_help = "'fake' (the default), or a real target (repeatable): " + (
        "; ".join(f"{p.name}: {p.real_targets.metavar}, {p.real_targets.help}"
                  for p in real if p.real_targets is not None)
        or "no installed provider has one"
    )
    parser = argparse.ArgumentParser(
        prog="fakes conformance",
        description="Run a provider's conformance suite against its fake and, opt-in, the "
        "real provider; print one row per behaviour.",
        epilog="Arguments after -- go to pytest unchanged. pytest runs in the directory the "
        "suites are installed in (test paths read artifacts/test_tags.py::…), so paths "
        "given to it there must be absolute.",
    )
    parser.add_argument(
        "--provider", choices=sorted(installed),
        help="the provider whose suite runs (default: the only installed provider with one)",
    )
    parser.add_argument("--target", action="append", metavar="fake|REAL", help=target_help)
    parser.add_argument(
        "--profile", help="capability profile of the real target (see the provider's docs)"
    )
    parser.add_argument("--junit", metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument(
        "--report", metavar="PATH", action="append", default=[],
        help="write the run's report: PATH ending in .json gets the evidence (JSON, for "
        "`fakes evidence`), any other PATH the behaviour table (Markdown); repeatable",
    )
    parser.add_argument(
        "--janitor", action="store_true",
        help="run no tests: delete what earlier runs older than --older-than left in the "
        "real target",
    )
    parser.add_argument(
        "--older-than", type=float, default=24.0, metavar="HOURS",
        help="with --janitor: the age of runs to clean up (default 24, at least 1)",
    )
    return parser


def _provider(
    parser: argparse.ArgumentParser, installed: Mapping[str, Provider], name: str | None
) -> Provider:
    suites = {n: p for n, p in installed.items() if p.conformance is not None}
    if name is None:
        if len(suites) != 1:
            parser.error(
                "choose a suite with --provider: "
                + (", ".join(suites) if suites else "no installed provider has one")
            )
        name = next(iter(suites))
    provider = installed[name]
    if provider.conformance is None:
        parser.error(f"the {name} provider has no conformance suite")
    return provider


def _targets(
    parser: argparse.ArgumentParser, provider: Provider, chosen: Sequence[str] | None,
    profile: str | None,
) -> tuple[list[str], dict[str, str]]:
    """Target names for the suite, and the environment the real ones need."""
    values = list(chosen or ["fake"])
    real = [v for v in values if v != "fake"]
    names = ["fake"] if "fake" in values else []
    if not real:
        if profile:
            parser.error("--profile describes a real target; name one with --target")
        return names, {}
    if provider.real_targets is None:
        parser.error(f"--target must be 'fake': the {provider.name} suite has no real target")
    try:
        selected = provider.real_targets.environment(real, profile, dict(os.environ))
    except ValueError as error:
        parser.error(str(error))
    return [*names, "real"], selected


def _janitor(provider: Provider, selected: Mapping[str, str], hours: float) -> int:
    assert provider.real_targets is not None
    if provider.real_targets.janitor is None:
        sys.stderr.write(f"fakes conformance: the {provider.name} suite has no janitor\n")
        return 2
    janitor = _providers.load(provider.real_targets.janitor)
    code: int = janitor({**os.environ, **selected}, timedelta(hours=hours))
    return code


def main(argv: Sequence[str]) -> int:
    """Run the suite; print (and optionally write) the behaviour table; 0 when all passed."""
    argv = list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args_in, extra = argv[:split], argv[split + 1 :]
    try:
        installed = _providers.providers()
    except PluginError as error:
        sys.stderr.write(f"fakes conformance: {error}\n")
        return 2
    parser = _parser(installed)
    args = parser.parse_args(args_in)
    provider = _provider(parser, installed, args.provider)
    try:
        provider.check_installed()
    except PluginError as error:
        sys.stderr.write(f"fakes conformance: {error}\n")
        return 2
    names, selected = _targets(parser, provider, args.target, args.profile)
    if args.janitor:
        if not selected:
            metavar = provider.real_targets.metavar if provider.real_targets else "REAL"
            parser.error(f"--janitor needs the real target: --target {metavar}")
        return _janitor(provider, selected, args.older_than)

    try:
        run_id = run_id_from_environment()
    except ValueError as error:
        parser.error(str(error))
    started = utc_now()
    env: dict[str, str | None] = {
        TARGETS_VARIABLE: ",".join(names),
        REAL_VARIABLE: "1" if "real" in names else None,
        RUN_ID_VARIABLE: run_id,
        **selected,
    }
    suite = _suite_directory(provider)
    root = suite.parent  # test paths read `artifacts/test_tags.py::…`
    collector = BehaviourCollector()
    with tempfile.TemporaryDirectory(prefix="fakes-conformance-") as tmp:
        # An empty config of our own: the user's pytest settings do not leak into the run.
        config = Path(tmp) / "pytest.ini"
        config.write_text("[pytest]\n")
        pytest_args = [
            "-c", str(config),
            "--rootdir", str(root),
            "--confcutdir", str(root),
            "--import-mode=importlib",
            "-p", "no:cacheprovider",
            # tmp_path of its own, removed with the rest: the run neither leaves nor
            # prunes directories under the user's pytest-of-<user>.
            f"--basetemp={Path(tmp) / 'basetemp'}",
            "--pyargs", provider.conformance or "",
        ]
        if args.junit:
            pytest_args.append(f"--junitxml={Path(args.junit).resolve()}")
        reports = [Path(path).resolve() for path in args.report]
        plugins = [collector, _HypothesisHome(Path(tmp) / "hypothesis")]
        with _environment(env), _working_directory(root):
            code = int(pytest.main([*pytest_args, *extra], plugins=plugins))

    # Always a fake and a real column (— where a target did not run), then any other.
    targets = [*TARGET_NAMES, *(t for t in collector.targets if t not in TARGET_NAMES)]
    if collector.behaviours:
        sys.stdout.write("\n" + render_text(collector, targets))
    if code == 0 and collector.failed:
        code = 1
    for report in reports:
        if report.suffix == ".json":
            report.write_text(render_json(collector, provider=provider.name, run_id=run_id,
                                          started=started, exit_status=code))
        else:
            report.write_text(render_markdown(collector, targets))
    return code


def missing_behaviours(provider: str, ids: Iterable[str]) -> list[str]:
    """The behaviour ids of ``ids`` that ``provider``'s conformance suite no longer
    checks. An automation lists the behaviours it relies on; a test asserting this is
    empty fails when the suite (and so the weekly sandbox run) stops checking one.
    The suite is collected, not run, in a child process (about a second)."""
    listed = subprocess.run(
        [sys.executable, "-m", "fakes.cli", "conformance", "--provider", provider,
         "--target", "fake", "--", "--collect-only", "-q"],
        capture_output=True, text=True, timeout=300, check=False)
    collected = listed.stdout + listed.stderr
    if listed.returncode != 0:
        raise PluginError(f"collecting the {provider} conformance suite failed:\n"
                          f"{collected[-2000:]}")
    return [behaviour for behaviour in ids if behaviour not in collected]
