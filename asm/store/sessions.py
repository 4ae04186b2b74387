"""Session operations: upsert, read, list, restore, hard delete."""

from __future__ import annotations

from asm.arguments import (
    optional_count,
    optional_enum,
    optional_id,
    require_id,
    require_record,
)
from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import records_from, to_params
from asm.enums import SessionStatus
from asm.errors import SessionNotFound
from asm.records import Session

TABLE = "asm_sessions"


@operation(write=True)
def save_session(db: Database, session: Session) -> Steps[None]:
    """Insert or update `session` by id (created_at and a soft delete are kept)."""
    params = to_params(db.dialect, require_record(session, Session, "session"))
    yield Call("upsert_session", params)


@operation()
def get_session(db: Database, id: str) -> Steps[Session]:
    """The session with this id, soft-deleted or not; SessionNotFound if there is none."""
    rows = yield Call("get_session", {"id": require_id(id)}, tuples=True)
    found = records_from(db.dialect, Session, TABLE, rows)
    if not found:
        raise session_not_found(id)
    return found[0]


@operation()
def list_sessions(
    db: Database, *, status: SessionStatus | str | None = None, agent_id: str | None = None,
    limit: int | None = None, offset: int = 0,
) -> Steps[list[Session]]:
    """Sessions ordered by created_at, id, soft-deleted ones included."""
    status = optional_enum(SessionStatus, status, "status")
    params = {
        "status": None if status is None else status.value,
        "agent_id": optional_id(agent_id, "agent_id"),
        "limit": optional_count(limit, "limit"),
        "offset": optional_count(offset, "offset"),
    }
    if params["limit"] == 0:
        return []
    if params["limit"] is None:
        params["limit"] = db.dialect.no_limit
    rows = yield Call("list_sessions", params, tuples=True)
    return records_from(db.dialect, Session, TABLE, rows)


@operation(write=True)
def restore_session(db: Database, id: str) -> Steps[None]:
    """Clear the soft delete of a session; SessionNotFound if there is none."""
    changed = yield Call("restore_session", {"id": require_id(id)})
    if not changed and (yield Call("get_session", {"id": id})) is None:
        raise session_not_found(id)


@operation(write=True, atomic=True)
def delete_session(db: Database, id: str) -> Steps[None]:
    """Hard-delete a session with its runs, events, counter and artifact rows (idempotent)."""
    params = {"session_id": require_id(id)}
    yield Call("delete_session_events", params)
    yield Call("delete_session_runs", params)
    yield Call("delete_session_artifacts", params)
    yield Call("delete_session_sequence", params)
    yield Call("delete_session_row", {"id": id})


def session_not_found(id: str) -> SessionNotFound:
    return SessionNotFound(f"no session with id {id!r}", details={"id": id})
