"""List channels stored as what they gained: a chat's `messages` grows by a message or two per graph
step, and LangGraph hands the saver the whole list each time. Written whole, a step costs as much as
the conversation is long (PostgresSaver's per-step time grows with the history); here a list whose
earlier items are the very objects the saver last stored or read for that channel is stored as a
*tail*: the new items, and a pointer to the stored value they extend.

A tail is a blob row like any other, (channel, version) once, never rewritten. Its type is
`asm-tail:<serde type>` and its payload `<base length> <base version>\\n` followed by the serde's
bytes of the new items, so every row says what it is: a reader that finds a tail fetches its base
(and the base's base) until it reaches a whole value, and checks each length on the way. A value is
built from at most `MAX_LINKS` rows (the saver writes the whole list again then), fetched in one
round trip: the checkpoint body lists, per channel, the versions its value is built from (`HINTS`).

Identity, not equality, decides "unchanged": LangGraph's reducers (`add_messages`, `operator.add`)
copy the list and keep its items, and a message changed by id is a new object at its position. A
node that edits a stored item in place (LangGraph asks nodes not to) has that edit stored only when
the list is next written whole.

Nothing here imports LangGraph; the savers (`__init__.py`) and operations.py use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from operator import is_
from typing import Any, NamedTuple

from asm.errors import StorageReadFailed

PREFIX = "asm-tail:"
MAX_LINKS = 32  # rows a list value is built from at most: a whole one, then tails
HINTS = "asm_list_chains"  # checkpoint-body key: channel -> versions its value is built from, oldest first
TYPE_LIMIT = 64  # the blobs table's type column
TABLE = "asm_langgraph_blobs"


class Seen(NamedTuple):
    """A list value the saver stored or read: its version, its items, and the versions of the rows it
    is built from (oldest, a whole value, first; this version last)."""

    version: str
    items: tuple[Any, ...]
    chain: tuple[str, ...]


class Tail(NamedTuple):
    kind: str
    data: bytes
    base_version: str
    base_length: int


def encode(kind: str, data: bytes, base: Seen) -> tuple[str, bytes] | None:
    """The (type, payload) of a tail extending `base`, or None when it cannot be stored as one."""
    kind = PREFIX + kind
    if len(kind) > TYPE_LIMIT or "\n" in base.version or " " in base.version:
        return None
    return kind, f"{len(base.items)} {base.version}\n".encode() + data


def decode(kind: str, payload: bytes) -> Tail | None:
    """The tail a blob row holds; None for a whole value. Raises ValueError on a malformed header."""
    if not kind.startswith(PREFIX):
        return None
    header, newline, data = payload.partition(b"\n")
    length, space, version = header.decode().partition(" ")
    if not newline or not space or not version:
        raise ValueError("a list tail without its header")
    return Tail(kind[len(PREFIX):], data, version, int(length))


def base_of(head: bytes | None) -> str | None:
    """The base version named by the first bytes of a tail row (`tail_head` of langgraph_thread_blob_keys)."""
    if head is None:
        return None
    line = bytes(head).partition(b"\n")[0].decode()
    return line.partition(" ")[2] or None


def new_items(seen: Seen | None, value: Any, version: str) -> list[Any] | None:
    """The items `value` gained since `seen`, when it is seen's list plus more (the same objects) and
    the chain has room; None when it must be stored whole."""
    if seen is None or not isinstance(value, list) or seen.version == version or len(seen.chain) >= MAX_LINKS:
        return None
    known = seen.items
    if len(value) <= len(known) or not all(map(is_, known, value)):
        return None
    return value[len(known):]


def same_value(seen: Seen | None, value: Any, version: str) -> bool:
    """Whether `value` is what `seen` holds for this version (a checkpoint saved again)."""
    return (seen is not None and seen.version == version and isinstance(value, list)
            and len(value) == len(seen.items) and all(map(is_, seen.items, value)))


def rebuild(channel: str, version: str, rows: Mapping[tuple[str, str], Any],
            loads: Callable[[tuple[str, bytes]], Any]) -> tuple[Any, tuple[str, ...]] | str:
    """The value of (channel, version) from its stored rows, with the versions it was built from; or the
    version of the first row `rows` lacks (fetch it, then call again). `rows[(channel, version)]` has
    `type` and `payload`."""
    links: list[tuple[str, Tail | None, Any]] = []
    key = version
    while True:
        row = rows.get((channel, key))
        if row is None:
            return key
        payload = bytes(row["payload"]) if row["payload"] is not None else b""
        try:
            tail = decode(row["type"], payload)
        except (ValueError, UnicodeDecodeError) as exc:
            raise unreadable(channel, key, f"{exc}") from exc
        links.append((key, tail, row))
        if tail is None:
            break
        if any(tail.base_version == k for k, _, _ in links):
            raise unreadable(channel, key, "its list tails loop")
        key = tail.base_version
    first_version, _, whole = links.pop()
    value = None if whole["type"] == "empty" or whole["payload"] is None else _loaded(
        loads, (whole["type"], bytes(whole["payload"])), channel, first_version)
    chain = [first_version]
    for key, tail, _ in reversed(links):
        assert tail is not None
        if not isinstance(value, list) or len(value) != tail.base_length:
            raise unreadable(channel, key, f"it extends a list of {tail.base_length} items, "
                                           f"found {len(value) if isinstance(value, list) else type(value).__name__}")
        items = _loaded(loads, (tail.kind, tail.data), channel, key)
        if not isinstance(items, (list, tuple)):
            raise unreadable(channel, key, f"its list tail holds a {type(items).__name__}")
        value = value + list(items)
        chain.append(key)
    return value, tuple(chain)


def _loaded(loads: Callable[[tuple[str, bytes]], Any], typed: tuple[str, bytes], channel: str, version: str) -> Any:
    try:
        return loads(typed)
    except Exception as exc:  # a serde's error is any exception: the row is unreadable either way
        raise unreadable(channel, version, f"{exc}") from exc


def unreadable(channel: str, version: str, why: str) -> StorageReadFailed:
    """The error of a blob row that cannot be read back as a value."""
    return StorageReadFailed(f"stored {TABLE} row {channel!r}/{version!r} is unreadable: {why}",
                             details={"table": TABLE, "id": f"{channel}/{version}", "column": "payload"})


class ListCache:
    """The list values a saver last stored or read, per (thread, namespace, channel), holding at most
    `max_items` items in all (the least recently used go first). Thread-safe: a saver is shared by a
    graph's steps and LangGraph's background writes."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._seen: OrderedDict[tuple[str, str, str], Seen] = OrderedDict()
        self._items = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Seen | None:
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None:
                self._seen.move_to_end(key)
            return seen

    def remember(self, key: tuple[str, str, str], seen: Seen) -> None:
        if not self.max_items or len(seen.items) > self.max_items:
            return
        with self._lock:
            old = self._seen.pop(key, None)
            if old is not None:
                self._items -= len(old.items)
            self._seen[key] = seen
            self._items += len(seen.items)
            while self._items > self.max_items:
                _, dropped = self._seen.popitem(last=False)
                self._items -= len(dropped.items)

    def forget_threads(self, thread_ids: set[str]) -> None:
        with self._lock:
            for key in [k for k in self._seen if k[0] in thread_ids]:
                self._items -= len(self._seen.pop(key).items)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._items = 0
