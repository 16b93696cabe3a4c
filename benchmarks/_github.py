"""Benchmark 6: the git-hosting fake, through PyGithub and ``requests``.

- **start and reset**: ``FakeGitHub()`` constructed and started; ``reset()`` on a fake
  holding an organization with 10 repositories (a README and 10 files each), and
  ``reset(to=snapshot)`` back to it.
- **cost per request**: PyGithub's ``get_repo`` (a ``GET /repos/{owner}/{repo}``) on
  the fake vs a canned stub: ``fakes._server.LoopbackServer`` answering the fake's
  recorded response bytes. Same client, rounds interleaved; the ratio is the median
  over rounds of fake / stub.
- **cycles**: open a pull request, simulated CI (``fake.ci``, a required status that
  succeeds at once) goes green, merge: ref, file, pull request, merge through PyGithub
  on a branch protected by the required context.
- **a large repository**: 10,000 files in 100 directories and 1,000 commits of one
  file each on a branch: the recursive tree listing, the compare of the branch with
  its base, and the merge of a pull request of the branch (a real three-way merge:
  the base moved too), each from the same snapshot.
- **memory per repository**: the Python heap (``tracemalloc``) 100 repositories with
  a README and 10 small files keep, divided by 100.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

import requests

from benchmarks._common import (
    BenchmarkError,
    CannedApp,
    Row,
    fmt_mib,
    fmt_ms,
    fmt_us,
    median,
    percentile,
    reset_rows,
    time_resets,
)
from fakes._http import Response
from fakes._server import LoopbackServer
from fakes.github import FakeGitHub

SECTION = "6. git-hosting fake"
START_GOAL = 0.050
REQUEST_GOAL = 1.5


def _seed_org(fake: FakeGitHub, repos: int = 10) -> None:
    fake.create_org("acme", admins=["octocat"])
    for r in range(repos):
        fake.create_repo(f"acme/r{r}", files={"README.md": f"# r{r}\n",
                                              **{f"src/f{i}.txt": f"{i}\n" for i in range(10)}})


# -- start and reset ---------------------------------------------------------------------------


def _lifecycle_rows(counts: dict[str, Any]) -> list[Row]:
    FakeGitHub().start().stop()  # imports and first-use costs out of the samples
    starts = []
    for _ in range(counts["gh_starts"]):
        began = time.perf_counter()
        fake = FakeGitHub().start()
        starts.append(time.perf_counter() - began)
        fake.stop()
    rows = [Row(SECTION, f"start: FakeGitHub() + start(), listening ({len(starts)} starts)",
                f"median {fmt_ms(median(starts))}, p95 {fmt_ms(percentile(starts, 95))}",
                goal="p95 ≤ 50 ms", met=percentile(starts, 95) <= START_GOAL,
                data={"seconds": starts})]
    with FakeGitHub() as fake:
        _seed_org(fake)
        clear, restore = time_resets(fake, counts["gh_resets"])
        if fake.file("acme/r9", "src/f9.txt") != b"9\n":
            raise BenchmarkError("reset(to=snapshot) lost the seeded state")
    rows += reset_rows(SECTION, "an organization with 10 repositories", clear, restore)
    return rows


# -- cost per request --------------------------------------------------------------------------


def _request_rows(counts: dict[str, Any]) -> list[Row]:
    from github import Auth, Github

    rounds, per_round = counts["gh_request_rounds"], counts["gh_requests_per_round"]
    target = "/repos/acme/r0"
    with FakeGitHub() as fake:
        _seed_org(fake, 1)
        token = fake.token_for("octocat", scopes=["repo"])
        recorded = requests.get(fake.url + target, timeout=10, headers={
            "Authorization": f"token {token}", "User-Agent": "bench"})
        if recorded.status_code != 200:
            raise BenchmarkError(f"the fake answered {recorded.status_code}: {recorded.text}")
        keep = ("Content-Type", "ETag", "x-ratelimit-limit", "x-ratelimit-remaining",
                "x-ratelimit-reset", "x-ratelimit-used", "x-ratelimit-resource")
        canned = Response(200, [(k, recorded.headers[k]) for k in keep if k in recorded.headers],
                          recorded.content)
        with LoopbackServer(CannedApp({("GET", target): canned})) as stub:
            clients = {name: Github(base_url=url, auth=Auth.Token(token), retry=None,
                                    seconds_between_requests=None,
                                    seconds_between_writes=None)
                       for name, url in (("fake", fake.url), ("canned", stub.url))}
            timings: dict[str, list[float]] = {name: [] for name in clients}

            def burst(gh: Any, count: int) -> float:
                began = time.perf_counter()
                for _ in range(count):
                    if gh.get_repo("acme/r0").full_name != "acme/r0":
                        raise BenchmarkError("unexpected repository")
                return (time.perf_counter() - began) / count

            for gh in clients.values():
                burst(gh, max(10, per_round // 5))
            names = list(clients)
            for r in range(rounds):
                for name in names[r % 2:] + names[: r % 2]:
                    timings[name].append(burst(clients[name], per_round))
            for gh in clients.values():
                gh.close()
    paired = [f / c for f, c in zip(timings["fake"], timings["canned"], strict=True)]
    ratio = median(paired)
    return [Row(
        SECTION, f"PyGithub get_repo, keep-alive (median of {rounds} rounds x {per_round} "
                 "requests)",
        fmt_us(median(timings["fake"])),
        reference=f"canned stub {fmt_us(median(timings['canned']))}",
        ratio=f"{ratio:.2f}x canned (IQR {percentile(paired, 25):.2f}-"
              f"{percentile(paired, 75):.2f})",
        goal="≤ 1.5x canned", met=ratio <= REQUEST_GOAL,
        data={"rounds": timings, "ratio_fake_canned": ratio})]


# -- open, go green, merge ---------------------------------------------------------------------


def _cycle_rows(counts: dict[str, Any]) -> list[Row]:
    rounds, per_round = counts["gh_cycle_rounds"], counts["gh_cycles_per_round"]
    with FakeGitHub() as fake:
        fake.create_repo("octocat/app", files={"README.md": "# app\n"})
        fake.ci("build", after=0)
        gh = fake.client()
        repo = gh.get_repo("octocat/app")
        repo.get_branch("main").edit_protection(contexts=["build"], enforce_admins=True)
        made = 0

        def cycles(count: int) -> float:
            nonlocal made
            began = time.perf_counter()
            for _ in range(count):
                made += 1
                branch = f"topic-{made}"
                base = repo.get_branch("main").commit.sha
                repo.create_git_ref(f"refs/heads/{branch}", base)
                repo.create_file(f"changes/{made}.txt", f"change {made}", f"{made}\n",
                                 branch=branch)
                pull = repo.create_pull(title=f"change {made}", body="", head=branch,
                                        base="main")
                if not pull.merge().merged:
                    raise BenchmarkError("the pull request did not merge")
            return time.perf_counter() - began

        cycles(3)
        rates = [per_round / cycles(per_round) for _ in range(rounds)]
        gh.close()
    return [Row(SECTION, "open PR → required CI status green (fake.ci) → merge, PyGithub "
                         f"(median of {rounds} rounds x {per_round})",
                f"{median(rates):.1f} cycles/s", data={"rates": rates})]


# -- a large repository ------------------------------------------------------------------------


def _large_rows(counts: dict[str, Any]) -> list[Row]:
    files, commits, repeats = counts["gh_large_files"], counts["gh_large_commits"], \
        counts["gh_large_repeats"]
    with FakeGitHub() as fake:
        began = time.perf_counter()
        fake.create_repo("octocat/big", files={
            f"d{i // 100:03d}/f{i:05d}.txt": f"file {i}\n" for i in range(files)})
        for c in range(commits):
            fake.push("octocat/big", {f"d{c % 100:03d}/f{c:05d}.txt": f"changed {c}\n"},
                      branch="topic", actor="octocat", message=f"change {c}")
        fake.push("octocat/big", {"base-moved.txt": "yes\n"}, actor="octocat")
        seeded = time.perf_counter() - began
        session = requests.Session()
        session.headers.update({"Authorization": f"token {fake.token_for('octocat')}",
                                "User-Agent": "bench"})
        api = fake.url + "/repos/octocat/big"
        snapshot = fake.snapshot()
        tree, compare, merge = [], [], []
        for _ in range(repeats):
            head = fake.branch_head("octocat/big", "main")
            t0 = time.perf_counter()
            listed = session.get(f"{api}/git/trees/{head}?recursive=1", timeout=120)
            tree.append(time.perf_counter() - t0)
            if listed.status_code != 200 or len(listed.json()["tree"]) < files:
                raise BenchmarkError(f"tree listing: {listed.status_code}")
            t0 = time.perf_counter()
            compared = session.get(f"{api}/compare/main...topic", timeout=120)
            compare.append(time.perf_counter() - t0)
            if compared.status_code != 200 or compared.json()["ahead_by"] != commits:
                raise BenchmarkError(f"compare: {compared.status_code} {compared.text[:200]}")
            pull = session.post(f"{api}/pulls", json={"title": "big", "head": "topic",
                                                      "base": "main"}, timeout=120)
            if pull.status_code != 201:
                raise BenchmarkError(f"pull request: {pull.status_code} {pull.text[:200]}")
            t0 = time.perf_counter()
            merged = session.put(f"{api}/pulls/{pull.json()['number']}/merge", json={},
                                 timeout=120)
            merge.append(time.perf_counter() - t0)
            if merged.status_code != 200:
                raise BenchmarkError(f"merge: {merged.status_code} {merged.text[:200]}")
            fake.reset(to=snapshot)
        session.close()
    label = f"{files:,} files, {commits:,} commits on a branch"
    return [
        Row(SECTION, f"seed a repository of {label} (push)", f"{seeded:.2f} s",
            data={"seconds": seeded}),
        Row(SECTION, f"recursive tree listing, {files:,} entries ({repeats} times)",
            fmt_ms(median(tree)), data={"seconds": tree}),
        Row(SECTION, f"compare main...topic, {commits:,} commits ahead ({repeats} times)",
            fmt_ms(median(compare)), data={"seconds": compare}),
        Row(SECTION, f"merge a pull request of {commits:,} commits, three-way "
                     f"({repeats} times)", fmt_ms(median(merge)), data={"seconds": merge}),
    ]


# -- memory per repository ---------------------------------------------------------------------


def _memory_rows(counts: dict[str, Any]) -> list[Row]:
    repos = counts["gh_memory_repos"]
    with FakeGitHub() as fake:
        fake.create_user("octocat")
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for r in range(repos):
            fake.create_repo(f"octocat/m{r}", files={
                "README.md": f"# m{r}\n", **{f"src/f{i}.txt": f"{r}.{i}\n" for i in range(10)}})
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        kept = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return [Row(SECTION, f"memory per repository (README and 10 files; {repos} repositories, "
                         "tracemalloc)", fmt_mib(kept / repos) if kept / repos > 2**20
                else f"{kept / repos / 1024:.1f} KiB",
                data={"bytes_total": kept, "repositories": repos})]


def run(counts: dict[str, Any]) -> list[Row]:
    return [*_lifecycle_rows(counts), *_request_rows(counts), *_cycle_rows(counts),
            *_large_rows(counts), *_memory_rows(counts)]
