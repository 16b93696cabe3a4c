"""The diff media type (``Accept: application/vnd.github.diff``) of a comparison is the
bytes ``git diff <merge base> <head>`` prints for the same trees."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from fakes.github import FakeGitHub

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BASE = {"README.md": b"# demo\n", "src/app.py": b"a = 1\nb = 2\nc = 3\n",
        "old.txt": b"going\n", "bin/data": b"\x00\x01\x02"}
TOPIC = {"src/app.py": b"a = 1\nb = 20\nc = 3\nd = 4\n", "old.txt": None,
         "docs/new.md": b"new\n", "src/empty": b""}


def _git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                          capture_output=True).stdout


def _write(repo: Path, files: dict[str, bytes | None]) -> None:
    for path, data in files.items():
        target = repo / path
        if data is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def test_compare_diff_is_what_git_diff_prints(fake_github: FakeGitHub, tmp_path: Path) -> None:
    fake_github.create_repo("octocat/d", files=BASE)
    fake_github.push("octocat/d", TOPIC, branch="topic", actor="octocat")
    fake_github.push("octocat/d", {"README.md": b"# moved base\n"}, actor="octocat")
    answer = requests.get(f"{fake_github.url}/repos/octocat/d/compare/main...topic", timeout=10,
                          headers={"Accept": "application/vnd.github.diff",
                                   "User-Agent": "test",
                                   "Authorization": f"token {fake_github.token_for('octocat')}"})
    assert answer.status_code == 200, answer.text

    _git(tmp_path, "init", "-q", "-b", "main")
    _write(tmp_path, dict(BASE))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    fork = _git(tmp_path, "rev-parse", "HEAD").decode().strip()
    _write(tmp_path, TOPIC)
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "topic")
    assert answer.content == _git(tmp_path, "diff", "--no-renames", fork, "HEAD")
