"""The streamed import's JSON reader (asm/query/json_reader.py) reads what json.loads reads,
however the text is cut into reads, and refuses what json.loads refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import asm
from asm.query import json_reader
from asm.query.json_reader import JsonReader

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


def pieces(text, cuts):
    """A read(n) that returns the text in the pieces the cut points make, whatever n is."""
    bounds = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    parts = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    def read(_size):
        return parts.pop(0) if parts else text[:0]

    return read


def read_document(reader):
    """A top-level object whose values are arrays read item by item, or whole values."""
    out = {}
    reader.take("{", "{")
    if reader.peek() == "}":
        reader.take("}", "}")
    else:
        while True:
            key = reader.value()
            reader.take(":", ":")
            out[key] = list(reader.items(key)) if reader.peek() == "[" else reader.value()
            if reader.take(",}", ", or }") == "}":
                break
    reader.end()
    return out


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(st.text(max_size=5), values, max_size=5), cuts=st.lists(st.integers(0, 10**6)),
       indent=st.sampled_from([None, 1]), ascii_only=st.booleans(), as_bytes=st.booleans())
def test_any_cut_reads_the_same_values(document, cuts, indent, ascii_only, as_bytes):
    text = json.dumps(document, indent=indent, ensure_ascii=ascii_only)
    if as_bytes:
        text = text.encode()  # a cut may fall inside a character's UTF-8 bytes
    assert read_document(JsonReader(pieces(text, cuts))) == json.loads(text)


@pytest.mark.parametrize("text", [
    '{"a": [1, 2', '{"a": tru', '{"a": "x', '{"a": 1e', '{"a": [1,]}', '{"a": NaN}', '{"a": Infinity}',
    '{"a": 1} x', '{"a": "\\ud800"', '{"a": "\x01"}', '{"a": 1 "b": 2}', '{a: 1}', "",
    '{"a": ' + "[" * 50_000 + "]" * 50_000 + "}", '{"a": ' + "1" * 5000 + "}",
])
def test_what_json_refuses_is_a_validation_error(text, monkeypatch):
    monkeypatch.setattr(json_reader, "CHUNK_CHARS", 3)
    with pytest.raises(asm.ValidationError) as caught:
        read_document(JsonReader(pieces(text, range(0, len(text), 3))))
    assert caught.value.details == {"field": "document"}


def test_a_number_cut_at_the_end_of_a_read_is_read_whole():
    assert read_document(JsonReader(pieces('{"version": 12345}', [13, 14, 15]))) == {"version": 12345}
