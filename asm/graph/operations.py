"""Graph-session operations (docs/behaviour.md#graph-sessions): upsert, compare-and-set, get, delete, one-statement
message append, keyset listing, and checking (and creating, when missing) the table on connect."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import attrs

from asm.arguments import flag, page_limit, require_record, text
from asm.convert import format_timestamp
from asm.cursors import decode_cursor, encode_cursor, store_secret
from asm.core.database import Database
from asm.migrations import migration_statements
from asm.core.operation import Call, JobSteps, RunOperation, Steps, operation, job
from asm.core.transactions import Statement
from asm.errors import AsmError, ConflictError, NotFound, SchemaError, StorageReadFailed, ValidationError
from asm.graph.document import context_from_document, context_from_json, context_to_document, message_to_document
from asm.graph.model import ChatMessage, GraphSession, MessageRole, parse_role
from asm.ids import utc_now

TABLE = "sessions"
GRAPH_MIGRATION = "0003.graph-sessions"
LIST_QUERY = "graph_sessions:created_at_asc"
_TICK = timedelta(microseconds=1)


@attrs.frozen
class GraphSessionPage:
    sessions: list[GraphSession]
    cursor: str | None
    has_more: bool


@job
def prepare_schema(db: Database, create_schema: bool = True) -> JobSteps[None]:
    """Make sure the sessions table is there. The catalog is read first: DDL needs privileges a
    least-privilege role lacks, and on PostgreSQL `CREATE INDEX IF NOT EXISTS` queues for a
    SHARE lock behind any open write (and every later save queues behind it)."""
    flag(create_schema, "create_schema")
    has_table, has_indexes = yield RunOperation(schema_state)
    if has_table and (has_indexes or not create_schema):
        return
    if not create_schema:
        raise SchemaError(
            f"there is no table {TABLE} for graph sessions: run `asm migrate` (migration "
            f"{GRAPH_MIGRATION} creates it), or connect with create_schema=True",
            details={"table": TABLE},
        )
    yield RunOperation(create_table)


@operation(retry=True, atomic=False)
def schema_state(db: Database) -> Steps[tuple[bool, bool]]:
    """Whether the sessions table, and its list indexes, exist. Retried like create_table:
    processes connecting at once to a new SQLite file race to switch it to WAL."""
    row = yield Call("graph_sessions_schema")
    return bool(row["has_table"]), bool(row["has_indexes"])


@operation(write=True, retry=True)
def create_table(db: Database) -> Steps[None]:
    """Create the sessions table and its indexes if missing (a racing creator is retried)."""
    for sql in migration_statements(db.dialect.name, only=GRAPH_MIGRATION):
        yield Statement(sql)


# One statement where RETURNING reports the version; MySQL reads it back in the same transaction.
@operation(write=True, retry=True, atomic=lambda dialect: not dialect.has_returning)
def save(db: Database, session: GraphSession, expect_unchanged: bool = False) -> Steps[None]:
    """Upsert `session`. With expect_unchanged=True, raise ConflictError if the stored row changed
    since this object was loaded (or, for a new object, if the id is taken)."""
    require_record(session, GraphSession, "session")
    params = _params(db, session)
    loaded = session.updated_at
    # updated_at is the version: it must move past the one this object was loaded at.
    now = utc_now() if loaded is None else max(utc_now(), loaded + _TICK)
    params["now"] = db.dialect.encode_ts(now)
    if not expect_unchanged:
        written = yield Call("upsert_graph_session", params)
    elif loaded is None:
        written = yield Call("insert_graph_session_if_absent", params)
    else:
        written = yield Call("update_graph_session_if_unchanged",
                             {**params, "expected_updated_at": db.dialect.encode_ts(loaded)})
    if not db.dialect.has_returning and written:
        written = yield Call("get_graph_session_version", {"id": params["id"]})
    if not written:
        what = "exists already" if loaded is None else f"changed since it was loaded (at {format_timestamp(loaded)})"
        raise ConflictError(f"graph session {params['id']} {what}", details={"id": params["id"]})
    session.created_at = db.dialect.decode_ts(written["created_at"])
    session.updated_at = db.dialect.decode_ts(written["updated_at"])


@operation()
def get(db: Database, id: str) -> Steps[GraphSession | None]:
    """The graph session with this id, or None."""
    row = yield Call("get_graph_session", {"id": _uuid(id)})
    return None if row is None else _from_row(db, row)


@operation(write=True)
def delete(db: Database, id: str) -> Steps[None]:
    """Delete the graph session with this id (idempotent)."""
    yield Call("delete_graph_session", {"id": _uuid(id)})


@operation(write=True)
def append_message(db: Database, id: str, role: MessageRole | str, content: str) -> Steps[ChatMessage]:
    """Append a chat message in one statement, dropping the oldest beyond max_messages;
    concurrent appends lose nothing. NotFound if there is no such session."""
    key = _uuid(id)
    message = ChatMessage(role=parse_role(role), content=text(content, "content"), timestamp=utc_now())
    document = message_to_document(message)
    changed = yield Call("append_graph_message", {
        "id": key, "message": db.dialect.encode_json(document), "now": db.dialect.encode_ts(message.timestamp)})
    if not changed:
        raise NotFound(f"no graph session with id {key}", details={"id": key})
    return message


@operation()
def list_page(db: Database, graph_id: str | None = None, limit: int = 50,
              cursor: str | None = None) -> Steps[GraphSessionPage]:
    """Graph sessions in creation order, one keyset page at a time."""
    page_limit(limit, "limit")
    graph_id = None if graph_id is None else text(graph_id, "graph_id", max_len=255)
    # A cursor continues the listing that made it: of one graph, or of all (InvalidCursor otherwise).
    filters = None if graph_id is None else {"graph_id": graph_id}
    after = (None, None) if cursor is None else decode_cursor(cursor, LIST_QUERY, ("timestamp", "uuid"),
                                                              store_secret(db), filters)
    rows = yield Call("list_graph_sessions", {
        "graph_id": graph_id,
        "after_created_at": db.dialect.encode_ts(after[0]),
        "after_id": after[1],
        "limit": limit + 1,
    })
    sessions = [_from_row(db, row) for row in rows[:limit]]
    has_more = len(rows) > limit
    last = sessions[-1] if has_more else None
    return GraphSessionPage(
        sessions=sessions,
        cursor=encode_cursor(LIST_QUERY, (last.created_at, last.id), store_secret(db), filters) if last else None,
        has_more=has_more,
    )


# -- rows and parameters ---------------------------------------------------------------------


def _params(db: Database, session: GraphSession) -> dict[str, Any]:
    return {
        "id": _uuid(session.id),
        "graph_id": text(session.graph_id, "graph_id", max_len=255),
        "current_task_id": text(session.current_task_id, "current_task_id"),
        "status_message": None if session.status_message is None
        else text(session.status_message, "status_message", allow_empty=True),
        "context": db.dialect.encode_json(context_to_document(session.context)),
    }


def _from_row(db: Database, row: dict[str, Any]) -> GraphSession:
    key = str(row["id"])
    try:
        stored = row["context"]
        context = (context_from_json(stored) if isinstance(stored, (str, bytes))
                   else context_from_document(stored))
    except (AsmError, ValueError, TypeError) as exc:
        raise StorageReadFailed(
            f"stored {TABLE} row {key!r} has an unreadable context: {exc}",
            details={"table": TABLE, "id": key, "column": "context"},
        ) from exc
    session = GraphSession(id=key, graph_id=row["graph_id"], current_task_id=row["current_task_id"],
                           status_message=row["status_message"], context=context)
    session.created_at = db.dialect.decode_ts(row["created_at"])
    session.updated_at = db.dialect.decode_ts(row["updated_at"])
    return session


def _uuid(value: Any) -> str:
    """The canonical lowercase form of a UUID id; anything else is refused before any SQL."""
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(f"graph session id must be a UUID, not {value!r}", details={"field": "id"}) from None


