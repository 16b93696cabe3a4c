"""``x-kubernetes-validations``: CEL rules of CustomResourceDefinition schemas.

https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/
custom-resource-definitions/#validation-rules. Rules are evaluated with ``cel-python``
(the ``kubernetes`` extra), on every value a rule's schema node matches: ``self`` is the
value, ``oldSelf`` the stored one on an update (a transition rule is skipped where there
is none). A rule that is false is a cause worded as the apiserver words it (measured):
``Invalid value: "x": <message>`` for a scalar, ``Invalid value: <message>`` for an
object or a list, the message defaulting to ``failed rule: <rule>``; a missing field is
``no such key: <field> evaluating rule: <message>``.

What the fake cannot evaluate it refuses loudly (see :func:`unsupported`): a rule
cel-python does not compile, ``messageExpression``, ``reason``, ``fieldPath``,
``optionalOldSelf``, transition rules under lists, and (when a write reaches it) a rule
using a function cel-python lacks (the Kubernetes CEL libraries: quantities, URLs, IPs,
``isSorted`` ...).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._errors import Cause, StatusError

try:  # the kubernetes extra
    import celpy
    from celpy.adapter import json_to_cel
    from celpy.celparser import CELParseError
    from celpy.evaluation import CELEvalError
except ImportError:  # pragma: no cover - the conformance suite runs with the extra
    celpy = None  # type: ignore[assignment]

_DOCS = "docs/kubernetes.md#not-modelled"
_MODELLED_KEYS = frozenset({"rule", "message"})
_MISSING_KEY = re.compile(r"no such member in mapping: '([^']*)'")
_programs: dict[str, Any] = {}
_lock = threading.Lock()


def not_modelled(rule: str, why: str) -> StatusError:
    return StatusError(
        f"verified-fakes: the x-kubernetes-validations rule {json.dumps(rule)} {why}; the "
        f"Kubernetes fake does not evaluate it; see {_DOCS}", status=501, reason="",
        details={"causes": [{"reason": "NotModelled", "message": "x-kubernetes-validations"}]})


def _program(rule: str) -> Any:
    with _lock:
        found = _programs.get(rule)
    if found is None:
        environment = celpy.Environment()
        found = environment.program(environment.compile(rule))
        with _lock:
            _programs[rule] = found
    return found


def unsupported(schema: Any, *, in_list: bool = False) -> StatusError | None:
    """The 501 for the first rule of ``schema`` the fake cannot evaluate; None if it can
    evaluate them all."""
    if not isinstance(schema, Mapping):
        return None
    for entry in schema.get("x-kubernetes-validations") or ():
        rule = str(entry.get("rule", ""))
        if celpy is None:  # pragma: no cover - the conformance suite runs with the extra
            return not_modelled(rule, "needs cel-python (the kubernetes extra)")
        extra = sorted(set(entry) - _MODELLED_KEYS)
        if extra:
            return not_modelled(rule, f"uses {', '.join(extra)}")
        if in_list and "oldSelf" in rule:
            return not_modelled(rule, "is a transition rule under a list")
        try:
            _program(rule)
        except CELParseError:
            return not_modelled(rule, "does not compile in cel-python")
    for sub in (schema.get("properties") or {}).values():
        found = unsupported(sub, in_list=in_list)
        if found is not None:
            return found
    for key in ("items", "additionalProperties"):
        found = unsupported(schema.get(key), in_list=in_list or key == "items")
        if found is not None:
            return found
    return None


def check(schema: Mapping[str, Any], value: Any, old: Any, field: str) -> list[Cause]:
    """The causes of the rules ``value`` breaks (``old``: the stored value, None on
    create)."""
    causes = _check_node(schema, value, old, field)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = properties.get(key) or (extra if isinstance(extra, Mapping) else None)
            if sub is not None:
                previous = old.get(key) if isinstance(old, dict) else None
                causes += check(sub, item, previous, f"{field}.{key}" if field else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            causes += check(schema["items"], item, None, f"{field}[{index}]")
    return causes


def _check_node(schema: Mapping[str, Any], value: Any, old: Any,
                field: str) -> list[Cause]:
    causes = []
    for entry in schema.get("x-kubernetes-validations") or ():
        rule = str(entry["rule"])
        if "oldSelf" in rule and old is None:
            continue  # a transition rule: only where there is a stored value
        message = entry.get("message") or f"failed rule: {rule}"
        activation = {"self": json_to_cel(value)}
        if old is not None:
            activation["oldSelf"] = json_to_cel(old)
        try:
            passed = _program(rule).evaluate(activation)
        except CELEvalError as raised:
            passed = raised
        except Exception as failed:  # cel-python's own failure: loud, never a pass
            raise not_modelled(rule, f"failed in cel-python ({failed})") from None
        if isinstance(passed, CELEvalError):
            missing = _MISSING_KEY.search(str(passed))
            if missing is None:
                raise not_modelled(rule, f"failed in cel-python ({passed})")
            kind = "object" if isinstance(value, dict) else type(value).__name__
            causes.append(Cause("FieldValueInvalid", field, f'Invalid value: "{kind}": no '
                                f"such key: {missing[1]} evaluating rule: {message}"))
            continue
        if not bool(passed):
            shown = "" if isinstance(value, (dict, list)) else json.dumps(value) + ": "
            causes.append(Cause("FieldValueInvalid", field, f"Invalid value: {shown}{message}"))
    return causes
