"""Label and field selectors, parsed as the apiserver parses them.

Label selector syntax and its error messages follow apimachinery's lexer and parser
(``staging/src/k8s.io/apimachinery/pkg/labels/selector.go``): ``=``, ``==``, ``!=``,
``in``, ``notin``, ``key``, ``!key``, and the integer comparisons ``>``, ``<``.
https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from fakes.kubernetes._errors import StatusError, bad_request
from fakes.kubernetes._validation import label_value, qualified_name

_SPECIAL = "=!(),<>"
_TOKENS = {")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", "<": "<",
           "!=": "!=", "(": "(", "in": "in", "notin": "notin"}
_OPERATORS = "in, notin, =, ==, !=, gt, lt"


class _ParseError(Exception):
    pass


def _lex(text: str) -> list[tuple[str, str]]:
    """(token, literal) pairs: token is the operator or punctuation itself, ``id``
    for an identifier, ``end`` at the end."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _SPECIAL:
            j = i + 1
            while j < len(text) and text[i : j + 1] in _TOKENS:
                j += 1
            literal = text[i:j]
            out.append((_TOKENS.get(literal, "error"), literal))
            i = j
            continue
        j = i
        while j < len(text) and not text[j].isspace() and text[j] not in _SPECIAL:
            j += 1
        literal = text[i:j]
        out.append((literal if literal in ("in", "notin") else "id", literal))
        i = j
    out.append(("end", ""))
    return out


@attrs.frozen
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.operator in ("=", "in"):
            return has and value in self.values
        if self.operator in ("!=", "notin"):
            return not has or value not in self.values
        if self.operator == "exists":
            return has
        if self.operator == "!":
            return not has
        try:
            number = int(value or "")
        except ValueError:
            return False
        bound = int(self.values[0])
        return number > bound if self.operator == "gt" else number < bound


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.at = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        token, literal = self.tokens[self.at]
        if values and token in ("in", "notin"):
            return "id", literal  # a keyword where a value is expected is a value
        return token, literal

    def take(self, values: bool = True) -> tuple[str, str]:
        found = self.peek(values)
        self.at += 1
        return found

    def parse(self) -> list[Requirement]:
        requirements = []
        while True:
            token, literal = self.peek()
            if token in ("id", "!"):
                try:
                    requirements.append(self.requirement())
                except _ParseError as error:
                    raise _ParseError(f"unable to parse requirement: {error}") from None
                token, literal = self.take()
                if token == "end":
                    return requirements
                if token == ",":
                    following, literal = self.peek()
                    if following not in ("id", "!"):
                        raise _ParseError(
                            f"found '{literal}', expected: identifier after ','")
                    continue
                raise _ParseError(f"found '{literal}', expected: ',' or 'end of string'")
            if token == "end":
                return requirements
            raise _ParseError(
                f"found '{literal}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        operator = ""
        token, key = self.take()
        if token == "!":
            operator = "!"
            token, key = self.take()
        if token != "id":
            raise _ParseError(f"found '{key}', expected: identifier")
        errors = qualified_name(key)
        if errors:
            # The apiserver's message names no field here ("<nil>": measured).
            raise _ParseError(f"<nil>: Invalid value: {json.dumps(key)}: {'; '.join(errors)}")
        if self.peek()[0] in ("end", ","):
            operator = operator or "exists"
        if operator:
            return Requirement(key, operator)
        token, literal = self.take(values=False)
        operators = {"in": "in", "notin": "notin", "=": "=", "==": "=", "!=": "!=",
                     ">": "gt", "<": "lt"}
        if token not in operators:
            raise _ParseError(f"found '{literal}', expected: {_OPERATORS}")
        operator = operators[token]
        values = self.values() if operator in ("in", "notin") else self.exact_value()
        ordered = tuple(sorted(values))
        if operator in ("gt", "lt"):
            for i, value in enumerate(ordered):
                try:
                    int(value)
                except ValueError:
                    raise _ParseError(
                        f"values[{i}]: Invalid value: {json.dumps(value)}: for 'Gt', 'Lt' "
                        "operators, the value must be an integer") from None
        else:
            for i, value in enumerate(ordered):
                errors = label_value(value)
                if errors:
                    raise _ParseError(f"values[{i}][{key}]: Invalid value: "
                                      f"{json.dumps(value)}: {'; '.join(errors)}")
        return Requirement(key, operator, ordered)

    def values(self) -> set[str]:
        token, literal = self.take()
        if token != "(":
            raise _ParseError(f"found '{literal}' expected: '('")
        token, literal = self.peek()
        if token == ")":
            self.take()
            return {""}
        if token not in ("id", ","):
            raise _ParseError(f"found '{literal}', expected: ',', ')' or identifier")
        found: set[str] = set()
        while True:
            token, literal = self.take()
            if token == "id":
                found.add(literal)
                following, literal = self.peek()
                if following == ")":
                    self.take()
                    return found
                if following != ",":
                    raise _ParseError(f"found '{literal}', expected: ',' or ')'")
            elif token == ",":
                if not found:
                    found.add("")
                following, _ = self.peek()
                if following == ")":
                    self.take()
                    found.add("")
                    return found
                if following == ",":
                    self.take()
                    found.add("")
            else:
                raise _ParseError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        token, _ = self.peek()
        if token in ("end", ","):
            return {""}
        token, literal = self.take()
        if token == "id":
            return {literal}
        raise _ParseError(f"found '{literal}', expected: identifier")


@attrs.frozen
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> LabelSelector:
        """The selector ``text`` says; 400 BadRequest with the apiserver's message."""
        if not text:
            return cls()
        try:
            return cls(tuple(_Parser(text).parse()))
        except _ParseError as error:
            raise bad_request(str(error)) from None

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return all(r.matches(labels or {}) for r in self.requirements)


@attrs.frozen
class FieldSelector:
    """``field=value``, ``field==value`` and ``field!=value`` terms, all of which must
    hold; values may escape ``\\``, ``,`` and ``=`` with a backslash."""

    terms: tuple[tuple[str, bool, str], ...] = ()

    @classmethod
    def parse(cls, text: str | None, known: Callable[[str], StatusError | None]
              ) -> FieldSelector:
        """``known(field)`` answers the error for a field the resource cannot select on."""
        if not text:
            return cls()
        terms = []
        for term in _split_unescaped(text, ","):
            found = [(i, op) for op in ("!=", "==", "=")
                     if (i := _find_unescaped(term, op)) >= 0]
            if not found:
                raise bad_request(f"invalid selector: '{text}'; can't understand '{term}'")
            index, operator = found[0]
            field, value = term[:index], _unescape(term[index + len(operator):])
            equal = operator != "!="
            error = known(field)
            if error is not None:
                raise error
            terms.append((field, equal, value))
        return cls(tuple(terms))

    def matches(self, fields: Callable[[str], str]) -> bool:
        return all((fields(field) == value) == equal for field, equal, value in self.terms)


def _find_unescaped(text: str, needle: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == separator:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string a field selector compares ``path`` with: booleans as ``true``/``false``,
    a missing field as empty."""
    value: Any = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
