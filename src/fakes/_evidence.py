"""Conformance evidence: what each run found, per behaviour and target, and what all runs
together say.

``fakes conformance --report run.json`` writes one :class:`Run`: for every behaviour and
target the outcome, the target (fake or real, which real one, its version and profile),
the time, the run id and the verified-fakes version. :func:`merge` folds any number of
runs (and of earlier merged files, which have the same shape) into the latest result and
the latest pass per behaviour and target; :func:`render_markdown` and :func:`render_html`
show per provider when each behaviour was last verified against a real provider and
last passed on the fake, and flag the behaviours never verified against anything real
and those a real target passed before and fails now ("changed"). ``fakes evidence``
is the command around them.

A target is identified across runs by its provider, kind and description
(``kube-apiserver started on loopback (real-local)``); its version is a fact of the run,
so that a new version failing what the old one passed shows as a change.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

__all__ = [
    "FORMAT",
    "Evidence",
    "Result",
    "Run",
    "TargetInfo",
    "load",
    "main",
    "markdown_cell",
    "merge",
    "render_html",
    "render_markdown",
]

#: The ``format`` field of every evidence file, and the version of its shape.
FORMAT = "verified-fakes/conformance-evidence"
FORMAT_VERSION = 1
OUTCOMES = ("passed", "failed", "skipped")


def _tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TargetInfo:
    """One target of a run, as it described itself."""

    #: The harness's name for it: ``fake`` or ``real``.
    name: str
    #: ``fake`` or ``real``.
    kind: str
    #: Which one, stable across runs: ``the artifacts fake``, ``OCI registry (profile
    #: distribution-2.8) on loopback``, ``kube-apiserver started on loopback (real-local)``.
    description: str
    #: What the target says its version is (``v1.37.2``, ``registry/2.0``), if it says.
    version: str | None = None
    #: The capability profile the run declared for it.
    profile: str | None = None


@attrs.frozen(kw_only=True)
class Result:
    """What one behaviour did on one target in one run."""

    behaviour: str
    description: str
    cite: str
    provider: str
    target: str
    target_kind: str
    target_description: str
    target_version: str | None
    profile: str | None
    #: ``passed``, ``failed`` or ``skipped`` (over all the behaviour's cases).
    outcome: str = attrs.field(validator=attrs.validators.in_(OUTCOMES))
    cases: int
    reasons: tuple[str, ...] = attrs.field(converter=_tuple)
    #: When its last case finished: UTC, ``2026-11-30T21:34:58Z``.
    time: str
    run_id: str
    verified_fakes: str

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """The behaviour on one target, the same from run to run."""
        return (self.provider, self.behaviour, self.target_kind, self.target_description)

    @property
    def date(self) -> str:
        return self.time[:10]

    @property
    def where(self) -> str:
        """The target and its version, for a table cell."""
        version = f", {self.target_version}" if self.target_version else ""
        return f"{self.target_description}{version}"

    def to_json(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "reasons": list(self.reasons)}


@attrs.frozen(kw_only=True)
class Run:
    """One ``fakes conformance`` run: its targets and a result per behaviour and target."""

    run_id: str
    provider: str
    started: str
    finished: str
    verified_fakes: str
    targets: tuple[TargetInfo, ...]
    results: tuple[Result, ...]
    #: The run's exit status (None in merged files).
    exit_status: int | None = None

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "run_id": self.run_id,
            "provider": self.provider,
            "started": self.started,
            "finished": self.finished,
            "verified_fakes": self.verified_fakes,
            "exit_status": self.exit_status,
            "targets": [attrs.asdict(t) for t in self.targets],
        }
        # One result a line: merged files are committed, and their diffs stay readable.
        head = json.dumps(document, indent=1)[:-2]
        results = ",\n".join("  " + json.dumps(r.to_json(), ensure_ascii=False)
                             for r in self.results)
        listed = f"[\n{results}\n ]" if results else "[]"
        return f'{head},\n "results": {listed}\n}}\n'



def load(path: Path) -> list[Result]:
    """The results an evidence file (a run's report or a merged file) holds."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not an evidence file ({error})") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: not an evidence file (no \"format\": \"{FORMAT}\")")
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: evidence format version {document.get('format_version')!r}"
                         f" is not {FORMAT_VERSION}; this verified-fakes cannot read it")
    try:
        return [Result(**row) for row in document["results"]]
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: malformed result ({error})") from error


@attrs.frozen
class Track:
    """One behaviour on one target over all runs: its latest result and latest pass."""

    latest: Result
    last_passed: Result | None

    @property
    def changed(self) -> bool:
        """Passed there before, fails there now."""
        return self.latest.outcome == "failed" and self.last_passed is not None


def _later(a: Result, b: Result | None) -> bool:
    return b is None or (a.time, a.run_id) > (b.time, b.run_id)


@attrs.frozen
class Evidence:
    """Every behaviour's track per target, merged from any number of runs."""

    tracks: dict[tuple[str, str, str, str], Track]

    def results(self) -> list[Result]:
        """What a merged file keeps: each track's latest result and latest pass."""
        kept: dict[tuple[tuple[str, str, str, str], str], Result] = {}
        for track in self.tracks.values():
            for result in (track.latest, track.last_passed):
                if result is not None:
                    kept[(result.identity, result.run_id)] = result
        return sorted(kept.values(), key=lambda r: (r.identity, r.time))

    @property
    def providers(self) -> list[str]:
        return sorted({identity[0] for identity in self.tracks})

    def changed(self) -> list[Track]:
        return [t for _, t in sorted(self.tracks.items()) if t.changed]

    def pruned(self) -> Evidence:
        """Without the behaviours the latest run of their provider did not report: ones
        removed or renamed since (prune only after a run of the whole suite)."""
        latest: dict[str, Result] = {}
        for track in self.tracks.values():
            result = track.latest
            if _later(result, latest.get(result.provider)):
                latest[result.provider] = result
        reported = {(t.latest.provider, t.latest.behaviour) for t in self.tracks.values()
                    if t.latest.run_id == latest[t.latest.provider].run_id}
        return Evidence({key: track for key, track in self.tracks.items()
                         if key[:2] in reported})

    def to_json(self) -> str:
        results = self.results()
        newest = _newest(results)
        return Run(
            run_id="merged", provider=",".join(self.providers),
            started=min((r.time for r in results), default=""),
            finished=newest.time if newest else "",
            verified_fakes=newest.verified_fakes if newest else "",
            targets=(), results=tuple(results),
        ).to_json()


def merge(results: Iterable[Result]) -> Evidence:
    """The latest result and the latest pass of each behaviour on each target."""
    latest: dict[tuple[str, str, str, str], Result] = {}
    passed: dict[tuple[str, str, str, str], Result] = {}
    for result in results:
        key = result.identity
        if _later(result, latest.get(key)):
            latest[key] = result
        if result.outcome == "passed" and _later(result, passed.get(key)):
            passed[key] = result
    return Evidence({key: Track(latest[key], passed.get(key)) for key in latest})


# -- the table ---------------------------------------------------------------------------

@attrs.frozen
class Row:
    """One behaviour of one provider, as the evidence table shows it."""

    behaviour: str
    description: str
    #: The latest pass on a real target, if any.
    verified: Result | None
    #: The latest pass on the fake, if any.
    fake: Result | None
    #: ``never verified against a real provider``, ``changed: …``, ``fails on the fake``.
    flags: tuple[str, ...]


def rows(evidence: Evidence, provider: str) -> list[Row]:
    by_behaviour: dict[str, list[Track]] = {}
    for (prov, behaviour, _, _), track in sorted(evidence.tracks.items()):
        if prov == provider:
            by_behaviour.setdefault(behaviour, []).append(track)
    table = []
    for behaviour, tracks in by_behaviour.items():
        newest = max((t.latest for t in tracks), key=lambda r: (r.time, r.run_id))
        real = [t for t in tracks if t.latest.target_kind != "fake"]
        fake = [t for t in tracks if t.latest.target_kind == "fake"]
        verified = _newest(t.last_passed for t in real)
        flags = []
        if verified is None:
            skipped = [t.latest for t in real if t.latest.outcome == "skipped"]
            reason = "; ".join(sorted({r for s in skipped for r in s.reasons}))
            flags.append("never verified against a real provider"
                         + (f" (skipped there: {reason})" if reason else ""))
        for track in real:
            if track.changed:
                flags.append(f"changed: fails on {track.latest.where} since "
                             f"{track.latest.date} (passed {track.last_passed.date})"
                             if track.last_passed else "changed")
        if any(t.latest.outcome == "failed" for t in fake):
            flags.append("fails on the fake")
        table.append(Row(behaviour, newest.description, verified,
                         _newest(t.last_passed for t in fake), tuple(flags)))
    return table


def _newest(results: Iterable[Result | None]) -> Result | None:
    found = [r for r in results if r is not None]
    return max(found, key=lambda r: (r.time, r.run_id)) if found else None


def _verified_cell(result: Result | None) -> str:
    return f"{result.date} · {result.where}" if result else "never"


def _fake_cell(result: Result | None) -> str:
    return f"{result.date} · verified-fakes {result.verified_fakes}" if result else "never"


def _summary(table: Sequence[Row]) -> str:
    never = sum(1 for r in table if r.verified is None)
    changed = sum(1 for r in table if any(f.startswith("changed") for f in r.flags))
    return (f"{len(table)} behaviours: {len(table) - never} verified against a real "
            f"provider, {never} never, {changed} changed.")


_HEADER = ("behaviour", "description", "last verified against a real provider",
           "last passed on the fake", "flags")


def render_markdown(evidence: Evidence, *, title: str | None = None,
                    preamble: str = "") -> str:
    """The evidence table of each provider, as Markdown."""
    out = [f"# {title}", ""] if title else []
    if preamble:
        out += [preamble.strip(), ""]
    for provider in evidence.providers:
        table = rows(evidence, provider)
        out += [f"## {provider}", "", _summary(table), "",
                "| " + " | ".join(_HEADER) + " |",
                "| " + " | ".join("---" for _ in _HEADER) + " |"]
        for row in table:
            cells = [markdown_cell(c) for c in (row.behaviour, row.description,
                                          _verified_cell(row.verified), _fake_cell(row.fake))]
            cells.append("; ".join(f"**{markdown_cell(f)}**" for f in row.flags))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def markdown_cell(text: str) -> str:
    """``text`` as itself in a Markdown table cell: no links, emphasis, code or tags
    made of the ``[a-z]``, ``*``, ``<digest>`` of descriptions and reasons."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace(">", "&gt;").replace("\n", " ")
    for special in "`*_[]|":
        text = text.replace(special, "\\" + special)
    return text


def render_html(evidence: Evidence, *, title: str = "Conformance evidence") -> str:
    """The evidence table of each provider, as a standalone HTML page."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title>",
           "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
           "td,th{border:1px solid #ccc;padding:.3em;vertical-align:top}"
           ".flag{color:#a00;font-weight:bold}</style>",
           f"</head><body><h1>{e(title)}</h1>"]
    for provider in evidence.providers:
        table = rows(evidence, provider)
        out += [f"<h2>{e(provider)}</h2>", f"<p>{e(_summary(table))}</p>", "<table>",
                "<tr>" + "".join(f"<th>{e(h)}</th>" for h in _HEADER) + "</tr>"]
        for row in table:
            flags = "<br>".join(f'<span class="flag">{e(f)}</span>' for f in row.flags)
            cells = [e(row.behaviour), e(row.description), e(_verified_cell(row.verified)),
                     e(_fake_cell(row.fake)), flags]
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- fakes evidence ----------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakes evidence",
        description="Merge the JSON reports of conformance runs (`fakes conformance --report "
        "run.json`) and earlier merged files, and show per behaviour when it was last "
        "verified against a real provider and last passed on the fake.",
    )
    parser.add_argument("files", nargs="+", metavar="RUN.json",
                        help="run reports and merged evidence files, in any order")
    parser.add_argument("--markdown", metavar="PATH", help="write the tables as Markdown")
    parser.add_argument("--html", metavar="PATH", help="write the tables as an HTML page")
    parser.add_argument("--output", metavar="PATH",
                        help="write the merged evidence (JSON, readable by this command)")
    parser.add_argument("--title", metavar="TEXT",
                        help="a first heading for --markdown and --html")
    parser.add_argument("--preamble", metavar="TEXT", default="",
                        help="a paragraph under the --markdown heading")
    parser.add_argument("--prune", action="store_true",
                        help="drop the behaviours the latest run of their provider did not "
                        "report (removed or renamed); only after a run of the whole suite")
    parser.add_argument("--fail-on-changed", action="store_true",
                        help="exit 1 when a behaviour that passed on a real target before "
                        "fails there in its latest run")
    return parser


def main(argv: Sequence[str]) -> int:
    """``fakes evidence``: 0, or 1 with ``--fail-on-changed`` when a behaviour changed,
    2 for unreadable input."""
    args = _parser().parse_args(list(argv))
    results: list[Result] = []
    for name in args.files:
        try:
            results += load(Path(name))
        except ValueError as error:
            sys.stderr.write(f"fakes evidence: {error}\n")
            return 2
    evidence = merge(results)
    if args.prune:
        evidence = evidence.pruned()
    markdown = render_markdown(evidence, title=args.title, preamble=args.preamble)
    if args.markdown:
        Path(args.markdown).write_text(markdown)
    if args.html:
        Path(args.html).write_text(render_html(evidence, title=args.title or
                                               "Conformance evidence"))
    if args.output:
        Path(args.output).write_text(evidence.to_json())
    if not (args.markdown or args.html or args.output):
        sys.stdout.write(markdown)
    changed = evidence.changed()
    for track in changed:
        latest = track.latest
        assert track.last_passed is not None
        sys.stderr.write(
            f"changed: {latest.provider} {latest.behaviour} ({latest.description}) fails on "
            f"{latest.where} in run {latest.run_id} ({latest.time}); it passed on "
            f"{track.last_passed.where} in run {track.last_passed.run_id} "
            f"({track.last_passed.time})\n")
    return 1 if args.fail_on_changed and changed else 0
