"""Targets of the toy suite: the fake only (a toy provider has no real twin)."""

from __future__ import annotations

import attrs

from fakes.conformance import Suite, Target


@attrs.frozen
class Capabilities:
    profile: str
    fault_injection: bool


class FakeKVTarget(Target):
    name = "fake"

    def __init__(self) -> None:
        from toykv import FakeKV

        super().__init__(Capabilities(profile="fake", fault_injection=True))
        self.fake = FakeKV().start()
        self.url = self.fake.url

    def close(self) -> None:
        self.fake.stop()


suite = Suite(
    provider="toykv",
    make_target=lambda name: FakeKVTarget(),
    real_variables=("TOYKV_URL",),
    real_description="a real key-value store at {TOYKV_URL}",
    target_metavar="URL",
)
pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()
