"""The JSON payload rules (docs/behaviour.md#json-payload-rules) as data, shared by the converter tests and the
database round-trip tests of every dialect.

ACCEPTED: (payload dict, its normalized form). Storing the payload and reading it back must
give the normalized form. REJECTED: (payload dict for a field named `data`, the path the
ValidationError names).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict, UserDict, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum

import pytest

from asm.enums import EventType, RunStatus, SessionStatus

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Containers the rules accept nested inside each other, the payload dict included.
MAX_DEPTH = 31


class Color(Enum):
    RED = "red"


class Priority(IntEnum):
    HIGH = 1


class Shape(Enum):
    POINT = (1, 2)


class Opaque(Enum):
    BYTES = b"raw"


class Tagged(str):
    pass


class Count(int):
    pass


class Ratio(float):
    pass


class Items(list):
    pass


def nested(depth: int, leaf: object = 1) -> dict:
    """A payload dict of `depth` nested containers (itself included, lists and dicts
    alternating) around `leaf`."""
    value = leaf
    for level in range(depth - 1):
        value = {"k": value} if level % 2 else [value]
    return {"k": value}


def nested_path(depth: int) -> str:
    """The path of the innermost container of `nested(depth)` in a field named `data`."""
    steps = ("[0]" if level % 2 == 0 else ".k" for level in range(depth - 2, 0, -1))
    return "data.k" + "".join(steps)


UUID_VALUE = uuid.UUID("0190a5c4-7e2b-7c3d-9f00-0123456789ab")
PLUS_TWO = timezone(timedelta(hours=2))
MINUS_FIVE_THIRTY = timezone(-timedelta(hours=5, minutes=30))

ACCEPTED = [
    # plain JSON is kept as it is
    pytest.param({}, {}, id="empty"),
    pytest.param(
        {"s": "x", "i": 1, "f": 1.5, "t": True, "fa": False, "n": None},
        {"s": "x", "i": 1, "f": 1.5, "t": True, "fa": False, "n": None},
        id="scalars",
    ),
    pytest.param({"b": True, "i": 1, "z": 0}, {"b": True, "i": 1, "z": 0}, id="bool-stays-bool"),
    pytest.param(
        {"l": [], "d": {}, "ld": [{}], "dl": {"x": []}},
        {"l": [], "d": {}, "ld": [{}], "dl": {"x": []}},
        id="empty-containers",
    ),
    pytest.param(
        {"items": [{"id": 1, "tags": ["a", "b"], "meta": {"ok": True, "n": None}}, [1, [2, [3]]]]},
        {"items": [{"id": 1, "tags": ["a", "b"], "meta": {"ok": True, "n": None}}, [1, [2, [3]]]]},
        id="nested",
    ),
    pytest.param({"": "", "k": ""}, {"": "", "k": ""}, id="empty-strings-and-key"),
    pytest.param(
        {"key.with.dots": 1, "key[0]": 2, "sp ace": 3},
        {"key.with.dots": 1, "key[0]": 2, "sp ace": 3},
        id="keys-with-path-characters",
    ),
    # unicode
    pytest.param(
        {"emoji": "😀🎉", "family": "👨‍👩‍👧‍👦", "flag": "🇫🇷", "astral": "𝄞"},
        {"emoji": "😀🎉", "family": "👨‍👩‍👧‍👦", "flag": "🇫🇷", "astral": "𝄞"},
        id="emoji",
    ),
    pytest.param(
        {"he": "שלום עולם", "ar": "مرحبا بالعالم", "mixed": "abc \u202eשלום\u202c def"},
        {"he": "שלום עולם", "ar": "مرحبا بالعالم", "mixed": "abc \u202eשלום\u202c def"},
        id="rtl",
    ),
    pytest.param(
        {"cjk": "漢字かなカナ한국어", "combining": "e\u0301", "nbsp": "a\u00a0b", "bom": "\ufeff"},
        {"cjk": "漢字かなカナ한국어", "combining": "e\u0301", "nbsp": "a\u00a0b", "bom": "\ufeff"},
        id="other-scripts",
    ),
    pytest.param(
        {"esc": "quote \" backslash \\ slash / nl \n tab \t cr \r", "ctl": "\x01\x1f\x7f",
         "sep": "\u2028\u2029"},
        {"esc": "quote \" backslash \\ slash / nl \n tab \t cr \r", "ctl": "\x01\x1f\x7f",
         "sep": "\u2028\u2029"},
        id="escapes-and-controls",
    ),
    pytest.param(
        {"😀": 1, "ключ": 2, "مفتاح": 3}, {"😀": 1, "ключ": 2, "مفتاح": 3}, id="unicode-keys"
    ),
    pytest.param({"long": "x" * 100_000}, {"long": "x" * 100_000}, id="long-string"),
    # numbers
    pytest.param(
        {"max": INT64_MAX, "min": INT64_MIN, "zero": 0, "neg": -1},
        {"max": INT64_MAX, "min": INT64_MIN, "zero": 0, "neg": -1},
        id="int64-limits",
    ),
    pytest.param(
        {"big": 2**53 + 1, "list": [INT64_MAX, INT64_MIN]},
        {"big": 2**53 + 1, "list": [INT64_MAX, INT64_MIN]},
        id="ints-beyond-double-precision",
    ),
    pytest.param({"f": 0.1}, {"f": 0.1}, id="float-0.1"),
    pytest.param({"f": 1e300}, {"f": 1e300}, id="float-1e300"),
    pytest.param({"f": -0.0}, {"f": -0.0}, id="float-negative-zero"),
    pytest.param({"f": 5e-324}, {"f": 5e-324}, id="float-smallest-subnormal"),
    pytest.param(
        {"max": 1.7976931348623157e308, "neg": -1e-300, "third": 1 / 3, "one": 1.0},
        {"max": 1.7976931348623157e308, "neg": -1e-300, "third": 1 / 3, "one": 1.0},
        id="floats-other",
    ),
    # depth
    pytest.param(nested(MAX_DEPTH), nested(MAX_DEPTH), id="deep-nesting-at-limit"),
    pytest.param(
        nested(MAX_DEPTH - 1, leaf=[]), nested(MAX_DEPTH - 1, leaf=[]), id="deep-nesting-empty-leaf"
    ),
    # enums become their values
    pytest.param({"status": RunStatus.RUNNING}, {"status": "running"}, id="run-status"),
    pytest.param(
        {"s": SessionStatus.ACTIVE, "e": [EventType.MESSAGE_SENT]},
        {"s": "active", "e": ["message_sent"]},
        id="str-enums-nested",
    ),
    pytest.param(
        {"c": Color.RED, "p": Priority.HIGH}, {"c": "red", "p": 1}, id="plain-and-int-enum"
    ),
    pytest.param({"shape": Shape.POINT}, {"shape": [1, 2]}, id="enum-with-tuple-value"),
    pytest.param(
        {RunStatus.RUNNING: 1, Priority.HIGH: 2}, {"running": 1, "1": 2}, id="enum-keys"
    ),
    # conversions
    pytest.param(
        {"when": datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=PLUS_TWO)},
        {"when": "2024-05-01T10:30:15.123456Z"},
        id="datetime-other-timezone",
    ),
    pytest.param(
        {"when": datetime(2024, 12, 31, 20, 0, tzinfo=MINUS_FIVE_THIRTY)},
        {"when": "2025-01-01T01:30:00.000000Z"},
        id="datetime-crossing-year",
    ),
    pytest.param(
        {"when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)},
        {"when": "2024-01-02T03:04:05.000000Z"},
        id="datetime-utc-no-microseconds",
    ),
    pytest.param({"day": date(2024, 2, 29)}, {"day": "2024-02-29"}, id="date"),
    pytest.param({"id": UUID_VALUE}, {"id": "0190a5c4-7e2b-7c3d-9f00-0123456789ab"}, id="uuid"),
    pytest.param({"t": (1, "a", (2, None))}, {"t": [1, "a", [2, None]]}, id="tuples"),
    pytest.param(
        {1: "one", -2: "minus two", INT64_MAX + 1: "huge"},
        {"1": "one", "-2": "minus two", str(INT64_MAX + 1): "huge"},
        id="int-keys",
    ),
    pytest.param({"outer": {0: {1: [2]}}}, {"outer": {"0": {"1": [2]}}}, id="nested-int-keys"),
    pytest.param(
        {"od": OrderedDict(b=1, a=2), "dd": defaultdict(list, x=[1]), "l": Items([1, 2])},
        {"od": {"b": 1, "a": 2}, "dd": {"x": [1]}, "l": [1, 2]},
        id="dict-and-list-subclasses",
    ),
    pytest.param(
        {Tagged("k"): Tagged("v"), "n": Count(7), "r": Ratio(0.5)},
        {"k": "v", "n": 7, "r": 0.5},
        id="str-int-float-subclasses",
    ),
]

REJECTED = [
    # types that are not JSON
    pytest.param({"s": {1, 2}}, "data.s", id="set"),
    pytest.param({"s": frozenset({1})}, "data.s", id="frozenset"),
    pytest.param({"b": b"bytes"}, "data.b", id="bytes"),
    pytest.param({"b": bytearray(b"x")}, "data.b", id="bytearray"),
    pytest.param({"d": Decimal("1.10")}, "data.d", id="decimal"),
    pytest.param({"when": datetime(2024, 1, 1, 12, 0)}, "data.when", id="naive-datetime"),
    pytest.param({"t": time(12, 0)}, "data.t", id="time"),
    pytest.param({"t": timedelta(seconds=1)}, "data.t", id="timedelta"),
    pytest.param({"f": float("nan")}, "data.f", id="nan"),
    pytest.param({"f": float("inf")}, "data.f", id="inf"),
    pytest.param({"f": float("-inf")}, "data.f", id="minus-inf"),
    pytest.param({"o": object()}, "data.o", id="object"),
    pytest.param({"fn": len}, "data.fn", id="function"),
    pytest.param({"m": UserDict(a=1)}, "data.m", id="mapping-not-dict"),
    pytest.param({"e": Opaque.BYTES}, "data.e", id="enum-with-bytes-value"),
    # integers beyond signed 64-bit
    pytest.param({"i": INT64_MAX + 1}, "data.i", id="int-above-int64"),
    pytest.param({"i": INT64_MIN - 1}, "data.i", id="int-below-int64"),
    # text PostgreSQL or UTF-8 cannot hold
    pytest.param({"s": "a\x00b"}, "data.s", id="nul-in-string"),
    pytest.param({"s": "a\ud800b"}, "data.s", id="lone-high-surrogate"),
    pytest.param({"s": "\udc00"}, "data.s", id="lone-low-surrogate"),
    pytest.param({"s": "😀\ud83d"}, "data.s", id="surrogate-after-emoji"),
    # keys (the path is the dict holding the key)
    pytest.param({"a\x00": 1}, "data", id="nul-in-key"),
    pytest.param({"m": {"\udfff": 1}}, "data.m", id="surrogate-in-key"),
    pytest.param({1.5: "x"}, "data", id="float-key"),
    pytest.param({"m": {(1, 2): "x"}}, "data.m", id="tuple-key"),
    pytest.param({None: "x"}, "data", id="none-key"),
    pytest.param({True: "x"}, "data", id="bool-key"),
    pytest.param({"m": {1: "int", "1": "str"}}, "data.m", id="int-key-collides-with-str-key"),
    # paths
    pytest.param(
        {"items": [{}, {}, {}, {"when": datetime(2024, 1, 1)}]},
        "data.items[3].when",
        id="path-example",
    ),
    pytest.param({"a": [[0, [1, {2}]]]}, "data.a[0][1][1]", id="path-nested-lists"),
    pytest.param({"a": ({"b": b""},)}, "data.a[0].b", id="path-through-tuple"),
    pytest.param({7: {"x": Decimal(1)}}, "data.7.x", id="path-through-int-key"),
    pytest.param(
        {"s": RunStatus.RUNNING, "bad": [float("nan")]}, "data.bad[0]", id="path-after-good-keys"
    ),
    # nesting beyond what every dialect stores
    pytest.param(nested(MAX_DEPTH + 1), nested_path(MAX_DEPTH + 1), id="too-deep"),
    pytest.param(
        nested(MAX_DEPTH, leaf={}), nested_path(MAX_DEPTH) + "[0]", id="too-deep-empty-leaf"
    ),
]
