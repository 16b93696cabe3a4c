"""The part of Go's text/template that kwok's stages are written in
(https://pkg.go.dev/text/template), and the functions kwok gives them.

Modelled: text and ``{{ }}`` actions (with ``{{-``/``-}}`` trimming), pipelines joined
by ``|``, fields (``.a.b``, ``$x.a``), variables (``$x := ...``, ``$x = ...``), string,
raw string, number and boolean literals, parenthesised pipelines, ``if`` / ``with`` /
``range`` (``range $i, $e := ...``) with ``else``, and the functions ``and``, ``or``,
``not``, ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge``, ``len``, ``index``, ``printf``
(``%s``, ``%d``, ``%v``, ``%q``) plus kwok's ``Now``, ``Quote``, ``YAML``, ``Version``,
``NodeConditions``, ``NodeIP``, ``NodeName``, ``NodePort``, ``NodeIPsWith`` and
``PodIPsWith``. Anything else (``define``, ``template``, ``block``, ``break``, other
functions) is refused when the template is read, naming it.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from fakes.kubernetes._stages import StageError

if TYPE_CHECKING:
    from fakes.kubernetes._stages import StageContext

#: kwok's version as its templates' Version function answers (the kwok of real-local).
KWOK_VERSION = "0.8.0"
_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)
_KEYWORDS = ("if", "with", "range", "else", "end")


# -- parsing ---------------------------------------------------------------------------

@attrs.frozen
class _Token:
    kind: str
    text: str


@attrs.frozen
class _Pipeline:
    commands: tuple[tuple[Any, ...], ...]  # each: (operand, *arguments)
    declare: tuple[str, ...] = ()  # variables it declares (:=)
    assign: str | None = None  # the variable it sets (=)


@attrs.frozen
class _Block:
    keyword: str  # if, with, range
    pipeline: _Pipeline
    body: list[Any]
    otherwise: list[Any]


def _tokens(text: str) -> list[_Token]:
    tokens, at = [], 0
    while at < len(text):
        found = _TOKEN.match(text, at)
        if found is None:
            raise StageError(f"the fake's Go templates cannot read {text[at:at + 20]!r}")
        kind = found.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, found.group()))
        at = found.end()
    return tokens


def parse(source: str) -> list[Any]:
    """A template as a tree of text (str), pipelines to print and blocks."""
    items: list[Any] = []
    at = 0
    for found in _ACTION.finditer(source):
        text = source[at:found.start()]
        if found.group(1):
            text = text.rstrip()
        items.append(text)
        items.append(("action", found.group(2).strip()))
        at = found.end()
        if found.group(3):
            following = source[at:]
            at += len(following) - len(following.lstrip())
    items.append(source[at:])
    return _parse_list(items, 0, top=True)[0]


def _parse_list(items: list[Any], at: int, *, top: bool = False
                ) -> tuple[list[Any], int]:
    out: list[Any] = []
    while at < len(items):
        item = items[at]
        if isinstance(item, str):
            if item:
                out.append(item)
            at += 1
            continue
        action = item[1]
        if action.startswith("/*"):  # a comment
            at += 1
            continue
        word = action.split(None, 1)[0] if action else ""
        if word in ("end", "else"):
            if top:
                raise StageError(f"the template has an unexpected {{{{ {word} }}}}")
            return out, at
        if word in ("if", "with", "range"):
            pipeline = _pipeline(_tokens(action[len(word):]), allow_two=word == "range")
            body, at = _parse_list(items, at + 1)
            otherwise: list[Any] = []
            if at < len(items) and items[at][1].split(None, 1)[0] == "else":
                else_action = items[at][1]
                if else_action != "else":
                    raise StageError(f"the fake's Go templates do not support "
                                     f"{{{{ {else_action} }}}}")
                otherwise, at = _parse_list(items, at + 1)
            if items[at][1] != "end":
                raise StageError(f"the template's {{{{ {word} }}}} has a second "
                                 "{{ else }}")
            out.append(_Block(word, pipeline, body, otherwise))
            at += 1
            continue
        if word in ("define", "template", "block", "break", "continue"):
            raise StageError(f"the fake's Go templates do not support {{{{ {word} }}}}")
        out.append(_pipeline(_tokens(action)))
        at += 1
    if not top:
        raise StageError("the template ends inside a block: an {{ end }} is missing")
    return out, at


def _pipeline(tokens: list[_Token], *, allow_two: bool = False) -> _Pipeline:
    declare: tuple[str, ...] = ()
    assign = None
    kinds = [t.kind for t in tokens]
    if "declare" in kinds and set(kinds[:kinds.index("declare")]) <= {"variable", "comma"}:
        split = kinds.index("declare")
        names = [t.text for t in tokens[:split] if t.kind == "variable"]
        if len(names) > (2 if allow_two else 1):
            raise StageError("a template declares too many variables at once")
        declare, tokens = tuple(names), tokens[split + 1:]
    elif len(tokens) > 2 and kinds[1] == "assign" and kinds[0] == "variable":
        assign, tokens = tokens[0].text, tokens[2:]
    commands: list[tuple[Any, ...]] = []
    current: list[Any] = []
    at = 0
    while at < len(tokens):
        token = tokens[at]
        if token.kind == "pipe":
            commands.append(tuple(current))
            current = []
        elif token.kind == "open":
            depth, end = 1, at + 1
            while depth:
                if end >= len(tokens):
                    raise StageError("a template's parenthesis is not closed")
                depth += {"open": 1, "close": -1}.get(tokens[end].kind, 0)
                end += 1
            current.append(_pipeline(tokens[at + 1:end - 1]))
            at = end
            continue
        elif token.kind in ("close", "comma", "assign", "declare"):
            raise StageError(f"the fake's Go templates cannot read {token.text!r} here")
        else:
            current.append(_operand(token))
        at += 1
    commands.append(tuple(current))
    if any(not c for c in commands):
        raise StageError("a template has an empty command")
    return _Pipeline(tuple(commands), declare, assign)


def _operand(token: _Token) -> Any:
    if token.kind == "string":
        return ("literal", json.loads(token.text))
    if token.kind == "raw":
        return ("literal", token.text[1:-1])
    if token.kind == "number":
        return ("literal", float(token.text) if "." in token.text else int(token.text))
    if token.kind == "word":
        if token.text in ("true", "false"):
            return ("literal", token.text == "true")
        if token.text == "nil":
            return ("literal", None)
        if token.text in _KEYWORDS:
            raise StageError(f"{token.text!r} cannot be used here in a template")
        if token.text not in FUNCTIONS:
            raise StageError(f"the fake's Go templates have no function {token.text!r}")
        return ("function", token.text)
    return (token.kind, token.text)  # field or variable


# -- running ---------------------------------------------------------------------------


def truth(value: Any) -> bool:
    """Go templates' truth: false, 0, nil, and empty strings, lists and maps are false."""
    return value is not None and value is not False and value != 0 \
        and not (isinstance(value, (str, list, dict)) and not value)


def show(value: Any) -> str:
    """What ``{{ value }}`` prints (fmt's %v)."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + " ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{show(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _field(value: Any, names: list[str]) -> Any:
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _printf(pattern: str, *args: Any) -> str:
    values = iter(args)

    def one(found: re.Match[str]) -> str:
        verb = found.group(1)
        if verb == "%":
            return "%"
        value = next(values, None)
        return json.dumps(show(value)) if verb == "q" else show(value)

    return re.sub(r"%([sdvq%])", one, pattern)


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            raise StageError(f"index of {show(key)} out of range in a template")
    return value


def _yaml(value: Any, indent: int = 0) -> str:
    import yaml

    text = yaml.safe_dump(value, default_flow_style=False, sort_keys=True).rstrip("\n")
    return "\n".join("  " * indent + line for line in text.splitlines())


_BUILTINS: dict[str, Callable[..., Any]] = {
    "not": lambda value: not truth(value),
    "eq": lambda a, *others: any(a == b for b in others),
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "len": lambda value: len(value or ()),
    "index": _index,
    "printf": _printf,
    "Quote": lambda value: json.dumps(show(value) if not isinstance(value, str) else value),
    "YAML": _yaml,
    "Version": lambda: KWOK_VERSION,
}


#: Every function a template may call: Go's and kwok's.
FUNCTIONS = frozenset({*_BUILTINS, "and", "or", "Now", "NodeConditions", "NodeIP",
                       "NodeName", "NodePort", "NodeIPsWith", "PodIPsWith"})


class _Run:
    def __init__(self, context: StageContext, obj: Mapping[str, Any]) -> None:
        from fakes.kubernetes._kubelet import node_conditions

        self.functions: dict[str, Callable[..., Any]] = {
            **_BUILTINS,
            "Now": context.now,
            "NodeConditions": node_conditions,
            "NodeIP": lambda: context.new_node_ip(),
            "NodeName": lambda: "",  # kwok's --node-name, which real-local leaves unset
            "NodePort": lambda: 0,  # kwok's --node-port, likewise
            "NodeIPsWith": lambda node: [ip] if (ip := context.node_ip(str(node))) else [],
            "PodIPsWith": lambda node, host, *_: [ip] if (ip := context.pod_ip(
                {"spec": {"nodeName": node, "hostNetwork": host}})) else [],
        }
        self.scopes: list[dict[str, Any]] = [{"$": obj}]

    def run(self, tree: list[Any], dot: Any) -> str:
        out: list[str] = []
        for item in tree:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, _Pipeline):
                value = self.pipeline(item, dot)
                if not item.declare and item.assign is None:
                    out.append(show(value))
            else:
                out.append(self.block(item, dot))
        return "".join(out)

    def block(self, block: _Block, dot: Any) -> str:
        self.scopes.append({})
        try:
            if block.keyword == "range":
                return self._range(block, dot)
            value = self.pipeline(block.pipeline, dot)
            if not truth(value):
                return self.run(block.otherwise, dot)
            return self.run(block.body, value if block.keyword == "with" else dot)
        finally:
            self.scopes.pop()

    def _range(self, block: _Block, dot: Any) -> str:
        pipeline = block.pipeline
        value = self.pipeline(attrs.evolve(pipeline, declare=()), dot)
        if isinstance(value, dict):
            pairs = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            pairs = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            pairs = [(i, i) for i in range(value)]
        elif value is None:
            pairs = []
        else:
            raise StageError(f"range can't iterate over {show(value)}")
        if not pairs:
            return self.run(block.otherwise, dot)
        out = []
        for key, item in pairs:
            names = pipeline.declare
            if len(names) == 1:
                self.scopes[-1][names[0]] = item
            elif len(names) == 2:
                self.scopes[-1].update({names[0]: key, names[1]: item})
            out.append(self.run(block.body, item))
        return "".join(out)

    def pipeline(self, pipeline: _Pipeline, dot: Any) -> Any:
        value: Any = None
        for index, command in enumerate(pipeline.commands):
            extra = (value,) if index else ()
            value = self.command(command, dot, extra)
        if pipeline.declare:
            self.scopes[-1][pipeline.declare[0]] = value
        elif pipeline.assign is not None:
            for scope in reversed(self.scopes):
                if pipeline.assign in scope:
                    scope[pipeline.assign] = value
                    break
            else:
                raise StageError(f"undefined variable: {pipeline.assign}")
        return value

    def command(self, command: tuple[Any, ...], dot: Any, piped: tuple[Any, ...]) -> Any:
        head, *rest = command
        if isinstance(head, tuple) and head[0] == "function":
            name = head[1]
            if name in ("and", "or"):
                return self._logic(name, rest, dot, piped)
            function = self.functions[name]
            return function(*(self.value(a, dot) for a in rest), *piped)
        if rest or piped:
            raise StageError("a template passes arguments to something that is not a "
                             "function")
        return self.value(head, dot)

    def _logic(self, name: str, args: list[Any], dot: Any, piped: tuple[Any, ...]) -> Any:
        value: Any = None
        for arg in [*args, *(("literal", p) for p in piped)]:
            value = self.value(arg, dot)
            if truth(value) == (name == "or"):
                return value
        return value

    def value(self, operand: Any, dot: Any) -> Any:
        if isinstance(operand, _Pipeline):
            return self.pipeline(operand, dot)
        kind, text = operand
        if kind == "literal":
            return text
        if kind == "field":
            return dot if text == "." else _field(dot, text[1:].split("."))
        if kind == "variable":
            name, *names = text.split(".")
            for scope in reversed(self.scopes):
                if name in scope:
                    return _field(scope[name], names)
            raise StageError(f"undefined variable: {name}")
        if kind == "function":
            return self.command((operand,), dot, ())
        raise StageError(f"the fake's Go templates cannot read {text!r}")  # pragma: no cover


def render_status(context: StageContext, template: str) -> Mapping[str, Any] | None:
    """A kwok statusTemplate, run on the stage's object and read as YAML."""
    import yaml

    text = _Run(context, context.obj).run(parse(template), context.obj)
    status = yaml.safe_load(text)
    if status is not None and not isinstance(status, dict):
        raise StageError(f"a statusTemplate made {type(status).__name__}, not a map")
    return status
