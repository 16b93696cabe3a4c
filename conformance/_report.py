"""The behaviour table: test outcomes grouped by behaviour id and target.

:class:`BehaviourCollector` is a pytest plugin that reads each test's
``@pytest.mark.behaviour(id, description, cite=...)`` and its ``target`` parameter;
:func:`render_text` and :func:`render_markdown` print what it collected, one row per
behaviour with its result per target (``pass``, ``FAIL``, ``skip``, ``—`` when the
target did not run); :func:`render_json` writes it as a run's evidence
(:mod:`fakes._evidence`), with each target's description and version.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import attrs
import pytest

import fakes
from fakes._evidence import Result, Run, TargetInfo, markdown_cell
from fakes.conformance._harness import TARGET_NAMES
from fakes.conformance._target import TARGET_INFO

__all__ = [
    "Behaviour",
    "BehaviourCollector",
    "Outcome",
    "render_json",
    "render_markdown",
    "render_text",
    "utc_now",
]


def utc_now() -> str:
    """The time now, UTC, to the second: ``2026-11-30T21:34:58Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

_RANK = {"failed": 3, "passed": 2, "skipped": 1}


@attrs.define
class Outcome:
    """What happened to one behaviour on one target (over all its parametrized cases)."""

    status: str = "skipped"
    cases: int = 0
    reasons: list[str] = attrs.field(factory=list)
    #: When the last case finished (UTC, :func:`utc_now`).
    time: str = ""

    def add(self, status: str, reason: str | None = None) -> None:
        if _RANK[status] > _RANK[self.status] or self.cases == 0:
            self.status = status
        self.cases += 1
        self.time = utc_now()
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
        #: Each target's description, as the harness recorded it when it built it.
        self.target_info: dict[str, TargetInfo] = {}

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.target_info = dict(session.config.stash.get(TARGET_INFO, {}))

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
        return [t for t in TARGET_NAMES if t in seen] + sorted(seen - set(TARGET_NAMES))

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


def render_json(
    collector: BehaviourCollector, *, provider: str, run_id: str, started: str,
    exit_status: int,
) -> str:
    """The run as evidence (JSON): a result per behaviour and target that ran it."""
    version = fakes.__version__
    results = []
    for (bid, target), outcome in sorted(collector.outcomes.items()):
        behaviour = collector.behaviours[bid]
        info = collector.target_info.get(target) or TargetInfo(
            # A target that could not be built (its tests errored) still has a kind.
            name=target, kind="fake" if target == "fake" else "real",
            description="the fake" if target == "fake" else "a real target")
        results.append(Result(
            behaviour=bid, description=behaviour.description, cite=behaviour.cite,
            provider=provider, target=target, target_kind=info.kind,
            target_description=info.description, target_version=info.version,
            profile=info.profile, outcome=outcome.status, cases=outcome.cases,
            reasons=outcome.reasons, time=outcome.time, run_id=run_id,
            verified_fakes=version))
    return Run(run_id=run_id, provider=provider, started=started, finished=utc_now(),
               verified_fakes=version, exit_status=exit_status,
               targets=tuple(collector.target_info[t] for t in sorted(collector.target_info)),
               results=tuple(results)).to_json()


def render_markdown(collector: BehaviourCollector, targets: Sequence[str]) -> str:
    """The behaviour table as Markdown, with the reasons for every skip below it."""
    header = ["behaviour", "description", "citation", *targets]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for row in collector.rows(targets):
        lines.append("| " + " | ".join(markdown_cell(cell) for cell in row) + " |")
    skips = [
        f"- {bid} on {target}: {'; '.join(outcome.reasons)}"
        for (bid, target), outcome in sorted(collector.outcomes.items())
        if outcome.status == "skipped" and outcome.reasons
    ]
    if skips:
        lines += ["", "Skipped:", "", *skips]
    return "\n".join(lines) + "\n"


def render_text(
    collector: BehaviourCollector, targets: Sequence[str], width: int | None = None
) -> str:
    """A plain table for a terminal ``width`` columns wide (default: the terminal's, or
    ``COLUMNS``, or 120). Descriptions and citations wrap inside their columns; only a
    citation is reduced, to its page and section (``spec.md#pulling-blobs``)."""
    if width is None:
        width = shutil.get_terminal_size(fallback=(120, 24)).columns
    header = ["behaviour", "description", "citation", *targets]
    rows = [[r[0], r[1], _cite(r[2]), *r[3:]] for r in collector.rows(targets)]
    widths = [max(len(c) for c in column) for column in zip(header, *rows, strict=True)]
    # The description and the citation share what the other columns leave.
    gaps = 2 * (len(header) - 1)
    fixed = sum(widths) - widths[1] - widths[2] + gaps
    room = max(width - fixed, 40)
    cite_width = min(widths[2], max(room * 2 // 5, 20))
    description_width = min(widths[1], max(room - cite_width, 20))
    widths[1], widths[2] = description_width, cite_width

    def lines(cells: Sequence[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(cell, widths[i], break_on_hyphens=False) or [""]
            if i in (1, 2) else [cell]
            for i, cell in enumerate(cells)
        ]
        height = max(len(w) for w in wrapped)
        return [
            "  ".join(
                (w[n] if n < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)
            ).rstrip()
            for n in range(height)
        ]

    out = [*lines(header), "  ".join("-" * w for w in widths)]
    for row in rows:
        out += lines(row)
    return "\n".join(out) + "\n"


def _cite(citation: str) -> str:
    """The first citation, reduced to what identifies it in a narrow column: the page
    and its section (``spec.md#pushing-manifests``), with ``+N`` for further ones."""
    first, *more = [c.strip() for c in citation.split(";") if c.strip()] or [""]
    if "://" in first:
        page, _, section = first.partition("#")
        name = page.rstrip("/").rsplit("/", 1)[-1]
        first = f"{name}#{section}" if section else name
    return first + (f" +{len(more)}" if more else "")
