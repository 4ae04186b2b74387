"""MariaDB's and MySQL's plans: EXPLAIN or ANALYZE FORMAT=JSON (MariaDB, MySQL 8's EXPLAIN),
MySQL 8's EXPLAIN ANALYZE text tree, read into a Plan."""

from __future__ import annotations

import json
import re
from typing import Any

from asm.explain.queries import NamedQuery, table_aliases
from asm.explain.statements import fetch_rows, in_rollback
from asm.explain.verdicts import FULL_SCAN, INDEX_RANGE, INDEX_WALK, Access, Plan

_MYSQL_ACCESS = {"ALL": FULL_SCAN, "index": INDEX_WALK}


def explain(conn: Any, query: NamedQuery, params: dict[str, Any] | None, *, analyze: bool, mariadb: bool,
            setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    """The plan of one statement (driver parameters): with analyze, run it (writes inside a
    transaction that is rolled back, after `setup`)."""
    params = params or None  # PyMySQL: no parameters, no % interpolation
    if analyze and not mariadb:  # MySQL 8: EXPLAIN ANALYZE (a tree of text), SELECT only
        def run_tree() -> list[str]:
            return [line for row in fetch_rows(conn, "EXPLAIN ANALYZE " + query.sql, params)[1]
                    for line in str(row[0]).splitlines()]
        lines = in_rollback(conn, run_tree, setup=setup) if query.writes else run_tree()
        return read_mysql_tree(lines)
    statement = ("ANALYZE FORMAT=JSON " if analyze else "EXPLAIN FORMAT=JSON ") + query.sql

    def run() -> str:
        document: str = fetch_rows(conn, statement, params)[1][0][0]
        return document

    document = in_rollback(conn, run, setup=setup) if (analyze and query.writes) else run()
    return read_mysql_plan(_mysql_json(document), analyzed=analyze, sql=query.sql)


_JSON_STRING_LINE = re.compile(r'^(\s*"\w+": ")(.*)("(?:,)?)$')


def _mysql_json(text: str) -> Any:
    """MariaDB's FORMAT=JSON does not escape the quotes of string literals inside conditions
    (`"attached_condition": "json_contains(s.tags,'["vip"]')"`): escape them, line by line."""
    try:
        return json.loads(text)
    except ValueError:
        fixed = []
        for line in text.splitlines():
            found = _JSON_STRING_LINE.match(line)
            if found:
                inner = re.sub(r'(?<!\\)"', r'\\"', found.group(2))
                line = found.group(1) + inner + found.group(3)
            fixed.append(line)
        return json.loads("\n".join(fixed))


def read_mysql_plan(document: dict[str, Any], *, analyzed: bool, sql: str = "") -> Plan:
    """MariaDB's EXPLAIN/ANALYZE FORMAT=JSON (and MySQL 8's EXPLAIN FORMAT=JSON); tables are
    named by their alias in it, shown as the table's name."""
    aliases = table_aliases(sql)
    accesses: list[Access] = []
    sorts: list[float | None] = []
    lines: list[str] = []

    def table(t: dict[str, Any], depth: int, dependent: bool) -> None:
        name, access = t.get("table_name", "?"), t.get("access_type")
        rows = _mysql_rows(t, analyzed)
        line = f"{name}: {access or '-'}" + (f" key={t['key']}" if t.get("key") else "")
        line += f" rows={rows:,.0f}" if rows is not None else ""
        line += f" loops={t['r_loops']}" if analyzed and "r_loops" in t else ""
        line += " using_index" if t.get("using_index") else ""
        line += f" [{t['attached_condition']}]" if t.get("attached_condition") else ""
        lines.append("  " * depth + line + (" (dependent subquery)" if dependent else ""))
        if access and not name.startswith("<") and "table_function" not in t:
            accesses.append(Access(aliases.get(name, name), _MYSQL_ACCESS.get(access, INDEX_RANGE), t.get("key"),
                                   bool(t.get("using_index")), rows))

    def walk(node: Any, depth: int, dependent: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, depth, dependent)
            return
        if not isinstance(node, dict):
            return
        if "table_name" in node:
            table(node, depth, dependent)
        if "filesort" in node or node.get("using_filesort"):
            sort = node.get("filesort", {})
            rows = sort.get("r_output_rows") if isinstance(sort, dict) else None
            sorts.append(rows)
            lines.append("  " * depth + "filesort" + (f" rows={rows:,}" if rows is not None else ""))
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                deeper = dependent or key == "expression_cache" or (
                    isinstance(value, dict) and bool(value.get("dependent")))
                walk(value, depth + (1 if key in ("materialized", "subqueries", "query_block") else 0), deeper)

    walk(document, 0, False)
    read = sum(a.rows or 0 for a in accesses) if all(a.rows is not None for a in accesses) else None
    return Plan(tuple(accesses), tuple(sorts), read, analyzed, tuple(lines))


def _mysql_rows(t: dict[str, Any], analyzed: bool) -> float | None:
    if t.get("access_type") in ("const", "system"):  # read once while optimizing: no r_ counts
        return float(t.get("rows", 1))
    if analyzed and "r_rows" in t:
        return float(t["r_rows"] or 0) * float(t.get("r_loops", 1) or 0)
    for key in ("rows", "rows_examined_per_scan"):
        if key in t:
            return float(t[key])
    return None


_TREE_ROWS = re.compile(r"\(actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+) loops=(\d+)\)")
_TREE_TABLE = re.compile(r"(Table scan|Index range scan|Index lookup|Index scan|Single-row index lookup|"
                         r"Covering index \w+(?: \w+)*?) on (\w+)(?: using (\w+))?")


def read_mysql_tree(lines: list[str]) -> Plan:
    """MySQL 8's EXPLAIN ANALYZE text tree (not run here: no MySQL 8 server in the test setup)."""
    accesses, sorts = [], []
    for line in lines:
        rows = _TREE_ROWS.search(line)
        actual = float(rows.group(1)) * int(rows.group(2)) if rows else None
        found = _TREE_TABLE.search(line)
        if found:
            what = found.group(1)
            kind = FULL_SCAN if what == "Table scan" else INDEX_WALK if what.endswith("Index scan") else INDEX_RANGE
            accesses.append(Access(found.group(2), kind, found.group(3), what.startswith("Covering"), actual))
        if "Sort" in line.split("(")[0]:
            sorts.append(actual)
    read = sum(a.rows or 0 for a in accesses) if accesses else 0.0
    return Plan(tuple(accesses), tuple(sorts), read, True, tuple(lines))
