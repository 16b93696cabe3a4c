"""Hypothesis strategies for artifact-store values, drawn from the OCI grammars.

Property tests of publishers and mirrors need inputs a registry accepts, not
arbitrary text: these strategies generate repository names and tags from the
grammars in distribution-spec v1.1 "Pulling manifests" (the same patterns the
fake enforces), and blobs of bounded size.

    from hypothesis import given
    from fakes.artifacts import strategies

    @given(name=strategies.repository_names(), tag=strategies.tags())
    def test_publish_is_idempotent(fake_registry_server, name, tag): ...
"""

from __future__ import annotations

from hypothesis import strategies as st

from fakes.artifacts._model import COMPONENT, MAX_NAME_LENGTH, TAG

__all__ = ["blobs", "repository_names", "tags"]


def repository_names(max_components: int = 3, max_length: int = 64) -> st.SearchStrategy[str]:
    """Names such as ``team/app`` or ``a0__b/c-d.e``: 1 to ``max_components`` path
    components, at most ``max_length`` characters (the spec allows 255 with the host)."""
    if not 1 <= max_length <= MAX_NAME_LENGTH:
        raise ValueError(f"max_length must be between 1 and {MAX_NAME_LENGTH}")
    component = st.from_regex(COMPONENT, fullmatch=True).filter(lambda c: len(c) <= max_length)
    return (
        st.lists(component, min_size=1, max_size=max_components)
        .map("/".join)
        .filter(lambda name: len(name) <= max_length)
    )


def tags() -> st.SearchStrategy[str]:
    """Tags the spec allows: ``[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}``."""
    return st.from_regex(TAG, fullmatch=True)


def blobs(max_size: int = 4096) -> st.SearchStrategy[bytes]:
    """Blob content, empty included (an empty blob is a valid blob)."""
    return st.binary(max_size=max_size)
