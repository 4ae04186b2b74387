"""Running statements on a plain driver connection (psycopg, sqlite3 or PyMySQL, autocommit):
rows of a statement or of a named read query, and statements inside a transaction that is
rolled back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from asm.explain.parameters import encode
from asm.explain.queries import queries_by_name


def fetch_rows(conn: Any, sql: str, params: Any = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of one statement (none for a statement that returns no rows)."""
    cur = conn.cursor()
    try:
        # No parameters, no placeholder parsing (a literal % stays one on every driver).
        cur.execute(sql, params) if params else cur.execute(sql)
        if cur.description is None:
            return [], []
        return [c[0] for c in cur.description], [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def fetch(conn: Any, dialect: str, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a named read query (parameters not given are NULL) and return its rows as dicts."""
    query = queries_by_name(dialect)[name]
    given = {p: params.get(p) for p in query.params}
    columns, rows = fetch_rows(conn, query.sql, encode(dialect, given))
    return [dict(zip(columns, row, strict=True)) for row in rows]


def run_before(conn: Any, setup: Iterable[tuple[str, dict[str, Any]]]) -> None:
    cur = conn.cursor()
    try:
        for sql, params in setup:
            cur.execute(sql, params) if params else cur.execute(sql)
            if cur.description:
                cur.fetchall()
    finally:
        cur.close()


def in_rollback(conn: Any, run: Callable[[], Any], begin: str = "BEGIN",
                setup: Iterable[tuple[str, dict[str, Any]]] = ()) -> Any:
    """`run()` after `setup`, inside a transaction that is rolled back whatever happens."""
    cur = conn.cursor()
    try:
        cur.execute(begin)
        try:
            run_before(conn, setup)
            return run()
        finally:
            cur.execute("ROLLBACK")
    finally:
        cur.close()
