"""Calling asm's SQL yourself: the named queries as typed functions, on your own connection.

    import sqlite3
    import asm, asm.sql

    conn = sqlite3.connect("asm.db", isolation_level=None)   # autocommit: you send BEGIN
    conn.row_factory = asm.sql.dict_row_factory
    q = asm.sql.queries("sqlite")
    conn.execute("BEGIN")
    row = q.get_session(conn, id="...")                      # a dict, or None
    events = [asm.sql.to_record(asm.Event, r, dialect="sqlite")
              for r in q.get_events(conn, session_id="...", run_id=None, types=None,
                                    since=None, after=None, before=None, limit=100)]
    conn.execute("COMMIT")

`queries(dialect)` is the aiosql `Queries` object asm's store runs (`asynchronous=True`: its
async twin); its static type is a Protocol generated into `asm.sql.typed.<dialect>` (regenerate
with `python -m asm.sql.generate`), so mypy checks each call's keywords and each row's keys.
The parameters take the values asm itself sends (`asm.drivers.dialects`: timestamps and JSON in the
dialect's wire form, lists as JSON text on SQLite and MySQL and as lists on PostgreSQL).

What a query function returns, by its `-- name:` suffix: no suffix, the rows (sync: a generator
that closes its cursor when exhausted, so read it to the end or close it; async: an async
generator); `^` one row or None; `$` the first column of the first row, or None (on MySQL a
`$` statement that returns no rows, `advance_sequence`, answers with its LAST_INSERT_ID, None
when it changed no row); `!` the row count (an int); `*!` (a sequence of parameter dicts) the
row count (the async psycopg and aiosqlite adapters return None, aiomysql None for an empty
sequence; on SQLite asm's adapters send a one-row INSERT's `*!` as INSERTs of 256, 64 and 16
rows). PostgreSQL's `get_graph_session` and `list_graph_sessions` return the context as JSON
text, as on the other dialects.

Rows are dicts only on a dict-row connection:
- psycopg: `psycopg.connect(url, row_factory=psycopg.rows.dict_row)` (async:
  `psycopg.AsyncConnection.connect(url, row_factory=dict_row)`);
- sqlite3 and aiosqlite: `conn.row_factory = asm.sql.dict_row_factory`;
- PyMySQL: `pymysql.connect(..., cursorclass=pymysql.cursors.DictCursor)` (aiomysql:
  `cursorclass=aiomysql.DictCursor`).

The settings of asm's own connections that matter when you share its SQL:
- Autocommit everywhere, and an explicit BEGIN ... COMMIT around several statements (SQLite:
  `isolation_level=None`, and `BEGIN IMMEDIATE` before writing; PyMySQL/aiomysql:
  `autocommit=True`; psycopg: `autocommit=True`). A PostgreSQL append is one statement.
- PostgreSQL: jsonb comes back parsed (psycopg's default; asm only swaps in a faster loads:
  msgspec, the standard library where msgspec refuses a text),
  timestamptz as aware datetimes; asm sets `TIME ZONE 'UTC'` and `jit = off` per connection.
- SQLite: timestamps are fixed-width UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, so text order is
  time order) and JSON is text; asm uses WAL and a 30 s busy timeout.
- MySQL/MariaDB: JSON comes back as str, DATETIME(6) as naive datetimes holding UTC; asm's
  sessions use utf8mb4 and READ COMMITTED.

`to_record(cls, row, dialect=...)` turns a row into the Session, Run, Event or Artifact the
store would return, decoding those forms.
"""

from asm.drivers.sqlite import dict_row_factory
from asm.sql.loader import DIALECT_NAMES, queries
from asm.sql.records import to_record

__all__ = ["DIALECT_NAMES", "dict_row_factory", "queries", "to_record"]
