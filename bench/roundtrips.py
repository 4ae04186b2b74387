"""Counting what each side sends to the server for one call: statements on PostgreSQL (every
execute is a round trip, an executemany one pipelined batch, and psycopg's own BEGIN/COMMIT of
`conn.transaction()` count too), protocol commands on MySQL. SQLite runs in-process: nothing to count.
The async drivers are counted the same way (psycopg's AsyncCursor, aiomysql's connection)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import Any

import aiomysql.connection
import psycopg
import psycopg._connection_base
import pymysql.connections

_PATCHES = {
    "postgres": ((psycopg.Cursor, "execute"), (psycopg.Cursor, "executemany"),
                 (psycopg._connection_base.BaseConnection, "_exec_command")),
    "mysql": ((pymysql.connections.Connection, "_execute_command"),),
}
# The async connection shares BaseConnection._exec_command with the sync one.
_ASYNC_PATCHES = {
    "postgres": ((psycopg.AsyncCursor, "execute"), (psycopg.AsyncCursor, "executemany"),
                 (psycopg._connection_base.BaseConnection, "_exec_command")),
    "mysql": ((aiomysql.connection.Connection, "_execute_command"),),
}


def count_round_trips(dialect: str, call: Callable[[], Any]) -> int | None:
    if dialect not in _PATCHES:
        return None
    with _counting(_PATCHES[dialect]) as counter:
        call()
    return counter[0]


async def count_round_trips_async(dialect: str, call: Callable[[], Awaitable[Any]]) -> int | None:
    if dialect not in _ASYNC_PATCHES:
        return None
    with _counting(_ASYNC_PATCHES[dialect]) as counter:
        await call()
    return counter[0]


@contextmanager
def _counting(targets):
    counter = [0]
    originals = [(owner, name, getattr(owner, name)) for owner, name in targets]

    def counted(original):
        # Counted when called: for a coroutine function, when the coroutine is made.
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
