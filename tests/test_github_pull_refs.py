"""A CI checkout of a pull request, as CI systems do it: PyGithub opens the pull
request, the machine's ``git`` fetches ``pull/<n>/head`` from the fake."""

from __future__ import annotations

import pytest

pytest.importorskip("dulwich")

from fakes.conformance.github._git_remote import git_exec_path
from fakes.github import FakeGitHub

pytestmark = pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")


def test_ci_checks_out_a_pull_request_head() -> None:
    with FakeGitHub() as fake:
        fake.create_repo("octocat/app", files={"app.py": "print('v1')\n"})
        repo = fake.client().get_repo("octocat/app")
        main = repo.get_branch("main").commit.sha
        repo.create_git_ref("refs/heads/feature", main)
        repo.update_file("app.py", "v2", "print('v2')\n",
                         repo.get_contents("app.py", ref="feature").sha, branch="feature")
        pull = repo.create_pull(title="v2", body="", head="feature", base="main")
        with fake.workdir("ci") as work:
            work.git("init", "-q", "checkout")
            work.git("fetch", "-q", "--depth", "1", fake.clone_url("octocat/app"),
                     f"+refs/pull/{pull.number}/head:refs/remotes/pull/{pull.number}/head",
                     cwd="checkout")
            work.git("checkout", "-q", "--detach", f"pull/{pull.number}/head", cwd="checkout")
            assert work.git("rev-parse", "HEAD", cwd="checkout").strip() == \
                repo.get_pull(pull.number).head.sha
            assert work.git("show", "HEAD:app.py", cwd="checkout") == "print('v2')\n"
            # the pull request's ref is the fake's, not the pusher's to move
            refused = work.fails("push", fake.clone_url("octocat/app", fake.token_for(
                "octocat", scopes=("repo",))), f"HEAD:refs/pull/{pull.number}/head",
                cwd="checkout")
            assert "deny updating a hidden ref" in refused
