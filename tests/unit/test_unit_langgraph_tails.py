"""asm.integrations.langgraph.tails, sans I/O: when a list channel is stored as its new items, how a
stored value is rebuilt from its rows (and refused when they do not add up), and the bounded memory
of the lists a saver last saw."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("langgraph.checkpoint.base")

from asm.errors import StorageReadFailed  # noqa: E402
from asm.integrations.langgraph import tails  # noqa: E402
from asm.integrations.langgraph.tails import ListCache, Seen  # noqa: E402


def dumps(value: Any) -> tuple[str, bytes]:
    return "json", json.dumps(value).encode()


def loads(typed: tuple[str, bytes]) -> Any:
    assert typed[0] == "json"
    return json.loads(typed[1])


def whole(value: Any) -> dict[str, Any]:
    kind, data = dumps(value)
    return {"type": kind, "payload": data}


def tail(items: list[Any], base: Seen) -> dict[str, Any]:
    encoded = tails.encode(*dumps(items), base)
    assert encoded is not None
    return {"type": encoded[0], "payload": encoded[1]}


class Message:
    """An item compared by value, as LangChain messages are: equal is not the same."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other.text == self.text

    __hash__ = None  # type: ignore[assignment]


# -- what is stored as a tail ---------------------------------------------------------------------


def test_a_list_that_only_grew_gives_its_new_items():
    a, b, c = Message("a"), Message("b"), Message("c")
    seen = Seen("v1", (a, b), ("v1",))
    assert tails.new_items(seen, [a, b, c], "v2") == [c]


def test_anything_else_is_stored_whole():
    a, b, c = Message("a"), Message("b"), Message("c")
    seen = Seen("v1", (a, b), ("v1",))
    assert tails.new_items(None, [a, b, c], "v2") is None  # nothing seen
    assert tails.new_items(seen, [Message("a"), b, c], "v2") is None  # equal, not the same object
    assert tails.new_items(seen, [b, a, c], "v2") is None  # reordered
    assert tails.new_items(seen, [a], "v2") is None  # shorter
    assert tails.new_items(seen, [a, b], "v2") is None  # gained nothing
    assert tails.new_items(seen, (a, b, c), "v2") is None  # not a list
    assert tails.new_items(seen, [a, b, c], "v1") is None  # the version seen, saved again
    full = Seen("v32", (a, b), tuple(f"v{i}" for i in range(1, tails.MAX_LINKS + 1)))
    assert tails.new_items(full, [a, b, c], "v33") is None  # the chain is as long as it may get


def test_the_same_version_saved_again_is_recognised():
    a = Message("a")
    seen = Seen("v1", (a,), ("v0", "v1"))
    assert tails.same_value(seen, [a], "v1")
    assert not tails.same_value(seen, [Message("a")], "v1")
    assert not tails.same_value(seen, [a], "v2")
    assert not tails.same_value(None, [a], "v1")


def test_a_tail_row_says_what_it_extends():
    base = Seen("00000000000000000000000000000007.00abc", (1, 2, 3), ("x",))
    kind, payload = tails.encode("msgpack", b"\x91\x04", base)  # type: ignore[misc]
    assert kind == "asm-tail:msgpack"
    assert tails.decode(kind, payload) == tails.Tail("msgpack", b"\x91\x04", base.version, 3)
    assert tails.base_of(payload[:100]) == base.version
    assert tails.decode("msgpack", b"anything") is None
    assert tails.base_of(None) is None
    with pytest.raises(ValueError):
        tails.decode("asm-tail:msgpack", b"no header")


def test_what_cannot_be_named_in_a_header_or_the_type_column_is_stored_whole():
    assert tails.encode("msgpack", b"", Seen("has space", (), ())) is None
    assert tails.encode("msgpack", b"", Seen("has\nnewline", (), ())) is None
    assert tails.encode("x" * 60, b"", Seen("v1", (), ())) is None


# -- rebuilding a stored value --------------------------------------------------------------------


def chain_rows(steps: list[list[int]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of a list stored whole at v0, then as tails: steps[i] are the items of version v{i}."""
    rows = {("messages", "v0"): whole(steps[0])}
    seen = Seen("v0", tuple(steps[0]), ("v0",))
    for i, items in enumerate(steps[1:], start=1):
        rows[("messages", f"v{i}")] = tail(items[len(seen.items):], seen)
        seen = Seen(f"v{i}", tuple(items), (*seen.chain, f"v{i}"))
    return rows


def test_a_value_is_rebuilt_from_its_whole_row_and_the_tails_after_it():
    rows = chain_rows([[1], [1, 2], [1, 2, 3, 4]])
    assert tails.rebuild("messages", "v2", rows, loads) == ([1, 2, 3, 4], ("v0", "v1", "v2"))
    assert tails.rebuild("messages", "v0", rows, loads) == ([1], ("v0",))


def test_a_row_not_fetched_yet_is_named():
    rows = chain_rows([[1], [1, 2], [1, 2, 3]])
    del rows[("messages", "v0")]
    assert tails.rebuild("messages", "v2", rows, loads) == "v0"
    assert tails.rebuild("messages", "v9", rows, loads) == "v9"


def test_an_empty_value_has_no_value():
    rows = {("c", "v0"): {"type": "empty", "payload": None}}
    assert tails.rebuild("c", "v0", rows, loads) == (None, ("v0",))


def test_tails_that_do_not_add_up_are_a_read_error():
    rows = chain_rows([[1], [1, 2], [1, 2, 3]])
    rows[("messages", "v0")] = whole([1, 9, 9])  # the base has another length than the tail says
    with pytest.raises(StorageReadFailed, match="extends a list of 1 items, found 3"):
        tails.rebuild("messages", "v2", rows, loads)
    rows[("messages", "v0")] = whole({"not": "a list"})
    with pytest.raises(StorageReadFailed, match="found dict"):
        tails.rebuild("messages", "v1", rows, loads)
    rows[("messages", "v0")] = whole([1])
    rows[("messages", "v1")] = {**tail([2], Seen("v0", (1,), ())), "payload": b"1 v0\n" + dumps(7)[1]}
    with pytest.raises(StorageReadFailed, match="holds a int"):
        tails.rebuild("messages", "v1", rows, loads)
    rows[("messages", "v1")] = {"type": "asm-tail:json", "payload": b"1 v0\nnot json"}
    with pytest.raises(StorageReadFailed, match="unreadable"):
        tails.rebuild("messages", "v1", rows, loads)
    rows[("messages", "v1")] = tail([2], Seen("v0", (1,), ()))
    rows[("messages", "v0")] = tail([1], Seen("v1", (), ()))  # v0 extends v1 extends v0
    with pytest.raises(StorageReadFailed, match="loop"):
        tails.rebuild("messages", "v1", rows, loads)
    rows[("messages", "v0")] = {"type": "asm-tail:json", "payload": b"no header"}
    with pytest.raises(StorageReadFailed, match="header"):
        tails.rebuild("messages", "v1", rows, loads)


# -- what a saver remembers -----------------------------------------------------------------------


def seen(n: int, version: str = "v") -> Seen:
    return Seen(version, tuple(range(n)), (version,))


def test_the_cache_holds_at_most_its_items_dropping_the_least_recent():
    cache = ListCache(10)
    cache.remember(("t1", "", "m"), seen(4))
    cache.remember(("t2", "", "m"), seen(4))
    assert cache.get(("t1", "", "m")) is not None  # t1 is now the more recent
    cache.remember(("t3", "", "m"), seen(4))
    assert cache.get(("t2", "", "m")) is None
    assert cache.get(("t1", "", "m")) is not None and cache.get(("t3", "", "m")) is not None
    cache.remember(("t1", "", "m"), seen(6, "v2"))  # replacing an entry counts its items once
    assert cache.get(("t1", "", "m")) == seen(6, "v2")
    assert cache.get(("t3", "", "m")) is not None


def test_a_list_larger_than_the_cache_is_not_remembered():
    cache = ListCache(3)
    cache.remember(("t", "", "m"), seen(4))
    assert cache.get(("t", "", "m")) is None
    nothing = ListCache(0)
    nothing.remember(("t", "", "m"), seen(0))
    nothing.remember(("t", "", "m"), seen(1))
    assert nothing.get(("t", "", "m")) is None  # 0 turns the cache off


def test_forgotten_threads_are_gone_and_others_stay():
    cache = ListCache(100)
    for key in (("t1", "", "a"), ("t1", "sub", "b"), ("t2", "", "a")):
        cache.remember(key, seen(2))
    cache.forget_threads({"t1"})
    assert cache.get(("t1", "", "a")) is None and cache.get(("t1", "sub", "b")) is None
    assert cache.get(("t2", "", "a")) is not None
    cache.clear()
    assert cache.get(("t2", "", "a")) is None
