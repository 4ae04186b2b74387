"""The ADK service's store work as asm operations: each runs on one connection (the write ones
in one transaction, rerun whole after a deadlock), on the sync and the async executor alike.

Per-session mutual exclusion is asm's own: the session's sequence counter row, which every
append locks until commit. The stale check is the append itself: a writer that has seen
number N must be handed N + 1, else someone appended in between and it is rolled back.
App and user state rows are locked the same way, by advancing their counters by 0.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
from google.adk.errors._stale_session_error import StaleSessionError
from google.adk.errors.already_exists_error import AlreadyExistsError
from google.adk.errors.session_not_found_error import SessionNotFoundError

from asm.core.database import Database
from asm.core.operation import Call, Steps, operation, unless_one_statement
from asm.errors import SessionNotFound
from asm.ids import utc_now
from asm.query import sessions as session_queries
from asm.query.records import SessionPage
from asm.records import Event, Session
from asm.store import events as event_log
from asm.store import sessions
from asm.integrations.adk import _mapping as m

STALE = ("The session has been modified in storage since it was loaded (another writer appended "
         "an event): reload it with get_session before appending.")


def _find(db: Database, id: str) -> Steps[Session | None]:
    try:
        return (yield from sessions.get_session(db, id))
    except SessionNotFound:
        return None


def _lock(db: Database, id: str) -> Steps[None]:
    # Advancing a counter by 0 takes its row lock (creating it at 0) without using a number.
    now = db.dialect.encode_ts(utc_now())
    yield Call("advance_sequence", {"id": None, "session_id": id, "count": 0, "now": now})


def _apply_scope(db: Database, id: str, delta: dict[str, Any], build: Callable[[dict[str, Any]], Session],
                 now: float) -> Steps[dict[str, Any]]:
    """The app or user state after merging `delta` into it (read only when there is none)."""
    if not delta:
        return m.state_of((yield from _find(db, id)))
    yield from _lock(db, id)
    row = yield from _find(db, id)
    state = m.state_of(row) | delta
    if row is None:
        row = build(state)
    else:
        row = attrs.evolve(row, context={**row.context, m.STATE: state}, updated_at=m.to_datetime(now))
    yield from sessions.save_session(db, row)
    return state


@attrs.frozen
class Deltas:
    app: dict[str, Any]
    user: dict[str, Any]
    session: dict[str, Any]


def _scopes(db: Database, app_name: str, user_id: str, deltas: Deltas,
            now: float) -> Steps[tuple[dict[str, Any], dict[str, Any]]]:
    app = yield from _apply_scope(db, m.app_state_id(app_name), deltas.app,
                                  lambda s: m.scope_row(m.app_state_id(app_name), "app", app_name, None, s, now), now)
    user = yield from _apply_scope(
        db, m.user_state_id(app_name, user_id), deltas.user,
        lambda s: m.scope_row(m.user_state_id(app_name, user_id), "user", app_name, user_id, s, now), now)
    return app, user


@attrs.frozen
class Loaded:
    """What a read or write hands back to build an ADK Session from."""

    row: Session
    state: dict[str, Any]  # merged: app:, user: and session keys
    events: list[Event]
    sequence: int


@operation(write=True, retry=True)
def create_session(db: Database, app_name: str, user_id: str, adk_session_id: str, deltas: Deltas,
                   now: float) -> Steps[Loaded]:
    id = m.session_id(app_name, user_id, adk_session_id)
    # Taken first, so a rival creating the same id waits here and then finds our row.
    yield from _lock(db, id)
    if (yield from _find(db, id)) is not None:
        raise AlreadyExistsError(f"Session with id {adk_session_id} already exists.")
    row = m.new_session_row(app_name, user_id, adk_session_id, deltas.session, now)
    yield from sessions.save_session(db, row)
    app, user = yield from _scopes(db, app_name, user_id, deltas, now)
    sequence = yield from event_log.get_latest_sequence(db, id)
    return Loaded(row, m.merged_state(app, user, deltas.session), [], sequence)


def _json(db: Database, value: Any) -> str:
    encoded = db.dialect.encode_json(value)
    assert encoded is not None
    return encoded


@operation(write=True, retry=True, atomic=unless_one_statement)
def append_current_event(db: Database, event: Event, seen: int, session_delta: dict[str, Any],
                         now: float) -> Steps[int | None]:
    """The common append: a writer that has seen number `seen`, changing session state only.
    Returns the event's number, or None, having changed nothing, when the append is not that
    simple (stale, no live session, no counter yet): `append_event` then appends or says why not.

    PostgreSQL: one statement, `adk_append_event`, with no BEGIN ... COMMIT. Elsewhere, in one
    transaction: the session row read, the counter advanced past `seen` only, the event
    inserted at `seen` + 1 and the state saved. Reading the row before taking the counter is
    safe: the state changes only with an append, which moves the counter."""
    params = event_log.append_parameters(db, event)
    updated_at = db.dialect.encode_ts(m.to_datetime(now))
    if db.dialect.appends_in_one_statement:
        row = yield Call("adk_append_event", {
            **params, "now": db.dialect.encode_ts(utc_now()), "seen": seen,
            "state_delta": _json(db, session_delta), "last_update": _json(db, now), "updated_at": updated_at})
        return None if row is None else int(row["sequence_number"])
    session = yield from _find(db, event.session_id)
    if session is None or session.deleted_at is not None:
        return None
    advanced = yield Call("adk_append_event", {"session_id": event.session_id, "seen": seen,
                                               "now": db.dialect.encode_ts(utc_now())})
    if not advanced:
        return None
    yield Call("append_event", {**params, "sequence_number": seen + 1})
    context = {**session.context, m.STATE: m.state_of(session) | session_delta, m.LAST_UPDATE: now}
    yield Call("adk_save_session_state", {"session_id": event.session_id, "context": _json(db, context),
                                          "updated_at": updated_at})
    return seen + 1


@operation(write=True, retry=True)
def append_event(db: Database, app_name: str, user_id: str, adk_session_id: str, event: Event,
                 seen: int | None, last_event_id: str | None, deltas: Deltas, now: float) -> Steps[int]:
    """Append `event` unless the writer is stale; apply the state deltas; returns its number.

    `seen`: the number the writer's Session was loaded or last appended at. None (a Session
    no asm service loaded): it is current if its last event (`last_event_id`) is the latest
    one stored, ADK's own rule for such sessions."""
    stored = yield from event_log.append_event_with_sequence(db, event)
    number = stored.sequence_number or 0
    if seen is None:
        previous = yield from event_log.read_events(db, event.session_id, before=number, last=1)
        stored_last = previous[-1].metadata.get("adk_event_id") if previous else None
        if stored_last != last_event_id:
            raise StaleSessionError(STALE)
    elif number != seen + 1:
        raise StaleSessionError(STALE)
    row = yield from _find(db, event.session_id)
    if row is None or row.deleted_at is not None:
        raise SessionNotFoundError(f"Session {adk_session_id} not found.")
    state = m.state_of(row) | deltas.session
    yield from sessions.save_session(db, attrs.evolve(
        row, context={**row.context, m.STATE: state, m.LAST_UPDATE: now}, updated_at=m.to_datetime(now)))
    if deltas.app or deltas.user:
        yield from _scopes(db, app_name, user_id, deltas, now)
    return number


@operation()
def read_session(db: Database, app_name: str, user_id: str, adk_session_id: str, last: int | None,
                 since: datetime | None) -> Steps[Loaded | None]:
    id = m.session_id(app_name, user_id, adk_session_id)
    # Events (and the number seen) before the state: a Session never holds state newer than
    # its number says, so a writer in between makes its next append stale, never lost.
    events: list[Event] = []
    if last != 0:
        events = yield from event_log.read_events(db, id, since=since, last=last)
    if events and since is None:
        sequence = events[-1].sequence_number or 0
    else:
        sequence = yield from event_log.get_latest_sequence(db, id)
    row = yield from _find(db, id)
    if row is None or row.deleted_at is not None:
        return None
    app = m.state_of((yield from _find(db, m.app_state_id(app_name))))
    user = m.state_of((yield from _find(db, m.user_state_id(app_name, user_id))))
    events = [e for e in events if e.provider == m.PROVIDER]
    return Loaded(row, m.merged_state(app, user, m.state_of(row)), events, sequence)


@operation()
def read_scope(db: Database, id: str) -> Steps[dict[str, Any]]:
    return m.state_of((yield from _find(db, id)))


@attrs.frozen
class Listed:
    sessions: list[tuple[Session, dict[str, Any]]]  # each row with its merged state
    cursor: str | None


def _page(db: Database, limit: int, cursor: str | None, *, agent_id: str | None = None,
          tags: list[str] | None = None) -> Steps[SessionPage]:
    page: SessionPage = yield from session_queries.search_sessions(
        db, agent_id=agent_id, tags=tags, order_by="updated_at_desc", limit=limit, cursor=cursor)
    return page


@operation()
def list_sessions(db: Database, app_name: str, user_id: str | None, limit: int | None,
                  cursor: str | None) -> Steps[Listed]:
    """ADK sessions of an app (one user's or all), most recently updated first: one page of
    `limit`, or every page when `limit` is None."""
    where: dict[str, Any] = ({"agent_id": m.user_agent_id(app_name, user_id)} if user_id is not None
                             else {"tags": [m.app_tag(app_name)]})
    rows: list[Session] = []
    while True:
        page = yield from _page(db, limit or 500, cursor, **where)
        rows += page.sessions
        cursor = page.cursor if page.has_more else None
        if limit is not None or cursor is None:
            break
    # The agent id can be a hash or ambiguous ("a/b" + "c", "a" + "b/c"): the key decides.
    keys = [(row, m.adk_key(row)) for row in rows if row.deleted_at is None]
    mine = [(row, key) for row, key in keys
            if key is not None and key[0] == app_name and (user_id is None or key[1] == user_id)]
    app = m.state_of((yield from _find(db, m.app_state_id(app_name))))
    users: dict[str, dict[str, Any]] = {}
    for wanted in sorted({key[1] for _, key in mine}):
        users[wanted] = m.state_of((yield from _find(db, m.user_state_id(app_name, wanted))))
    listed = [(row, m.merged_state(app, users[key[1]], m.state_of(row))) for row, key in mine]
    return Listed(listed, cursor)
