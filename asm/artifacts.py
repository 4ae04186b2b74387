"""The artifact registry (docs/behaviour.md#artifacts): metadata of blobs stored elsewhere, keyed by a
unique key among live artifacts; deleting is soft."""

from __future__ import annotations

from typing import Any

import attrs

from asm.arguments import require_id
from asm.core.database import Database
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import from_row, to_params
from asm.errors import AlreadyExists
from asm.ids import utc_now
from asm.records import Artifact

TABLE = "asm_artifacts"


@attrs.frozen
class ArtifactStats:
    artifact_count: int
    total_bytes: int


@operation(write=True, retry=True)
def register(
    db: Database, *, key: str, size_bytes: int, session_id: str | None = None, run_id: str | None = None,
    type: str | None = None, content_type: str | None = None, checksum_sha256: str | None = None,
    storage_backend: str | None = None, storage_ref: str | None = None,
    metadata: dict[str, Any] | None = None, id: str | None = None,
) -> Steps[Artifact]:
    """Register an artifact; AlreadyExists when a live one has the key (a soft-deleted one is replaced)."""
    optional = {"session_id": session_id, "run_id": run_id, "type": type, "content_type": content_type,
                "checksum_sha256": checksum_sha256, "storage_backend": storage_backend,
                "storage_ref": storage_ref, "metadata": metadata if metadata is not None else {}, "id": id}
    artifact = Artifact.new(key=key, size_bytes=size_bytes, **{k: v for k, v in optional.items() if v is not None})
    params = to_params(db.dialect, artifact)
    yield Call("purge_deleted_artifact", {"key": artifact.key})
    if not (yield Call("insert_artifact", params)):
        raise AlreadyExists(f"an artifact with key {artifact.key!r} (or id {artifact.id!r}) exists",
                            details={"key": artifact.key, "id": artifact.id})
    return from_row(db.dialect, Artifact, TABLE, params)


@operation()
def get_by_key(db: Database, key: str) -> Steps[Artifact | None]:
    """The live artifact with this key, or None."""
    row = yield Call("get_live_artifact", {"key": require_id(key, "key")})
    return None if row is None else from_row(db.dialect, Artifact, TABLE, row)


@operation()
def list_by_session(db: Database, session_id: str) -> Steps[list[Artifact]]:
    """A session's live artifacts, ordered by created_at, id."""
    rows = yield Call("list_live_artifacts", {"session_id": require_id(session_id, "session_id")})
    return [from_row(db.dialect, Artifact, TABLE, row) for row in rows]


@operation()
def session_stats(db: Database, session_id: str) -> Steps[ArtifactStats]:
    """How many live artifacts a session has and their total size in bytes."""
    row = yield Call("live_artifact_stats", {"session_id": require_id(session_id, "session_id")})
    return ArtifactStats(artifact_count=int(row["artifact_count"]), total_bytes=int(row["total_bytes"]))


@operation(write=True)
def delete(db: Database, key: str) -> Steps[None]:
    """Soft-delete the live artifact with this key (idempotent)."""
    yield Call("soft_delete_artifact", {"key": require_id(key, "key"), "now": db.dialect.encode_ts(utc_now())})
