"""GitHub's REST operations, from its published OpenAPI description: the table that names
the operation (``operationId`` and documentation page) of a request the fake does not
model, so that it can answer a loud 501 instead of an invented success.

``operations.json`` is extracted from ``api.github.com.json`` of github/rest-api-description
as published by octokit/openapi (MIT, Copyright (c) 2020 Octokit contributors; the licence
is in ``LICENSE-openapi`` next to it). ``tests/test_github_operations.py`` checks the
table against the description when the description is at hand.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources

import attrs

__all__ = ["Operation", "find"]

_PARAM = re.compile(r"\{\w+\}")
_ONE_SEGMENT = frozenset({"{owner}", "{repo}", "{org}", "{username}", "{enterprise}"})


@attrs.frozen
class Operation:
    method: str
    template: str
    operation_id: str
    docs: str
    patterns: tuple[re.Pattern[str], ...] = attrs.field(eq=False, repr=False)

    @property
    def precedence(self) -> tuple[int, int]:
        literal = [s for s in self.template.split("/") if s and "{" not in s]
        return (-len(literal), -len(_PARAM.sub("", self.template)))


def _compile(template: str, greedy: str = "none") -> re.Pattern[str]:
    """Parameters match one segment; with ``greedy="last"`` a trailing one may hold
    slashes (refs, paths), with ``"all"`` any may (a branch named ``feature/x`` in the
    middle of a path)."""
    parts = _PARAM.split(template)
    names = _PARAM.findall(template)
    pattern = ""
    for i, literal in enumerate(parts):
        pattern += re.escape(literal)
        if i < len(names):
            last = i == len(names) - 1 and parts[-1] == ""
            # Account and repository names never hold a slash: only the others may.
            spread = names[i] not in _ONE_SEGMENT and (
                greedy == "all" or (last and greedy == "last"))
            pattern += ".+" if spread else "[^/]+"
    return re.compile(pattern + r"\Z")


@functools.cache
def _table() -> dict[str, list[Operation]]:
    document = json.loads(resources.files("fakes.github").joinpath("operations.json")
                          .read_text(encoding="utf-8"))
    table: dict[str, list[Operation]] = {}
    for method, template, operation_id, docs in document["operations"]:
        table.setdefault(method, []).append(
            Operation(method, template, operation_id, docs,
                      tuple(_compile(template, g) for g in ("none", "last", "all"))))
    for operations in table.values():
        operations.sort(key=lambda o: o.precedence)
    return table


def find(method: str, path: str) -> Operation | None:
    """The documented operation ``method path`` is, or None when GitHub has none."""
    operations = _table().get(method.upper(), ())
    # A trailing slash leaves the last parameter empty (``contents/`` is the root).
    candidates = (path + "-", path) if path.endswith("/") else (path,)
    for level in range(3):
        for candidate in candidates:
            for operation in operations:
                if operation.patterns[level].match(candidate):
                    return operation
    return None
