"""Resource quantities: Go's parser and canonical form, measured on kube-apiserver v1.37.2."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.kubernetes._quantity import (
    FORMAT_ERROR,
    NUMERIC_ERROR,
    SUFFIX_ERROR,
    QuantityError,
    canonical,
    canonical_fields,
    decode,
    parse,
)
from fakes.kubernetes._resources import registry

#: In a ResourceList (rounded up to a thousandth): sent -> answered.
RESOURCE_LIST = [
    ("1", "1"), ("1.5", "1500m"), ("0.1m", "1m"), ("0.0001", "1m"), ("100m", "100m"),
    ("1000m", "1"), ("1500m", "1500m"), ("1024Mi", "1Gi"), ("1536Mi", "1536Mi"),
    ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("1Ki", "1Ki"), ("1000Ki", "1000Ki"),
    ("1e3", "1e3"), ("1000e0", "1e3"), ("1.5e3", "1500"), ("12e-3", "12e-3"), ("1k", "1k"),
    ("1000", "1k"), ("1000000", "1M"), ("1M", "1M"), ("1.0", "1"), ("01", "01"),
    ("+1", "+1"), ("2.5Gi", "2560Mi"), ("1G", "1G"), ("1Gi", "1Gi"),
    ("123456789012", "123456789012"), ("0.000000001", "1m"), ("0.0000000001", "1m"),
    ("1e-09", "1e-3"), ("1n", "1m"), ("1u", "1m"), ("5E", "5E"), ("1P", "1P"),
    ("1024", "1024"), ("2048Ki", "2Mi"), ("1E3", "1E3"), ("1m", "1m"), ("0", "0"),
    ("0m", "0"), ("0Ki", "0"), ("10.0m", "10m"), ("1.50", "1500m"), (" 2 ", "2"),
    ("00", "0"), ("1.", "1."), (1000, "1k"), (1.5, "1500m"), (1e-10, "1e-3"),
    (12345678901234567890, "12345678901234567890"),
]
#: A lone Quantity (no round-up): sent -> answered.
LONE = [
    ("1n", "1n"), ("1.5n", "2n"), ("1e-12", "1e-9"), ("10.0m", "10m"), ("1000n", "1u"),
    ("1048576Ki", "1Gi"), ("0.5Gi", "512Mi"), ("1000E", "1"),
    ("9Ei", "9223372036854775807"), ("1Ei", "1Ei"), ("-1", "-1"), ("-1.5Gi", "-1536Mi"),
    ("-", "0"), ("-0.5", "-500m"), ("1e2000000000", "100e1999999998"),
    ("1e4294967296", "1e4294967296"), ("1000e4294967296", "1e3"), ("1024.5", "1024500m"),
    ("1023Ki", "1023Ki"), ("1.5Ei", "1536Pi"), ("1e-2147483648", "1e-9"),
    ("-1e-2147483648", "-1e-9"), ("0e-20", "0"), ("0.5n", "1n"),
]


@pytest.mark.parametrize(("sent", "answered"), RESOURCE_LIST)
def test_resource_list_values(sent: Any, answered: str) -> None:
    assert str(decode(sent).round_up(-3)) == answered


@pytest.mark.parametrize(("sent", "answered"), LONE)
def test_lone_values(sent: str, answered: str) -> None:
    assert str(decode(sent)) == answered


@pytest.mark.parametrize(("sent", "error"), [
    ("abc", FORMAT_ERROR), ("1.5.5", FORMAT_ERROR), ("", FORMAT_ERROR),
    ("1 k", FORMAT_ERROR), (True, FORMAT_ERROR), ({}, FORMAT_ERROR), ([], FORMAT_ERROR),
    ("1ki", SUFFIX_ERROR), ("1e", SUFFIX_ERROR), ("1e+", SUFFIX_ERROR),
    ("1e99999999999999999999", SUFFIX_ERROR), (".e-10", NUMERIC_ERROR),
])
def test_malformed(sent: Any, error: str) -> None:
    with pytest.raises(QuantityError) as raised:
        decode(sent)
    assert str(raised.value) == error


def test_round_up_keeps_coarse_and_exact_values() -> None:
    assert parse("1e3").round_up(-3).text == "1e3"
    assert canonical(parse("1.0000000001Ki").round_up(-3)) == "1024001m"
    assert parse("0").round_up(-3).value == 0


def test_canonical_fields_walks_definitions() -> None:
    definitions = registry().definitions
    pod = {"spec": {"containers": [{"name": "c", "resources": {
        "requests": {"cpu": "1n", "memory": None}, "limits": {"cpu": 1}}}],
        "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "1n"}}]}}
    assert canonical_fields(definitions, "io.k8s.api.core.v1.Pod", pod) is None
    container = pod["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "1m", "memory": "0"},
                                      "limits": {"cpu": "1"}}
    assert pod["spec"]["volumes"][0]["emptyDir"] == {"sizeLimit": "1n"}
    bad = {"spec": {"volumes": [{"name": "v", "emptyDir": {"sizeLimit": "x"}}]}}
    assert canonical_fields(definitions, "io.k8s.api.core.v1.Pod", bad) == FORMAT_ERROR


_SUFFIXES = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi",
             "Ei", "e3", "e-3", "E6", "e0"]
quantities = st.builds(
    lambda sign, whole, fraction, suffix: f"{sign}{whole}{fraction}{suffix}",
    st.sampled_from(["", "+", "-"]), st.integers(0, 10**20).map(str),
    st.one_of(st.just(""), st.integers(0, 10**12).map(lambda f: f".{f}")),
    st.sampled_from(_SUFFIXES))


@given(quantities)
def test_canonical_is_a_fixed_point(text: str) -> None:
    once = str(parse(text))
    assert str(parse(once)) == once
    rounded = str(parse(text).round_up(-3))
    assert str(parse(rounded).round_up(-3)) == rounded


@given(quantities)
def test_canonical_keeps_the_value_up_to_a_nano(text: str) -> None:
    parsed = parse(text)
    again = parse(canonical(parsed))
    if parsed.value.copy_abs() <= 2**63 - 1 and parsed.value.copy_abs() < Decimal("1e21"):
        assert again.value == parsed.value
