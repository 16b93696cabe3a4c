"""Hypothesis strategies for Kubernetes values an API server accepts.

Property tests of reconcilers need objects a cluster takes, not arbitrary text:
these draw names, label sets, label selectors, ConfigMaps and Deployments from the
rules apimachinery validates (the same rules the fake enforces, in
``fakes.kubernetes._validation``). The conformance suite creates what they draw on
a real kube-apiserver too (K8S-280, K8S-281), so a strategy cannot produce an
object the real server refuses.

    from hypothesis import given
    from fakes.kubernetes import strategies

    @given(cm=strategies.config_maps())
    def test_sync_is_idempotent(fake_cluster_server, cm): ...

Every object strategy draws a plain ``dict`` manifest without a namespace: put it
where the test wants it.
"""

from __future__ import annotations

from typing import Any, Literal

from hypothesis import strategies as st

from fakes.kubernetes._validation import NAME_PATTERNS, QUALIFIED_NAME, SUBDOMAIN

__all__ = ["config_maps", "deployments", "label_keys", "label_selectors", "label_values",
           "labels", "names"]

# A ConfigMap key (apimachinery's IsConfigMapKey): these characters, not "." or "..",
# and not starting with "..".
_CONFIG_MAP_KEY = r"[-._a-zA-Z0-9]+"


def names(rule: Literal["subdomain", "label"] = "subdomain", *,
          max_length: int = 63) -> st.SearchStrategy[str]:
    """Object names: RFC 1123 subdomains (``my.app-1``; ConfigMaps, Deployments and
    most kinds) or labels (``my-app``; Namespaces, Services), at most ``max_length``
    characters (a subdomain may have 253, a label 63)."""
    limit = 253 if rule == "subdomain" else 63
    if not 1 <= max_length <= limit:
        raise ValueError(f"max_length must be between 1 and {limit} for {rule} names")
    return st.from_regex(NAME_PATTERNS[rule], fullmatch=True).filter(
        lambda name: len(name) <= max_length)


def label_keys(*, prefixed: bool | None = None) -> st.SearchStrategy[str]:
    """Label and annotation keys: a name of at most 63 characters, with a DNS
    subdomain prefix (``example.com/tier``) or without (``tier``); ``prefixed``
    forces one or the other."""
    name = st.from_regex(QUALIFIED_NAME, fullmatch=True).filter(lambda n: len(n) <= 63)
    prefix = st.from_regex(SUBDOMAIN, fullmatch=True).filter(lambda p: len(p) <= 60)
    with_prefix = st.tuples(prefix, name).map("/".join)
    if prefixed is None:
        return name | with_prefix
    return with_prefix if prefixed else name


def label_values() -> st.SearchStrategy[str]:
    """Label values: empty, or at most 63 characters of letters, digits, ``-``, ``_``
    and ``.`` that begin and end with a letter or digit."""
    return st.just("") | st.from_regex(QUALIFIED_NAME, fullmatch=True).filter(
        lambda v: len(v) <= 63)


def labels(*, max_size: int = 4) -> st.SearchStrategy[dict[str, str]]:
    """Label sets of up to ``max_size`` labels."""
    return st.dictionaries(label_keys(), label_values(), max_size=max_size)


def label_selectors(keys: st.SearchStrategy[str] | None = None,
                    values: st.SearchStrategy[str] | None = None, *,
                    max_requirements: int = 3) -> st.SearchStrategy[str]:
    """Label selectors in the syntax of ``labelSelector`` (``a=b,c in (d,e),!f``):
    one to ``max_requirements`` requirements, each ``=``, ``==``, ``!=``, ``in``,
    ``notin``, exists or does-not-exist. Pass the ``keys`` and ``values`` your
    objects use to draw selectors that match some of them."""
    keys = keys if keys is not None else label_keys()
    values = values if values is not None else label_values()
    # A set of values names at least one, and no empty one.
    some = st.lists(values.filter(bool), min_size=1, max_size=3, unique=True).map(
        lambda vs: "(" + ",".join(vs) + ")")
    requirement = st.one_of(
        st.tuples(keys, st.sampled_from(["=", "==", "!="]), values).map("".join),
        st.tuples(keys, st.sampled_from([" in ", " notin "]), some).map("".join),
        keys,
        keys.map(lambda key: "!" + key),
    )
    return st.lists(requirement, min_size=1, max_size=max_requirements).map(",".join)


def _config_map_keys() -> st.SearchStrategy[str]:
    return st.from_regex(_CONFIG_MAP_KEY, fullmatch=True).filter(
        lambda k: len(k) <= 253 and k not in (".", "..") and not k.startswith(".."))


# Text a JSON body can carry: any character but the surrogates that UTF-8 cannot encode.
_TEXT = st.text(st.characters(codec="utf-8"), max_size=64)


def config_maps(*, name: st.SearchStrategy[str] | None = None,
                max_keys: int = 4) -> st.SearchStrategy[dict[str, Any]]:
    """ConfigMaps with labels, annotations and up to ``max_keys`` data keys."""
    return st.fixed_dictionaries({
        "apiVersion": st.just("v1"),
        "kind": st.just("ConfigMap"),
        "metadata": st.fixed_dictionaries({
            "name": name if name is not None else names(),
            "labels": labels(),
            "annotations": st.dictionaries(label_keys(), _TEXT, max_size=2),
        }),
        "data": st.dictionaries(_config_map_keys(), _TEXT, max_size=max_keys),
    })


def deployments(*, name: st.SearchStrategy[str] | None = None,
                max_replicas: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """apps/v1 Deployments whose selector matches their template's labels, with one to
    three containers of distinct names. ``max_replicas`` is 0 by default, so that on
    a real cluster no Pod is started for them."""
    container = st.fixed_dictionaries({
        "name": names("label", max_length=20),
        "image": st.from_regex(r"[a-z0-9]+(/[a-z0-9]+)?:[a-z0-9.]{1,10}", fullmatch=True),
    })
    containers = st.lists(container, min_size=1, max_size=3,
                          unique_by=lambda c: c["name"])
    selector = st.dictionaries(label_keys(), label_values(), min_size=1, max_size=3)

    def build(parts: tuple[str, dict[str, str], dict[str, str], list[dict[str, str]], int]
              ) -> dict[str, Any]:
        deployment_name, selected, extra, pod_containers, replicas = parts
        template_labels = {**extra, **selected}
        return {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": deployment_name},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": selected},
                "template": {"metadata": {"labels": template_labels},
                             "spec": {"containers": pod_containers}},
            },
        }

    return st.tuples(name if name is not None else names(), selector, labels(max_size=2),
                     containers, st.integers(0, max_replicas)).map(build)
