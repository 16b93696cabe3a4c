"""git over HTTP: the GitHub fake against ``git http-backend``, the same ``git`` client,
in one run.

    python -m benchmarks._git_http [--files 1000] [--rounds 3]

For a repository of ``--files`` files (2 KiB of random text each), it times with the
machine's ``git``: a full clone, a fetch after 100 new commits made on the server, and a
push of 100 commits. Each is the median of ``--rounds``; the ratio is http-backend's time
over the fake's (above 1.0: the fake is faster). The fake runs in this process (its
server thread), http-backend behind the conformance suite's CGI bridge, which starts one
process per request as a CGI server does.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import time
from collections.abc import Callable

from fakes.conformance.github._git_remote import HttpBackend, Workdir
from fakes.github import FakeGitHub


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _files(count: int) -> dict[str, str]:
    return {f"dir{n % 50}/file{n}.txt": os.urandom(1024).hex() for n in range(count)}


def run(files: int, rounds: int) -> list[tuple[str, float, float]]:
    work = Workdir()
    backend = HttpBackend()
    content = _files(files)
    results = []
    with FakeGitHub() as fake:
        token = fake.token_for("bench", scopes=("repo",))
        fake.create_repo("bench/repo", files=content)
        fake_url = fake.clone_url("bench/repo", token)
        # The same tree on http-backend: one commit with the same files.
        bare = backend.new_repo("bench", empty=True)
        work.git("init", "-q", "seed")
        work.commit("seed", content, "Initial commit")
        work.git("push", "-q", os.path.join(backend.root, bare), "HEAD:refs/heads/main",
                 cwd="seed")
        urls = {"fake": fake_url, "http-backend": backend.url(bare)}

        def clone(name: str, n: int) -> Callable[[], object]:
            return lambda: work.git("clone", "-q", urls[name], f"clone-{name}-{n}")

        timings: dict[str, dict[str, list[float]]] = {"clone": {}, "fetch": {}, "push": {}}
        for n in range(rounds):
            for name in urls:
                timings["clone"].setdefault(name, []).append(_timed(clone(name, n)))
        # 100 new commits on each server, then a fetch from the first clone.
        for n in range(rounds):
            for name in urls:
                writer = f"writer-{name}-{n}"
                work.git("clone", "-q", urls[name], writer)
                for k in range(100):
                    work.commit(writer, {f"new/{n}-{k}.txt": f"{k}\n"}, f"commit {k}")
                work.git("push", "-q", "origin", "main", cwd=writer)
                reader = f"clone-{name}-{n}"
                timings["fetch"].setdefault(name, []).append(
                    _timed(functools.partial(work.git, "pull", "-q", "--ff-only", cwd=reader)))
                for k in range(100):
                    work.commit(reader, {f"push/{n}-{k}.txt": f"{k}\n"}, f"push {k}")
                timings["push"].setdefault(name, []).append(
                    _timed(functools.partial(work.git, "push", "-q", "origin", "main",
                                             cwd=reader)))
                shutil.rmtree(os.path.join(work.path, writer))
        for what, by_target in timings.items():
            fake_time = statistics.median(by_target["fake"])
            backend_time = statistics.median(by_target["http-backend"])
            results.append((what, fake_time, backend_time))
    backend.close()
    work.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"| {args.files} files | fake (s) | git http-backend (s) | http-backend ÷ fake |")
    print("| --- | --- | --- | --- |")
    for what, fake_time, backend_time in run(args.files, args.rounds):
        print(f"| {what} | {fake_time:.3f} | {backend_time:.3f} | "
              f"{backend_time / fake_time:.2f}x |")


if __name__ == "__main__":
    main()
