"""asm as the session memory of the OpenAI Agents SDK (`pip install 'asm[openai-agents]'`).

    session = AsmSession("user-42", store)        # instead of SQLiteSession("user-42", "conv.db")
    await Runner.run(agent, "Hello", session=session)

The SDK session with id X is the asm session with id X (created on the first write, agent_id
"openai-agents"); each item is one asm event whose `data` is the item as the SDK gave it, so
the history is in sequence order (no timestamp ties) and asm's queries, exports and retention
see it. Event types are coarse labels for those queries (user input: message_received, model
output: message_sent, a tool call: tool_call_started, its output: tool_call_completed); the
history is the session's events of these types, so other events (runs, usage) may share it.

Writes run to their end even when the caller is cancelled (the cancellation is raised after),
so `add_items` stores all of its items or none, `pop_item` removes exactly the item it returns
when several pop at once, and an `add_items` retried after it raised (or was cancelled) writes
nothing twice: see `AsmSession.add_items`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from agents.items import TResponseInputItem
from agents.memory.session_settings import SessionSettings, coerce_session_settings, resolve_session_limit

from asm.arguments import require_id
from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.enums import EventType, SessionStatus
from asm.errors import SessionNotFound
from asm.ids import new_id
from asm.records import Event, Session
from asm.store.async_session_store import AsyncSessionStore, connect_async
from asm.store.events import read_events
from asm.store.session_store import SessionStore
from asm.store.sessions import get_session, save_session

__all__ = ["AsmSession", "ITEM_TYPES"]

R = TypeVar("R")

# The event types an SDK item is stored as; the history is the session's events of these.
ITEM_TYPES = (EventType.MESSAGE_RECEIVED, EventType.MESSAGE_SENT, EventType.TOOL_CALL_STARTED,
              EventType.TOOL_CALL_COMPLETED)
DEFAULT_AGENT_ID = "openai-agents"
# Failed add_items calls whose ids a retry reuses, per AsmSession (the oldest are forgotten).
_REMEMBERED_FAILURES = 32


def item_event_type(item: Any) -> EventType:
    """The event type an item is stored as (a label for asm's queries; the item is unchanged)."""
    kind = item.get("type") if isinstance(item, dict) else None
    if kind is None or kind == "message":
        role = item.get("role") if isinstance(item, dict) else None
        return EventType.MESSAGE_SENT if role == "assistant" else EventType.MESSAGE_RECEIVED
    if isinstance(kind, str) and kind.endswith("_call_output"):
        return EventType.TOOL_CALL_COMPLETED
    if isinstance(kind, str) and kind.endswith("_call"):
        return EventType.TOOL_CALL_STARTED
    return EventType.MESSAGE_SENT  # reasoning, compaction and the model's other output items


class AsmSession:
    """The SDK's `Session` protocol on an asm store: an `AsyncSessionStore`, or a `SessionStore`
    (its calls then run in a worker thread). Stores are shared: give every AsmSession of a
    process the same one. An AsmSession serves the tasks of one event loop."""

    def __init__(self, session_id: str, store: AsyncSessionStore | SessionStore, *,
                 agent_id: str = DEFAULT_AGENT_ID,
                 session_settings: SessionSettings | dict[str, Any] | None = None):
        if not isinstance(store, (AsyncSessionStore, SessionStore)):
            raise TypeError(f"store must be an asm AsyncSessionStore or SessionStore, not {type(store).__name__}")
        self._setup(session_id, store, None, agent_id, session_settings)

    @classmethod
    def from_url(cls, session_id: str, url: str, *, migrate: bool = False, agent_id: str = DEFAULT_AGENT_ID,
                 session_settings: SessionSettings | dict[str, Any] | None = None,
                 **connect_options: Any) -> AsmSession:
        """An AsmSession on its own AsyncSessionStore, opened on first use (`asm.connect_async(url,
        migrate=..., **connect_options)`) and closed by `close()`. One pool per session: for
        many sessions, connect once and pass the store instead."""
        session = cls.__new__(cls)
        session._setup(session_id, None, lambda: connect_async(url, migrate=migrate, **connect_options),
                       agent_id, session_settings)
        return session

    def _setup(self, session_id: str, store: AsyncSessionStore | SessionStore | None,
               connect: Callable[[], Awaitable[AsyncSessionStore]] | None, agent_id: str,
               session_settings: SessionSettings | dict[str, Any] | None) -> None:
        self.session_id = require_id(session_id, "session_id")
        self.session_settings: SessionSettings | None = (
            None if session_settings is None else coerce_session_settings(session_settings))
        self._agent_id = require_id(agent_id, "agent_id")
        self._store = store
        self._connect = connect
        self._connecting: asyncio.Task[AsyncSessionStore] | None = None
        self._session_saved = False
        # Fingerprint of a failed add_items call's items -> the event ids it used.
        self._failed: OrderedDict[str, list[str]] = OrderedDict()

    async def close(self) -> None:
        """Close the store `from_url` opened (a store passed in is its owner's to close)."""
        if self._connect is None or self._connecting is None:
            return
        connecting, self._connecting, self._store = self._connecting, None, None
        await (await connecting).close()

    # -- the SDK's Session protocol ----------------------------------------------------------

    async def get_items(self, limit: int | None = None) -> list[TResponseInputItem]:
        """The latest `limit` items (default: session_settings.limit; None: all), oldest first."""
        last = resolve_session_limit(limit, self.session_settings)
        if last is not None and last <= 0:
            return []
        events = await self._run(read_events, self.session_id, type=list(ITEM_TYPES), last=last)
        return [cast(TResponseInputItem, event.data) for event in events]

    async def add_items(self, items: list[TResponseInputItem], *, idempotency_key: str | None = None) -> None:
        """Append `items` at the end of the history in one transaction: all or none.

        Retrying is safe. The items' event ids are fixed before the write, and asm stores an
        event id once, so a write asm retries itself (a lost race) or that ran to its end after
        the caller was cancelled never duplicates. A call that raises (or is cancelled) leaves
        its ids with this AsmSession: the next `add_items` of equal items reuses them, so a
        caller retrying after an error writes each item once whether or not the first try
        committed. A call that returned forgets them: equal items again are new turns. Across
        processes, pass `idempotency_key` (a string naming this batch, e.g. a request id): the
        ids derive from it, and a second call with the same key writes nothing.
        """
        if not items:
            return
        items = list(items)
        key = None if idempotency_key is None else require_id(idempotency_key, "idempotency_key")
        fingerprint = _fingerprint(items) if self._failed and key is None else None
        ids = self._failed.get(fingerprint) if fingerprint is not None else None
        if ids is None or len(ids) != len(items):
            ids = [_keyed_id(self.session_id, key, i) if key is not None else new_id("evt") for i in range(len(items))]
        events = [Event.new(id=id, type=item_event_type(item), session_id=self.session_id, data=item)
                  for id, item in zip(ids, items)]
        try:
            await _to_the_end(self._append(events))
        except BaseException:
            if key is None:
                self._remember(fingerprint or _fingerprint(items), ids)
            raise
        if fingerprint is not None:
            self._failed.pop(fingerprint, None)

    async def pop_item(self) -> TResponseInputItem | None:
        """Remove and return the latest item (None when there is none). Concurrent callers each
        get a different item: the delete that removes it is the claim."""
        event = await _to_the_end(self._run(pop_latest_event, self.session_id, list(ITEM_TYPES)))
        return None if event is None else cast(TResponseInputItem, event.data)

    async def clear_session(self) -> None:
        """Delete the session's events. The asm session (its row, runs and counter) stays, so
        later items keep numbering on from where the history was."""
        await _to_the_end(self._run(delete_all_events, self.session_id))

    # -- the store ---------------------------------------------------------------------------

    async def _append(self, events: list[Event]) -> None:
        if not self._session_saved:
            await self._run(save_session_if_absent, self.session_id, self._agent_id)
            self._session_saved = True
        if len(events) == 1:
            # One event: PostgreSQL's single-statement append.
            await self._call(lambda s: s.append_event(events[0]), lambda s: s.append_event(events[0]))
        else:
            await self._call(lambda s: s.append_events(events), lambda s: s.append_events(events))

    async def _run(self, fn: Callable[..., Steps[R]], *args: Any, **kwargs: Any) -> R:
        """Run an asm operation (sans-I/O, asm/core/operation.py) on the store's executor."""
        return await self._call(lambda s: s._executor.run(fn, *args, **kwargs),
                                lambda s: s._executor.run(fn, *args, **kwargs))

    async def _call(self, on_async: Callable[[AsyncSessionStore], Awaitable[R]],
                    on_sync: Callable[[SessionStore], R]) -> R:
        store = self._store if self._store is not None else await self._open()
        if isinstance(store, AsyncSessionStore):
            return await on_async(store)
        return await asyncio.to_thread(on_sync, store)

    async def _open(self) -> AsyncSessionStore:
        assert self._connect is not None
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            store = await asyncio.shield(connecting)
        except BaseException:
            if connecting.done() and self._connecting is connecting:
                self._connecting = None  # it failed: the next call tries again
            raise
        self._store = store
        return store

    def _remember(self, fingerprint: str, ids: list[str]) -> None:
        self._failed[fingerprint] = ids
        self._failed.move_to_end(fingerprint)
        while len(self._failed) > _REMEMBERED_FAILURES:
            self._failed.popitem(last=False)


async def _to_the_end(write: Awaitable[R]) -> R:
    """Await `write` in a task of its own that a cancellation of the caller does not stop: the
    write ends (committed or rolled back, never half done) and the cancellation is raised then."""
    task = asyncio.ensure_future(write)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError as exc:
            cancelled = cancelled or exc
    if cancelled is not None:
        if not task.cancelled():
            task.exception()  # retrieved: the caller hears of the cancellation, not of this
        raise cancelled
    return task.result()


def _fingerprint(items: list[Any]) -> str:
    text = json.dumps(items, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _keyed_id(session_id: str, key: str, index: int) -> str:
    digest = hashlib.sha256(f"openai-agents\0{session_id}\0{key}\0{index}".encode()).hexdigest()
    return f"evt_{digest[:32]}"


# -- operations (sans-I/O, run through the store's executor) ------------------------------------


@operation(write=True, retry=True)
def save_session_if_absent(db: Database, session_id: str, agent_id: str) -> Steps[None]:
    """Create the asm session of an SDK session unless it exists (an existing one is left as is)."""
    try:
        yield from get_session(db, session_id)
    except SessionNotFound:
        yield from save_session(db, Session.new(id=session_id, agent_id=agent_id, status=SessionStatus.ACTIVE,
                                                tags=["openai-agents"]))


@operation(write=True, retry=True)
def pop_latest_event(db: Database, session_id: str, types: list[EventType]) -> Steps[Event | None]:
    """Delete the session's latest event of `types` and return it, or None when it has none.

    The DELETE is the claim: of concurrent pops that read the same tail, the one whose DELETE
    removes the row returns it; the others (a row lock, then no row) read the new tail. Read
    committed (PostgreSQL, MySQL as asm connects) lets each read see the pops committed before it.
    """
    while True:
        tail = yield from read_events(db, session_id, type=types, last=1)
        if not tail:
            return None
        deleted = yield Call("delete_events_by_ids", {"ids": db.dialect.encode_ids([tail[0].id])})
        if deleted:
            return tail[0]


@operation(write=True)
def delete_all_events(db: Database, session_id: str) -> Steps[None]:
    """Delete every event of a session (one statement), keeping its row, runs and counter."""
    yield Call("delete_session_events", {"session_id": require_id(session_id, "session_id")})
