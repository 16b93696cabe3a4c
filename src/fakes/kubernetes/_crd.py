"""CustomResourceDefinitions: what they add to a cluster, and their custom resources.

Modelled (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
custom-resource-definitions/ and measured on kube-apiserver v1.37.2):

- a definition is checked when written (its name is ``<plural>.<group>``, every version
  has an ``openAPIV3Schema``, the schema is structural: every specified field has a
  ``type``), and defaulted (``singular``, ``listKind``, conversion strategy ``None``,
  ``status.storedVersions``);
- the apiserver's controllers accept its names and establish it right after it is
  written (``NamesAccepted`` and ``Established`` conditions, ``acceptedNames``); from
  then on the cluster serves its served versions, with the ``status`` subresource when
  declared;
- deleting a definition puts the ``customresourcecleanup.apiextensions.k8s.io``
  finalizer on it; its objects are deleted, then the definition;
- a custom resource is pruned, defaulted and validated against its version's schema
  (:mod:`fakes.kubernetes._schema`); an object is stored at the storage version and
  served at any served version with its ``apiVersion`` rewritten (conversion ``None``).

``x-kubernetes-validations`` (CEL rules) are evaluated by :mod:`fakes.kubernetes._cel`;
what it cannot evaluate, and webhook conversion, are answered with 501.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from fakes.kubernetes._cel import check as check_rules
from fakes.kubernetes._cel import unsupported
from fakes.kubernetes._errors import Cause, StatusError, bad_request, invalid
from fakes.kubernetes._patch import PatchError, json_patch, merge_patch
from fakes.kubernetes._resources import ResourceType, Strategy
from fakes.kubernetes._schema import apply_defaults, prune, validate

GROUP = "apiextensions.k8s.io"
KIND = "CustomResourceDefinition"
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"
#: Who writes the conditions and removes objects: the apiextensions controllers.
CONTROLLER = "system:apiserver"
_DOCS = "docs/kubernetes.md#not-modelled"
#: What the apiserver's custom resource handler allows (measured: no create on update,
#: no update without a resourceVersion, DELETE answers with a Status).
_STRATEGY = Strategy(names="subdomain", generation=True, create_on_update=False,
                     unconditional_update=False, delete_returns_object=False,
                     orphan_by_default=False, status_keeps_labels=False)
_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")
_SUB_VERBS = ("get", "patch", "update")
JSON_PATCH = "application/json-patch+json"


def is_definition(rt: ResourceType) -> bool:
    return rt.group == GROUP and rt.kind == KIND


def _spec(crd: Mapping[str, Any]) -> dict[str, Any]:
    spec = crd.get("spec")
    return spec if isinstance(spec, dict) else {}


def _conditions(crd: Mapping[str, Any]) -> list[dict[str, Any]]:
    status = crd.get("status") or {}
    return list(status.get("conditions") or [])


def established(crd: Mapping[str, Any]) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in _conditions(crd))


# -- writing a definition ------------------------------------------------------------

def default_definition(crd: dict[str, Any]) -> None:
    """The apiextensions defaults of a definition's spec."""
    spec = _spec(crd)
    names = spec.get("names")
    if isinstance(names, dict) and isinstance(names.get("kind"), str):
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
    if "conversion" not in spec:
        spec["conversion"] = {"strategy": "None"}


def record_storage_version(crd: dict[str, Any]) -> None:
    """An update that moves the storage version adds it to ``status.storedVersions``
    (the objects stored at the old one are still there)."""
    status = crd.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("storedVersions"), list):
        return
    for version in _spec(crd).get("versions") or []:
        if version.get("storage") and version.get("name") not in status["storedVersions"]:
            status["storedVersions"].append(version.get("name"))


def initial_status(crd: Mapping[str, Any]) -> dict[str, Any]:
    """The status a new definition is stored with, before the controllers run."""
    storage = next((v.get("name") for v in _spec(crd).get("versions") or []
                    if v.get("storage")), None)
    return {"conditions": None, "acceptedNames": {"plural": "", "kind": ""},
            "storedVersions": [storage] if storage else None}


_NAME_CHECKS = (("plural", "PluralConflict"), ("singular", "SingularConflict"),
                ("shortNames", "ShortNamesConflict"), ("kind", "KindConflict"),
                ("listKind", "ListKindConflict"))


def _accepted(crd: Mapping[str, Any]) -> dict[str, Any]:
    return dict((crd.get("status") or {}).get("acceptedNames") or {})


def establish(crd: Mapping[str, Any], now: str,
              others: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The status the naming and establishing controllers give ``crd``, next to the
    ``others`` of its group; None when they have nothing to change. A name another
    definition has accepted is not accepted (measured: each check in turn, the last
    failing one names the condition)."""
    if (crd.get("metadata") or {}).get("deletionTimestamp"):
        return None
    wanted = dict(_spec(crd).get("names") or {})
    accepted = _accepted(crd)
    used_names: set[str] = set()
    used_kinds: set[str] = set()
    for other in others:
        names = _accepted(other)
        used_names.update(n for n in (names.get("plural"), names.get("singular"),
                                      *(names.get("shortNames") or ())) if n)
        used_kinds.update(n for n in (names.get("kind"), names.get("listKind")) if n)
    conflict: tuple[str, str] | None = None
    for field, reason in _NAME_CHECKS:
        values = wanted.get(field) or ([] if field == "shortNames" else "")
        used = used_kinds if field in ("kind", "listKind") else used_names
        clashing = [v for v in (values if field == "shortNames" else [values]) if v in used]
        if clashing:
            conflict = (reason, f'"{clashing[0]}" is already in use')
        elif values:
            accepted[field] = values
    names_ok = conflict is None
    was_established = established(crd)
    shown = {field: accepted.get(field, "") for field, _ in _NAME_CHECKS
             if accepted.get(field) or field in ("plural", "kind")}
    conditions = [
        _condition(crd, "NamesAccepted", names_ok, *(conflict or (
            "NoConflicts", "no conflicts found")), now),
        _condition(crd, "Established", names_ok or was_established,
                   "InitialNamesAccepted" if names_ok or was_established else "NotAccepted",
                   "the initial names have been accepted" if names_ok or was_established
                   else "not all names are accepted", now)]
    status = {**(crd.get("status") or {}), "conditions": conditions, "acceptedNames": shown}
    return None if status == crd.get("status") else status


def _condition(crd: Mapping[str, Any], kind: str, ok: bool, reason: str, message: str,
               now: str) -> dict[str, Any]:
    """A condition, keeping its transition time while its status stays."""
    value = "True" if ok else "False"
    old = next((c for c in _conditions(crd) if c.get("type") == kind), None)
    since = old["lastTransitionTime"] if old and old.get("status") == value else now
    return {"type": kind, "status": value, "lastTransitionTime": since, "reason": reason,
            "message": message}


def _schemas(spec: Mapping[str, Any]) -> list[Any]:
    return [((v.get("schema") or {}).get("openAPIV3Schema")) for v in spec.get("versions") or []]


def check_definition(rt: ResourceType, crd: Mapping[str, Any]) -> None:
    """The apiserver's validation of a definition (the part the fake models)."""
    spec = _spec(crd)
    name = (crd.get("metadata") or {}).get("name", "")
    names = spec.get("names") or {}
    causes: list[Cause] = []
    if name != f"{names.get('plural', '')}.{spec.get('group', '')}":
        causes.append(Cause.invalid("metadata.name", name,
                                    'must be spec.names.plural+"."+spec.group'))
    causes += _spec_errors(crd, spec, names)
    schemas = _schemas(spec)
    same = len(schemas) > 0 and all(s == schemas[0] for s in schemas)
    status_enabled = any("status" in (v.get("subresources") or {})
                         for v in spec.get("versions") or [])
    for index, schema in enumerate(schemas):
        if schema is None:
            causes.append(Cause("FieldValueRequired",
                                f"spec.versions[{index}].schema.openAPIV3Schema",
                                "Required value"))
            continue
        # Versions that share one schema are validated as the internal version's
        # single schema, and named so (measured).
        path = ("spec.validation.openAPIV3Schema" if same
                else f"spec.versions[{index}].schema.openAPIV3Schema")
        if schema.get("type", "object") != "object":
            shown = json.dumps(schema["type"])
            if status_enabled:
                causes.append(Cause.invalid(f"{path}.type", schema["type"],
                                            'only "object" is allowed as the type at the root '
                                            "of the schema if the status subresource is "
                                            "enabled"))
            causes.append(Cause("FieldValueInvalid", f"{path}.type",
                                f"Invalid value: {shown}: must be object at the root"))
        causes += _structural(schema, path, root=True)
        if same:
            break
    if causes:
        raise invalid(rt, name, causes)
    for schema in schemas:
        refused = unsupported(schema) or _unsupported_pattern(schema)
        if refused is not None:
            raise refused
    if (spec.get("conversion") or {}).get("strategy", "None") != "None":
        raise StatusError(f"verified-fakes: webhook conversion is not modelled; see {_DOCS}",
                          status=501, reason="")


_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1035_ERROR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
    "with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', "
    " or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
_GO_VERSION_FIELDS = ("Deprecated", "DeprecationWarning", "Schema", "Subresources",
                      "AdditionalPrinterColumns", "SelectableFields")


def _spec_errors(crd: Mapping[str, Any], spec: Mapping[str, Any],
                 names: Mapping[str, Any]) -> list[Cause]:
    """The group, names, scope and versions rules (measured messages)."""
    causes: list[Cause] = []
    group = str(spec.get("group", ""))
    if "." not in group:
        causes.append(Cause.invalid("spec.group", group,
                                    "should be a domain with at least one dot"))
    plural = str(names.get("plural", ""))
    if plural and not _DNS1035.fullmatch(plural):
        causes.append(Cause.invalid("spec.names.plural", plural, _DNS1035_ERROR))
    for field in ("singular", "kind", "listKind"):
        if not names.get(field):
            causes.append(Cause("FieldValueRequired", f"spec.names.{field}", "Required value"))
    scope = spec.get("scope")
    if scope not in ("Cluster", "Namespaced"):
        causes.append(Cause("FieldValueNotSupported", "spec.scope",
                            f"Unsupported value: {json.dumps(scope)}: supported values: "
                            '"Cluster", "Namespaced"'))
    versions = list(spec.get("versions") or [])
    for index, version in enumerate(versions):
        version_name = str(version.get("name", ""))
        if not _DNS1035.fullmatch(version_name):
            causes.append(Cause.invalid(f"spec.versions[{index}].name", version_name,
                                        _DNS1035_ERROR))
            if index == 0:
                causes.append(Cause.invalid("spec.version", version_name, _DNS1035_ERROR))
    storage = [str(v.get("name", "")) for v in versions if v.get("storage")]
    if len(storage) != 1:
        # The apiserver shows its internal versions as Go prints them; the parts a
        # version shares with the others are moved to the definition (null here).
        shown = json.dumps([{"Name": v.get("name", ""), "Served": bool(v.get("served")),
                             "Storage": bool(v.get("storage")), "Deprecated": False,
                             **dict.fromkeys(_GO_VERSION_FIELDS[1:])} for v in versions],
                           separators=(",", ":"))
        causes.append(Cause("FieldValueInvalid", "spec.versions",
                            f"Invalid value: {shown}: must have exactly one "
                            "version marked as storage version"))
        stored = ((crd.get("status") or {}).get("storedVersions")) or None
        if not storage:
            causes.append(Cause("FieldValueInvalid", "status.storedVersions",
                                f"Invalid value: {json.dumps(stored)}: must have at least "
                                "one stored version"))
        elif storage[-1] not in (stored or []):
            causes.append(Cause("FieldValueInvalid", "status.storedVersions",
                                f"Invalid value: {json.dumps(stored, separators=(',', ':'))}"
                                f": must have the storage version {storage[-1]}"))
    return causes


def _unsupported_pattern(schema: Any) -> StatusError | None:
    """501 for a ``pattern`` Python's regular expressions cannot take (the apiserver's
    are Go's RE2)."""
    if isinstance(schema, Mapping):
        if isinstance(schema.get("pattern"), str):
            try:
                re.compile(schema["pattern"])
            except re.error:
                return StatusError(
                    f"verified-fakes: the pattern {json.dumps(schema['pattern'])} is not a "
                    f"regular expression the Kubernetes fake can evaluate; see {_DOCS}",
                    status=501, reason="")
        for sub in [*(schema.get("properties") or {}).values(), schema.get("items"),
                    schema.get("additionalProperties")]:
            found = _unsupported_pattern(sub)
            if found is not None:
                return found
    return None


def _structural(schema: Any, path: str, *, root: bool = False) -> list[Cause]:
    """Every specified field must say its type (unless it is int-or-string or keeps
    unknown fields)."""
    if not isinstance(schema, Mapping):
        return []
    causes = []
    exempt = schema.get("x-kubernetes-int-or-string") or schema.get(
        "x-kubernetes-preserve-unknown-fields")
    if not schema.get("type") and not exempt:
        detail = "must not be empty at the root" if root else (
            "must not be empty for specified object fields")
        causes.append(Cause.required(f"{path}.type", detail))
    for key, sub in sorted((schema.get("properties") or {}).items()):
        causes += _structural(sub, f"{path}.properties[{key}]")
    if isinstance(schema.get("items"), Mapping):
        causes += _structural(schema["items"], f"{path}.items")
    if isinstance(schema.get("additionalProperties"), Mapping):
        causes += _structural(schema["additionalProperties"], f"{path}.additionalProperties")
    return causes


# -- what a definition serves ----------------------------------------------------------

def _version_key(version: str) -> tuple[int, int, int, str]:
    """Kubernetes' version priority: GA before beta before alpha, higher first, then
    the others in alphabetical order."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    level = {"": 0, "beta": 1, "alpha": 2}[match[2] or ""]
    return (level, -int(match[1]), -int(match[3] or 0), "")


def resource_types(crds: Iterable[Mapping[str, Any]]) -> list[ResourceType]:
    """The resource types the established definitions serve, each group's versions
    in priority order."""
    types: list[ResourceType] = []
    for crd in sorted(crds, key=lambda c: c["metadata"]["name"]):
        if not established(crd):
            continue
        spec = _spec(crd)
        names = (crd.get("status") or {}).get("acceptedNames") or spec.get("names") or {}
        versions = [v for v in spec.get("versions") or [] if v.get("served")]
        storage = next((v["name"] for v in spec.get("versions") or [] if v.get("storage")),
                       "")
        for version in sorted(versions, key=lambda v: _version_key(v["name"])):
            declared = version.get("subresources") or {}
            subresources = {name: (names["kind"] if name == "status" else "Scale",
                                   _SUB_VERBS) for name in ("status", "scale")
                            if name in declared}
            types.append(ResourceType(
                group=spec["group"], version=version["name"], kind=names["kind"],
                plural=names["plural"], singular=names.get("singular", ""),
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                namespaced=spec.get("scope") == "Namespaced", verbs=_VERBS,
                subresources=subresources,
                definition=f"{spec['group']}/{version['name']}/{names['kind']}",
                strategy=_STRATEGY,
                storage_version=storage,
                schema=(version.get("schema") or {}).get("openAPIV3Schema") or {},
                printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
                scale=declared.get("scale")))
    return types


# -- custom resources ------------------------------------------------------------------

def prune_object(rt: ResourceType, obj: dict[str, Any]) -> list[str]:
    """Drop what the schema does not specify and fill in its defaults; the paths of the
    unknown fields dropped."""
    schema = rt.schema or {}
    unknown = prune(schema, obj)
    apply_defaults(schema, obj)
    prune(schema, obj)  # defaults are pruned too, as the apiserver does
    return unknown


def _body(obj: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}


def check_object(rt: ResourceType, name: str, obj: Mapping[str, Any],
                 subresource: str | None, old: Mapping[str, Any] | None = None) -> None:
    """422 with the schema's errors and the CEL rules' (``old``: the stored object, on
    an update); a status write is checked (and worded) relative to the status."""
    schema = rt.schema or {}
    if subresource == "status":
        status_schema = (schema.get("properties") or {}).get("status")
        causes = [] if status_schema is None or "status" not in obj else validate(
            status_schema, obj["status"], "status", "") + check_rules(
            status_schema, obj["status"], (old or {}).get("status"), "status")
    else:
        whole = {**schema, "type": "object"}
        body = _body(obj)
        causes = validate(whole, body) + check_rules(whole, body, _body(old), "")
    if causes:
        raise invalid(rt, name, causes)


def served_as(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` (stored at the storage version) as ``rt``'s version shows it."""
    if rt.custom and obj.get("apiVersion") != rt.api_version:
        obj["apiVersion"] = rt.api_version
    return obj


def unsupported_patch(rt: ResourceType) -> StatusError:
    """Custom resources take no strategic merge patch: they have no Go types to carry
    the patch strategies (measured message)."""
    return StatusError(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml", status=415, reason="UnsupportedMediaType")


# -- the scale subresource ---------------------------------------------------------------

def _at(obj: Mapping[str, Any], path: str | None) -> Any:
    """The value at a definition's simple JSON path (``.spec.replicas``)."""
    value: Any = obj
    for part in (path or "").strip(".").split("."):
        if not part or not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def scale_of(rt: ResourceType, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The autoscaling/v1 Scale of a custom resource (measured shape)."""
    paths = rt.scale or {}
    meta = obj.get("metadata") or {}
    spec: dict[str, Any] = {}
    replicas = _at(obj, paths.get("specReplicasPath"))
    if replicas is not None:
        spec["replicas"] = replicas
    status: dict[str, Any] = {"replicas": _at(obj, paths.get("statusReplicasPath")) or 0}
    selector = _at(obj, paths.get("labelSelectorPath"))
    if selector:
        status["selector"] = selector
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {
        k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                             "creationTimestamp") if k in meta},
        "spec": spec, "status": status}


def scaled(rt: ResourceType, obj: Mapping[str, Any], scale: Any) -> dict[str, Any]:
    """``obj`` with the replicas of ``scale`` (a Scale a client wrote) at its spec path,
    and the Scale's resourceVersion, if it has one, as the precondition."""
    if not isinstance(scale, Mapping):
        raise bad_request("the object provided is unrecognized (must be of type Scale)")
    new: dict[str, Any] = json.loads(json.dumps(obj))
    parts = str((rt.scale or {}).get("specReplicasPath", "")).strip(".").split(".")
    target = new
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = (scale.get("spec") or {}).get("replicas")
    version = (scale.get("metadata") or {}).get("resourceVersion")
    if version:
        new["metadata"]["resourceVersion"] = version
    return new


def patched(scale: dict[str, Any], media_type: str, patch: bytes) -> Any:
    """A Scale with a JSON merge patch or a JSON patch applied."""
    try:
        document = json.loads(patch)
    except ValueError:
        raise bad_request("invalid JSON patch") from None
    if media_type == JSON_PATCH:
        try:
            return json_patch(scale, document)
        except PatchError:
            raise StatusError("the server rejected our request due to an error in our "
                              "request", status=422, reason="Invalid", details={}) from None
    return merge_patch(scale, document)


def check_kind(rt: ResourceType, body: Any, raw: str) -> None:
    """A custom resource must name its kind and the apiVersion of the path it is sent
    to (measured: the apiserver decodes it unstructured, and says so)."""
    if not isinstance(body, Mapping):
        return  # the model refuses it
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if not kind:
        shown = raw[:30] + (" ..." if len(raw) > 30 else "")
        raise bad_request(f"the object provided is unrecognized (must be of type {rt.kind}): "
                          f"Object 'Kind' is missing in '{raw}' ({shown})")
    if api_version != rt.api_version:
        raise bad_request(f"the API version in the data ({api_version or ''}) does not match "
                          f"the expected API version ({rt.api_version})")
    if kind != rt.kind:
        name = str((body.get("metadata") or {}).get("name", ""))
        raise invalid(attrs.evolve(rt, kind=str(kind)), name, [
            Cause.invalid("kind", kind, f"must be {rt.kind}")])


def definition_key(group: str, plural: str) -> tuple[str, str, str, str]:
    """The store key of the definition that serves ``plural`` in ``group``."""
    return (GROUP, "customresourcedefinitions", "", f"{plural}.{group}")


def with_terminating(crd: Mapping[str, Any], now: str) -> dict[str, Any]:
    """``crd`` with the condition the finalizer controller adds while it deletes."""
    new: dict[str, Any] = json.loads(json.dumps(crd))
    status = new.setdefault("status", {})
    status["conditions"] = [*(status.get("conditions") or []), {
        "type": "Terminating", "status": "True", "lastTransitionTime": now,
        "reason": "InstanceDeletionInProgress",
        "message": "CustomResource deletion is in progress"}]
    return new


def terminating(rt: ResourceType, name: str) -> StatusError:
    """403 for a new object of a definition being deleted (measured)."""
    return StatusError(
        f'{rt.group_resource} "{name}" is forbidden: create not allowed while custom '
        "resource definition is terminating", status=403, reason="Forbidden",
        details={"name": name, "group": rt.group, "kind": rt.plural})


# -- the registry's view of a schema -------------------------------------------------------

_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_PATCH_KEYS = ("list-type", "list-map-keys", "map-type")


def definitions_of(types: Iterable[ResourceType]) -> dict[str, Any]:
    """The custom types' schemas as the registry's trimmed definitions (named by their
    ``definition``; nested objects ``<name>.<field>``), for what walks definitions:
    server-side apply's field sets, list and map types."""
    out: dict[str, Any] = {}
    for rt in types:
        root = dict(rt.schema or {})
        root["properties"] = {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                              **(root.get("properties") or {})}
        _definition_of(root, rt.definition, out)
        out[rt.definition]["properties"]["metadata"] = {"ref": _OBJECT_META}
    return out


def _definition_of(schema: Mapping[str, Any], name: str, out: dict[str, Any]) -> None:
    properties = {key: _property_of(sub, f"{name}.{key}", out)
                  for key, sub in (schema.get("properties") or {}).items()
                  if isinstance(sub, Mapping)}
    out[name] = {"properties": properties} if properties else {
        "type": schema.get("type", "object")}
    if "x-kubernetes-map-type" in schema:
        out[name]["map-type"] = schema["x-kubernetes-map-type"]


def _property_of(schema: Mapping[str, Any], name: str, out: dict[str, Any]) -> dict[str, Any]:
    prop: dict[str, Any] = {}
    if schema.get("properties"):
        _definition_of(schema, name, out)
        prop["ref"] = name
    elif "type" in schema:
        prop["type"] = schema["type"]
    if isinstance(schema.get("items"), Mapping):
        prop["items"] = _property_of(schema["items"], name + "[]", out)
    if isinstance(schema.get("additionalProperties"), Mapping):
        prop["values"] = _property_of(schema["additionalProperties"], name + "{}", out)
    for key in _PATCH_KEYS:
        if "x-kubernetes-" + key in schema:
            prop[key] = schema["x-kubernetes-" + key]
    return prop
