"""Stored JSON is parsed by msgspec, falling back to the standard library (asm/convert/json_text.py):
every text reads as json.loads reads it."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asm.convert.json_text import dumps, loads

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES, st.booleans(), st.booleans())
def test_any_json_text_reads_as_the_standard_library_reads_it(value: object, ascii: bool, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii)
    got = loads(text.encode() if as_bytes else text)
    assert got == json.loads(text)
    assert type(got) is type(json.loads(text))


@pytest.mark.parametrize("text", [
    "[123456789012345678901234567890, -98765432109876543210987654321]",  # beyond 64 bits: exact ints
    '["\\ud800", "a\\udfffb"]',  # lone surrogate escapes
    "[1e400, -1e400]",  # beyond a float: infinities
    '{"a": 1, "a": 2}',  # a repeated key: the last one
    "[0.1, 1.5e-7, 2.5E+30, -0]",
])
def test_texts_another_writer_may_have_stored_read_as_before(text: str) -> None:
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)


def test_nan_and_infinity_literals_read_as_before() -> None:
    got = loads("[NaN, Infinity, -Infinity]")
    assert math.isnan(got[0]) and got[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize("text", ["", "{", "[1,]", "nul", '{"a" 1}'])
def test_a_broken_text_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        loads(text)


# What the payload rules let through: no NaN or infinities (asm/convert/payload.py).
PLAIN_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(PLAIN_VALUES)
def test_dumps_writes_the_standard_librarys_text_but_for_exponents(value: object) -> None:
    standard = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(dumps(value)) == json.loads(standard)
    if "e" not in standard.lower():
        assert dumps(value) == standard
