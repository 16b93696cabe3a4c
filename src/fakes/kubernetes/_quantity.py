"""Resource quantities (``resource.Quantity``) as kube-apiserver decodes and answers them.

The apiserver parses every Quantity field of a body, refuses one it cannot parse (the
whole body is refused, 400), and answers each in its canonical form: ``1000`` is
``1k``, ``1.5Gi`` is ``1536Mi``. A value already written canonically keeps the text it
was sent in (``+1``, ``01``), as the Go parser keeps the string on its fast path. Every
map of quantities in core/v1 (a ``ResourceList``: container requests and limits, claim
requests, ...) is rounded up to a thousandth on decode (``SetDefaults_ResourceList``),
so ``1n`` of cpu is answered ``1m``.

The rules follow ``k8s.io/apimachinery/pkg/api/resource`` v0.37.2 (quantity.go,
amount.go, suffix.go) and were measured on kube-apiserver v1.37.2 (behaviours
K8S-283 to K8S-289). A JSON number is parsed from its text; the fake sees the text
Python's ``repr`` gives the decoded number, which is what Python clients send.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from fakes.kubernetes._errors import Cause

__all__ = ["FORMAT_ERROR", "NUMERIC_ERROR", "SUFFIX_ERROR", "Quantity", "QuantityError",
           "canonical", "canonical_fields", "decode", "negative_resources", "parse"]

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_SPLIT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
FORMAT_ERROR = f"quantities must match the regular expression '{_SPLIT}'"
NUMERIC_ERROR = "unable to parse numeric part of quantity"
SUFFIX_ERROR = "unable to parse quantity's suffix"

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12,
                     "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_NANO = -9
#: Digits an int64 surely holds: more send the parser down its exact (slow) path.
_INT64_DIGITS = 18
_INT64_MAX = 2**63 - 1
#: Exact arithmetic, as Go's big decimals: more digits than a body's number could
#: hold, exponents past int32 either way.
_CONTEXT = decimal.Context(prec=decimal.MAX_PREC, Emax=10**10, Emin=-(10**10), traps=[
    decimal.InvalidOperation, decimal.Overflow])


class QuantityError(ValueError):
    """A quantity the apiserver cannot parse; the message is Go's error text."""


@attrs.frozen
class Quantity:
    """A parsed quantity: its exact value, the format it answers in, and the text it
    was sent in when that text is kept. ``scale`` is the power of ten of the fast
    path's int64 amount (None when the value took the exact path)."""

    value: Decimal
    format: str
    text: str | None = None
    scale: int | None = None

    def __str__(self) -> str:
        return self.text if self.text else canonical(self)

    def round_up(self, scale: int) -> Quantity:
        """Rounded away from zero to a multiple of ``10**scale``; the kept text
        survives when the fast path's amount is already that coarse."""
        if self.scale is not None and self.scale >= scale:
            return self
        return Quantity(_round_up(self.value, scale), self.format, None,
                        None if self.scale is None else scale)


def parse(text: str) -> Quantity:
    """Go's ``ParseQuantity``: the quantity ``text`` writes, or QuantityError."""
    if not text:
        raise QuantityError(FORMAT_ERROR)
    if text == "0":
        return Quantity(Decimal(0), DECIMAL_SI, text, 0)
    positive, value, num, denom, suffix = _split(text)
    base, exponent, fmt = _interpret(suffix)
    precision, scale, mantissa = 0, 0, 1
    if fmt == BINARY_SI:
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - int(exponent * 3 / 10) - 1
        else:
            precision = -1
    else:
        scale = exponent
        precision = _INT64_DIGITS - len(num + denom)
    if precision >= 0 and scale - len(denom) >= _NANO:
        scale -= len(denom)
        shifted = num + denom
        # The precision bounds keep the product within an int64.
        result = int(shifted) * mantissa
        amount = Decimal(result if positive else -result).scaleb(scale, _CONTEXT)
        if fmt == BINARY_SI:
            keep = exponent % 10 == 0 and int(shifted) & 7 != 0
        else:
            keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
        return Quantity(amount, fmt, text if keep else None, scale)
    return _exact(value, base, exponent, fmt)


def _exact(value: str, base: int, exponent: int, fmt: str) -> Quantity:
    """The parser's slow path: exact decimal arithmetic, rounded up to a nano."""
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise QuantityError(NUMERIC_ERROR) from None
    amount = (amount.scaleb(exponent, _CONTEXT) if base == 10
              else _CONTEXT.multiply(amount, Decimal(2**exponent)))
    negative = amount < 0
    amount = amount.copy_abs()
    amount = _round_up(amount, _NANO)
    if fmt == BINARY_SI and amount > _INT64_MAX:
        amount = Decimal(_INT64_MAX)
    if fmt == BINARY_SI and 0 < amount < 1:
        fmt = DECIMAL_SI
    return Quantity(amount.copy_negate() if negative else amount, fmt)


def _round_up(value: Decimal, scale: int) -> Decimal:
    """``value`` rounded away from zero to a multiple of ``10**scale``."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= scale:
        return value
    return value.quantize(Decimal(1).scaleb(scale), rounding=decimal.ROUND_UP,
                          context=_CONTEXT)


def _split(text: str) -> tuple[bool, str, str, str, str]:
    """Go's ``parseQuantityString``: sign, numeric text, integer digits (leading
    zeros stripped), fraction digits and suffix."""
    positive, pos, end = True, 0, len(text)
    if text[0] in "+-":
        positive, pos = text[0] == "+", 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos == end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(FORMAT_ERROR)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    """Base, exponent and format a suffix means."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[0] in "+-" else digits
        if body and set(body) <= _DIGITS and abs(int(digits)) <= 2**63 - 1:
            # Go keeps the low 32 bits of the exponent.
            exponent = (int(digits) + 2**31) % 2**32 - 2**31
            return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(SUFFIX_ERROR)


def canonical(quantity: Quantity) -> str:
    """Go's ``CanonicalizeBytes``: the quantity's canonical text."""
    value = quantity.value
    if not value:
        return "0"
    fmt = quantity.format
    if fmt == BINARY_SI:
        whole = value.to_integral_value(rounding=decimal.ROUND_UP)
        if -1024 < value < 1024 or whole != value:
            fmt = DECIMAL_SI
        else:
            amount, times = _remove_factors(int(whole), 1024)
            suffix = {0: "", **{e // 10: s for s, e in _BINARY_SUFFIXES.items()}}
            return f"{amount}{suffix.get(times, '')}"
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite value
    amount, times = _remove_factors(int("".join(map(str, digits))), 10)
    exponent += times
    shift = exponent % 3
    amount, exponent = amount * 10**shift, exponent - shift
    text = f"{'-' if sign else ''}{amount}"
    if fmt == DECIMAL_EXPONENT:
        return text + (f"e{exponent}" if exponent else "")
    by_exponent = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
    # An exponent without a suffix (above E) loses its magnitude, as in Go.
    return text + by_exponent.get(exponent, "")


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    times, result = 0, abs(value)
    while result >= base and result % base == 0:
        times, result = times + 1, result // base
    return (result if value >= 0 else -result), times


def decode(raw: Any) -> Quantity:
    """Go's ``Quantity.UnmarshalJSON`` for a decoded JSON value: a string or a
    number is parsed from its text; any other JSON is no quantity."""
    if isinstance(raw, str):
        return parse(raw.strip(" \t\n\r\v\f\x85\xa0"))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return parse(repr(raw))
    raise QuantityError(FORMAT_ERROR)


def canonical_fields(definitions: Mapping[str, Any], name: str, obj: Any) -> str | None:
    """Replace every quantity in ``obj`` (of definition ``name``) with the text the
    apiserver answers, maps of quantities rounded up to a thousandth; Go's error for
    the first quantity that does not parse (then ``obj`` is half done: throw it away)."""
    if not isinstance(obj, dict):
        return None
    for field, prop in (definitions.get(name, {}).get("properties") or {}).items():
        value = obj.get(field)
        if value is None:
            continue
        try:
            if prop.get("ref") == QUANTITY:
                obj[field] = str(decode(value))
            elif prop.get("values", {}).get("ref") == QUANTITY and isinstance(value, dict):
                for key, item in value.items():
                    # A null value decodes as the zero quantity.
                    quantity = decode(item) if item is not None else parse("0")
                    value[key] = str(quantity.round_up(-3))
        except QuantityError as error:
            return str(error)
        refs = ([prop["ref"]] if "ref" in prop else
                [prop["items"]["ref"]] if "ref" in prop.get("items", {}) else [])
        for ref in refs:
            for item in (value if isinstance(value, list) else [value]):
                found = canonical_fields(definitions, ref, item)
                if found is not None:
                    return found
    return None


def negative_resources(resources: Any, path: str) -> list[Cause]:
    """The causes for a container's limits, then requests, below zero (by resource name: Go walks a
    map in no set order, so an object with several shows them in any)."""
    causes: list[Cause] = []
    for field in ("limits", "requests"):
        # Decoding has checked these are objects (or null).
        for name, value in sorted(((resources or {}).get(field) or {}).items()):
            if isinstance(value, str) and value.startswith("-") and decode(value).value < 0:
                causes.append(Cause("FieldValueInvalid", f"{path}.{field}[{name}]",
                                    f'Invalid value: "{value}": must be greater than or '
                                    "equal to 0"))
    return causes
