"""Maintenance at scale (`python -m bench.maintenance_scale`): prune long sessions, a maintenance
run with nothing to do, health_check and a global prune, over a seeded database.

Seeds a throwaway database per dialect with set-based SQL (generate_series on PostgreSQL, a
recursive CTE on SQLite, MariaDB's seq_1_to_N tables): by default 1,000,000 events, of which
four hot sessions hold 100,000 each and the rest are dealt over 19,996 sessions; three runs
per session. Event types follow the sequence number: 1 is session_created, every 50th (+7)
error_occurred (both protected by default), every 5th message_streamed (pruned first), the rest
message_sent. Then, each step in a process of its own, through the public API:

- prune: `prune_session_events(hot session, max_events_per_session=10,000)`, once per hot session;
- idle run: `execute()` with no session over the limit (max_events_per_session = 2 x hot), 3 times;
- health_check(), 3 times;
- global prune: `execute(max_total_events = total - 10,000)`, once per side.

`--before TREE` runs every step with the asm of TREE too (an older checkout, e.g. from `git
archive`), taking turns with this checkout's. `--plans` adds EXPLAIN of the statements a prune
and health_check run, as in queries/<dialect>/ now; `--write` writes bench/results/maintenance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asm
from asm.sql.files import load_queries
from asm.drivers import SYNC_DRIVERS
from asm.drivers.urls import parse_url
from bench.databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "maintenance.md"
HOT = 4
DATA = json.dumps({"role": "assistant", "content": "Here is the summary you asked for. " * 4,
                   "usage": {"input_tokens": 812, "output_tokens": 164, "total_tokens": 976}})
# The type of event number n (a SQL expression of n).
TYPE_OF = ("CASE WHEN n = 1 THEN 'session_created' WHEN n % 50 = 7 THEN 'error_occurred' "
           "WHEN n % 5 = 0 THEN 'message_streamed' ELSE 'message_sent' END")
MYSQL_STEP = 200_000


def sid(k: int) -> str:
    return f"h{k}" if k < HOT else f"c{k:05d}"


def _connect(url: str) -> Any:
    parsed = parse_url(url)
    if parsed.dialect == "postgres":
        import psycopg
        return psycopg.connect(parsed.conninfo(), autocommit=True)
    if parsed.dialect == "mysql":
        import pymysql
        return pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                               password=parsed.password or "", database=parsed.database, autocommit=True,
                               charset="utf8mb4")
    return sqlite3.connect(parsed.database, isolation_level=None)


def _run(conn: Any, sql: str) -> list[tuple]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return list(cur.fetchall()) if cur.description else []
    finally:
        cur.close()


def _numbers(dialect: str, first: int, last: int) -> str:
    """A derived table of integers n = first..last."""
    if dialect == "postgres":
        return f"generate_series({first}, {last}) AS g(n)"
    if dialect == "mysql":
        return f"(SELECT seq AS n FROM seq_{first}_to_{last}) AS g"
    return (f"(WITH RECURSIVE r(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM r WHERE n < {last}) "
            "SELECT n FROM r) AS g")


def _sql(dialect: str, postgres: str, sqlite: str, mysql: str) -> str:
    return {"postgres": postgres, "sqlite": sqlite, "mysql": mysql}[dialect]


def seed(dialect: str, url: str, events: int, sessions: int, hot_events: int) -> None:
    """Fill a migrated, empty database (see the module doc). Every value is generated in SQL."""
    conn = _connect(url)
    cold_sessions = sessions - HOT
    cold_events = events - HOT * hot_events
    pad = lambda expr: _sql(dialect, f"lpad(CAST({expr} AS text), 5, '0')",  # noqa: E731
                            f"substr('00000' || ({expr}), -5, 5)", f"LPAD({expr}, 5, '0')")
    cat = lambda *parts: _sql(dialect, " || ".join(parts), " || ".join(parts),  # noqa: E731
                              f"CONCAT({', '.join(parts)})")
    ts = lambda seconds: _sql(  # noqa: E731
        dialect, f"TIMESTAMPTZ '2025-01-01 00:00:00+00' + ({seconds}) * INTERVAL '1 second'",
        f"strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2025-01-01', '+' || ({seconds}) || ' seconds')",
        f"TIMESTAMP '2025-01-01 00:00:00' + INTERVAL ({seconds}) SECOND")
    session_id = lambda k: _sql(dialect, f"CASE WHEN {k} < {HOT} THEN 'h' || ({k}) ELSE 'c' || {pad(k)} END",  # noqa: E731
                                f"CASE WHEN {k} < {HOT} THEN 'h' || ({k}) ELSE 'c' || {pad(k)} END",
                                f"IF({k} < {HOT}, CONCAT('h', {k}), CONCAT('c', {pad(k)}))")
    mod = lambda a, b: _sql(dialect, f"({a}) % {b}", f"({a}) % {b}", f"MOD({a}, {b})")  # noqa: E731
    div = lambda a, b: _sql(dialect, f"({a}) / {b}", f"({a}) / {b}", f"({a}) DIV {b}")  # noqa: E731
    type_of = TYPE_OF if dialect != "mysql" else TYPE_OF.replace("n % 50", "MOD(n, 50)").replace("n % 5", "MOD(n, 5)")
    _run(conn, f"""
        INSERT INTO asm_sessions (id, agent_id, status, metadata, context, tags, created_at, updated_at)
        SELECT {session_id('n - 1')}, {cat("'agent-'", pad(mod('n', 50)))}, 'active', '{{}}', '{{}}', '[]',
               {ts('n')}, {ts('n')}
        FROM {_numbers(dialect, 1, sessions)}""")
    _run(conn, f"""
        INSERT INTO asm_runs (id, session_id, status, metadata, turn_count, token_usage, started_at, provider_metadata)
        SELECT {cat("'r'", 'n')}, {session_id(mod('n - 1', sessions))}, 'completed', '{{}}', 1, '{{}}', {ts('n')}, '{{}}'
        FROM {_numbers(dialect, 1, 3 * sessions)}""")
    columns = "id, type, timestamp, session_id, sequence_number, data, metadata, schema_version"
    # Hot session k holds events 1..hot_events; cold event m goes to session HOT + m mod cold.
    blocks = [(k, 1, hot_events) for k in range(HOT)]
    step = MYSQL_STEP if dialect == "mysql" else max(cold_events, 1)
    blocks += [(None, start + 1, min(cold_events, start + step)) for start in range(0, cold_events, step)]
    for k, first, last in blocks:
        if k is None:
            target, number = session_id(f"{HOT} + {mod('m - 1', cold_sessions)}"), f"1 + {div('m - 1', cold_sessions)}"
            prefix, when = "'c-'", f"{HOT * hot_events} + m"
        else:
            target, number, prefix, when = f"'{sid(k)}'", "m", f"'{sid(k)}-'", f"m * {HOT} + {k}"
        _run(conn, f"""
            INSERT INTO asm_events ({columns})
            SELECT {cat(prefix, 'm')}, {type_of}, {ts(when)}, {target}, n, '{DATA}', '{{}}', 1
            FROM (SELECT y.m, {number} AS n FROM (SELECT g.n AS m FROM {_numbers(dialect, first, last)}) AS y) AS x""")
    _run(conn, f"""
        INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
        SELECT session_id, MAX(sequence_number), {ts('0')} FROM asm_events GROUP BY session_id""")
    if dialect == "postgres":
        _run(conn, "VACUUM ANALYZE")
    elif dialect == "mysql":
        for table in ("asm_sessions", "asm_runs", "asm_events", "asm_session_sequences"):
            _run(conn, f"ANALYZE TABLE {table}")
    else:
        # What asm's migrate and maintenance run (queries/sqlite/maintenance.sql: refresh_statistics).
        _run(conn, "PRAGMA analysis_limit = 1000")
        _run(conn, "ANALYZE")
    conn.close()


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# One step in a process of its own, with the asm of a given tree first on the path: the public
# API only, so an older checkout runs it too.
STEP = r"""
import json, sys, time
import asm
url, step, arg = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
nothing = dict(max_completed_session_age_days=None, hard_delete_after_days=None)
with asm.connect(url) as store:
    start = time.perf_counter()
    if step == "prune":
        done = store.maintenance.prune_session_events(
            arg["session_id"], asm.RetentionPolicy(max_events_per_session=arg["keep"]))
    elif step == "idle run":
        done = store.maintenance.execute(asm.RetentionPolicy(max_events_per_session=arg["limit"], **nothing)).events_pruned
    elif step == "health_check":
        done = len(store.maintenance.health_check())
    else:
        done = store.maintenance.execute(asm.RetentionPolicy(max_total_events=arg["limit"], **nothing)).events_pruned
    print(json.dumps([time.perf_counter() - start, done]))
"""


def _step(tree: Path, url: str, step: str, arg: dict[str, Any]) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", STEP, url, step, json.dumps(arg)], cwd=tree,
                         env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{step} with {tree} failed:\n{out.stderr}")
    seconds, done = json.loads(out.stdout.splitlines()[-1])
    return seconds, done


def measure(dialect: str, url: str, trees: dict[str, Path], hot_events: int, keep: int,
            rounds: int = 3) -> dict[str, dict[str, tuple[float, str]]]:
    """{step: {side: (median seconds, what it did)}}; the sides take turns (see the module doc)."""
    conn = _connect(url)
    count = lambda where="1 = 1": _run(conn, f"SELECT COUNT(*) FROM asm_events WHERE {where}")[0][0]  # noqa: E731
    sides = list(trees)
    times: dict[str, dict[str, list[float]]] = {}
    what: dict[str, dict[str, str]] = {}

    def record(step: str, side: str, seconds: float, did: str) -> None:
        times.setdefault(step, {}).setdefault(side, []).append(seconds)
        what.setdefault(step, {})[side] = did
        print(f"{dialect}: {side}: {step}: {seconds * 1000:,.0f} ms ({did})", flush=True)

    for k in range(HOT):  # each hot session is pruned once, by the sides in turn
        side = sides[k % len(sides)]
        seconds, pruned = _step(trees[side], url, "prune", {"session_id": sid(k), "keep": keep})
        record("prune", side, seconds, f"pruned {pruned:,}, {count(f'session_id = {sid(k)!r}'):,} left")
    for step, arg in (("idle run", {"limit": 2 * hot_events}), ("health_check", {})):
        for _ in range(rounds):
            for side in sides:
                seconds, done = _step(trees[side], url, step, arg)
                record(step, side, seconds, f"pruned {done}" if step == "idle run" else f"{done} problems")
    for side in sides:
        total = count()
        seconds, pruned = _step(trees[side], url, "global prune", {"limit": total - min(10_000, total // 10)})
        record("global prune", side, seconds, f"pruned {pruned:,} of {total:,}")
    conn.close()
    return {step: {side: (statistics.median(ts), what[step][side]) for side, ts in by_side.items()}
            for step, by_side in times.items()}


# The statements a prune, the idle run and health_check run, with parameters of the seeded
# data (the default policy's type lists): a hot session's span, its cut and first batches.
FIRST = ["message_streamed", "token_usage_updated"]
SKIP = FIRST + ["session_created", "error_occurred", "run_failed"]


def plan_cases(hot_events: int, keep: int) -> list[tuple[str, str, dict[str, Any]]]:
    hot = dict(session_id=sid(1), after_sequence=0, through_sequence=hot_events)
    return [
        ("sessions_over_event_limit", "first page", dict(max_events=keep, after_session_id="", limit=1000)),
        ("session_event_span", "hot session, prune-first types", dict(session_id=sid(1), types=FIRST)),
        ("nth_prunable_session_event", "hot session, the cut of the other types",
         dict(hot, only_types=None, skip_types=SKIP, offset=hot_events - keep)),
        ("session_events_page", "hot session, first batch", dict(hot, limit=1000)),
        ("session_events_page", "hot session, batch from the middle", dict(hot, after_sequence=hot_events // 2, limit=1000)),
        ("count_all_events", "prune-first types", dict(types=FIRST)),
        ("nth_prunable_event", "the cut of 10,000 prune-first events",
         dict(only_types=FIRST, skip_types=None, after_id="", through_id="~", offset=9_999)),
        ("events_page", "oldest batch", dict(after_id="", through_id="~", limit=1000)),
        ("session_health", "", {}),
        ("runs_without_session", "", {}),
    ]


def explain(dialect: str, conn: Any, sql: str, params: dict[str, Any]) -> list[str]:
    """EXPLAIN's text (PostgreSQL), rows (MariaDB) or EXPLAIN QUERY PLAN's tree (SQLite)."""
    cur = conn.cursor()
    try:
        cur.execute(("EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN ") + sql, params)
        rows, columns = cur.fetchall(), [c[0] for c in cur.description]
    finally:
        cur.close()
    if dialect == "postgres":
        return [row[0] for row in rows]
    if dialect == "mysql":
        return [", ".join(f"{c}={v}" for c, v in zip(columns, row) if v is not None) for row in rows]
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def plans(dialect: str, url: str, hot_events: int, keep: int) -> list[tuple[str, list[str]]]:
    queries = load_queries(dialect, SYNC_DRIVERS[dialect].aiosql_adapter)
    conn = _connect(url)
    if dialect == "postgres":
        _run(conn, "SET jit = off")  # as on asm's own connections
    oldest = _run(conn, "SELECT MIN(timestamp) FROM asm_events")[0][0]
    newest = _run(conn, "SELECT MAX(timestamp) FROM asm_events")[0][0]
    found = []
    for name, case, params in plan_cases(hot_events, keep):
        params = dict(params)
        for key in ("only_types", "skip_types", "types"):
            if params.get(key) is not None and dialect != "postgres":
                params[key] = json.dumps(params[key])
        if "after_id" in params and "through_id" in params:
            params["after_at"], params["through_at"] = oldest, newest
        found.append((f"{name} ({case})" if case else name, explain(dialect, conn, getattr(queries, name).sql, params)))
    conn.close()
    return found


def server(dialect: str, url: str) -> str:
    if dialect == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    conn = _connect(url)
    version = _run(conn, "SELECT version()")[0][0]
    conn.close()
    return version.split(" (")[0] if dialect == "postgres" else f"MariaDB {version.split('-')[0]}"


def run(dialect: str, events: int, sessions: int, hot_events: int, keep: int, with_plans: bool,
        trees: dict[str, Path], rounds: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = create_database(dialect, Path(tmp))
        try:
            asm.migrate(url)
            seconds, _ = _timed(lambda: seed(dialect, url, events, sessions, hot_events))
            print(f"{dialect}: seeded {events:,} events in {seconds:.0f} s", flush=True)
            result = {"dialect": dialect, "server": server(dialect, url)}
            if with_plans:
                result["plans"] = plans(dialect, url, hot_events, keep)
            result["steps"] = measure(dialect, url, trees, hot_events, keep, rounds)
            return result
        finally:
            drop_database(dialect, url)


def report(results: list[dict[str, Any]], args: argparse.Namespace, sides: list[str]) -> str:
    command = (f"python -m bench.maintenance_scale --events {args.events} --hot-events {args.hot_events} "
               f"--keep {args.keep}" + (" --before TREE" if args.before else "") + " --plans --write")
    lines = [
        "# Maintenance at scale",
        "",
        f"`{command}` on {platform.machine()}, Python {platform.python_version()}, default server "
        f"configurations. {args.events:,} events: {HOT} sessions of {args.hot_events:,}, the rest "
        f"over {args.sessions - HOT:,} sessions; 3 runs per session. Seconds through the public API, "
        "each step in a process of its own"
        + (": `before` is the asm of TREE, `after` this checkout's; they take turns (each prunes every "
           "other hot session; idle runs and health checks alternate, medians of 3; one global prune "
           "each, before first)." if args.before else "."),
        "",
        "| dialect | server | step | " + " | ".join(f"{side} s" for side in sides) + " | what it did |",
        "|---|---|---|" + "---:|" * len(sides) + "---|",
    ]
    for r in results:
        for step, by_side in r["steps"].items():
            cells = " | ".join(f"{by_side[side][0]:,.2f}" if side in by_side else "" for side in sides)
            did = "; ".join(f"{side}: {by_side[side][1]}" for side in sides if side in by_side)
            lines.append(f"| {r['dialect']} | {r['server']} | {step} | {cells} | {did} |")
    for r in results:
        if r.get("plans"):
            lines += ["", f"## Plans: {r['dialect']}", ""]
            for name, plan in r["plans"]:
                lines += [f"`{name}`:", "", "```", *plan, "```", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--dialect", action="append", choices=("postgres", "sqlite", "mysql"))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--hot-events", type=int, default=100_000)
    parser.add_argument("--keep", type=int, default=10_000)
    parser.add_argument("--before", type=Path, help="a checkout of an older asm (e.g. git archive) to compare")
    parser.add_argument("--plans", action="store_true", help="EXPLAIN the statements of a batch")
    parser.add_argument("--write", action="store_true", help="write bench/results/maintenance.md")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT} if args.before else {"after": ROOT}
    results = [run(d, args.events, args.sessions, args.hot_events, args.keep, args.plans, trees)
               for d in args.dialect or ("postgres", "sqlite", "mysql")]
    text = report(results, args, list(trees))
    print(text)
    if args.write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
