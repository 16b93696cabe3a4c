"""``fakes conformance``: run a provider's conformance suite against fakes and real targets.

One test body runs against every selected target: ``fake`` (the in-memory fake) and,
when the user passes ``--target URL``, the real provider at that URL. Selecting a URL is
the explicit opt-in the suite requires before it touches anything real. Each test names
the behaviour it checks and the documentation it relies on (``@pytest.mark.behaviour``);
the runner prints one row per behaviour with its outcome per target, and can write the
same table as Markdown.

Usage::

    fakes conformance [--provider artifacts] [--target fake|URL ...]
                      [--profile NAME] [--junit PATH] [--report PATH] [-- PYTEST-ARGS]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from importlib import util as importlib_util
from pathlib import Path

import attrs
import pytest

__all__ = ["PROVIDERS", "BehaviourCollector", "Outcome", "main", "render_markdown"]

PROVIDERS = ("artifacts",)
TARGETS = ("fake", "real")

# Environment the suites read; the runner sets them for the run and restores them after.
_ENV_KEYS = (
    "FAKES_CONFORMANCE_TARGETS",
    "FAKES_CONFORMANCE_REAL",
    "FAKES_REGISTRY_URL",
    "FAKES_REGISTRY_PROFILE",
)

_RANK = {"failed": 3, "passed": 2, "skipped": 1}


@attrs.define
class Outcome:
    """What happened to one behaviour on one target (over all its parametrized cases)."""

    status: str = "skipped"
    cases: int = 0
    reasons: list[str] = attrs.field(factory=list)

    def add(self, status: str, reason: str | None = None) -> None:
        if _RANK[status] > _RANK[self.status] or self.cases == 0:
            self.status = status
        self.cases += 1
        if reason and reason not in self.reasons:
            self.reasons.append(reason)


@attrs.frozen
class Behaviour:
    """A behaviour a conformance test checks, with the citation it relies on."""

    id: str
    description: str
    cite: str


class BehaviourCollector:
    """A pytest plugin that groups test outcomes by behaviour id and target."""

    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = {}
        self.outcomes: dict[tuple[str, str], Outcome] = {}
        self.unmarked: list[str] = []
        self._items: dict[str, tuple[str, str]] = {}
        self._seen: dict[str, str] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("behaviour")
            if marker is None or len(marker.args) < 2:
                self.unmarked.append(item.nodeid)
                continue
            behaviour = Behaviour(
                str(marker.args[0]), str(marker.args[1]), str(marker.kwargs.get("cite", ""))
            )
            self.behaviours.setdefault(behaviour.id, behaviour)
            callspec = getattr(item, "callspec", None)
            params: Mapping[str, object] = callspec.params if callspec is not None else {}
            target = str(params.get("target", "-"))
            self._items[item.nodeid] = (behaviour.id, target)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        key = self._items.get(report.nodeid)
        if key is None:
            return
        status: str | None = None
        reason: str | None = None
        if report.failed:
            status = "failed"
        elif report.skipped:
            status = "skipped"
            reason = _skip_reason(report)
        elif report.when == "call" and report.passed:
            status = "passed"
        if status is None:
            return
        # One verdict per test case: a failed teardown overrides a passed call.
        previous = self._seen.get(report.nodeid)
        if previous is not None and _RANK[previous] >= _RANK[status]:
            return
        self._seen[report.nodeid] = status
        self.outcomes.setdefault(key, Outcome()).add(status, reason)

    @property
    def targets(self) -> list[str]:
        seen = {target for _, target in self.outcomes}
        return [t for t in TARGETS if t in seen] + sorted(seen - set(TARGETS))

    @property
    def failed(self) -> bool:
        return any(o.status == "failed" for o in self.outcomes.values())

    def rows(self, targets: Sequence[str]) -> list[list[str]]:
        rows = []
        for behaviour in sorted(self.behaviours.values(), key=lambda b: b.id):
            cells = [behaviour.id, behaviour.description, behaviour.cite]
            for target in targets:
                outcome = self.outcomes.get((behaviour.id, target))
                cells.append(_cell(outcome))
            rows.append(cells)
        return rows


def _skip_reason(report: pytest.TestReport) -> str | None:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return None


def _cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return "—"
    return {"passed": "pass", "failed": "FAIL", "skipped": "skip"}[outcome.status]


def render_markdown(collector: BehaviourCollector, targets: Sequence[str]) -> str:
    """The behaviour table as Markdown, with the reasons for every skip below it."""
    header = ["behaviour", "description", "citation", *targets]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for row in collector.rows(targets):
        lines.append("| " + " | ".join(_escape(cell) for cell in row) + " |")
    skips = [
        f"- {bid} on {target}: {'; '.join(outcome.reasons)}"
        for (bid, target), outcome in sorted(collector.outcomes.items())
        if outcome.status == "skipped" and outcome.reasons
    ]
    if skips:
        lines += ["", "Skipped:", "", *skips]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_text(collector: BehaviourCollector, targets: Sequence[str], width: int = 48) -> str:
    """A plain table for the terminal (descriptions and citations shortened)."""
    header = ["behaviour", "description", "citation", *targets]
    rows = [
        [r[0], _shorten(r[1], width), _shorten(_cite(r[2]), width), *r[3:]]
        for r in collector.rows(targets)
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)]) + "\n"


def _cite(citation: str) -> str:
    """The first citation, reduced to what identifies it in a narrow column: the page
    and its section (``spec.md#pushing-manifests``), with ``+N`` for further ones."""
    first, *more = [c.strip() for c in citation.split(";") if c.strip()] or [""]
    if "://" in first:
        page, _, section = first.partition("#")
        name = page.rstrip("/").rsplit("/", 1)[-1]
        first = f"{name}#{section}" if section else name
    return first + (f" +{len(more)}" if more else "")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in _ENV_KEYS}
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


def _suite_directory(provider: str) -> Path:
    spec = importlib_util.find_spec(f"fakes.conformance.{provider}")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"fakes conformance: the {provider} suite is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakes conformance",
        description="Run a conformance suite against the fake and, opt-in, a real provider.",
        epilog="Arguments after -- go to pytest unchanged.",
    )
    parser.add_argument("--provider", choices=PROVIDERS, default="artifacts")
    parser.add_argument(
        "--target",
        action="append",
        metavar="fake|URL",
        help="'fake', or the base URL of a real sandbox registry (repeatable; default: fake)",
    )
    parser.add_argument(
        "--profile",
        help="capability profile of the real target (artifacts: distribution-2.8, oci-1.1)",
    )
    parser.add_argument("--junit", metavar="PATH", help="also write a JUnit XML report")
    parser.add_argument("--report", metavar="PATH", help="write the behaviour table (Markdown)")
    parser.add_argument(
        "--janitor",
        action="store_true",
        help="run no tests: delete what earlier runs older than --older-than left in the "
        "real target (URL)",
    )
    parser.add_argument(
        "--older-than", type=float, default=24.0, metavar="HOURS",
        help="with --janitor: the age of runs to clean up (default 24, at least 1)",
    )
    return parser


def _janitor(url: str, hours: float) -> int:
    from datetime import timedelta
    from importlib import import_module

    # The suite ships as fakes.conformance (mapped from the top-level conformance/ tree).
    janitor = import_module("fakes.conformance.artifacts.janitor")
    user = os.environ.get("FAKES_REGISTRY_USERNAME")
    credentials = (user, os.environ.get("FAKES_REGISTRY_PASSWORD", "")) if user else None
    try:
        result = janitor.sweep(url, older_than=timedelta(hours=hours), credentials=credentials)
    except janitor.CatalogUnavailable as error:
        sys.stderr.write(f"fakes conformance --janitor: {error}\n")
        return 2
    for repository, deleted in sorted(result.emptied.items()):
        sys.stdout.write(f"emptied  {repository}  ({deleted} manifests deleted)\n")
    for repository in result.kept:
        sys.stdout.write(f"kept     {repository}  (younger than the expiry)\n")
    for repository, why in sorted(result.failed.items()):
        sys.stdout.write(f"FAILED   {repository}: {why}\n")
    return 1 if result.failed else 0


def _targets(
    parser: argparse.ArgumentParser, chosen: Sequence[str] | None
) -> tuple[list[str], str | None]:
    names: list[str] = []
    url: str | None = None
    for value in chosen or ["fake"]:
        if value == "fake":
            names.append("fake")
        elif value.startswith(("http://", "https://")):
            if url is not None and url != value.rstrip("/"):
                parser.error("only one real target (URL) per run")
            url = value.rstrip("/")
            names.append("real")
        else:
            parser.error(f"--target must be 'fake' or an http(s) URL, not {value!r}")
    return list(dict.fromkeys(names)), url


def main(argv: list[str]) -> int:
    """Run the suite; print (and optionally write) the behaviour table; 0 when all passed."""
    split = argv.index("--") if "--" in argv else len(argv)
    args_in, extra = argv[:split], argv[split + 1 :]
    parser = _parser()
    args = parser.parse_args(args_in)
    names, url = _targets(parser, args.target)
    if args.janitor:
        if url is None:
            parser.error("--janitor needs the real target: --target URL")
        return _janitor(url, args.older_than)
    env: dict[str, str | None] = {
        "FAKES_CONFORMANCE_TARGETS": ",".join(names),
        "FAKES_REGISTRY_URL": url,
        "FAKES_CONFORMANCE_REAL": "1" if url else None,
    }
    if args.profile:
        env["FAKES_REGISTRY_PROFILE"] = args.profile

    suite = _suite_directory(args.provider)
    collector = BehaviourCollector()
    with tempfile.TemporaryDirectory(prefix="fakes-conformance-") as tmp:
        # An empty config of our own: the user's pytest settings do not leak into the run.
        config = Path(tmp) / "pytest.ini"
        config.write_text("[pytest]\n")
        pytest_args = [
            "-c",
            str(config),
            "--rootdir",
            str(suite),
            "--import-mode=importlib",
            "-p",
            "no:cacheprovider",
            "--pyargs",
            f"fakes.conformance.{args.provider}",
        ]
        if args.junit:
            pytest_args.append(f"--junitxml={args.junit}")
        with _environment(env):
            code = int(pytest.main([*pytest_args, *extra], plugins=[collector]))

    # Always a fake and a real column (— where a target did not run), then any other.
    targets = [*TARGETS, *(t for t in collector.targets if t not in TARGETS)]
    if collector.behaviours:
        sys.stdout.write("\n" + render_text(collector, targets))
    if args.report:
        Path(args.report).write_text(render_markdown(collector, targets))
    if code == 0 and collector.failed:
        code = 1
    return code
