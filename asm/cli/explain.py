"""`asm explain`: the database's plan for the hot read queries, with their own SQL.

The statements are the named queries asm runs (loaded by aiosql for the dialect's driver), sent
with EXPLAIN (EXPLAIN QUERY PLAN on SQLite) on a plain driver connection. Filters are NULL, as
in an unfiltered search; ids are those of a stored session when there is one.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from asm.db.resources import load_queries
from asm.db.sync_drivers import SYNC_DRIVERS
from asm.db.translate import translate
from asm.db.urls import DatabaseURL

# The hot reads and what they are given besides NULL filters ("session" = a stored session's id).
HOT_QUERIES = {
    "get_events": {"session_id": "session", "limit": 100},
    "get_session": {"id": "session"},
    "search_sessions_updated_desc": {"include_deleted": 0, "limit": 51},
    "search_runs_started_desc": {"limit": 51},
    "search_events_sequence_asc": {"limit": 101},
}
SAMPLE_SESSION_ID = "ses_" + "0" * 32

_PYFORMAT = re.compile(r"%\(([A-Za-z_]\w*)\)s")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@attrs.frozen
class Plan:
    query: str
    sql: str
    parameters: dict[str, Any]
    plan: list[str]


def explain(url: DatabaseURL, conn: Any, session_id: str | None) -> list[Plan]:
    queries = load_queries(url.dialect, SYNC_DRIVERS[url.dialect].aiosql_adapter)
    plans = []
    for name, given in HOT_QUERIES.items():
        sql = getattr(queries, name).sql
        pattern = _NAMED if url.dialect == "sqlite" else _PYFORMAT
        samples = {p: session_id or SAMPLE_SESSION_ID if v == "session" else v for p, v in given.items()}
        parameters = {p: samples.get(p) for p in dict.fromkeys(pattern.findall(sql))}
        try:
            lines = _PLANNERS[url.dialect](conn, sql, parameters)
        except Exception as exc:
            raise translate(exc, url=url, write=False, what=f"explaining {name}") from exc
        plans.append(Plan(name, sql, parameters, lines))
    return plans


def _rows(conn: Any, sql: str, parameters: dict[str, Any]) -> tuple[list[str], list[tuple]]:
    cur = conn.cursor()
    try:
        cur.execute(sql, parameters)
        return [c[0] for c in cur.description], [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def _postgres(conn: Any, sql: str, parameters: dict[str, Any]) -> list[str]:
    _columns, rows = _rows(conn, "EXPLAIN " + sql, parameters)
    return [row[0] for row in rows]


def _mysql(conn: Any, sql: str, parameters: dict[str, Any]) -> list[str]:
    columns, rows = _rows(conn, "EXPLAIN " + sql, parameters)
    return [", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True) if v is not None) for row in rows]


def _sqlite(conn: Any, sql: str, parameters: dict[str, Any]) -> list[str]:
    _columns, rows = _rows(conn, "EXPLAIN QUERY PLAN " + sql, parameters)
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


_PLANNERS = {"postgres": _postgres, "mysql": _mysql, "sqlite": _sqlite}
