"""AsmSessionService: Google ADK's BaseSessionService on an asm store."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from google.adk.events.event import Event as AdkEvent
from google.adk.sessions import _session_util
from google.adk.sessions.base_session_service import BaseSessionService, GetSessionConfig, ListSessionsResponse
from google.adk.sessions.session import Session as AdkSession
from typing_extensions import override

from asm.core.operation import Steps
from asm.integrations.adk import _mapping as m
from asm.integrations.adk import _operations as ops
from asm.store.async_session_store import AsyncSessionStore, connect_async
from asm.store.session_store import SessionStore

R = TypeVar("R")


class ListSessionsPage(ListSessionsResponse):
    """One page of `list_sessions_page`: pass `next_page_token` back for the next (None: the last)."""

    next_page_token: str | None = None


class AsmSessionService(BaseSessionService):
    """ADK sessions, their events and app/user/session state in asm, on PostgreSQL, SQLite or
    MySQL/MariaDB. `store`: an `asm.AsyncSessionStore` (used on the event loop it was opened on)
    or an `asm.SessionStore` (its calls run in a worker thread). The caller keeps ownership of
    a store it passes; `from_url` opens (and `close` closes) one of the service's own."""

    def __init__(self, store: SessionStore | AsyncSessionStore) -> None:
        if not isinstance(store, (SessionStore, AsyncSessionStore)):
            raise TypeError(f"store must be an asm SessionStore or AsyncSessionStore, not {type(store).__name__}")
        self._store: SessionStore | AsyncSessionStore | None = store
        self._url: str | None = None
        self._options: dict[str, Any] = {}
        self._opening = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, **connect_options: Any) -> AsmSessionService:
        """A service on its own AsyncSessionStore, opened with `asm.connect_async(url,
        **connect_options)` on first use (on the event loop that uses it)."""
        service = cls.__new__(cls)
        service._store, service._url, service._options = None, url, dict(connect_options)
        service._opening = asyncio.Lock()
        return service

    async def close(self) -> None:
        """Close the store `from_url` opened (a store passed in is the caller's to close)."""
        if self._url is not None and isinstance(self._store, AsyncSessionStore):
            store, self._store = self._store, None
            await store.close()

    async def __aenter__(self) -> AsmSessionService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _opened(self) -> SessionStore | AsyncSessionStore:
        if self._store is None:
            async with self._opening:
                if self._store is None:
                    if self._url is None:
                        raise RuntimeError("this AsmSessionService is closed")
                    self._store = await connect_async(self._url, **self._options)
        return self._store

    async def _run(self, fn: Callable[..., Steps[R]], *args: Any) -> R:
        store = await self._opened()
        if isinstance(store, AsyncSessionStore):
            return await store._executor.run(fn, *args)
        return await asyncio.to_thread(store._executor.run, fn, *args)

    # -- BaseSessionService ------------------------------------------------------------------

    @override
    async def create_session(self, *, app_name: str, user_id: str, state: dict[str, Any] | None = None,
                             session_id: str | None = None) -> AdkSession:
        adk_session_id = session_id if session_id is not None else str(uuid.uuid4())
        deltas = _deltas(state or {})
        now = _now()
        loaded = await self._run(ops.create_session, app_name, user_id, adk_session_id, deltas, now)
        return m.to_adk_session(loaded.row, loaded.state, [], loaded.sequence)

    @override
    async def get_session(self, *, app_name: str, user_id: str, session_id: str,
                          config: GetSessionConfig | None = None) -> AdkSession | None:
        last = config.num_recent_events if config is not None else None
        since = m.to_datetime(config.after_timestamp) if config is not None and config.after_timestamp else None
        loaded = await self._run(ops.read_session, app_name, user_id, session_id, last, since)
        if loaded is None:
            return None
        events = [m.to_adk_event(event) for event in loaded.events]
        return m.to_adk_session(loaded.row, loaded.state, events, loaded.sequence)

    @override
    async def list_sessions(self, *, app_name: str, user_id: str | None = None) -> ListSessionsResponse:
        """Every session of the app (or of one user), without events, oldest update first as
        ADK's own services list them. For pages, use `list_sessions_page`."""
        listed = await self._run(ops.list_sessions, app_name, user_id, None, None)
        sessions = [_listed(row, state) for row, state in reversed(listed.sessions)]
        sessions.sort(key=lambda s: s.last_update_time)  # stable: ties keep the index order
        return ListSessionsResponse(sessions=sessions)

    async def list_sessions_page(self, *, app_name: str, user_id: str | None = None, page_size: int = 50,
                                 page_token: str | None = None) -> ListSessionsPage:
        """One page of sessions without events, most recently updated first, read from an
        index (keyset pages: a page costs its size however many sessions there are)."""
        listed = await self._run(ops.list_sessions, app_name, user_id, page_size, page_token)
        return ListSessionsPage(sessions=[_listed(row, state) for row, state in listed.sessions],
                                next_page_token=listed.cursor)

    @override
    async def delete_session(self, *, app_name: str, user_id: str, session_id: str) -> None:
        id = m.session_id(app_name, user_id, session_id)
        store = await self._opened()
        if isinstance(store, AsyncSessionStore):
            await store.delete_session(id)
        else:
            await asyncio.to_thread(store.delete_session, id)

    @override
    async def get_user_state(self, *, app_name: str, user_id: str) -> dict[str, Any]:
        return await self._run(ops.read_scope, m.user_state_id(app_name, user_id))

    @override
    async def append_event(self, session: AdkSession, event: AdkEvent) -> AdkEvent:
        """Persist a non-partial event with its state delta (`temp:` keys stripped) in one
        transaction, refused with ADK's StaleSessionError if another writer appended since
        `session` was loaded (decided by sequence numbers, never by clocks)."""
        if event.partial:
            return event
        self._apply_temp_state(session, event)
        event = self._trim_temp_delta_state(event)
        delta = event.actions.state_delta if event.actions and event.actions.state_delta else {}
        asm_event = m.to_asm_event(event, m.session_id(session.app_name, session.user_id, session.id))
        last_event_id = session.events[-1].id if session.events else None
        deltas, seen = _deltas(delta), m.marker_of(session)
        number = None
        if seen is not None and not deltas.app and not deltas.user:
            number = await self._run(ops.append_current_event, asm_event, seen, deltas.session, event.timestamp)
        if number is None:  # stale, gone, or app/user state too: the general path appends or says why not
            number = await self._run(ops.append_event, session.app_name, session.user_id, session.id, asm_event,
                                     seen, last_event_id, deltas, event.timestamp)
        m.set_marker(session, number)
        session.last_update_time = event.timestamp
        return self._commit_event_to_session(session, event)


def _now() -> float:
    return time.time()


def _deltas(state: dict[str, Any]) -> ops.Deltas:
    split = _session_util.extract_json_safe_state_delta(state)
    return ops.Deltas(app=split["app"], user=split["user"], session=split["session"])


def _listed(row: Any, state: dict[str, Any]) -> AdkSession:
    # No number: a listed Session appended to is checked as ADK checks marker-less ones.
    return m.to_adk_session(row, copy.deepcopy(state), [], None)
