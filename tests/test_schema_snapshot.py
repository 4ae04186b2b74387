"""schema/<dialect>.sql is the whole schema the migrations build, as one readable file: a
database built from the migrations and one built from the snapshot have the same catalog
(columns with types, collations, defaults and nullability; indexes; constraints; functions;
triggers), on every dialect. yoyo's own tables are left out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlparse

import asm
from databases import connect_raw, execute

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = REPO_ROOT / "schema"

# Tables that are not the schema's: yoyo's bookkeeping, SQLite's statistics. Columns are
# compared by their place in the table (a dropped column leaves a gap in PostgreSQL's attnum).
_OURS_PG = "c.relname NOT LIKE '%yoyo%'"

PG_CATALOG = {
    "columns": """
        SELECT c.relname, row_number() OVER (PARTITION BY c.relname ORDER BY a.attnum), a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               coll.collname, pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attidentity
        FROM pg_attribute AS a
        JOIN pg_class AS c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef AS d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        LEFT JOIN pg_collation AS coll ON coll.oid = a.attcollation AND a.attcollation <> 0
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
          AND a.attnum > 0 AND NOT a.attisdropped AND {ours}""",
    "indexes": """
        SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid), x.indisvalid
        FROM pg_index AS x
        JOIN pg_class AS c ON c.oid = x.indrelid
        JOIN pg_class AS i ON i.oid = x.indexrelid
        WHERE c.relnamespace = current_schema()::regnamespace AND {ours}""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
        FROM pg_constraint AS k
        JOIN pg_class AS c ON c.oid = k.conrelid
        WHERE k.connamespace = current_schema()::regnamespace AND {ours}""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
        FROM pg_proc AS p
        WHERE p.pronamespace = current_schema()::regnamespace""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger AS t
        JOIN pg_class AS c ON c.oid = t.tgrelid
        WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace AND {ours}""",
}

_OURS_MYSQL = "table_schema = DATABASE() AND table_name NOT LIKE '%yoyo%'"

MYSQL_CATALOG = {
    "tables": "SELECT table_name, engine, table_collation FROM information_schema.tables WHERE {ours}",
    "columns": """
        SELECT table_name, ordinal_position, column_name, column_type, is_nullable, column_default,
               character_set_name, collation_name, extra, generation_expression
        FROM information_schema.columns WHERE {ours}""",
    "indexes": """
        SELECT table_name, index_name, seq_in_index, column_name, non_unique, sub_part, index_type
        FROM information_schema.statistics WHERE {ours}""",
    "constraints": """
        SELECT t.table_name, t.constraint_name, t.constraint_type, c.check_clause
        FROM information_schema.table_constraints AS t
        LEFT JOIN information_schema.check_constraints AS c
          ON c.constraint_schema = t.constraint_schema AND c.table_name = t.table_name
         AND c.constraint_name = t.constraint_name
        WHERE t.table_schema = DATABASE() AND t.table_name NOT LIKE '%yoyo%'""",
    "triggers": """
        SELECT event_object_table, trigger_name, action_timing, event_manipulation, action_statement
        FROM information_schema.triggers WHERE trigger_schema = DATABASE()""",
    "routines": """
        SELECT routine_name, routine_type, routine_definition
        FROM information_schema.routines WHERE routine_schema = DATABASE()""",
}


def catalog(dialect: str, url: str) -> dict[str, list[tuple]]:
    """The schema of the database at `url`, as sorted rows per kind of object."""
    conn = connect_raw(url)
    try:
        if dialect == "sqlite":
            return _sqlite_catalog(conn)
        queries = PG_CATALOG if dialect == "postgres" else MYSQL_CATALOG
        ours = _OURS_PG if dialect == "postgres" else _OURS_MYSQL
        return {kind: sorted(tuple(_plain(v) for v in row) for row in execute(dialect, conn, sql.format(ours=ours)))
                for kind, sql in queries.items()}
    finally:
        conn.close()


def _plain(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def _sqlite_catalog(conn: Any) -> dict[str, list[tuple]]:
    tables = [name for (name, sql) in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE '%yoyo%' ORDER BY name")]
    result: dict[str, list[tuple]] = {"columns": [], "generated": [], "indexes": [], "index_columns": [],
                                      "triggers": [], "views": []}
    for table in tables:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
        for cid, name, type_, notnull, default, pk, hidden in conn.execute(f"PRAGMA table_xinfo({table})"):
            result["columns"].append((table, cid, name, type_, notnull, default, pk, hidden))
            if hidden in (2, 3):  # generated: pragma gives no expression; read it from the DDL
                result["generated"].append((table, name, _generated_expression(sql, name)))
        for _seq, index, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
            index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                                     (index,)).fetchone()
            result["indexes"].append((table, index, unique, origin, partial, _squash(index_sql[0] if index_sql else None)))
            for row in conn.execute(f"PRAGMA index_xinfo({index})"):
                result["index_columns"].append((index, *row))
    for kind in ("trigger", "view"):
        for name, table, sql in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = ?", (kind,)):
            result[kind + "s"].append((table, name, _squash(sql)))
    return {kind: sorted(rows) for kind, rows in result.items()}


def _squash(sql: str | None) -> str | None:
    """SQL text with its layout (whitespace, identifier case of keywords aside) evened out."""
    return None if sql is None else re.sub(r"\s+", " ", re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", sql))).strip()


def _generated_expression(table_sql: str, column: str) -> str:
    """The expression of a generated column, from its table's CREATE TABLE text (SQLite keeps
    an added column's definition as written, appended to that text)."""
    found = re.search(rf"[(,]\s*{re.escape(column)}\b[^,(]*?\bAS\s*\(", table_sql, re.IGNORECASE | re.DOTALL)
    assert found, f"no generated column {column} in {table_sql}"
    depth, start = 1, found.end()
    for i in range(start, len(table_sql)):
        depth += {"(": 1, ")": -1}.get(table_sql[i], 0)
        if depth == 0:
            return _squash(table_sql[start:i])
    raise AssertionError(f"unbalanced generated column {column}")


def snapshot_statements(dialect: str) -> list[str]:
    return [s for s in (part.strip() for part in sqlparse.split((SCHEMA / f"{dialect}.sql").read_text()))
            if sqlparse.format(s, strip_comments=True).strip()]


def build_from_snapshot(dialect: str, url: str) -> None:
    conn = connect_raw(url)
    try:
        for sql in snapshot_statements(dialect):
            cursor = conn.cursor()
            try:
                cursor.execute(sql)
            finally:
                cursor.close()
    finally:
        conn.close()


@pytest.fixture
def snapshot_url(dialect, tmp_path_factory):
    from databases import create_database, drop_database

    url = create_database(dialect, tmp_path_factory.mktemp("snapshot"))
    yield url
    drop_database(dialect, url)


def test_the_migrations_build_exactly_the_schema_snapshot(dialect, fresh_url, snapshot_url):
    asm.migrate(fresh_url)
    build_from_snapshot(dialect, snapshot_url)
    migrated, snapshot = catalog(dialect, fresh_url), catalog(dialect, snapshot_url)
    assert migrated.keys() == snapshot.keys()
    for kind in migrated:
        missing = sorted(set(migrated[kind]) - set(snapshot[kind]))
        extra = sorted(set(snapshot[kind]) - set(migrated[kind]))
        assert not missing and not extra, (
            f"schema/{dialect}.sql differs from the migrations in {kind}:\n"
            f"  only in the migrations: {missing}\n  only in the snapshot: {extra}\n"
            f"Update the snapshot to match the migrations (or add the migration it describes)."
        )


def test_the_catalog_sees_what_matters(dialect, fresh_url, snapshot_url):
    """The comparison is not vacuous: it finds the schema's objects, and a changed column shows."""
    asm.migrate(fresh_url)
    build_from_snapshot(dialect, snapshot_url)
    before = catalog(dialect, snapshot_url)
    names = " ".join(str(row) for rows in before.values() for row in rows)
    for name in ("asm_events_session_timestamp_idx", "asm_runs_total_tokens_idx", "sessions_graph_id_idx"):
        assert name in names
    assert "asm_events_provider_idx" not in names
    alter = {"postgres": "ALTER TABLE asm_sessions ALTER COLUMN agent_id TYPE VARCHAR(255) COLLATE \"default\"",
             "mysql": "ALTER TABLE asm_sessions MODIFY agent_id VARCHAR(255) COLLATE utf8mb4_general_ci NOT NULL",
             "sqlite": "DROP INDEX asm_events_session_timestamp_idx"}[dialect]
    conn = connect_raw(snapshot_url)
    try:
        execute(dialect, conn, alter)
    finally:
        conn.close()
    assert catalog(dialect, snapshot_url) != before
