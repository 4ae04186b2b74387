"""What a migrated database says about asm's tables and named queries.

- PostgreSQL describes a prepared statement without running it: the type of every parameter
  (as the server infers it) and of every result column, and the table column a result column
  comes from (whose NOT NULL then holds, unless the query has an outer join).
- MySQL/MariaDB and SQLite describe results only once a statement runs: each query that
  returns rows runs once with NULL parameters (0 for LIMIT and OFFSET counts; '0' where a NULL
  fails) inside a transaction that is rolled back. MySQL then tells each column's type and
  nullability; SQLite only its name (its types come from the tables: see types.py).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import aiosql
import attrs
import psycopg
import pymysql  # type: ignore[import-untyped, unused-ignore]
from aiosql.types import SQLOperationType
from aiosql.utils import VAR_REF

from asm.sql.files import queries_dir
from asm.drivers.mysql import connect_options as mysql_options
from asm.drivers.urls import DatabaseURL, parse_url
from asm.sql.codegen.sqltext import QueryText, called_statement, function_statement

# Operations whose result has columns worth describing (`!` and `*!` return a row count).
ROW_OPERATIONS = (SQLOperationType.SELECT, SQLOperationType.SELECT_ONE, SQLOperationType.SELECT_VALUE)


class DescribeError(Exception):
    """A query the database would not prepare or run."""


@attrs.frozen
class NamedQuery:
    name: str
    operation: SQLOperationType
    params: tuple[str, ...]
    sql: str  # with aiosql's :name parameters
    doc: str


@attrs.frozen
class TableColumn:
    table: str
    name: str
    sql_type: str  # as the catalog spells it (lower case)
    notnull: bool
    generated: bool


@attrs.frozen
class ResultColumn:
    name: str
    type_code: Any = None  # PostgreSQL type OID, MySQL field type; None on SQLite
    nullable: bool | None = None  # MySQL's flag; None where the database does not say
    origin: tuple[str, str] | None = None  # PostgreSQL: (table, column) it is read from
    binary: bool = False  # MySQL: a binary string (bytes), not text


@attrs.frozen
class QueryFacts:
    query: NamedQuery
    text: QueryText
    columns: tuple[ResultColumn, ...]  # () for a row count
    param_types: dict[str, int]  # PostgreSQL's inferred parameter type OIDs; {} elsewhere


@attrs.frozen
class Described:
    dialect: str
    tables: dict[str, tuple[TableColumn, ...]]  # in catalog order
    queries: tuple[QueryFacts, ...]  # by name


def named_queries(dialect: str) -> list[NamedQuery]:
    """Every `-- name:` of queries/<dialect>/*.sql as aiosql parses it, by name."""
    # The sqlite3 adapter leaves the SQL as written; only the signatures and text are used.
    loaded = aiosql.from_path(queries_dir(dialect), "sqlite3")
    found = []
    for name in loaded.available_queries:
        fn = getattr(loaded, name)
        twin_of = name.removesuffix("_cursor")
        if twin_of != name and fn.operation is SQLOperationType.SELECT and twin_of in loaded.available_queries:
            continue  # aiosql's cursor twin of a select
        found.append(NamedQuery(name, fn.operation, tuple(fn.parameters or ()), fn.sql, fn.__doc__ or ""))
    return sorted(found, key=lambda q: q.name)


def describe(dialect: str, url: str) -> Described:
    """Describe every named query of `dialect` on the migrated database at `url` (asm URL)."""
    parsed = parse_url(url)
    if parsed.dialect != dialect:
        raise DescribeError(f"{url!r} is not a {dialect} database")
    queries = named_queries(dialect)
    if dialect == "postgres":
        return _describe_postgres(parsed, queries)
    if dialect == "mysql":
        return _describe_mysql(parsed, queries)
    return _describe_sqlite(parsed, queries)


def _described(dialect: str, tables: dict[str, tuple[TableColumn, ...]], facts: list[QueryFacts]) -> Described:
    # asm's tables are those its queries name: a table someone else keeps in the same
    # database (a test's, an application's) changes nothing here.
    used = {table for f in facts for table in f.text.tables}
    return Described(dialect, {t: columns for t, columns in tables.items() if t in used}, tuple(facts))


def _tables_of(rows: Sequence[tuple[str, str, str, bool, bool]]) -> dict[str, tuple[TableColumn, ...]]:
    tables: dict[str, list[TableColumn]] = {}
    for table, name, sql_type, notnull, generated in rows:
        tables.setdefault(table, []).append(TableColumn(table, name, sql_type.lower(), bool(notnull), bool(generated)))
    return {table: tuple(columns) for table, columns in tables.items()}


# --- PostgreSQL ---------------------------------------------------------------------------

_CATALOG_POSTGRES = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attgenerated <> '',
       c.oid, a.attnum
FROM pg_catalog.pg_attribute AS a
JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
WHERE c.relnamespace = CAST(current_schema() AS regnamespace) AND c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""


def _numbered(sql: str) -> tuple[str, list[str]]:
    """aiosql's :name parameters as PostgreSQL's $1, $2 ... (one number per name)."""
    order: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        if m.group("dquote") is not None or m.group("squote") is not None:
            return m.group(0)
        n = order.setdefault(m.group("var_name"), len(order) + 1)
        return f"{m.group('lead')}${n}"

    return VAR_REF.sub(number, sql), list(order)


# asm's PL/pgSQL functions (migration 0007): a query calling one is read as the statement inside.
_FUNCTIONS_POSTGRES = """
SELECT p.proname, p.prosrc
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace = CAST(current_schema() AS regnamespace) AND p.proname LIKE 'asm\\_%'
"""


def _describe_postgres(url: DatabaseURL, queries: list[NamedQuery]) -> Described:
    with psycopg.connect(url.conninfo(), autocommit=True) as conn:
        statements = {name: statement for name, body in conn.execute(_FUNCTIONS_POSTGRES).fetchall()
                      if (statement := function_statement(body)) is not None}
        rows = conn.execute(_CATALOG_POSTGRES).fetchall()
        tables = _tables_of([row[:5] for row in rows])
        origins = {(row[5], row[6]): (row[0], row[1]) for row in rows}
        facts = []
        for query in queries:
            sql, names = _numbered(query.sql)
            prepared = conn.pgconn.prepare(b"", sql.encode())
            if prepared.status != psycopg.pq.ExecStatus.COMMAND_OK:
                raise DescribeError(f"PostgreSQL cannot prepare {query.name}: "
                                    f"{(prepared.error_message or b'').decode().strip()}")
            result = conn.pgconn.describe_prepared(b"")
            param_types = {name: result.param_type(i) for i, name in enumerate(names)}
            columns: tuple[ResultColumn, ...] = ()
            if query.operation in ROW_OPERATIONS:
                columns = tuple(
                    ResultColumn((result.fname(i) or b"").decode(), result.ftype(i),
                                 origin=origins.get((result.ftable(i), result.ftablecol(i))))
                    for i in range(result.nfields))
            text = QueryText.read(called_statement(query.sql, statements), set(tables))
            facts.append(QueryFacts(query, text, columns, param_types))
    return _described("postgres", tables, facts)


# --- MySQL / MariaDB ----------------------------------------------------------------------

_CATALOG_MYSQL = """
SELECT table_name, column_name, data_type, is_nullable = 'NO', extra LIKE '%%GENERATED%%'
FROM information_schema.columns
WHERE table_schema = DATABASE()
ORDER BY table_name, ordinal_position
"""
_BINARY_CHARSET = 63


def _pyformat(sql: str) -> str:
    """aiosql's :name parameters as PyMySQL's %(name)s, as aiosql's pymysql adapter writes them."""

    def placeholder(m: re.Match[str]) -> str:
        if m.group("dquote") is not None or m.group("squote") is not None:
            return m.group(0)
        return f"{m.group('lead')}%({m.group('var_name')})s"

    return VAR_REF.sub(placeholder, sql)


def _describe_mysql(url: DatabaseURL, queries: list[NamedQuery]) -> Described:
    conn = pymysql.connect(**mysql_options(url, 30.0))
    try:
        with conn.cursor() as cur:
            cur.execute(_CATALOG_MYSQL, ())
            tables = _tables_of(list(cur.fetchall()))
        facts = []
        for query in queries:
            text = QueryText.read(query.sql, set(tables))
            columns: tuple[ResultColumn, ...] = ()
            # A `$` write (advance_sequence) returns no rows: asm's adapter answers with its
            # LAST_INSERT_ID (render.py types it), and running it with placeholders would fail.
            if query.operation in ROW_OPERATIONS and not _is_write(query.sql):
                sql = _pyformat(query.sql)
                with _rolled_back(conn) as cur:
                    _run_with_placeholders(cur, query, text, sql)
                    fields = cur._result.fields  # the description lacks the charset
                    columns = tuple(
                        ResultColumn(d[0], d[1], nullable=bool(d[6]), binary=f.charsetnr == _BINARY_CHARSET)
                        for d, f in zip(cur.description or (), fields, strict=True))
            facts.append(QueryFacts(query, text, columns, {}))
    finally:
        conn.close()
    return _described("mysql", tables, facts)


def _is_write(sql: str) -> bool:
    return re.match(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", sql, re.IGNORECASE) is not None


# --- SQLite -------------------------------------------------------------------------------

def _describe_sqlite(url: DatabaseURL, queries: list[NamedQuery]) -> Described:
    conn = sqlite3.connect(url.database or ":memory:", isolation_level=None)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")]
        rows = []
        for table in names:
            # table_xinfo lists generated columns too (hidden 2 or 3).
            for _cid, name, sql_type, notnull, _default, _pk, hidden in conn.execute(
                    "SELECT * FROM pragma_table_xinfo(?)", (table,)):
                rows.append((table, name, sql_type, notnull, hidden in (2, 3)))
        tables = _tables_of(rows)
        facts = []
        for query in queries:
            text = QueryText.read(query.sql, set(tables))
            columns: tuple[ResultColumn, ...] = ()
            if query.operation in ROW_OPERATIONS:
                with _rolled_back(conn) as cur:
                    _run_with_placeholders(cur, query, text, query.sql)
                    columns = tuple(ResultColumn(d[0]) for d in cur.description or ())
            facts.append(QueryFacts(query, text, columns, {}))
    finally:
        conn.close()
    return _described("sqlite", tables, facts)


# --- running a query with placeholder values ----------------------------------------------

@contextmanager
def _rolled_back(conn: Any) -> Iterator[Any]:
    cur = conn.cursor()
    cur.execute("BEGIN")
    try:
        yield cur
    finally:
        cur.execute("ROLLBACK")
        cur.close()


def _run_with_placeholders(cur: Any, query: NamedQuery, text: QueryText, sql: str) -> None:
    counts = {name for name in query.params if text.use(name).limit}
    errors = []
    for filler in (None, "0"):
        params = {name: 0 if name in counts else filler for name in query.params}
        try:
            cur.execute("SAVEPOINT asm_describe")
            # No parameters: none passed, so a literal % is not read as a placeholder (PyMySQL).
            cur.execute(sql, params) if params else cur.execute(sql)
            cur.fetchall()
            return
        except (sqlite3.Error, pymysql.MySQLError) as exc:
            errors.append(str(exc))
            cur.execute("ROLLBACK TO SAVEPOINT asm_describe")
    raise DescribeError(f"cannot run {query.name} to describe it: {'; '.join(errors)}")
