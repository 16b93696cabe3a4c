"""Names, label keys and label values as the apiserver validates them.

The rules and their messages are apimachinery's
(``staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go``); which rule a
resource applies to its names was measured per resource (see ``_resources``).
"""

from __future__ import annotations

import re

from fakes.kubernetes._resources import NameRule

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE = r"(" + _QUALIFIED + r")?"

#: The patterns, public for the strategies that draw valid values
#: (``fakes.kubernetes.strategies``).
SUBDOMAIN = _SUBDOMAIN
QUALIFIED_NAME = _QUALIFIED
NAME_PATTERNS = {"label": _LABEL, "subdomain": _SUBDOMAIN}

_LABEL_RE = re.compile(_LABEL)
_SUBDOMAIN_RE = re.compile(_SUBDOMAIN)
_QUALIFIED_RE = re.compile(_QUALIFIED)
_VALUE_RE = re.compile(_VALUE)


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    shown = ",  or ".join(f"'{e}'" for e in examples)
    return f"{message} (e.g. {shown}, regex used for validation is '{fmt}')"


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(_max_len(63))
    if not _LABEL_RE.fullmatch(value):
        if _SUBDOMAIN_RE.fullmatch(value):
            errors.append("must not contain dots")
        else:
            errors.append(_regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                "characters or '-', and must start and end with an alphanumeric character",
                _LABEL, "my-name", "123-abc"))
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append(_max_len(253))
    if not _SUBDOMAIN_RE.fullmatch(value):
        errors.append(_regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
            "characters, '-' or '.', and must start and end with an alphanumeric character",
            _SUBDOMAIN, "example.com"))
    return errors


def path_segment(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


NAME_RULES = {"label": dns1123_label, "subdomain": dns1123_subdomain, "path": path_segment}


def name_errors(rule: NameRule, name: str, *, prefix: bool = False) -> list[str]:
    """What is wrong with ``name`` under ``rule``; ``prefix``: it is a generateName, so
    it may end where a suffix will follow (apimachinery's ``maskTrailingDash``)."""
    if prefix and rule != "path" and len(name) > 1 and name.endswith("-"):
        name = name[:-2] + "a"
    return NAME_RULES[rule](name)


def qualified_name(value: str) -> list[str]:
    """A label or annotation key: an optional DNS subdomain prefix and a name. (Their
    lengths are counted in bytes, and worded so, unlike names'.)"""
    parts = value.split("/")
    errors = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        elif len(prefix.encode()) > 253:
            errors.append("prefix part must be no more than 253 bytes")
        elif not _SUBDOMAIN_RE.fullmatch(prefix):
            errors.extend("prefix part " + e for e in dns1123_subdomain(prefix))
    else:
        return ["a valid label key " + _regex_error(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
            "end with an alphanumeric character", _QUALIFIED, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errors.append("name part must be no more than 63 bytes")
    if name and not _QUALIFIED_RE.fullmatch(name):
        errors.append("name part " + _regex_error(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and "
            "end with an alphanumeric character", _QUALIFIED, "MyName", "my.name", "123-abc"))
    return errors


def label_value(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 bytes")
    if not _VALUE_RE.fullmatch(value):
        errors.append(_regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, "
            "'-', '_' or '.', and must start and end with an alphanumeric character",
            _VALUE, "MyValue", "my_value", "12345"))
    return errors
