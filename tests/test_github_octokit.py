"""octokit.js (``@octokit/rest``), unchanged, against the GitHub fake: a client that is
not Python reads the fake's headers, pagination links, conditional answers and errors.

The node modules pinned by ``tests/github_js/package-lock.json`` are installed once
(``npm ci``) into a cache directory keyed by the lock file; without node and npm the
test is skipped."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from fakes.github import FakeGitHub

PACKAGE = Path(__file__).parent / "github_js"


def _cache_root() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "verified-fakes"


def _installed() -> Path:
    """The package with its node modules, installed once per lock file (a directory
    renamed into place, so parallel workers never see half an install)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run octokit.js (Node.js 20 or newer)")
    lock = (PACKAGE / "package-lock.json").read_bytes()
    target = _cache_root() / f"octokit-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (target / "node_modules" / "@octokit" / "rest").is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="octokit-", dir=target.parent))
        for name in ("package.json", "package-lock.json"):
            shutil.copy(PACKAGE / name, staging / name)
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(staging)],
            capture_output=True, text=True, timeout=600, check=False)
        if installed.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.fail(f"npm ci failed:\n{installed.stderr[-3000:]}")
        try:
            staging.rename(target)
        except OSError:  # another worker won the race
            shutil.rmtree(staging, ignore_errors=True)
    # The script may change without the lock file: copied each time, replaced atomically.
    staged = target / f".run-{os.getpid()}.mjs"
    shutil.copy(PACKAGE / "run.mjs", staged)
    staged.replace(target / "run.mjs")
    return target / "run.mjs"


def _run(fake: FakeGitHub, script: Path, **env: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GITHUB_API_URL": fake.api_url,
             "GITHUB_TOKEN": fake.token_for("octocat", scopes=["repo", "delete_repo"]),
             **env})
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


@pytest.mark.parametrize("enterprise_prefix", [False, True], ids=["root", "api-v3"])
def test_octokit_opens_paginates_and_merges_a_pull_request(
    fake_github: FakeGitHub, enterprise_prefix: bool
) -> None:
    script = _installed()
    base = fake_github.api_url if enterprise_prefix else fake_github.url
    summary = _run(fake_github, script, GITHUB_API_URL=base)

    assert summary["repo"] == {"full_name": "octocat/octokit-demo", "default_branch": "main"}
    assert summary["file"] == {"path": "notes/3.txt", "content": "note 3\n"}
    assert summary["pull"] == {"number": 1, "state": "open", "head": "feature"}
    assert summary["commits"] == [f"add note {n}" for n in (5, 4, 3, 2, 1)] + ["Initial commit"]
    assert summary["pages"] == 3  # octokit followed the Link header
    assert summary["etag"] is True and summary["conditional"] == 304
    assert summary["mergeAgain"] == {"status": 405, "message": "Pull Request is not mergeable"}
    assert summary["missing"] == {"status": 404, "message": "Not Found"}
    assert summary["after"] == {"state": "closed", "merged": True}
    assert summary["renamed"] == "octocat/octokit-demo-renamed"  # through the old name
    assert summary["issues"] == [[2, False, ["later"]], [1, True, []]]

    # The fake's state is what octokit was told.
    demo = "octocat/octokit-demo-renamed"
    merged = summary["merge"]["sha"]
    assert fake_github.branch_head(demo, "main") == merged
    commit = fake_github.repo(demo).git.commit(merged)
    assert commit is not None and len(commit.parents) == 1  # squashed
    assert commit.parents[0].decode() == summary["branchFrom"]
    for n in range(1, 6):
        assert fake_github.file(demo, f"notes/{n}.txt") == f"note {n}\n".encode()
    operations = [c.operation for c in fake_github.journal.since(0)]
    assert operations.count("contents.create") == 5
