"""``python -m benchmarks``: run every benchmark in one process, print a Markdown
table, and write the results as JSON."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import (
    _bigblob,
    _cycles,
    _git_http,
    _github,
    _kubernetes,
    _lifecycle,
    _per_request,
    _reconciliation,
)
from benchmarks._common import Row, machine, registry_available

FULL = {
    "launches": 10, "starts": 200, "resets": 2000, "large_resets": 100,
    "request_rounds": 60, "requests_per_round": 100,
    "cycle_rounds": 20, "cycles_per_round": 50,
    "blob_mib": 256, "chunk_mib": 16,
    "k8s_starts": 100, "k8s_resets": 1000, "k8s_large_resets": 100,
    "k8s_request_rounds": 30, "k8s_requests_per_round": 100,
    "k8s_cycle_rounds": 10, "k8s_cycles_per_round": 30,
    "k8s_list_sizes": [1000, 10_000, 100_000], "k8s_list_repeats": 20,
    "k8s_watchers": 100, "k8s_watch_changes": 1000, "k8s_watch_rate": 50,
    "k8s_memory_objects": 10_000, "k8s_rollout_deployments": 1000,
    "k8s_gc_tree": [100, 100],
    "gh_starts": 100, "gh_resets": 1000,
    "gh_request_rounds": 30, "gh_requests_per_round": 100,
    "gh_cycle_rounds": 5, "gh_cycles_per_round": 20,
    "gh_large_files": 10_000, "gh_large_commits": 1000, "gh_large_repeats": 3,
    "gh_memory_repos": 100,
    "reconcile_examples": 300,
    "git_sizes": [[1000, 3], [10_000, 2]], "git_commits": 100, "git_history_mib": 100,
}
QUICK = {
    "launches": 1, "starts": 20, "resets": 100, "large_resets": 5,
    "request_rounds": 4, "requests_per_round": 40,
    "cycle_rounds": 3, "cycles_per_round": 15,
    "blob_mib": 32, "chunk_mib": 16,
    "k8s_starts": 10, "k8s_resets": 100, "k8s_large_resets": 5,
    "k8s_request_rounds": 4, "k8s_requests_per_round": 30,
    "k8s_cycle_rounds": 2, "k8s_cycles_per_round": 10,
    "k8s_list_sizes": [1000], "k8s_list_repeats": 1,
    "k8s_watchers": 5, "k8s_watch_changes": 50, "k8s_watch_rate": 500,
    "k8s_memory_objects": 1000, "k8s_rollout_deployments": 20,
    "k8s_gc_tree": [10, 100],
    "gh_starts": 10, "gh_resets": 50,
    "gh_request_rounds": 4, "gh_requests_per_round": 20,
    "gh_cycle_rounds": 2, "gh_cycles_per_round": 5,
    "gh_large_files": 1000, "gh_large_commits": 100, "gh_large_repeats": 1,
    "gh_memory_repos": 10,
    "reconcile_examples": 20,
    "git_sizes": [[100, 1]], "git_commits": 5, "git_history_mib": 2,
}
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.json"


def _sections(registry: bool, quick: bool
              ) -> dict[str, Callable[[dict[str, Any]], list[Row]]]:
    return {
        "1": lambda counts: _lifecycle.run(counts, registry),
        "2": _per_request.run,
        "3": lambda counts: _cycles.run(counts, registry),
        "4": _bigblob.run,
        # The real kube-apiserver takes seconds to start: left out of --quick.
        "5": lambda counts: _kubernetes.run(counts, real=not quick),
        "6": _github.run,
        "7": _reconciliation.run,
        "8": _git_http.run,
    }


def _loadavg() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine adds noise."""
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except (OSError, ValueError):
        return None


def _verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "**missed**")


def markdown(rows: Sequence[Row]) -> str:
    lines: list[str] = []
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            if lines:
                lines.append("")
            lines += [f"### {section}", "",
                      "| measurement | fake | reference | ratio | goal | verdict |",
                      "| --- | --- | --- | --- | --- | --- |"]
        cells = (row.measurement, row.fake, row.reference, row.ratio, row.goal,
                 _verdict(row.met))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    judged = [r for r in rows if r.met is not None]
    lines += ["", f"Goals met: {sum(bool(r.met) for r in judged)} of {len(judged)}."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small counts and a 32 MiB blob: a smoke run in a few seconds")
    parser.add_argument("--output", type=Path, default=None, metavar="PATH",
                        help="write the results as JSON here (default for a complete full run: "
                             "benchmarks/results.json; --quick and --only runs write none "
                             "unless asked)")
    parser.add_argument("--only", nargs="+", choices=["1", "2", "3", "4", "5", "6", "7", "8"],
                        metavar="N",
                        help="run only these benchmarks (1 start/reset, 2 per request, "
                             "3 cycles, 4 large blob, 5 Kubernetes API server fake, "
                             "6 GitHub fake, 7 reconciliation examples, 8 git over HTTP)")
    parser.add_argument("--no-registry", action="store_true",
                        help="skip docker-registry even if it is installed")
    args = parser.parse_args(argv)

    counts = QUICK if args.quick else FULL
    registry = registry_available() and not args.no_registry
    if not registry and not args.no_registry:
        print("note: /usr/bin/docker-registry not found; its comparisons are skipped "
              "(apt-get install -y docker-registry)", file=sys.stderr)
    chosen = args.only or ["1", "2", "3", "4", "5", "6", "7", "8"]
    load_before = _loadavg()
    began = time.perf_counter()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    rows: list[Row] = []
    for key, bench in _sections(registry, args.quick).items():
        if key in chosen:
            t0 = time.perf_counter()
            rows += bench(counts)
            print(f"benchmark {key} done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    elapsed = time.perf_counter() - began

    table = markdown(rows)
    print(table)
    print(f"\n({elapsed:.1f} s; load average before {load_before}, after {_loadavg()})")

    complete = not args.quick and args.only is None
    output = args.output if args.output is not None else (DEFAULT_OUTPUT if complete else None)
    if output is not None:
        command = "python -m benchmarks" + "".join(
            f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
        document: dict[str, Any] = {
            "command": command,
            "started_at": started_at,
            "duration_seconds": elapsed,
            "quick": args.quick,
            "registry_compared": registry,
            "machine": machine(),
            "loadavg_before": load_before,
            "loadavg_after": _loadavg(),
            "counts": counts,
            "table_markdown": table,
            "rows": [r.as_json() for r in rows],
        }
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"results written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
