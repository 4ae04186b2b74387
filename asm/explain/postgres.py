"""PostgreSQL's plans: EXPLAIN (FORMAT JSON) of a custom plan, or of the generic plan a prepared
statement may switch to (blind to the values), read into a Plan."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import attrs

from asm.explain.queries import NamedQuery
from asm.explain.statements import fetch_rows, in_rollback
from asm.explain.verdicts import FULL_SCAN, INDEX_RANGE, INDEX_WALK, Access, Plan
from asm.sql.codegen.sqltext import FUNCTION_CALL

_PYFORMAT = re.compile(r"%\((\w+)\)s")


def postgres_positional(sql: str) -> tuple[str, list[str]]:
    """psycopg's %(name)s SQL as PREPARE takes it: $1, $2, ... in order of first use."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    return _PYFORMAT.sub(number, sql).replace("%%", "%"), order


GENERIC_NAME = "asm_explain_generic"


def postgres_generic(conn: Any, sql: str, params: dict[str, Any]) -> Any:
    """Prepare the statement under plan_cache_mode = force_generic_plan (SET LOCAL: inside the
    caller's transaction) and return the EXECUTE statement to run (prefix it with EXPLAIN).
    EXECUTE takes no bound parameters (it is a utility statement), so the values go in as
    literals quoted by psycopg, cast to the types PREPARE inferred. `postgres_deallocate`
    drops the statement."""
    from psycopg import sql as pgsql

    text, order = postgres_positional(sql)
    cur = conn.cursor()
    cur.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    postgres_deallocate(conn)
    cur.execute(pgsql.SQL("PREPARE {} AS {}").format(pgsql.Identifier(GENERIC_NAME), pgsql.SQL(text)))
    (types,) = cur.execute("SELECT CAST(parameter_types AS text[]) FROM pg_prepared_statements WHERE name = %s",
                           [GENERIC_NAME]).fetchone()
    args = pgsql.SQL(", ").join(pgsql.SQL("CAST({} AS {})").format(pgsql.Literal(params[name]), pgsql.SQL(t))
                                for name, t in zip(order, types or [], strict=True))
    statement = pgsql.SQL("EXECUTE {}").format(pgsql.Identifier(GENERIC_NAME))
    return statement + pgsql.SQL("({})").format(args) if order else statement


def postgres_deallocate(conn: Any) -> None:
    cur = conn.cursor()
    if cur.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [GENERIC_NAME]).fetchone():
        cur.execute(f"DEALLOCATE {GENERIC_NAME}")


def explain(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool, generic: bool,
            setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    """The plan of one statement (driver parameters): with analyze, run it (writes inside a
    transaction that is rolled back, after `setup`); generic: the plan blind to the values."""
    # A call of one of asm's functions: EXPLAIN would show the call only.
    if FUNCTION_CALL.search(query.sql):
        return explain_function_call(conn, query, params, analyze=analyze, setup=setup)
    return explain_statement(conn, query, params, analyze=analyze, generic=generic, setup=setup)


def explain_statement(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool, generic: bool,
                      setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    """EXPLAIN of the statement itself."""
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"

    def run() -> Any:
        if generic:
            from psycopg import sql as pgsql

            statement = postgres_generic(conn, query.sql, params)
            (document,) = conn.execute(pgsql.SQL(f"EXPLAIN ({options}) ") + statement).fetchone()
            postgres_deallocate(conn)
            return document
        cur = conn.cursor()
        if params:
            cur.execute(f"EXPLAIN ({options}) " + query.sql, params)
        else:
            cur.execute(f"EXPLAIN ({options}) " + query.sql)
        return cur.fetchone()[0]

    # A generic plan needs a transaction for SET LOCAL; writes one that is rolled back.
    document = (in_rollback(conn, run, setup=setup if analyze else ()) if (generic or (analyze and query.writes))
                else run())
    document = json.loads(document) if isinstance(document, str) else document
    sizes = {} if analyze else dict(fetch_rows(conn, "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                                                 "AND relnamespace = CAST(current_schema() AS regnamespace)")[1])
    return read_postgres_plan(document[0], analyzed=analyze, generic=generic, table_rows=sizes)


_AUTO_EXPLAIN = ("SET LOCAL auto_explain.log_min_duration = 0",
                 "SET LOCAL auto_explain.log_nested_statements = on", "SET LOCAL auto_explain.log_format = 'json'",
                 "SET LOCAL auto_explain.log_level = 'notice'", "SET LOCAL client_min_messages = 'notice'")


def explain_function_call(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool,
                          setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    """The plans of the statements a call of an asm function runs, as one Plan: the call runs
    (in a transaction that is rolled back, after `setup`) under auto_explain, which sends each
    statement's plan as a notice. The functions plan generically (0007), so these are the plans
    every call uses. Loading auto_explain needs a superuser: without one the plan is the call's,
    with a note saying so."""
    import psycopg

    try:
        conn.execute("LOAD 'auto_explain'")
    except psycopg.errors.InsufficientPrivilege:
        function = FUNCTION_CALL.search(query.sql)
        call = explain_statement(conn, query, params, analyze=analyze, generic=False, setup=setup)
        return attrs.evolve(call, note=f"the statements inside {function and function.group(1)} are explained "
                                       "by auto_explain, which only a superuser can load")
    documents: list[dict[str, Any]] = []

    def on_notice(diagnostic: Any) -> None:
        head, found, body = (diagnostic.message_primary or "").partition("plan:\n")
        if found and head.startswith("duration:"):
            documents.append(json.loads(body))

    def run() -> None:
        cur = conn.cursor()
        for statement in _AUTO_EXPLAIN + ((f"SET LOCAL auto_explain.log_analyze = {'on' if analyze else 'off'}",)):
            cur.execute(statement)
        cur.execute(query.sql, params) if params else cur.execute(query.sql)
        cur.execute("SET LOCAL auto_explain.log_min_duration = -1")

    conn.add_notice_handler(on_notice)
    try:
        in_rollback(conn, run, setup=setup)
    finally:
        conn.remove_notice_handler(on_notice)
    sizes = {} if analyze else dict(fetch_rows(conn, "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                                                 "AND relnamespace = CAST(current_schema() AS regnamespace)")[1])
    if not documents:
        raise RuntimeError("auto_explain sent no plan")
    # The call's own plan (a function scan) comes last: the statements inside are what read tables.
    plans = [read_postgres_plan(d, analyzed=analyze, generic=True, table_rows=sizes) for d in documents[:-1]]
    accesses = tuple(a for p in plans for a in p.accesses)
    return Plan(accesses, tuple(r for p in plans for r in p.sorts),
                sum(a.rows or 0 for a in accesses) if accesses else 0.0, analyze,
                tuple(line for p in plans for line in ("-- a statement inside the call:", *p.lines)), True)


_PG_SKIP = ("Function Scan", "CTE Scan", "Subquery Scan", "Values Scan", "Result", "WorkTable Scan")


def read_postgres_plan(document: dict[str, Any], *, analyzed: bool, generic: bool = False,
                       table_rows: dict[str, float] | None = None) -> Plan:
    """EXPLAIN (FORMAT JSON)'s plan. Estimated rows read: a sequential scan reads its table
    (`table_rows`, the planner's reltuples) up to where a LIMIT above it stops; other scans
    the rows they return, scaled down the same way."""
    table_rows = table_rows or {}
    accesses: list[Access] = []
    sorts: list[float | None] = []
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int, fraction: float) -> None:
        kind = node["Node Type"]
        loops = node.get("Actual Loops", 1) if analyzed else 1
        if analyzed:
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * loops
        else:
            read = node.get("Plan Rows", 0) * fraction
        relation: str | None = node.get("Relation Name")
        if not analyzed and kind == "Seq Scan" and relation is not None and table_rows.get(relation, -1) >= 0:
            read = max(float(table_rows[relation]) * fraction, read)
        if relation and kind not in _PG_SKIP:
            if kind == "Seq Scan":
                accesses.append(Access(relation, FULL_SCAN, rows=read))
            elif kind in ("Index Scan", "Index Only Scan"):
                accesses.append(Access(relation, INDEX_RANGE if "Index Cond" in node else INDEX_WALK,
                                       node.get("Index Name"), kind == "Index Only Scan", read))
            elif kind == "Bitmap Heap Scan":
                names = [c["Index Name"] for c in _descendants(node) if c.get("Index Name")]
                accesses.append(Access(relation, INDEX_RANGE, ", ".join(names) or None, rows=read))
            elif kind == "Tid Scan":
                accesses.append(Access(relation, INDEX_RANGE, rows=read))
        if kind in ("Sort", "Incremental Sort"):
            child = node["Plans"][0]
            sorts.append(child.get("Actual Rows", 0) * child.get("Actual Loops", 1) if analyzed
                         else child.get("Plan Rows"))
        lines.append("  " * depth + _postgres_line(node, analyzed))
        children = node.get("Plans", [])
        for child in children:
            # Under a LIMIT a plan that streams stops early: the planner's row guesses scale down.
            # A sort or aggregate reads all of its input however few rows it returns.
            share = fraction
            if kind == "Limit" and child.get("Plan Rows"):
                share = fraction * min(1.0, node.get("Plan Rows", 0) / child["Plan Rows"])
            if kind in ("Sort", "Incremental Sort", "Aggregate", "Hash", "HashAggregate", "GroupAggregate"):
                share = 1.0
            walk(child, depth + 1, share)

    walk(document["Plan"], 0, 1.0)
    if analyzed and "Execution Time" in document:
        lines.append(f"Execution Time: {document['Execution Time']:.3f} ms")
    read = sum(a.rows or 0 for a in accesses) if accesses else 0.0
    return Plan(tuple(accesses), tuple(sorts), read, analyzed, tuple(lines), generic)


def _descendants(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for child in node.get("Plans", []):
        yield child
        yield from _descendants(child)


def _postgres_line(node: dict[str, Any], analyzed: bool) -> str:
    text: str = node["Node Type"]
    if node.get("Index Name"):
        text += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        text += f" on {node['Relation Name']}" + (f" {node['Alias']}" if node.get("Alias") not in
                                                   (None, node["Relation Name"]) else "")
    if analyzed:
        text += f" (actual rows={node.get('Actual Rows', 0):,.0f} loops={node.get('Actual Loops', 1):,}"
        removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        text += (f" removed={removed:,.0f}" if removed else "") + ")"
    else:
        text += f" (rows={node.get('Plan Rows', 0):,.0f} cost={node.get('Total Cost', 0):,.2f})"
    for key in ("Index Cond", "Filter", "Sort Key", "Group Key", "One-Time Filter"):
        if key in node:
            value = node[key] if isinstance(node[key], str) else ", ".join(node[key])
            text += f" [{key}: {value}]"
    return text
