"""Every repository name and tag the spec's grammar allows is accepted.

The inputs come from ``fakes.artifacts.strategies``, the strategies users draw on
for their own property tests; this checks them against the target, so a strategy
can never produce a name the provider would refuse.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.artifacts import strategies
from fakes.conformance.artifacts._oci import OCI_MANIFEST
from fakes.conformance.artifacts.targets import SPEC, Target

behaviour = pytest.mark.behaviour

# A handful of examples: against a real registry each one pushes a repository.
EXAMPLES = settings(
    max_examples=12, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@behaviour(
    "ART-130",
    "repository names and tags drawn from the spec's grammar are accepted: a push by tag "
    "answers 201 and the tag reads back",
    cite=f"{SPEC}#pulling-manifests",
)
@EXAMPLES
@given(name=strategies.repository_names(max_length=40), tag=strategies.tags(),
       layer=strategies.blobs(max_size=64))
def test_grammar_names_and_tags_are_accepted(
    target: Target, name: str, tag: str, layer: bytes
) -> None:
    repo = target.new_repo("grammar", suffix=name)
    registry = target.registry()
    pushed = registry.push_image(repo, tag, layers=[layer])
    response = registry.http.get(registry.manifest_url(repo, tag), headers={"Accept": OCI_MANIFEST})
    assert response.status_code == 200
    assert response.headers["Docker-Content-Digest"] == pushed.digest
    assert tag in (registry.tags(repo) or [])


@behaviour(
    "ART-131",
    "names outside the grammar (upper case, a leading separator, an empty component) "
    "are refused with 400 NAME_INVALID",
    cite=f"{SPEC}#pulling-manifests; {SPEC}#error-codes",
)
@EXAMPLES
@given(name=strategies.repository_names(max_length=40),
       breakage=st.sampled_from(["upper", "leading", "empty"]))
def test_names_outside_the_grammar_are_refused(target: Target, name: str, breakage: str) -> None:
    target.require("validates_names")
    broken = {"upper": name.upper() + "X", "leading": "-" + name, "empty": name + "//x"}[breakage]
    repo = target.new_repo("grammar-bad", suffix=broken)
    registry = target.registry()
    response = registry.http.post(registry.uploads_url(repo))
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "NAME_INVALID"
