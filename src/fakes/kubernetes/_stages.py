"""Stages: declarative status progress on the fake's clock, in the spirit of kwok's
Stage API (https://kwok.sigs.k8s.io/docs/user/stages-configuration/).

A :class:`Stage` names a kind (``resourceRef``), a :class:`Selector` its objects must
match (labels, annotations, and expressions over the object with jq-like keys such as
``.metadata.deletionTimestamp``), a :class:`Delay`, and what happens :class:`Next`: a
new status (a Python function, or a kwok ``statusTemplate``), finalizers added or
removed, an Event, or deletion. Each kind's stages run as one
:class:`~fakes.kubernetes._controllers.Controller` (``stages/<plural>[.<group>]``):
when an object changes, the stages that match it are looked at; one is chosen (by
weight when several match, from the fake's seed), and it applies once its delay has
passed on the fake's clock, if the object still matches it then. Its write wakes the
controller again, so the next stage follows.

Nodes and Pods are handled as kwok handles them when started with
``--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake``: only Nodes
annotated so, and Pods bound to such a Node, go through stages.

Users add stages in Python (``fake.stages.add(Stage(...))``) or load kwok's YAML
(``fake.stages.load(text)``); the kubelet's own are in ``_kubelet``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs

from fakes.errors import UsageError
from fakes.kubernetes._controllers import Controller, ControllerApi, Controllers
from fakes.kubernetes._model import Cluster, Event
from fakes.kubernetes._patch import merge_patch, strategic_merge

if TYPE_CHECKING:
    from fakes.kubernetes._resources import ResourceType

#: The annotation that puts a Node (and the Pods bound to it) in the stages' hands.
MANAGED_NODE = ("kwok.x-k8s.io/node", "fake")
#: Who the stages write as: kwok's user and field manager on real-local (measured).
STAGES_ACTOR = "kwok-controller"
STAGES_MANAGER = "kwok"
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class StageError(UsageError):
    """A stage the fake cannot run as written; the message names what."""


# -- jq-like keys --------------------------------------------------------------------

_SELECT = re.compile(r'^select\(\s*(\.[^=!]*?)\s*(==|!=)\s*"([^"]*)"\s*\)$')
_STEP = re.compile(r'\.?\[\]|\.?\["([^"]+)"\]|\.([A-Za-z_][A-Za-z0-9_-]*)')


def _path_steps(path: str, whole: str) -> list[str | None]:
    """``.a.b.[]`` as steps: a field name, or None for "each item"."""
    steps: list[str | None] = []
    rest = path.strip()
    if rest == ".":
        return steps
    while rest:
        found = _STEP.match(rest)
        if found is None:
            raise StageError(f"the fake's stages do not understand the key {whole!r} "
                             f"(at {rest!r}); they read paths, '.[]' and "
                             "'select(.path == \"value\")'")
        steps.append(None if found.group(0).endswith("[]") else
                     found.group(1) or found.group(2))
        rest = rest[found.end():]
    return steps


def _follow(values: Iterable[Any], steps: Sequence[str | None]) -> list[Any]:
    for step in steps:
        following: list[Any] = []
        for value in values:
            if step is None:
                if isinstance(value, list):
                    following.extend(value)
                elif isinstance(value, dict):
                    following.extend(value.values())
            elif isinstance(value, dict) and step in value:
                following.append(value[step])
            else:
                following.append(None)
        values = following
    return list(values)


@attrs.frozen
class Query:
    """A jq-like key: paths joined by ``|``, with ``select(.path == "value")``."""

    text: str
    _parts: tuple[tuple[str, Any], ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        parts: list[tuple[str, Any]] = []
        for raw in self.text.split("|"):
            part = raw.strip()
            chosen = _SELECT.match(part)
            if chosen:
                parts.append(("select", (_path_steps(chosen.group(1), self.text),
                                         chosen.group(2), chosen.group(3))))
            else:
                parts.append(("path", _path_steps(part, self.text)))
        object.__setattr__(self, "_parts", tuple(parts))

    def values(self, obj: Any) -> list[Any]:
        """What the key yields for ``obj`` (nulls dropped)."""
        values = [obj]
        for kind, arg in self._parts:
            if kind == "path":
                values = _follow(values, arg)
            else:
                steps, op, wanted = arg
                values = [v for v in values
                          if any((_text(f) == wanted) == (op == "==")
                                 for f in _follow([v], steps))]
        return [v for v in values if v is not None]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- the stage itself ----------------------------------------------------------------


@attrs.frozen
class Expression:
    """One ``matchExpressions`` entry: ``key`` (a jq-like query), an operator of
    :data:`OPERATORS`, and the values In/NotIn compare with."""

    key: str
    operator: str
    values: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    _query: Query = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise StageError(f"the operator {self.operator!r} is not one of "
                             f"{', '.join(OPERATORS)}")
        object.__setattr__(self, "_query", Query(self.key))

    def matches(self, obj: Mapping[str, Any]) -> bool:
        found = [_text(v) for v in self._query.values(obj)]
        if self.operator == "Exists":
            return bool(found)
        if self.operator == "DoesNotExist":
            return not found
        hit = any(v in self.values for v in found)
        return hit if self.operator == "In" else not hit


def _expressions(values: Iterable[Expression]) -> tuple[Expression, ...]:
    return tuple(values)


@attrs.frozen
class Selector:
    """Which objects a stage is for: all of these must hold."""

    match_labels: Mapping[str, str] = attrs.field(factory=dict)
    match_annotations: Mapping[str, str] = attrs.field(factory=dict)
    match_expressions: tuple[Expression, ...] = attrs.field(default=(),
                                                            converter=_expressions)
    #: A test in Python, for what the others cannot say.
    where: Callable[[Mapping[str, Any]], bool] | None = None

    def matches(self, obj: Mapping[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
        return (all(labels.get(k) == v for k, v in self.match_labels.items())
                and all(annotations.get(k) == v for k, v in self.match_annotations.items())
                and all(e.matches(obj) for e in self.match_expressions)
                and (self.where is None or self.where(obj)))


@attrs.frozen
class Delay:
    """How long a stage waits, in seconds of the fake's clock: ``seconds``, or a random
    time up to ``jitter`` when that is longer; ``seconds_from`` / ``jitter_from`` (jq
    keys) read a timestamp from the object instead: the wait ends then."""

    seconds: float = 0.0
    jitter: float | None = None
    seconds_from: str | None = None
    jitter_from: str | None = None
    #: In Python: the seconds to wait, from the object and the time now.
    compute: Callable[[Mapping[str, Any], datetime], float] | None = None

    def wait(self, obj: Mapping[str, Any], now: datetime, pick: Callable[[float, float], float]
             ) -> float:
        if self.compute is not None:
            return max(0.0, self.compute(obj, now))
        least = max(0.0, _until(obj, self.seconds_from, now, self.seconds) or 0.0)
        most = _until(obj, self.jitter_from, now, self.jitter)
        if most is None:
            return least
        return pick(least, most) if most > least else most  # kwok's rule


def _until(obj: Mapping[str, Any], key: str | None, now: datetime,
           otherwise: float | None) -> float | None:
    """Seconds until the timestamp ``key`` reads from ``obj``, else ``otherwise``."""
    if key is not None:
        for value in Query(key).values(obj):
            return max(0.0, (parse_time(str(value)) - now).total_seconds())
    return otherwise


def parse_time(text: str) -> datetime:
    """A timestamp as the API writes it."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@attrs.frozen
class Finalizers:
    add: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    remove: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    empty: bool = False

    def applied(self, current: Sequence[str]) -> list[str]:
        kept = [] if self.empty else [f for f in current if f not in self.remove]
        return kept + [f for f in self.add if f not in kept]


@attrs.frozen
class StageEvent:
    """The Event a stage records about its object (core/v1, as kwok writes it)."""

    type: str
    reason: str
    message: str


#: A stage's status in Python: (context, object) -> the status fields to merge in.
StatusFunction = Callable[["StageContext", Mapping[str, Any]], Mapping[str, Any] | None]


@attrs.frozen
class Next:
    """What a stage does to its object."""

    status: StatusFunction | None = None
    status_template: str | None = None
    finalizers: Finalizers | None = None
    delete: bool = False
    event: StageEvent | None = None


@attrs.frozen
class Stage:
    """One step of an object's life: for the objects of ``kind`` (in ``api_group``,
    kwok's spelling: ``v1`` for the core group, else ``group/version`` or ``group``)
    that ``selector`` matches, after ``delay``, do ``next``."""

    name: str
    kind: str
    next: Next
    api_group: str = "v1"
    selector: Selector = Selector()
    weight: int = 0
    delay: Delay = Delay()
    immediate_next_stage: bool = False

    @property
    def group(self) -> str:
        return "" if self.api_group in ("v1", "") else self.api_group.split("/")[0]


@attrs.define
class StageContext:
    """What a stage's status function may ask of the cluster."""

    api: ControllerApi
    obj: Mapping[str, Any]
    #: Writes a status now, as a step before the one the function returns.
    write_status: Callable[[Mapping[str, Any]], Mapping[str, Any]] = attrs.field(
        default=lambda status: status)

    def now(self) -> str:
        return self.api.now()

    def node_ip(self, node: str) -> str | None:
        found = self.api.get("", "nodes", "", node)
        return node_ip(found) if found is not None else None

    def pod_ip(self, pod: Mapping[str, Any]) -> str | None:
        return pod_ip(self.api, pod)

    def new_node_ip(self) -> str:
        return new_node_ip(self.api)


def node_ip(node: Mapping[str, Any]) -> str | None:
    for address in (node.get("status") or {}).get("addresses") or ():
        if address.get("type") == "InternalIP":
            return str(address.get("address"))
    return None


#: Where Pods and Nodes without an address get one: kwok's ``--cidr`` on real-local is
#: 10.244.0.0/24 and its first Pod gets 10.244.0.1 (measured).
_POD_NETWORK = "10.244.{}.{}"
_NODE_NETWORK = "10.0.0.{}"


def pod_ip(api: ControllerApi, pod: Mapping[str, Any]) -> str | None:
    """A Pod's address: its node's with ``hostNetwork``, else the first free one of
    the Pod network."""
    spec = pod.get("spec") or {}
    if spec.get("hostNetwork"):
        node = api.get("", "nodes", "", str(spec.get("nodeName")))
        return node_ip(node) if node is not None else None
    taken = {str((p.get("status") or {}).get("podIP")) for p in api.list_objects("", "pods")}
    for number in range(1, 65534):
        address = _POD_NETWORK.format(number // 256, number % 256)
        if number % 256 and address not in taken:
            return address
    return None  # pragma: no cover - 65,000 Pods


def new_node_ip(api: ControllerApi) -> str:
    taken = {node_ip(n) for n in api.list_objects("", "nodes")}
    number = 1
    while _NODE_NETWORK.format(number) in taken:
        number += 1
    return _NODE_NETWORK.format(number)


# -- running stages ------------------------------------------------------------------


class StageController(Controller):
    """The stages of one kind (subclassed per kind by :class:`Stages`)."""

    actor = STAGES_ACTOR
    manager = STAGES_MANAGER
    component = "kwok_controller"  # kwok's event source

    def __init__(self, stages: Stages) -> None:
        self.stages = stages
        #: (namespace, name) -> (resourceVersion, stage name, due on the clock's
        #: monotonic scale): a change to the object starts its wait again, as in kwok
        self.waiting: dict[tuple[str, str], tuple[str, str, float]] = {}

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        yield from super().wakes(event)
        group, plural, _, name = event.key
        if (group, plural) == ("", "nodes") and self.resource == ("", "pods"):
            # a Node coming under management brings its Pods along
            yield from self.stages.cluster_pods_on(name)

    def reset(self) -> None:
        self.waiting.clear()

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        key = (namespace, name)
        try:
            obj = api.get(*self.resource, namespace, name)
        except LookupError:  # a custom resource whose definition is gone
            obj = None
        if obj is None or not self.stages.managed(api, obj):
            self.waiting.pop(key, None)
            return None
        version = obj["metadata"].get("resourceVersion", "")
        matching = [s for s in self.stages.of(self.resource[0], self.kind)
                    if s.selector.matches(obj)]
        if not matching:
            self.waiting.pop(key, None)
            return None
        now = api.clock.monotonic()
        waiting = self.waiting.get(key)
        stage = next((s for s in matching if waiting and waiting[:2] == (version, s.name)),
                     None)
        if stage is None or waiting is None:
            stage = _choose(matching, api)
            wait = stage.delay.wait(obj, api.clock.now(), api.random.uniform)
            waiting = self.waiting[key] = (version, stage.name, now + wait)
        if waiting[2] > now:
            return waiting[2] - now
        del self.waiting[key]
        self.stages.apply(api, self.resource, stage, obj)
        return None


def _choose(matching: Sequence[Stage], api: ControllerApi) -> Stage:
    """kwok's choice: by weight, or at random when no stage has one."""
    if len(matching) == 1:
        return matching[0]
    total = sum(max(s.weight, 0) for s in matching)
    if total <= 0:
        return matching[api.random.randrange(len(matching))]
    point = api.random.uniform(0, total)
    for stage in matching:
        point -= max(stage.weight, 0)
        if point <= 0:
            return stage
    return matching[-1]  # pragma: no cover - rounding


class Stages:
    """A cluster's stages, by name; each kind's run as one controller."""

    def __init__(self, cluster: Cluster, controllers: Controllers) -> None:
        self.cluster = cluster
        self.controllers = controllers
        self._stages: dict[str, Stage] = {}
        self._disabled: set[str] = set()
        self._controllers: dict[tuple[str, str], StageController] = {}

    @property
    def names(self) -> list[str]:
        return list(self._stages)

    def stage(self, name: str) -> Stage:
        """The stage of that name."""
        self._known([name])
        return self._stages[name]

    def add(self, *stages: Stage) -> None:
        """Run more stages (a stage of the same name replaces the old one)."""
        for stage in stages:
            rt = self._type(stage)
            self._stages[stage.name] = stage
            resource = (rt.group, rt.plural)
            if resource not in self._controllers:
                suffix = f".{rt.group}" if rt.group else ""
                kind_controller = type(f"{rt.kind}Stages", (StageController,), {
                    "name": f"stages/{rt.plural}{suffix}", "resource": resource,
                    "kind": rt.kind})
                self._controllers[resource] = kind_controller(self)
                self.controllers.add(self._controllers[resource])
        self._resync()

    def load(self, text: str) -> list[str]:
        """Add the kwok ``Stage`` documents of a YAML text; their names."""
        stages = stages_from_yaml(text)
        self.add(*stages)
        return [s.name for s in stages]

    def remove(self, *names: str) -> None:
        for name in names:
            self._stages.pop(name, None)

    def disable(self, *names: str) -> None:
        """Switch stages off by name: the objects they would change stay as they are."""
        self._known(names)
        self._disabled.update(names)

    def enable(self, *names: str) -> None:
        self._known(names)
        self._disabled.difference_update(names)
        self._resync()

    def _known(self, names: Iterable[str]) -> None:
        unknown = sorted(set(names) - set(self._stages))
        if unknown:
            raise StageError(f"no stage named {', '.join(map(repr, unknown))}; "
                             f"this cluster has {', '.join(self._stages)}")

    def _resync(self) -> None:
        enabled = set(self.controllers.enabled)
        names = [c.name for c in self._controllers.values() if c.name in enabled]
        if names:
            self.controllers.enable(*names)

    def of(self, group: str, kind: str) -> list[Stage]:
        """The stages, switched on, for objects of ``kind`` in ``group``."""
        return [s for s in self._stages.values() if s.name not in self._disabled
                and (s.group, s.kind) == (group, kind)]

    def _type(self, stage: Stage) -> ResourceType:
        for rt in self.cluster.types.types:
            if rt.kind == stage.kind and rt.group == stage.group:
                return rt
        raise StageError(f"stage {stage.name!r}: no kind {stage.kind!r} in API group "
                         f"{stage.api_group!r} in this cluster (define it first)")

    # -- what kwok manages -----------------------------------------------------------

    def managed(self, api: ControllerApi, obj: Mapping[str, Any]) -> bool:
        kind = obj.get("kind")
        if kind == "Node":
            return _managed_node(obj)
        if kind == "Pod":
            node = (obj.get("spec") or {}).get("nodeName")
            found = api.get("", "nodes", "", node) if node else None
            return found is not None and _managed_node(found)
        return True

    def cluster_pods_on(self, node: str) -> list[tuple[str, str]]:
        pods = self.cluster.types.get("", "v1", "pods")
        assert pods is not None
        return [(p["metadata"]["namespace"], p["metadata"]["name"])
                for p in self.cluster.list_objects(pods, None).items
                if (p.get("spec") or {}).get("nodeName") == node]

    # -- what a stage does -----------------------------------------------------------

    def apply(self, api: ControllerApi, resource: tuple[str, str], stage: Stage,
              obj: Mapping[str, Any]) -> None:
        group, plural = resource
        then = stage.next
        current: Mapping[str, Any] = obj
        if then.event is not None:
            api.event(obj, then.event.type, then.event.reason, then.event.message)
        if then.finalizers is not None:
            meta = obj["metadata"]
            wanted = then.finalizers.applied(meta.get("finalizers") or [])
            if wanted != (meta.get("finalizers") or []):
                changed = {**obj, "metadata": {**meta, "finalizers": wanted}}
                current = api.update(group, plural, changed)
                if current["metadata"].get("uid") != meta.get("uid") or \
                        api.get(group, plural, meta.get("namespace", ""), meta["name"]) is None:
                    return  # its last finalizer went: the object is gone
        status = self._status(api, resource, stage, current)
        if status is not None:
            meta = current["metadata"]
            current = api.get(group, plural, meta.get("namespace", ""), meta["name"]) or current
            current = self._write_status(api, resource, current, status)
        if then.delete:
            api.delete(group, plural, current, grace_period=0)

    def _write_status(self, api: ControllerApi, resource: tuple[str, str],
                      obj: Mapping[str, Any], status: Mapping[str, Any]) -> Mapping[str, Any]:
        merged = self._merged(resource, obj, status)
        if merged == obj:
            return obj
        return api.update(*resource, merged, status=True)

    def _status(self, api: ControllerApi, resource: tuple[str, str], stage: Stage,
                obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
        context = StageContext(api, obj, lambda status: self._write_status(
            api, resource, obj, status))
        if stage.next.status is not None:
            return stage.next.status(context, obj)
        if stage.next.status_template is not None:
            from fakes.kubernetes._gotemplate import render_status

            return render_status(context, stage.next.status_template)
        return None

    def _merged(self, resource: tuple[str, str], obj: Mapping[str, Any],
                status: Mapping[str, Any]) -> dict[str, Any]:
        rt = next(t for t in self.cluster.types.types if (t.group, t.plural) == resource)
        patch = {"status": dict(status)}
        if rt.kind not in ("Node", "Pod"):  # kwok patches other kinds with a merge patch
            merged: dict[str, Any] = merge_patch(dict(obj), patch)
        else:
            merged = strategic_merge(obj, patch, self.cluster.types.definitions,
                                     rt.definition)
        if rt.kind == "Pod":
            go_zero_values(merged.get("status") or {})
        return merged


def _managed_node(node: Mapping[str, Any]) -> bool:
    key, value = MANAGED_NODE
    return bool(((node.get("metadata") or {}).get("annotations") or {}).get(key) == value)


def go_zero_values(status: dict[str, Any]) -> None:
    """The fields a Pod status carries once the apiserver has decoded it into its Go
    types (no ``omitempty``): measured on kube-apiserver v1.37.2."""
    for condition in status.get("conditions") or ():
        condition.setdefault("lastProbeTime", None)
        condition.setdefault("lastTransitionTime", None)
    for field in ("containerStatuses", "initContainerStatuses",
                  "ephemeralContainerStatuses"):
        for container in status.get(field) or ():
            for name, zero in (("image", ""), ("imageID", ""), ("lastState", {}),
                               ("name", ""), ("ready", False), ("restartCount", 0),
                               ("state", {})):
                container.setdefault(name, zero)


# -- kwok's YAML -----------------------------------------------------------------------

_KWOK_API = "kwok.x-k8s.io/v1alpha1"


def stages_from_yaml(text: str) -> list[Stage]:
    """kwok ``Stage`` objects (https://kwok.sigs.k8s.io/docs/user/stages-configuration/)
    as stages; a field the fake does not model is refused, naming it."""
    import yaml

    stages = []
    for document in yaml.safe_load_all(text):
        if not document:
            continue
        if (document.get("apiVersion"), document.get("kind")) != (_KWOK_API, "Stage"):
            raise StageError(f"not a kwok Stage: apiVersion {document.get('apiVersion')!r}, "
                             f"kind {document.get('kind')!r}")
        name = str((document.get("metadata") or {}).get("name") or "")
        if not name:
            raise StageError("a kwok Stage needs metadata.name")
        stages.append(_stage(name, document.get("spec") or {}))
    return stages


def _fields(where: str, given: Mapping[str, Any], known: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise StageError(f"stage field {where}.{unknown[0]} is not modelled by the fake")


def _stage(name: str, spec: Mapping[str, Any]) -> Stage:
    where = f"{name}: spec"
    if spec.get("selector") is None:
        raise StageError(f"{where}.selector is missing: kwok ignores such a stage")
    _fields(where, spec, ("resourceRef", "selector", "weight", "delay", "next",
                          "immediateNextStage"))
    ref = spec.get("resourceRef") or {}
    _fields(f"{where}.resourceRef", ref, ("apiGroup", "kind"))
    selector = spec.get("selector") or {}
    _fields(f"{where}.selector", selector, ("matchLabels", "matchAnnotations",
                                            "matchExpressions"))
    expressions = []
    for expression in selector.get("matchExpressions") or ():
        _fields(f"{where}.selector.matchExpressions", expression,
                ("key", "operator", "values"))
        expressions.append(Expression(expression["key"], expression["operator"],
                                      [str(v) for v in expression.get("values") or ()]))
    return Stage(
        name, str(ref.get("kind") or ""), _next(f"{where}.next", spec.get("next") or {}),
        api_group=str(ref.get("apiGroup") or "v1"),
        selector=Selector(dict(selector.get("matchLabels") or {}),
                          dict(selector.get("matchAnnotations") or {}), expressions),
        weight=int(spec.get("weight") or 0), delay=_delay(f"{where}.delay",
                                                          spec.get("delay") or {}),
        immediate_next_stage=bool(spec.get("immediateNextStage")))


def _delay(where: str, delay: Mapping[str, Any]) -> Delay:
    _fields(where, delay, ("durationMilliseconds", "durationFrom",
                           "jitterDurationMilliseconds", "jitterDurationFrom"))

    def expression(key: str) -> str | None:
        found = delay.get(key)
        if found is None:
            return None
        _fields(f"{where}.{key}", found, ("expressionFrom",))
        return str(found["expressionFrom"])

    jitter = delay.get("jitterDurationMilliseconds")
    return Delay(seconds=float(delay.get("durationMilliseconds") or 0) / 1000,
                 jitter=None if jitter is None else float(jitter) / 1000,
                 seconds_from=expression("durationFrom"),
                 jitter_from=expression("jitterDurationFrom"))


def _next(where: str, then: Mapping[str, Any]) -> Next:
    _fields(where, then, ("statusTemplate", "finalizers", "delete", "event"))
    finalizers = None
    if then.get("finalizers") is not None:
        given = then["finalizers"]
        _fields(f"{where}.finalizers", given, ("add", "remove", "empty"))
        finalizers = Finalizers(add=[str(f["value"]) for f in given.get("add") or ()],
                                remove=[str(f["value"]) for f in given.get("remove") or ()],
                                empty=bool(given.get("empty")))
    event = None
    if then.get("event") is not None:
        given = then["event"]
        _fields(f"{where}.event", given, ("type", "reason", "message"))
        event = StageEvent(str(given.get("type") or ""), str(given.get("reason") or ""),
                           str(given.get("message") or ""))
    template = then.get("statusTemplate")
    if template is not None:
        from fakes.kubernetes._gotemplate import parse

        parse(template)  # refuse what the fake cannot run now, not when it is due
    return Next(status_template=template, finalizers=finalizers,
                delete=bool(then.get("delete")), event=event)
