"""The plan of one named query with its parameters, on any dialect."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asm.explain import mysql, postgres, sqlite
from asm.explain.parameters import encode
from asm.explain.queries import NamedQuery
from asm.explain.verdicts import Plan


def explain(conn: Any, dialect: str, query: NamedQuery, params: dict[str, Any], *, analyze: bool = False,
            generic: bool = False, server: str = "",
            before: Iterable[tuple[NamedQuery, dict[str, Any]]] = ()) -> Plan:
    """The plan of one named query with logical parameters. Writes are explained as such; with
    analyze=True they run inside a transaction that is rolled back, after `before` (statements
    a write depends on, such as advance_sequence before SQLite's append_event). generic:
    PostgreSQL's generic plan (the one a prepared statement may switch to, blind to the values)."""
    encoded = encode(dialect, params)
    setup = [(q.sql, encode(dialect, p)) for q, p in before]
    if dialect == "postgres":
        return postgres.explain(conn, query, encoded, analyze=analyze, generic=generic, setup=setup)
    if generic:
        raise ValueError("generic plans are PostgreSQL's")
    if dialect == "mysql":
        return mysql.explain(conn, query, encoded, analyze=analyze, mariadb="mariadb" in server.lower(), setup=setup)
    return sqlite.explain(conn, query, encoded, analyze=analyze)
