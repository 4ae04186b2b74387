"""Counting what each side sends to the server for one call: statements on PostgreSQL (every
execute is a round trip, an executemany one pipelined batch, and psycopg's own BEGIN/COMMIT of
`conn.transaction()` count too), protocol commands on MySQL. SQLite runs in-process: nothing to count."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg._connection_base
import pymysql.connections

_PATCHES = {
    "postgres": ((psycopg.Cursor, "execute"), (psycopg.Cursor, "executemany"),
                 (psycopg._connection_base.BaseConnection, "_exec_command")),
    "mysql": ((pymysql.connections.Connection, "_execute_command"),),
}


def count_round_trips(dialect: str, call: Callable[[], Any]) -> int | None:
    if dialect not in _PATCHES:
        return None
    with _counting(_PATCHES[dialect]) as counter:
        call()
    return counter[0]


@contextmanager
def _counting(targets):
    counter = [0]
    originals = [(owner, name, getattr(owner, name)) for owner, name in targets]

    def counted(original):
        def wrapper(*args, **kwargs):
            counter[0] += 1
            return original(*args, **kwargs)
        return wrapper

    for owner, name, original in originals:
        setattr(owner, name, counted(original))
    try:
        yield counter
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
