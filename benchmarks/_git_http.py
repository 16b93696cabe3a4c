"""Benchmark 8: git over HTTP, the GitHub fake against ``git http-backend``, the same
``git`` client, in one run.

- **clone, fetch, push**: for a repository of N files (2 KiB of random text each, in
  50 directories), a full clone, a fetch (``git pull``) after 100 new commits made on
  the server, and a push of 100 commits, each the median of some rounds; the ratio is
  http-backend's time over the fake's (above 1.0: the fake is faster). N is 1,000 and
  10,000 (two rounds). The servers take turns, the other first each round, and
  written files are flushed to disk before each timed command.
- **a 100 MiB history**: 100 commits of one 1 MiB random (incompressible) blob each,
  pushed to an empty repository on each server, then cloned (one round).
- **memory of that clone**: the fake's Python allocations while it serves the clone
  (``tracemalloc``, started just before: the peak of memory allocated during the
  clone, not what the repository already holds), against the size of the pack the
  client received (the ``.pack`` file git keeps).

The fake runs in this process (its server thread), http-backend behind the
conformance suite's CGI bridge, which starts one process per request as a CGI server
does.

    python -m benchmarks --only 8           # the full run, a few minutes
    python -m benchmarks._git_http --files 1000 --rounds 3   # one size alone
"""

from __future__ import annotations

import argparse
import functools
import glob
import os
import shutil
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks._common import Row, fmt_mib
from fakes.conformance.github._git_remote import HttpBackend, Workdir
from fakes.github import FakeGitHub

SECTION = "8. git over HTTP: the GitHub fake vs git http-backend"
#: The peak the fake may allocate serving a large clone, in packs' sizes.
MEMORY_GOAL = 2.0


def _timed(action: Callable[[], object]) -> float:
    # written files are flushed first: a clone of 10,000 files that starts while the
    # previous one's are being written back waits for the disk
    os.sync()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _files(count: int) -> dict[str, str]:
    return {f"dir{n % 50}/file{n}.txt": os.urandom(1024).hex() for n in range(count)}


class _Servers:
    """The fake and http-backend, each with one token-less URL per repository."""

    def __init__(self, fake: FakeGitHub, backend: HttpBackend, work: Workdir) -> None:
        self.fake, self.backend, self.work = fake, backend, work
        self.token = fake.token_for("bench", scopes=("repo",))
        self.count = 0

    def repos(self, files: dict[str, str]) -> dict[str, str]:
        """A repository of ``files`` (one commit; none if empty) on each server: URLs."""
        self.count += 1
        name = f"bench/repo{self.count}"
        self.fake.create_repo(name, files=files or None)
        bare = self.backend.new_repo(f"bench{self.count}", empty=True)
        if files:
            seed = f"seed{self.count}"
            self.work.git("init", "-q", seed)
            self.work.commit(seed, files, "Initial commit")
            self.work.git("push", "-q", os.path.join(self.backend.root, bare),
                          "HEAD:refs/heads/main", cwd=seed)
            shutil.rmtree(os.path.join(self.work.path, seed))
        return {"fake": self.fake.clone_url(name, self.token),
                "http-backend": self.backend.url(bare)}


def _alternated(urls: dict[str, str], n: int) -> list[tuple[str, str]]:
    """The servers in turn, the other one first every other round."""
    order = list(urls.items())
    return order if n % 2 == 0 else order[::-1]


def _row(what: str, by_target: dict[str, list[float]], **data: Any) -> Row:
    fake_time = statistics.median(by_target["fake"])
    backend_time = statistics.median(by_target["http-backend"])
    ratio = backend_time / fake_time
    return Row(SECTION, what, f"{fake_time:.3f} s", f"{backend_time:.3f} s",
               f"{ratio:.2f}x (http-backend ÷ fake)", "≥ 1.0x", ratio >= 1.0,
               data={"fake_s": by_target["fake"], "http_backend_s": by_target["http-backend"],
                     **data})


def _clone_fetch_push(servers: _Servers, files: int, rounds: int, commits: int
                      ) -> list[Row]:
    work = servers.work
    urls = servers.repos(_files(files))
    timings: dict[str, dict[str, list[float]]] = {"clone": {}, "fetch": {}, "push": {}}
    for n in range(rounds):
        for name, url in _alternated(urls, n):
            timings["clone"].setdefault(name, []).append(
                _timed(functools.partial(work.git, "clone", "-q", url, f"c-{name}-{n}")))
    # new commits on each server, then a fetch from a clone, then a push from it
    for n in range(rounds):
        for name, url in _alternated(urls, n):
            writer, reader = f"w-{name}-{n}", f"c-{name}-{n}"
            # the reader catches up with the earlier rounds' commits, untimed
            work.git("pull", "-q", "--ff-only", cwd=reader)
            work.git("clone", "-q", url, writer)
            for k in range(commits):
                work.commit(writer, {f"new/{n}-{k}.txt": f"{k}\n"}, f"commit {k}")
            work.git("push", "-q", "origin", "main", cwd=writer)
            timings["fetch"].setdefault(name, []).append(
                _timed(functools.partial(work.git, "pull", "-q", "--ff-only", cwd=reader)))
            for k in range(commits):
                work.commit(reader, {f"push/{n}-{k}.txt": f"{k}\n"}, f"push {k}")
            timings["push"].setdefault(name, []).append(
                _timed(functools.partial(work.git, "push", "-q", "origin", "main",
                                         cwd=reader)))
            shutil.rmtree(os.path.join(work.path, writer))
            shutil.rmtree(os.path.join(work.path, reader))
    label = f"{files:,} files"
    median = f"median of {rounds}" if rounds > 1 else "1 round"
    return [_row(f"{label}: clone ({median})", timings["clone"], files=files),
            _row(f"{label}: fetch after {commits} new commits ({median})",
                 timings["fetch"], files=files, commits=commits),
            _row(f"{label}: push of {commits} commits ({median})", timings["push"],
                 files=files, commits=commits)]


def _history(servers: _Servers, mib: int) -> list[Row]:
    """``mib`` commits of a 1 MiB random blob each: pushed, cloned, and the fake's
    allocations while it serves a clone."""
    work = servers.work
    urls = servers.repos({})
    work.git("init", "-q", "history")
    for n in range(mib):
        work.commit("history", {f"blob{n}.bin": os.urandom(2**20)}, f"blob {n}")
    push: dict[str, list[float]] = {}
    clone: dict[str, list[float]] = {}
    for name, url in urls.items():
        push[name] = [_timed(functools.partial(
            work.git, "push", "-q", url, "HEAD:refs/heads/main", cwd="history"))]
    for name, url in urls.items():
        clone[name] = [_timed(functools.partial(work.git, "clone", "-q", "--bare", url,
                                                f"h-{name}"))]
        shutil.rmtree(os.path.join(work.path, f"h-{name}"))
    tracemalloc.start()
    try:
        work.git("clone", "-q", "--bare", urls["fake"], "measured")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    pack = sum(os.path.getsize(p) for p in
               glob.glob(os.path.join(work.path, "measured", "objects", "pack", "*.pack")))
    shutil.rmtree(os.path.join(work.path, "measured"))
    shutil.rmtree(os.path.join(work.path, "history"))
    label = f"{mib} MiB history ({mib} commits of a 1 MiB random blob)"
    return [_row(f"{label}: push", push, mib=mib),
            _row(f"{label}: clone", clone, mib=mib),
            Row(SECTION, f"{label}: peak allocated by the fake serving a clone "
                         "(tracemalloc) ÷ the pack the client received",
                fmt_mib(peak), fmt_mib(pack), f"{peak / pack:.2f}x the pack",
                f"< {MEMORY_GOAL:.0f}x the pack", peak < MEMORY_GOAL * pack,
                data={"peak_bytes": peak, "pack_bytes": pack})]


def _workdir() -> Workdir:
    """The client's directory; no automatic gc (it would run detached in a seed
    repository of 10,000 files while the benchmark goes on)."""
    work = Workdir()
    work.env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gc.auto",
                     "GIT_CONFIG_VALUE_0": "0"})
    return work


def run(counts: dict[str, Any]) -> list[Row]:
    work = _workdir()
    backend = HttpBackend()
    rows: list[Row] = []
    try:
        with FakeGitHub() as fake:
            servers = _Servers(fake, backend, work)
            for files, rounds in counts["git_sizes"]:
                rows += _clone_fetch_push(servers, files, rounds, counts["git_commits"])
            rows += _history(servers, counts["git_history_mib"])
    finally:
        backend.close()
        work.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args()
    work = _workdir()
    backend = HttpBackend()
    try:
        with FakeGitHub() as fake:
            rows = _clone_fetch_push(_Servers(fake, backend, work), args.files, args.rounds,
                                     args.commits)
    finally:
        backend.close()
        work.close()
    for row in rows:
        print(f"| {row.measurement} | {row.fake} | {row.reference} | {row.ratio} |")


if __name__ == "__main__":
    main()
