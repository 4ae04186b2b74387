"""asm's SQLite adapters run a `*!` plain one-row INSERT as INSERTs of many rows (asm/sql/adapters.py:
`_sqlite_insert_many`): the rows stored, their order and the count are executemany's, whatever the
batch's size, the server's parameter limit or a trailing ON CONFLICT clause; any other statement
or row shape goes to executemany as it is."""

from __future__ import annotations

import sqlite3

import pytest

from asm.sql.adapters import _WIDTHS, _one_row, _sqlite_insert_many, _widened

INSERT = "INSERT INTO t\n    (id, a, b)\nVALUES\n    (:id, :a,\n     :b);"
IGNORING = "INSERT INTO t (id, a, b) VALUES (:id, :a, :b)\nON CONFLICT DO NOTHING;"


def table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, id TEXT UNIQUE, a TEXT, b INTEGER)")
    return conn


def rows(count: int, start: int = 0) -> list[dict]:
    return [{"b": i * 7, "id": f"r{i}", "a": None if i % 3 else f"é'{i}"} for i in range(start, start + count)]


def stored(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT n, id, a, b FROM t ORDER BY n").fetchall()


def test_a_one_row_insert_widens_to_each_width_with_its_own_names_in_order():
    assert _one_row(INSERT)[2] == ("id", "a", "b")
    assert _widened(INSERT, 3) == "INSERT INTO t\n    (id, a, b)\nVALUES\n    (?, ?, ?), (?, ?, ?), (?, ?, ?);"
    assert _widened(IGNORING, 2) == "INSERT INTO t (id, a, b) VALUES (?, ?, ?), (?, ?, ?)\nON CONFLICT DO NOTHING;"


@pytest.mark.parametrize("sql", [
    "UPDATE t SET a = :a WHERE id = :id",
    "INSERT INTO t (id, a, b) SELECT :id, :a, :b",
    "INSERT INTO t (id, a, b) VALUES (:id, :a, :b) ON CONFLICT (id) DO UPDATE SET a = :a",
    "INSERT INTO t (id, a, b) VALUES (:id, upper(:a), :b)",
])
def test_any_other_statement_is_not_widened(sql):
    assert _one_row(sql) is None


@pytest.mark.parametrize("count", [0, 1, _WIDTHS[-1] - 1, _WIDTHS[-1], _WIDTHS[-1] + 1, 100, 345, 1000, 2 * _WIDTHS[0]])
def test_the_rows_and_the_count_are_executemanys(count):
    ours, theirs = table(), table()
    assert _sqlite_insert_many(ours, INSERT, rows(count)) == count
    theirs.executemany(INSERT, rows(count))
    assert stored(ours) == stored(theirs) and len(stored(ours)) == count


def test_a_low_parameter_limit_skips_the_widths_that_would_pass_it():
    conn = table()
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 3 * _WIDTHS[1])  # 256 rows of 3 do not fit
    assert _sqlite_insert_many(conn, INSERT, rows(600)) == 600
    assert [row[1] for row in stored(conn)] == [f"r{i}" for i in range(600)]


def test_on_conflict_do_nothing_counts_the_rows_it_inserted():
    conn = table()
    _sqlite_insert_many(conn, IGNORING, rows(50))
    assert _sqlite_insert_many(conn, IGNORING, rows(100, start=30)) == 80
    assert len(stored(conn)) == 130


def test_a_failing_row_fails_the_call():
    conn = table()
    with pytest.raises(sqlite3.IntegrityError):
        _sqlite_insert_many(conn, INSERT, rows(20) + rows(1, start=5) + rows(20, start=40))


def test_rows_as_an_iterator_go_to_executemany():
    conn = table()
    assert _sqlite_insert_many(conn, INSERT, iter(rows(40))) == 40
    assert len(stored(conn)) == 40
