"""MySQL/MariaDB plans of the rewritten statements, before and after (`python -m bench.mysql_plans`).

Seeds a throwaway MariaDB database with set-based SQL (the SEQUENCE engine's seq_1_to_N
tables): 20,000 sessions over 50 agents, 3 runs each, 1,000,000 events of which three hot
sessions hold 100,000 each. Then runs each statement of queries/mysql as committed before
issue 15 (`git show OLD_REV:...`) and as in the working tree, DML inside a rolled-back
transaction, and prints the time and EXPLAIN's access to the big table. A case the working
tree serves with other statements (a session list: one statement per listed session) runs
asm's own operation over them, merging and decoding included. Writes
bench/results/mysql_plans.md with --write. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pymysql
import pymysql.cursors

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "queries" / "mysql"
RESULTS = ROOT / "bench" / "results" / "mysql_plans.md"
BASE = datetime(2025, 1, 1)
PROVIDERS = ("openai", "anthropic", "google", "mistral")
TYPES = ("message_sent", "message_received", "tool_call_started", "tool_call_completed", "run_started",
         "run_completed")
STATUSES = ("pending", "active", "paused", "completed", "failed", "cancelled")
DATA = json.dumps({"role": "assistant", "content": "Here is the summary you asked for. " * 4,
                   "usage": {"input_tokens": 812, "output_tokens": 164, "total_tokens": 976}})
HOT = 3  # sessions s00000..s00002 hold HOT_EVENTS events each
OLD_REV = "f521bce^"  # queries/mysql before issue 15


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


_NAME = re.compile(r"^-- name: (\w+)\(([^)]*)\)(\S*)\n(?:--[^\n]*\n)*", re.M)
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


def suffixes(text: str) -> dict[str, str]:
    """aiosql's result suffix of each named statement ('$': one value, '': rows)."""
    return {m.group(1): m.group(3) for m in _NAME.finditer(text)}


def load(old: bool, rev: str = OLD_REV) -> dict[str, str]:
    out = {}
    for path in sorted(QUERIES.glob("*.sql")):
        if old:
            shown = subprocess.run(["git", "show", f"{rev}:queries/mysql/{path.name}"], cwd=ROOT,
                                   capture_output=True, text=True)
            text = shown.stdout if shown.returncode == 0 else ""  # a file added since
        else:
            text = path.read_text()
        out.update(statements(text))
    return out


def run_operation(conn, texts: dict[str, str], shapes: dict[str, str], fn, kwargs: dict):
    """asm's operation `fn` on raw statements: (its result, the first statement and parameters)."""
    from asm.core.database import Database
    from asm.drivers.dialects import DIALECTS
    steps = fn(Database(DIALECTS["mysql"]), **kwargs)
    cur = conn.cursor(pymysql.cursors.DictCursor)
    call = first = steps.send(None)
    try:
        while True:
            cur.execute(texts[call.query], call.params)
            rows = list(cur.fetchall())
            result = (next(iter(rows[0].values())) if rows else None) if shapes[call.query] == "$" else rows
            call = steps.send(result)
    except StopIteration as stop:
        return stop.value, first


def ids(values) -> str:
    return json.dumps(list(values))


def cases(sessions: int = 20_000, hot_events: int = 100_000) -> list[tuple]:
    """(label, query name, parameters[, asm call]): hot and cold sessions, deep cursors, rare
    filters. An asm call, (operation, arguments), is what the working tree runs instead of the
    old statement."""
    from asm.cursors import encode_cursor
    from asm.query import events
    cold = [sid(n) for n in range(100, 110)]
    spread = [sid(1), sid(sessions - 1)]  # the list's MIN/MAX bound spans every session
    many = [sid(1)] + [sid(n) for n in range(5_000, 5_100)]
    deep = hot_events // 2
    deep_at = datetime.fromisoformat("2025-01-01 00:00:00+00:00") + timedelta(seconds=hot_events + deep)
    none = dict(run_ids=None, types=None, providers=None, since=None, until=None, correlation_id=None)
    tokens = dict(session_id=None, provider=None, statuses=None, started_after=None, started_before=None,
                  min_tokens=None)

    def listed(label, order, session_ids, cursor_key=None, **filters):
        """A session-list search: the old statement, and the asm call that replaced it."""
        query = f"search_events_{order}"
        params = dict(none, session_ids=ids(session_ids), limit=101, **{
            k: ids(v) if isinstance(v, list) else v for k, v in filters.items()})
        first, second = cursor_key or (None, None)
        if order == "sequence_asc":
            params.update(after_session_id=first, after_sequence=second)
        else:
            params.update(after_at=first and first.strftime("%Y-%m-%d %H:%M:%S"), after_id=second)
        cursor = None if cursor_key is None else encode_cursor(f"events:{order}", cursor_key)
        return (label, query, params, (events.search_events, dict(
            session_ids=session_ids, order_by=order, limit=100, cursor=cursor, **filters)))

    return [
        listed("1 hot session (asm: per session)", "sequence_asc", [sid(1)]),
        listed("1 hot session, page at row 50% (asm: per session)", "sequence_asc", [sid(1)], (sid(1), deep)),
        listed("10 cold sessions, type filter (asm: per session)", "sequence_asc", cold, types=["tool_call_started"]),
        listed("2 sessions at both ends of the ids (asm: per session)", "sequence_asc", spread),
        listed("1 hot session (asm: per session)", "timestamp_asc", [sid(1)]),
        listed("1 hot session, page at row 50% (asm: per session)", "timestamp_asc", [sid(1)],
               (deep_at, f"e{hot_events + deep:07d}")),
        listed("1 hot session (asm: per session)", "timestamp_desc", [sid(1)]),
        listed("1 hot + 100 cold sessions (asm: per session)", "timestamp_desc", many),
        listed("10 cold sessions, type filter (asm: per session)", "timestamp_desc", cold, types=["tool_call_started"]),
        ("1 hot session (asm: count_session_events)", "count_events", dict(none, session_ids=ids([sid(1)])),
         (events.count_events, dict(session_ids=[sid(1)]))),
        ("1 hot session, type filter (asm: count_session_events)", "count_events",
         dict(none, session_ids=ids([sid(1)]), types=ids(["tool_call_started"])),
         (events.count_events, dict(session_ids=[sid(1)], types=["tool_call_started"]))),
        ("1 hot session, run filter (asm: count_session_events)", "count_events",
         dict(none, session_ids=ids([sid(1)]), run_ids=ids(["r020001"])),
         (events.count_events, dict(session_ids=[sid(1)], run_ids=["r020001"]))),
        ("10 cold sessions (asm: count_session_events)", "count_events", dict(none, session_ids=ids(cold)),
         (events.count_events, dict(session_ids=cold))),
        ("first page", "search_runs_tokens_desc", dict(tokens, after_tokens=None, after_id=None, limit=51)),
        ("page at row 50%", "search_runs_tokens_desc", dict(tokens, after_tokens=2500, after_id="r030000", limit=51)),
        ("min_tokens 4990", "search_runs_tokens_desc", dict(tokens, min_tokens=4990, after_tokens=None, after_id=None,
                                                             limit=51)),
        ("min_tokens 4990", "search_runs_started_desc", dict(tokens, min_tokens=4990, after_at=None, after_id=None,
                                                              limit=51)),
        ("no filter, page at row 50%", "search_events_sequence_asc",
         dict(none, session_ids=None, after_session_id=sid(1), after_sequence=deep, limit=100)),
        ("no filter, page at row 50%", "search_events_timestamp_asc",
         dict(none, session_ids=None, after_at="2025-01-06 18:53:20",
              after_id="e0500000", limit=100)),
        ("no filter, page at row 50%", "search_events_timestamp_desc",
         dict(none, session_ids=None, after_at="2025-01-06 18:53:20", after_id="e0500000", limit=100)),
        ("hot session, type filter", "get_events",
         dict(session_id=sid(1), run_id=None, types=ids(["tool_call_started"]), since=None, after=None, before=None,
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
         dict(session_id=sid(1), protected_types=ids(["run_started"]), first_types=ids(["tool_call_completed"]), limit=100)),
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


def timed_call(conn, texts, shapes, fn, kwargs, repeat: int):
    """Median milliseconds of asm's operation on these statements, and its first statement."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        _, first = run_operation(conn, texts, shapes, fn, kwargs)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), first


def run(events: int, repeat: int, limit_s: float, database: str | None = None) -> list[dict]:
    """`database`: one this module seeded already (with the same --events), kept afterwards."""
    name = database or "asm_bench_mysql_plans"
    admin = connect()
    if database is None:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")
        admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        conn = connect(name)
        if database is None:
            from asm.migrations import migrate
            migrate(f"mysql://root@127.0.0.1:3306/{name}")
            start = time.perf_counter()
            seed(conn, events=events, sessions=20_000, hot_events=events // 10)
            print(f"seeded {events:,} events in {time.perf_counter() - start:.0f} s", flush=True)
        old, new = load(old=True), load(old=False)
        shapes = {}
        for path in sorted(QUERIES.glob("*.sql")):
            shapes.update(suffixes(path.read_text()))
        rows = []
        for label, query, params, *call in cases(hot_events=events // 10):
            cur = conn.cursor()
            row = {"query": query, "case": label}
            if query in old:
                row["old_plan"] = explain(cur, old[query], params)
                row["old_ms"] = timed(conn, old[query], params, False, 1, limit_s)
            if call:
                row["new_ms"], first = timed_call(conn, new, shapes, *call[0], repeat)
                row["new_plan"] = explain(cur, new[first.query], first.params)
            elif query in new:
                dml = re.match(r"\s*(DELETE|UPDATE)", new[query]) is not None
                try:
                    row["new_plan"] = explain(cur, new[query], params)
                except KeyError as exc:  # rewritten since, with other parameters: not this case's
                    row["new_plan"] = f"(takes :{exc.args[0]} now)"
                else:
                    row["new_ms"] = timed(conn, new[query], params, dml, repeat, limit_s)
            print(row, flush=True)
            rows.append(row)
        return rows
    finally:
        if database is None:
            admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")


def report(rows: list[dict], events: int, limit_s: float) -> str:
    ms = lambda v: f"> {limit_s * 1000:,.0f} (stopped)" if v is None else f"{v:,.1f}"  # noqa: E731
    cell = lambda r, key, show: show(r[key]) if key in r else "—"  # noqa: E731
    lines = [
        "# MySQL/MariaDB statement shapes at scale",
        "",
        f"`python -m bench.mysql_plans --events {events} --write`. MariaDB "
        f"{connect().get_server_info().removeprefix('5.5.5-')}, default configuration; {events:,} events (three sessions of "
        f"{events // 10:,}, the rest over 19,997 sessions), 20,000 sessions, 60,000 runs. `old` is the "
        "statement as committed before issue 15, `new` the one in queries/mysql now; DML runs in a "
        "rolled-back transaction. Times are medians in ms (old: one run, stopped at the limit). "
        "In a row marked `asm: ...` the working tree runs other statements than the old one: its time is "
        "asm's whole operation on them (every statement, the merge, decoding the rows) and its plan the "
        "first statement's. "
        "Plans are EXPLAIN's access per table (`ALL` = full scan, `index` = a walk of the whole index, "
        "`DEPENDENT` = a subquery run once per row; the JSON_TABLE lists are shown only when run per row). "
        "The machine (2 cores) was shared with other runs: times vary 2-5x between runs, the plans do not.",
        "",
        "| query | case | old ms | new ms | old plan | new plan |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['query']} | {r['case']} | {cell(r, 'old_ms', ms)} | {cell(r, 'new_ms', ms)} | "
                     f"{cell(r, 'old_plan', str)} | {cell(r, 'new_plan', str)} |")
    return "\n".join(lines) + "\n" + NOTES


NOTES = '''
## Reading it

- **DML** joins the list (`DELETE t FROM tbl AS t JOIN JSON_TABLE(:ids ...) AS j ON t.id = j.id`, the
  same for `UPDATE`): the list is read first and each id is a key lookup. MariaDB before 11.1 has no
  semi-join for single-table DELETE/UPDATE, so `WHERE id IN (SELECT ... FROM JSON_TABLE(...))` ran
  its subquery once per row of the table (`DEPENDENT`, `ALL`): 36.8 s for 10 ids, over 60 s
  (stopped) for 1,000; now 0.7 ms and 203 ms.
- **List filters** are `(:list IS NULL OR col IN (SELECT j.v FROM JSON_TABLE(:list ... COLLATE
  utf8mb4_bin ...)))`. An IN under `OR` is never made a semi-join (that is decided before the
  optimizer folds `'[...]' IS NULL` away), so by itself it is a hash filter over a scan. For
  `session_ids` on asm_events the statement also says `session_id >= (SELECT MIN(j.v) ...)` and
  `<= (SELECT MAX(j.v) ...)`: uncorrelated scalar subqueries are constants to the range optimizer, so
  the session index is read from the list's first to its last id (for one id: exactly that session).
  The bounds follow from the IN, so they change no result; an empty list gives NULL bounds and no rows.
  A list of ids spread over the whole key space still reads the range between its extremes, so asm
  itself gives a session list to the per-session statements below.
- **Keyset cursors** are written `a >= x AND (a > x OR b > y)`: MariaDB makes no index range of
  `(a, b) > (x, y)`, so every page walked the index from its start.
- **Session lists** (`search_events(session_ids=...)`, rows marked `asm: per session`): MariaDB has
  neither LATERAL nor LIMIT in an IN subquery, so no single statement reads each listed session's
  own range. asm runs `search_session_events_<order>` once per listed session, each a range of
  `(session_id, sequence_number)` or `asm_events_session_timestamp_idx` from the cursor that LIMIT
  stops, and merges them (asm/query/events.py): in sequence order session by session until the page
  is full; in time order all of them, the full page's last row bounding the later statements
  (`until`/`since`). The old statements walked a global index past every other session's events.
- **count_session_events** names only `session_id` and `type` on the counted side: MariaDB takes
  every column a statement names as read (even under `:x IS NULL OR`), so with all of them named no
  index covered the count and one session holding 10% of the table was a full scan. Another
  filter reads the row by primary key (`EXISTS ... e.id = k.id`), for the listed sessions only.
- **Token order and `min_tokens`** read `asm_runs_total_tokens_idx` on the generated column
  `total_tokens` instead of sorting a CASE over every run.

## Not fixed here

- A session list costs one statement per listed session (1 hot + 100 cold sessions: 101
  statements), each a short index range.
- `count_session_events` with a run, provider, time or correlation filter reads each event of the
  listed sessions by primary key: O(session), no longer O(table), but 100,000 lookups for one hot
  session (the (session_id, type) index covers only the type filter).
- `search_events(run_ids=...)` without a session list has no index to use (asm_events is indexed
  by (session_id, run_id) only): a walk of the order's index with a residual filter.
- `prunable_session_events` and `expired_session_ids` were rewritten since by the maintenance work
  of issue 15 (other parameters); they are measured with it.
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--write", action="store_true", help="write bench/results/mysql_plans.md")
    parser.add_argument("--database", help="a database seeded by this module before (kept): skips the seed")
    args = parser.parse_args()
    rows = run(args.events, args.repeat, args.limit_s, args.database)
    text = report(rows, args.events, args.limit_s)
    print(text)
    if args.write:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
