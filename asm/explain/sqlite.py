"""SQLite's plans: EXPLAIN QUERY PLAN (no row counts), read into a Plan."""

from __future__ import annotations

import re
from typing import Any

import attrs

from asm.explain.queries import NamedQuery, table_aliases
from asm.explain.statements import fetch_rows
from asm.explain.verdicts import FULL_SCAN, INDEX_RANGE, INDEX_WALK, Access, Plan

_SQLITE_DETAIL = re.compile(r"^(SCAN|SEARCH) (\w+)(?: USING (COVERING INDEX|INDEX|INTEGER PRIMARY KEY|PRIMARY KEY)"
                            r"(?: (\w+))?)?(?: \((.*)\))?")
_NOT_TABLES = frozenset({"json_each", "json_tree", "CONSTANT", "SUBQUERY", "CO"})


def explain(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool) -> Plan:
    """The plan of one statement (driver parameters); analyze changes nothing but the note."""
    _columns, rows = fetch_rows(conn, "EXPLAIN QUERY PLAN " + query.sql, params)
    plan = read_sqlite_plan(rows, query.sql)
    note = "SQLite reports no row counts; --analyze times the statement instead" if analyze else ""
    return attrs.evolve(plan, note=note)


def read_sqlite_plan(rows: list[tuple[Any, ...]], sql: str) -> Plan:
    aliases = table_aliases(sql)
    accesses: list[Access] = []
    sorts: list[float | None] = []
    lines: list[str] = []
    depth: dict[int, int] = {0: -1}
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
        found = _SQLITE_DETAIL.match(detail)
        if found and found.group(2) not in _NOT_TABLES and "VIRTUAL TABLE" not in detail:
            verb, name, using, index, cond = found.groups()
            table = aliases.get(name, name)
            if verb == "SEARCH":
                kind = INDEX_RANGE
            else:
                kind = INDEX_WALK if using in ("INDEX", "COVERING INDEX") else FULL_SCAN
            accesses.append(Access(table, kind, index or (using if using and "PRIMARY" in using else None),
                                   using == "COVERING INDEX"))
        if detail.startswith("USE TEMP B-TREE"):
            sorts.append(None)
    return Plan(tuple(accesses), tuple(sorts), None, False, tuple(lines))
