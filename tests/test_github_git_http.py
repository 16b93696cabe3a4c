"""The git-defined scenarios of the conformance suite, against the GitHub fake and
against ``git http-backend`` (the reference), with the machine's ``git`` as the client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("dulwich")

from fakes.conformance.github._git_remote import (
    HttpBackend,
    TargetRemote,
    Workdir,
    git_exec_path,
)
from fakes.conformance.github._git_scenarios import SCENARIOS
from fakes.github import FakeGitHub

pytestmark = pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")


class _FakeTarget:
    name = "fake"

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        self.api_url = fake.url
        self.token = fake.token_for("octocat", scopes=("repo",))
        self._n = 0

    def new_repo(self, hint: str, private: bool = False) -> str:
        self._n += 1
        name = f"octocat/{hint}-{self._n}"
        self.fake.create_repo(name, auto_init=True, private=private)
        return name


@pytest.fixture(scope="module")
def backend() -> Iterator[HttpBackend]:
    server = HttpBackend()
    yield server
    server.close()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as served:
        yield served


@pytest.fixture
def work() -> Iterator[Workdir]:
    made = Workdir()
    yield made
    made.close()


@pytest.mark.parametrize("server", ["fake", "git-http-backend"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario(scenario: str, server: str, fake: FakeGitHub, backend: HttpBackend,
                  work: Workdir) -> None:
    remote: Any = TargetRemote(_FakeTarget(fake)) if server == "fake" else backend
    run: Callable[[Any, Workdir], None] = SCENARIOS[scenario]
    run(remote, work)
