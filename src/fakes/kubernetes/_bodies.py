"""The media types of a create or update body, and reading the ones that are not JSON.

kube-apiserver v1.37.2 decodes a POST or PUT body as JSON, YAML or Kubernetes protobuf
(https://kubernetes.io/docs/reference/using-api/api-concepts/#alternate-representations-of-resources),
by its ``Content-Type``; none is JSON. Any other media type is a 415 naming the three
(measured). YAML is read as JSON is, after conversion; protobuf is read by
:mod:`fakes.kubernetes._protobuf` for the kinds protobuf.json describes.

Measured on kube-apiserver v1.37.2: a protobuf body for a custom resource makes the
server panic and close the connection. The fake answers a 415 instead, saying so.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, ClassVar

from fakes.kubernetes._errors import StatusError, bad_request
from fakes.kubernetes._protobuf import PROTOBUF, covers, decode, quoted
from fakes.kubernetes._resources import ResourceType

__all__ = ["JSON", "body_media_type", "decode_body", "decode_kind", "yaml_loader"]

JSON = "application/json"
YAML = "application/yaml"
DOCS = "docs/kubernetes.md#divergences"
_ACCEPTED = f"{JSON}, {YAML}, {PROTOBUF}"


def body_media_type(content_type: str | None) -> str:
    """The media type a create or update body is read as, or the apiserver's 415."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in ("", JSON):
        return JSON
    if media in (YAML, PROTOBUF):
        return media
    raise _unsupported()


def _unsupported(note: str = "") -> StatusError:
    return StatusError("the body of the request was in an unknown format - accepted media "
                       f"types include: {_ACCEPTED}{note}", status=415,
                       reason="UnsupportedMediaType")


def decode_body(media: str, raw: bytes, rt: ResourceType, kind: str) -> Any:
    """The JSON value of a YAML or protobuf body sent for ``kind`` (``rt``'s kind or
    the subresource's)."""
    api_version = "autoscaling/v1" if kind == "Scale" != rt.kind else rt.api_version
    return decode_kind(media, raw, api_version, kind)


def decode_kind(media: str, raw: bytes, api_version: str, kind: str) -> Any:
    """The JSON value of a YAML or protobuf body sent for ``kind`` of ``api_version``."""
    if media == YAML:
        return _yaml(raw, kind)
    if not covers(api_version, kind):
        raise _unsupported(f" (verified-fakes: a protobuf body for {api_version} {kind} is "
                           "not modelled; kube-apiserver v1.37.2 closes the connection "
                           f"for a custom resource's; see {DOCS})")
    return decode(raw, api_version, kind)


@functools.cache
def yaml_loader() -> type[Any]:
    """A loader reading YAML as the apiserver's YAML 1.1 decoder (go-yaml v2) reads it:
    ``y`` and ``n`` are booleans too, timestamps stay strings."""
    import yaml

    class Loader(yaml.SafeLoader):
        bool_values: ClassVar[dict[str, bool]] = {**yaml.SafeLoader.bool_values,
                                                   "y": True, "n": False}

    Loader.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile("^[yYnN]$"),
                                 list("yYnN"))
    return Loader


def _yaml(raw: bytes, kind: str) -> Any:
    import yaml

    unrecognized = f"the object provided is unrecognized (must be of type {kind})"
    shown = quoted(raw)
    try:
        document = yaml.load(raw.decode("utf-8", errors="replace"), Loader=yaml_loader())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise bad_request(f"{unrecognized}: yaml: {line}{problem} ({shown})") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        kind_of = {list: "array", str: "string", bool: "bool"}.get(type(document), "number")
        raise bad_request(
            f"{unrecognized}: couldn't get version/kind; json parse error: json: cannot "
            f"unmarshal {kind_of} into Go value of type struct {{ APIVersion string "
            '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
            f" ({shown})")
    # Through JSON, as the apiserver converts YAML: keys become strings.
    return json.loads(json.dumps(document, default=str))
