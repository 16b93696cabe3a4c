"""Content negotiation for reads: which representation an ``Accept`` header asks for.

kube-apiserver serves an object as itself, as a ``meta.k8s.io`` Table, or as its
metadata alone (``PartialObjectMetadata``), chosen by the ``as``, ``g`` and ``v``
parameters of an ``application/json`` media range
(https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables,
#retrieving-large-results-sets-in-chunks and #alternate-representations-of-resources).
Measured on kube-apiserver v1.37.2: the media ranges are tried by ``q`` (highest first,
then in the order sent); the first one the server can serve wins, and a metadata
representation that does not fit (the list form for one object, or the other way
round) is a 406 once the object or list has been read; an ``as`` the server does not
know is passed over.
The fake speaks JSON only: YAML, protobuf, CBOR and ``v1beta1`` Tables are passed
over too, and named in the 406 when nothing else was acceptable.
"""

from __future__ import annotations

from typing import Literal

import attrs

from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._resources import ResourceType

DOCS = "docs/kubernetes.md#not-modelled-yet"
_JSON = "application/json"
_SERVED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"
_META = "meta.k8s.io"
#: Media types the real server serves and the fake does not.
_UNMODELLED = ("application/yaml", "application/vnd.kubernetes.protobuf",
               "application/cbor", "application/vnd.kubernetes.protobuf;stream=watch",
               "application/json;stream=watch")

Form = Literal["object", "Table", "PartialObjectMetadata", "PartialObjectMetadataList"]


@attrs.frozen
class Representation:
    """What a read answers with: the object itself, a Table, or its metadata."""

    form: Form
    #: The meta.k8s.io version of a Table or metadata form.
    version: str = "v1"
    #: Why the form cannot be served (the list form for one object, or the other way
    #: round): the apiserver says so once it has read what was asked for.
    refusal: str | None = None

    def refuse(self) -> None:
        if self.refusal is not None:
            raise StatusError(self.refusal, status=406, reason="NotAcceptable")

    @property
    def api_version(self) -> str:
        return f"{_META}/{self.version}"


OBJECT = Representation("object")


def _ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    ranges: list[tuple[float, int, str, dict[str, str]]] = []
    for index, part in enumerate(accept.split(",")):
        media, *raw = (p.strip() for p in part.split(";"))
        params = {}
        for item in raw:
            key, _, value = item.partition("=")
            params[key.strip().lower()] = value.strip()
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 1.0
        if media and quality > 0:
            ranges.append((-quality, index, media.lower(), params))
    return [(media, params) for _, _, media, params in sorted(ranges)]


def _go_type(rt: ResourceType, is_list: bool) -> str:
    """How the apiserver names the internal Go type in its 406 (``*core.ConfigMap``)."""
    package = rt.group.split(".")[0] or "core"
    return f"*{package}.{rt.kind}{'List' if is_list else ''}"


def negotiate(accept: str | None, rt: ResourceType, *, is_list: bool) -> Representation:
    """The representation to answer a read with, or the apiserver's 406."""
    if not accept:
        return OBJECT
    json_range_seen = False
    passed_over: list[str] = []
    for media, params in _ranges(accept):
        if media not in ("*/*", "application/*", _JSON):
            if media in _UNMODELLED:
                passed_over.append(media)
            continue
        json_range_seen = True
        target = params.get("as")
        if target is None:
            return OBJECT
        group, version = params.get("g"), params.get("v")
        if group != _META or version not in ("v1", "v1beta1"):
            continue
        if target in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            wants_list = target.endswith("List")
            refusal = None
            if wants_list != is_list:
                relation = "is a list" if is_list else "is not a list"
                refusal = (f"you requested {target}, but the requested object {relation} "
                           f"({_go_type(rt, is_list)})")
            return Representation("PartialObjectMetadataList" if wants_list
                                  else "PartialObjectMetadata", version, refusal)
        if target == "Table":
            if version == "v1":
                return Representation("Table")
            passed_over.append(f"{_JSON};as=Table;v={version};g={_META}")
    if passed_over:
        raise StatusError(
            f"only the following media types are accepted: {_JSON} (verified-fakes: "
            f"{', '.join(passed_over)} is not modelled; see {DOCS})", status=406,
            reason="NotAcceptable", details={})
    if json_range_seen:
        raise StatusError(f"only the following media types are accepted: {_SERVED}",
                          status=406, reason="NotAcceptable")
    raise StatusError(f"406: Not Acceptable\n\nAvailable representations: {_SERVED}",
                      status=406, reason="NotAcceptable", details={})
