"""Run operations: upsert, read, list, and the active run of a session."""

from __future__ import annotations

from asm.arguments import optional_count, optional_enum, require_id, require_record
from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import from_row, to_params
from asm.enums import RunStatus
from asm.errors import RunNotFound
from asm.records import Run

TABLE = "asm_runs"


@operation(write=True)
def save_run(db: Database, run: Run) -> Steps[None]:
    """Insert or replace `run` by id."""
    yield Call("upsert_run", to_params(db.dialect, require_record(run, Run, "run")))


@operation()
def get_run(db: Database, id: str) -> Steps[Run]:
    """The run with this id; RunNotFound if there is none."""
    row = yield Call("get_run", {"id": require_id(id)})
    if row is None:
        raise RunNotFound(f"no run with id {id!r}", details={"id": id})
    return from_row(db.dialect, Run, TABLE, row)


@operation()
def list_runs(
    db: Database, session_id: str, *, status: RunStatus | str | None = None,
    limit: int | None = None,
) -> Steps[list[Run]]:
    """A session's runs ordered by started_at, id."""
    status = optional_enum(RunStatus, status, "status")
    limit = optional_count(limit, "limit")
    if limit == 0:
        return []
    rows = yield Call("list_runs", {
        "session_id": require_id(session_id, "session_id"),
        "status": None if status is None else status.value,
        "limit": db.dialect.no_limit if limit is None else limit,
    })
    return [from_row(db.dialect, Run, TABLE, row) for row in rows]


@operation()
def get_active_run(db: Database, session_id: str) -> Steps[Run | None]:
    """The most recently started run with status running, or None."""
    row = yield Call("get_active_run", {"session_id": require_id(session_id, "session_id")})
    return None if row is None else from_row(db.dialect, Run, TABLE, row)
