"""MySQL/MariaDB plans of the rewritten statements, before and after (`python -m bench.mysql_plans`).

Seeds a throwaway MariaDB database with set-based SQL (the SEQUENCE engine's seq_1_to_N
tables): 20,000 sessions over 50 agents, 3 runs each, 1,000,000 events of which three hot
sessions hold 100,000 each. Then runs each statement of queries/mysql as committed
(`git show HEAD:...`) and as in the working tree, DML inside a rolled-back transaction,
and prints the time and EXPLAIN's access to the big table. Writes bench/results/mysql_plans.md
with --write. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pymysql

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries" / "mysql"
RESULTS = ROOT / "bench" / "results" / "mysql_plans.md"
BASE = datetime(2025, 1, 1)
PROVIDERS = ("openai", "anthropic", "google", "mistral")
TYPES = ("message_sent", "message_received", "tool_call", "tool_result", "run_started", "run_completed")
STATUSES = ("pending", "active", "paused", "completed", "failed", "cancelled")
DATA = json.dumps({"role": "assistant", "content": "Here is the summary you asked for. " * 4,
                   "usage": {"input_tokens": 812, "output_tokens": 164, "total_tokens": 976}})
HOT = 3  # sessions s00000..s00002 hold HOT_EVENTS events each


def connect(database: str | None = None, host: str = "127.0.0.1", port: int = 3306):
    return pymysql.connect(host=host, port=port, user="root", password="", database=database,
                           autocommit=True, charset="utf8mb4")


def sid(n: int) -> str:
    return f"s{n:05d}"


def seed(conn, events: int = 1_000_000, sessions: int = 20_000, hot_events: int = 100_000) -> None:
    """Fill a migrated, empty database. Events 1..HOT*hot_events go to the hot sessions in
    sequence order; the rest are dealt round-robin over the other sessions."""
    hot_total = HOT * hot_events
    cold = sessions - HOT
    cur = conn.cursor()
    cur.execute(f"""
        INSERT INTO asm_sessions (id, agent_id, status, parent_session_id, metadata, context, tags,
                                  created_at, updated_at, deleted_at)
        SELECT CONCAT('s', LPAD(seq - 1, 5, '0')), CONCAT('agent-', LPAD((seq - 1) MOD 50, 2, '0')),
               ELT(1 + (seq - 1) MOD 6, {", ".join(repr(s) for s in STATUSES)}), NULL, '{{}}', '{{}}',
               JSON_ARRAY(CONCAT('t', seq MOD 7)),
               %s + INTERVAL seq MINUTE, %s + INTERVAL seq MINUTE + INTERVAL (seq * 7919) MOD 100000 SECOND,
               IF(seq MOD 100 = 0, %s + INTERVAL seq MINUTE, NULL)
        FROM seq_1_to_{sessions}""", (BASE, BASE, BASE))
    cur.execute(f"""
        INSERT INTO asm_runs (id, session_id, status, metadata, turn_count, token_usage, started_at, provider, provider_metadata)
        SELECT CONCAT('r', LPAD(seq - 1, 6, '0')), CONCAT('s', LPAD((seq - 1) MOD {sessions}, 5, '0')),
               ELT(1 + seq MOD 6, {", ".join(repr(s) for s in STATUSES)}), '{{}}', 1,
               JSON_OBJECT('total_tokens', seq MOD 5000),
               %s + INTERVAL seq SECOND, ELT(1 + seq MOD 4, {", ".join(repr(p) for p in PROVIDERS)}), '{{}}'
        FROM seq_1_to_{3 * sessions}""", (BASE,))
    # n -> (session index, sequence number): hot block first, then round-robin.
    session_of = (f"IF(seq <= {hot_total}, (seq - 1) DIV {hot_events}, {HOT} + (seq - {hot_total} - 1) MOD {cold})")
    number_of = (f"IF(seq <= {hot_total}, 1 + (seq - 1) MOD {hot_events}, 1 + (seq - {hot_total} - 1) DIV {cold})")
    step = 200_000
    for start in range(0, events, step):
        cur.execute(f"""
            INSERT INTO asm_events (id, type, timestamp, session_id, run_id, sequence_number, data, metadata,
                                    schema_version, provider, correlation_id)
            SELECT CONCAT('e', LPAD(seq, 7, '0')), ELT(1 + seq MOD 6, {", ".join(repr(t) for t in TYPES)}),
                   %s + INTERVAL seq SECOND, CONCAT('s', LPAD(k.s, 5, '0')),
                   CONCAT('r', LPAD(k.s + {sessions} * (k.n MOD 3), 6, '0')), k.n, %s, '{{}}', 1,
                   ELT(1 + seq MOD 4, {", ".join(repr(p) for p in PROVIDERS)}), IF(seq MOD 1000 = 0, CONCAT('c', seq), NULL)
            FROM (SELECT seq, {session_of} AS s, {number_of} AS n FROM seq_{start + 1}_to_{min(events, start + step)}) AS k""",
                    (BASE, DATA))
    cur.execute("""
        INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at)
        SELECT session_id, MAX(sequence_number), %s FROM asm_events GROUP BY session_id""", (BASE,))
    cur.execute(f"""
        INSERT INTO asm_artifacts (id, `key`, session_id, type, size_bytes, metadata, created_at)
        SELECT CONCAT('a', seq), CONCAT('k', seq), CONCAT('s', LPAD((seq - 1) MOD {sessions}, 5, '0')), 'file', seq,
               '{{}}', %s + INTERVAL seq SECOND
        FROM seq_1_to_{sessions}""", (BASE,))
    for table in ("asm_sessions", "asm_runs", "asm_events", "asm_session_sequences", "asm_artifacts"):
        cur.execute(f"ANALYZE TABLE {table}")
        cur.fetchall()


_NAME = re.compile(r"^-- name: (\w+)\(([^)]*)\)\S*\n(?:--[^\n]*\n)*", re.M)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def statements(text: str) -> dict[str, str]:
    """Named statements of one query file, with :params in pymysql's %(name)s form."""
    found = {}
    matches = list(_NAME.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sql = text[m.end():end].strip().rstrip(";")
        found[m.group(1)] = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
    return found


def load(old: bool) -> dict[str, str]:
    out = {}
    for path in sorted(QUERIES.glob("*.sql")):
        text = (subprocess.run(["git", "show", f"HEAD:queries/mysql/{path.name}"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout if old else path.read_text())
        out.update(statements(text))
    return out


def ids(values) -> str:
    return json.dumps(list(values))


def cases(sessions: int = 20_000, hot_events: int = 100_000) -> list[tuple[str, str, dict]]:
    """(label, query name, parameters): hot and cold sessions, deep cursors, rare filters."""
    cold = [sid(n) for n in range(100, 110)]
    deep = hot_events // 2
    none = dict(run_ids=None, types=None, providers=None, since=None, until=None, correlation_id=None)
    return [
        ("1 hot session", "search_events_sequence_asc",
         dict(none, session_ids=ids([sid(1)]), after_session_id=None, after_sequence=None, limit=100)),
        ("1 hot session, page at row 50%", "search_events_sequence_asc",
         dict(none, session_ids=ids([sid(1)]), after_session_id=sid(1), after_sequence=deep, limit=100)),
        ("no filter, page at row 50%", "search_events_sequence_asc",
         dict(none, session_ids=None, after_session_id=sid(1), after_sequence=deep, limit=100)),
        ("10 cold sessions, type filter", "search_events_sequence_asc",
         dict(none, session_ids=ids(cold), types=ids(["tool_call"]), after_session_id=None, after_sequence=None,
              limit=100)),
        ("1 hot session", "search_events_timestamp_asc",
         dict(none, session_ids=ids([sid(1)]), after_at=None, after_id=None, limit=100)),
        ("no filter, page at row 50%", "search_events_timestamp_asc",
         dict(none, session_ids=None, after_at="2025-01-06 18:53:20",
              after_id="e0500000", limit=100)),
        ("no filter, page at row 50%", "search_events_timestamp_desc",
         dict(none, session_ids=None, after_at="2025-01-06 18:53:20", after_id="e0500000", limit=100)),
        ("1 hot session", "count_events", dict(none, session_ids=ids([sid(1)]))),
        ("10 cold sessions", "count_events", dict(none, session_ids=ids(cold))),
        ("hot session, type filter", "get_events",
         dict(session_id=sid(1), run_id=None, types=ids(["tool_call"]), since=None, after=None, before=None,
              limit=100)),
        ("10 ids", "get_events_by_ids", dict(ids=ids(f"e{n:07d}" for n in range(400_000, 400_010)))),
        ("page at row 50%", "search_sessions_created_asc",
         dict(agent_id=None, statuses=None, provider=None, tags=None, created_after=None, created_before=None,
              include_deleted=0, after_at="2025-01-07 22:40:00", after_id=sid(sessions // 2), limit=50)),
        ("page at row 50%", "search_sessions_updated_desc",
         dict(agent_id=None, statuses=None, provider=None, tags=None, created_after=None, created_before=None,
              include_deleted=0, after_at="2025-01-07 22:40:00", after_id=sid(sessions // 2), limit=50)),
        ("status filter", "search_sessions_created_desc",
         dict(agent_id=None, statuses=ids(["failed"]), provider=None, tags=None, created_after=None,
              created_before=None, include_deleted=0, after_at=None, after_id=None, limit=50)),
        ("page at row 50%", "search_runs_started_asc",
         dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None,
              min_tokens=None, after_at="2025-01-01 08:20:00", after_id="r030000", limit=50)),
        ("page at row 50%", "search_runs_started_desc",
         dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None,
              min_tokens=None, after_at="2025-01-01 08:20:00", after_id="r030000", limit=50)),
        ("page at row 50%", "list_graph_sessions",
         dict(graph_id=None, after_created_at="2025-01-01 00:00:00", after_id="00000000-0000-0000-0000-000000000000",
              limit=50)),
        ("1 id", "soft_delete_sessions", dict(ids=ids([cold[0]]), now="2025-06-01 00:00:00")),
        ("10 cold sessions", "delete_events_of_sessions", dict(ids=ids(cold))),
        ("10 cold sessions", "delete_runs_of_sessions", dict(ids=ids(cold))),
        ("10 cold sessions", "delete_artifacts_of_sessions", dict(ids=ids(cold))),
        ("10 cold sessions", "delete_sequences_of_sessions", dict(ids=ids(cold))),
        ("10 cold sessions", "delete_sessions_by_ids", dict(ids=ids(cold))),
        ("10 ids", "delete_events_by_ids", dict(ids=ids(f"e{n:07d}" for n in range(400_000, 400_010)))),
        ("1,000 ids", "delete_events_by_ids", dict(ids=ids(f"e{n:07d}" for n in range(400_000, 401_000)))),
        ("10 ids", "delete_artifacts_by_ids", dict(ids=ids(f"a{n}" for n in range(1, 11)))),
        ("10 ids (in use)", "delete_orphaned_sequences", dict(ids=ids(cold))),
        ("hot session", "prunable_session_events",
         dict(session_id=sid(1), protected_types=ids(["run_started"]), first_types=ids(["tool_result"]), limit=100)),
        ("statuses", "expired_session_ids",
         dict(created_before=None, completed_before="2025-02-01 00:00:00", terminal_statuses=ids(["completed", "failed"]),
              exempt_statuses=ids(["paused"]), exempt_tags=None, limit=100)),
    ]


def explain(cur, sql: str, params: dict) -> str:
    """How the statement reaches each table: 'e:ref(asm_events_session_sequence_idx)' ..."""
    cur.execute("EXPLAIN " + sql, params)
    cols = [d[0] for d in cur.description]
    parts = []
    for row in cur.fetchall():
        r = dict(zip(cols, row))
        if r["table"] is None or r["table"].startswith("<"):
            continue
        if "json_table" in (r.get("Extra") or ""):  # the list itself: only worth a word when run per row
            if "DEPENDENT" in r["select_type"]:
                parts.append("list:DEPENDENT")
            continue
        access = r["type"] + (f"({r['key']})" if r.get("key") else "")
        parts.append(f"{r['table']}:{access}" + (" DEPENDENT" if "DEPENDENT" in r["select_type"] else ""))
    return " ".join(parts)


def scans(plan: str) -> bool:
    return bool(re.search(r":ALL\b|DEPENDENT|:index\(", plan))


def timed(conn, sql: str, params: dict, dml: bool, repeat: int, limit_s: float) -> float | None:
    """Median milliseconds, None when the server stopped it at limit_s."""
    cur = conn.cursor()
    cur.execute(f"SET SESSION max_statement_time = {limit_s}")
    times = []
    for _ in range(repeat):
        if dml:
            cur.execute("BEGIN")
        start = time.perf_counter()
        try:
            cur.execute(sql, params)
            cur.fetchall()
        except pymysql.err.OperationalError as exc:
            if exc.args[0] != 1969:  # ER_STATEMENT_TIMEOUT
                raise
            return None
        finally:
            if dml:
                cur.execute("ROLLBACK")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(events: int, repeat: int, limit_s: float) -> list[dict]:
    name = "asm_bench_mysql_plans"
    admin = connect()
    admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        from asm.db.migrations import migrate
        migrate(f"mysql://root@127.0.0.1:3306/{name}")
        conn = connect(name)
        start = time.perf_counter()
        seed(conn, events=events, sessions=20_000, hot_events=events // 10)
        print(f"seeded {events:,} events in {time.perf_counter() - start:.0f} s", flush=True)
        old, new = load(old=True), load(old=False)
        rows = []
        for label, query, params in cases(hot_events=events // 10):
            dml = re.match(r"\s*(DELETE|UPDATE)", new[query]) is not None
            cur = conn.cursor()
            row = {"query": query, "case": label}
            for side, texts, n in (("old", old, 1), ("new", new, repeat)):
                row[side + "_plan"] = explain(cur, texts[query], params)
                row[side + "_ms"] = timed(conn, texts[query], params, dml, n, limit_s)
            print(row, flush=True)
            rows.append(row)
        return rows
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")


def report(rows: list[dict], events: int, limit_s: float) -> str:
    ms = lambda v: f"> {limit_s * 1000:,.0f} (stopped)" if v is None else f"{v:,.1f}"  # noqa: E731
    lines = [
        "# MySQL/MariaDB statement shapes at scale",
        "",
        f"`python -m bench.mysql_plans --events {events} --write`. MariaDB "
        f"{connect().get_server_info().removeprefix('5.5.5-')}, default configuration; {events:,} events (three sessions of "
        f"{events // 10:,}, the rest over 19,997 sessions), 20,000 sessions, 60,000 runs. `old` is the "
        "statement as committed before issue 15, `new` the one in queries/mysql now; DML runs in a "
        "rolled-back transaction. Times are medians in ms (old: one run, stopped at the limit). "
        "Plans are EXPLAIN's access per table (`ALL` = full scan, `index` = a walk of the whole index, "
        "`DEPENDENT` = a subquery run once per row; the JSON_TABLE lists are shown only when run per row).",
        "",
        "| query | case | old ms | new ms | old plan | new plan |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['query']} | {r['case']} | {ms(r['old_ms'])} | {ms(r['new_ms'])} | "
                     f"{r['old_plan']} | {r['new_plan']} |")
    return "\n".join(lines) + "\n" + NOTES


NOTES = '''
## Reading it

- **DML** joins the list (`DELETE t FROM tbl AS t JOIN JSON_TABLE(:ids ...) AS j ON t.id = j.id`, the
  same for `UPDATE`): the list is read first and each id is a key lookup. MariaDB before 11.1 has no
  semi-join for single-table DELETE/UPDATE, so `WHERE id IN (SELECT ... FROM JSON_TABLE(...))` ran
  its subquery once per row of the table (`DEPENDENT`, `ALL`): 15.6 s for 10 ids, over 30 s (stopped)
  for 1,000; now 3.6 ms and 43 ms.
- **List filters** are `(:list IS NULL OR col IN (SELECT j.v FROM JSON_TABLE(:list ... COLLATE
  utf8mb4_bin ...)))`. An IN under `OR` is never made a semi-join (that is decided before the
  optimizer folds `'[...]' IS NULL` away), so by itself it is a hash filter over a scan. For
  `session_ids` on asm_events the statement also says `session_id >= (SELECT MIN(j.v) ...)` and
  `<= (SELECT MAX(j.v) ...)`: uncorrelated scalar subqueries are constants to the range optimizer, so
  the session index is read from the list's first to its last id (for one id: exactly that session).
  The bounds follow from the IN, so they change no result; an empty list gives NULL bounds and no rows.
  A list of ids spread over the whole key space still reads the range between its extremes.
- **Keyset cursors** are written `a >= x AND (a > x OR b > y)`: MariaDB makes no index range of
  `(a, b) > (x, y)`, so every page walked the index from its start.

## Not fixed here

- `count_events` for one hot session (10% of the table) is still a full scan: every column any
  filter names counts as read, so the session index is not covering and MariaDB prices 100,000 row
  lookups above a table scan. A PK self-join that reads the rows only when another filter is given
  fixes this case (37 ms at 200k events) but makes a type filter without sessions 13x slower, so it
  was left out.
- `search_events_timestamp_asc/desc` with a session list walk the global timestamp index (360 ms):
  this needs a `(session_id, timestamp, id)` index (issue 15, per-session top-N).
- `prunable_session_events` sorts a hot session's events by a CASE (388 ms): maintenance's keyset
  rewrite (issue 15, O(batch) maintenance).
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--write", action="store_true", help="write bench/results/mysql_plans.md")
    args = parser.parse_args()
    rows = run(args.events, args.repeat, args.limit_s)
    text = report(rows, args.events, args.limit_s)
    print(text)
    if args.write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
