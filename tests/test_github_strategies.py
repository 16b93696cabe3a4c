"""``fakes.github.strategies``: branch names git itself accepts, trees without a path
that is also a directory, histories that replay on the fake as drawn."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.github import FakeGitHub, strategies

QUICK = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git CLI")
@settings(max_examples=60, deadline=None)
@given(names=st.lists(strategies.branch_names(), min_size=1, max_size=10))
def test_branch_names_pass_git_check_ref_format(names: list[str]) -> None:
    for name in names:
        checked = subprocess.run(["git", "check-ref-format", "--branch", name],
                                 capture_output=True, text=True, check=False)
        assert checked.returncode == 0, (name, checked.stderr)
        assert checked.stdout.strip() == name


@QUICK
@given(files=strategies.file_trees(max_files=8))
def test_file_trees_never_hold_a_path_that_is_also_a_directory(files: dict[str, bytes]) -> None:
    assert files
    lowered = {p.lower() for p in files}
    for path in lowered:
        parts = path.split("/")
        assert not any("/".join(parts[:i]) in lowered for i in range(1, len(parts)))


@QUICK
@given(history=strategies.commit_sequences())
def test_commit_sequences_replay_on_the_fake(fake_github_server: FakeGitHub,
                                            history: list[dict[str, bytes | None]]) -> None:
    fake_github_server.reset()
    fake_github_server.create_repo("octocat/drawn")
    held: dict[str, bytes] = {}
    for change in history:
        assert change
        for path, data in change.items():
            assert data is not None or path in held  # only what is there is deleted
            assert data is None or held.get(path) != data  # every change changes
        fake_github_server.push("octocat/drawn", change, actor="octocat")
        for path, data in change.items():
            if data is None:
                held.pop(path)
            else:
                held[path] = data
    for path, data in held.items():
        assert fake_github_server.file("octocat/drawn", path) == data


@QUICK
@given(body=strategies.protection_settings())
def test_protection_settings_are_bodies_the_fake_takes(fake_github_server: FakeGitHub,
                                                       body: dict[str, object]) -> None:
    fake_github_server.reset()
    fake_github_server.create_repo("octocat/guarded", auto_init=True)
    gh = fake_github_server.client()
    status, _, _ = gh.requester.requestJson(  # type: ignore[attr-defined]
        "PUT", "/repos/octocat/guarded/branches/main/protection", input=body)
    assert status == 200


@pytest.mark.parametrize("call", [
    lambda: strategies.branch_names(max_components=0),
    lambda: strategies.file_paths(max_depth=0),
    lambda: strategies.file_trees(min_files=3, max_files=2),
    lambda: strategies.commit_sequences(max_commits=0),
])
def test_nonsense_bounds_are_refused(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]
