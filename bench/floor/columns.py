"""Column lists shared by the floor modules (the schema is asm's, the SQL is the floor's own)."""

import json

EVENT_COLUMNS = ("id, type, timestamp, session_id, run_id, sequence_number, data, metadata, "
                 "schema_version, provider, correlation_id")
SESSION_COLUMNS = "id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at"
GRAPH_COLUMNS = "id, graph_id, current_task_id, status_message, context, created_at, updated_at"

# Compact JSON, as anyone storing payloads would write it.
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
loads = json.loads


def event_values(e: dict, number: int | None, ts=lambda value: value) -> tuple:
    """An event dict as the positional parameters of an INSERT in EVENT_COLUMNS order;
    `ts` puts a datetime in the form the driver and column want."""
    return (e["id"], e["type"], ts(e["timestamp"]), e["session_id"], e["run_id"], number,
            dumps(e["data"]), dumps(e["metadata"]), e["schema_version"], e["provider"], e["correlation_id"])


def decode_json_columns(rows: list, positions: tuple[int, ...]) -> list[list]:
    """Rows with their JSON text columns parsed (drivers that return JSON as text)."""
    out = []
    for row in rows:
        row = list(row)
        for i in positions:
            row[i] = loads(row[i])
        out.append(row)
    return out
