"""Seeding a production-shaped asm database with set-based SQL (`python -m bench scale`).

The shape follows issue 15 at 1M events: 20,000 sessions over 50 agents, 60,000 runs (3 per
session), three hot sessions of 10% of the events each, the rest in sessions of about 35
events. Sessions and runs scale with the events (N / 50 sessions), so at every size a typical
session, a page and an id list stay the same size while every table grows: a query keyed by
session, id or cursor then costs the same at every size exactly when it does not read the
table. Events are spread over 180 days; the hot sessions live through all of them, a typical
session lives a short stretch (its events are consecutive in time, as in production).

Every value is a function of the row's number, computed in the database: PostgreSQL
generate_series, SQLite a recursive CTE, MySQL/MariaDB a cross join of digit tables (no
SEQUENCE engine, no recursion limit), each in one INSERT ... SELECT per chunk. Ids look like
asm's (prefix, 12 hex digits of the creation time in ms, a version digit, 19 more), so they
sort by creation time like real ones. The counters are the highest number of each session.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime, timezone

import attrs

BASE = datetime(2025, 1, 1, tzinfo=timezone.utc)
BASE_MS = int(BASE.timestamp() * 1000)
SPAN_US = 180 * 86_400 * 1_000_000
HOT = 3
AGENTS = 50
M32 = 4_294_967_296


@attrs.frozen
class Shape:
    events: int

    @property
    def sessions(self) -> int:
        return max(10, self.events // 50)

    @property
    def runs(self) -> int:
        return 3 * self.sessions

    @property
    def cold(self) -> int:
        return self.sessions - HOT

    @property
    def hot_events(self) -> int:  # hot session 0's count (n % 10 == 0); 1 and 2 hold at most as many
        return (self.events + 9) // 10

    @property
    def cold_events(self) -> int:
        return self.events - sum((self.events - j + 9) // 10 for j in range(HOT))

    @property
    def per_cold(self) -> int:  # L: events per typical session
        return max(1, math.ceil(self.cold_events / self.cold))

    @property
    def step_us(self) -> int:
        return max(1, SPAN_US // max(self.events, 1))

    @property
    def graphs(self) -> int:
        return max(10, self.sessions // 10)


class _Sql:
    """Expressions in one dialect's spelling."""

    def h1(self, x: str) -> str:
        return self.mod(f"({x}) * 2654435761", M32)

    def h2(self, x: str) -> str:
        return self.mod(f"({x}) * 2246822519 + 374761393", M32)

    def h3(self, x: str) -> str:
        return self.mod(f"({x}) * 3266489917 + 668265263", M32)

    def h4(self, x: str) -> str:
        return self.mod(f"({x}) * 1597334677 + 2654435769", M32)

    def asm_id(self, prefix: str, at_us: str, x: str) -> str:
        """prefix_ + 12 hex digits of the ms + '7' + 3 + 16 hex digits: sorts by time like asm's."""
        return self.cat(f"'{prefix}_'", self.hexpad(f"{BASE_MS} + {self.div(at_us, 1000)}", 12), "'7'",
                        self.hexpad(self.mod(x, 4096), 3), self.hexpad(self.h1(x), 8), self.hexpad(self.h2(x), 8))

    def uuid(self, x: str) -> str:
        h2, h3 = self.hexpad(self.h2(x), 8), self.hexpad(self.h3(x), 8)
        return self.cat(self.hexpad(self.h1(x), 8), "'-'", f"substr({h2}, 1, 4)", "'-7'", f"substr({h2}, 6, 3)",
                        "'-8'", f"substr({h3}, 1, 3)", "'-'", self.hexpad(self.h4(x), 8), f"substr({h3}, 5, 4)")

    def insert(self, table: str, columns: str, select: str, lo: int, hi: int, inner: str = "") -> str:
        """INSERT INTO table (columns) SELECT <select> FROM (numbers lo..hi as n [, inner columns])."""
        raise NotImplementedError


class _Postgres(_Sql):
    def div(self, a, b): return f"(({a}) / ({b}))"
    def mod(self, a, b): return f"(({a}) % ({b}))"
    def cat(self, *parts): return "(" + " || ".join(parts) + ")"
    def hexpad(self, x, w): return f"lpad(to_hex({x}), {w}, '0')"
    def ts(self, us): return f"(TIMESTAMPTZ '2025-01-01 00:00:00+00' + ({us}) * INTERVAL '1 microsecond')"
    def json(self, text): return f"CAST({text} AS jsonb)"

    def insert(self, table, columns, select, lo, hi, inner=""):
        source = f"generate_series(CAST({lo} AS bigint), CAST({hi} AS bigint)) AS g(n)"
        if inner:
            source = f"(SELECT g.n{inner} FROM {source}) AS k"
        return f"INSERT INTO {table} ({columns}) SELECT {select} FROM {source}"


class _SQLite(_Sql):
    def div(self, a, b): return f"(({a}) / ({b}))"
    def mod(self, a, b): return f"(({a}) % ({b}))"
    def cat(self, *parts): return "(" + " || ".join(parts) + ")"
    def hexpad(self, x, w): return f"printf('%0{w}x', {x})"
    def json(self, text): return text

    def ts(self, us):
        return (f"(strftime('%Y-%m-%dT%H:%M:%S', {BASE_MS // 1000} + ({us}) / 1000000, 'unixepoch') || '.' || "
                f"printf('%06d', ({us}) % 1000000) || 'Z')")

    def insert(self, table, columns, select, lo, hi, inner=""):
        source = "g" if not inner else f"(SELECT g.n{inner} FROM g) AS k"
        return (f"INSERT INTO {table} ({columns}) WITH RECURSIVE g(n) AS (SELECT {lo} UNION ALL "
                f"SELECT n + 1 FROM g WHERE n < {hi}) SELECT {select} FROM {source}")


_DIGITS = ("(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 "
           "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)")


class _MySQL(_Sql):
    def div(self, a, b): return f"(({a}) DIV ({b}))"
    def mod(self, a, b): return f"MOD({a}, {b})"
    def cat(self, *parts): return "CONCAT(" + ", ".join(parts) + ")"
    def hexpad(self, x, w): return f"LPAD(LOWER(HEX({x})), {w}, '0')"
    def ts(self, us): return f"(TIMESTAMP'2025-01-01 00:00:00' + INTERVAL ({us}) MICROSECOND)"
    def json(self, text): return text

    def insert(self, table, columns, select, lo, hi, inner=""):
        digits = range(max(1, len(str(hi - lo))))
        numbers = (f"SELECT {lo} + " + " + ".join(f"{10 ** k} * d{k}.d" for k in digits) + " AS n FROM "
                   + ", ".join(f"{_DIGITS} AS d{k}" for k in digits))
        source = f"(SELECT g.n{inner} FROM ({numbers}) AS g WHERE g.n <= {hi}) AS k"
        return f"INSERT INTO {table} ({columns}) SELECT {select} FROM {source}"


CORRELATION_PREFIX = "'cor_'"
SQL = {"postgres": _Postgres(), "sqlite": _SQLite(), "mysql": _MySQL()}
# Rows per INSERT: MySQL's digit tables come in powers of ten; each chunk is its own transaction.
CHUNK = {"postgres": 1_000_000, "sqlite": 1_000_000, "mysql": 100_000}

EVENT_TYPES = (  # (upper bound of t = hash % 1000, type): a few common ones, one rare
    (350, "message_streamed"), (500, "message_sent"), (650, "message_received"), (770, "tool_call_started"),
    (890, "tool_call_completed"), (970, "token_usage_updated"), (999, "turn_completed"), (1000, "error_occurred"))
SESSION_STATUSES = ((50, "completed"), (80, "active"), (90, "paused"), (97, "pending"), (99, "cancelled"),
                    (100, "failed"))


def _case(value: str, table: tuple[tuple[int, str], ...]) -> str:
    return "CASE " + " ".join(f"WHEN {value} < {bound} THEN '{name}'" for bound, name in table[:-1]) + \
        f" ELSE '{table[-1][1]}' END"


class Plan:
    """The expressions of one dialect and shape."""

    def __init__(self, dialect: str, shape: Shape):
        self.q, self.s, self.dialect = SQL[dialect], shape, dialect

    # session c: hot ones are 0..2; cold c holds cold events k in [(c-3)L, (c-2)L)
    def cold_n(self, k: str) -> str:
        """The event number n of the k-th cold event (n % 10 in 3..9)."""
        q = self.q
        return f"({q.div(k, 7)} * 10 + 3 + {q.mod(k, 7)})"

    def created_us(self, c: str) -> str:
        return f"(CASE WHEN {c} < {HOT} THEN ({c}) * 1000 ELSE {self.cold_n(f'(({c}) - {HOT}) * {self.s.per_cold}')} * {self.s.step_us} END)"

    def last_us(self, c: str) -> str:
        return (f"(CASE WHEN {c} < {HOT} THEN {SPAN_US} ELSE "
                f"{self.cold_n(f'(({c}) - {HOT - 1}) * {self.s.per_cold} - 1')} * {self.s.step_us} END)")

    def session_id(self, c: str) -> str:
        return self.q.asm_id("ses", self.created_us(c), c)

    def run_started_us(self, c: str, j: str) -> str:
        return f"({self.created_us(c)} + ({j}) * {self.q.div(f'{self.last_us(c)} - {self.created_us(c)}', 3)})"

    def run_id(self, c: str, j: str) -> str:
        return self.q.asm_id("run", self.run_started_us(c, j), f"3 * ({c}) + ({j})")

    def provider(self, r: str) -> str:
        q = self.q
        return (f"(CASE WHEN {q.mod(r, 500)} = 7 THEN 'local' WHEN {q.mod(r, 20)} < 10 THEN 'openai' "
                f"WHEN {q.mod(r, 20)} < 16 THEN 'anthropic' WHEN {q.mod(r, 20)} < 19 THEN 'google' ELSE 'mistral' END)")

    def sessions(self) -> list[str]:
        q, s = self.q, self.s
        c = "n"
        status = _case(q.mod(c, 100), SESSION_STATUSES)
        tags = (f"(CASE WHEN {q.mod(c, 500)} = 1 THEN '[\"escalated\"]' WHEN {q.mod(c, 20)} = 0 THEN '[\"vip\"]' "
                f"WHEN {q.mod(c, 3)} = 0 THEN '[\"beta\", \"eu\"]' ELSE '[]' END)")
        select = ", ".join([
            self.session_id(c), q.cat("'agent-'", q.mod(c, AGENTS)), status, "NULL",
            q.json(q.cat("'{\"customer\": \"c'", c, "'\"}'")), q.json("'{}'"), q.json(tags),
            q.ts(self.created_us(c)), q.ts(self.last_us(c)),
            f"CASE WHEN {q.mod(c, 50)} = 25 THEN {q.ts(self.last_us(c) + ' + 86400000000')} END"])
        return [q.insert("asm_sessions", "id, agent_id, status, parent_session_id, metadata, context, tags, "
                         "created_at, updated_at, deleted_at", select, 0, s.sessions - 1)]

    def runs(self) -> list[str]:
        q, s = self.q, self.s
        r, c, j = "n", q.div("n", 3), q.mod("n", 3)
        running = f"{j} = 2 AND {q.mod(c, 10)} = 0"
        status = (f"(CASE WHEN {q.mod(r, 500)} = 1 THEN 'cancelled' WHEN {q.mod(r, 20)} = 7 THEN 'failed' "
                  f"WHEN {running} THEN 'running' ELSE 'completed' END)")
        i, o = q.mod(q.h1(r), 20000), q.mod(q.h2(r), 4000)
        usage = (f"(CASE WHEN {q.mod(r, 50)} = 0 THEN '{{}}' ELSE "
                 + q.cat("'{\"input_tokens\": '", i, "', \"output_tokens\": '", o, "', \"total_tokens\": '",
                         f"({i}) + ({o})", "'}'") + " END)")
        third = q.div(f"{self.last_us(c)} - {self.created_us(c)}", 3)
        answer = q.json("'{\"answer\": \"done\"}'")
        select = ", ".join([
            self.run_id(c, j), self.session_id(c), status, q.json("'{\"prompt\": \"Summarize the ticket\"}'"),
            f"CASE WHEN NOT ({running}) THEN {answer} END", "NULL",
            q.json("'{}'"), f"{j} + 1", q.json(usage), q.ts(self.run_started_us(c, j)),
            f"CASE WHEN NOT ({running}) THEN {q.ts(self.run_started_us(c, j) + ' + ' + third)} END",
            f"CASE WHEN {q.mod(r, 100)} = 50 THEN NULL ELSE {self.provider(r)} END", q.json("'{}'")])
        return [q.insert("asm_runs", "id, session_id, status, input, output, error, metadata, turn_count, "
                         "token_usage, started_at, ended_at, provider, provider_metadata", select, 0, s.runs - 1)]

    def events(self) -> list[str]:
        q, s = self.q, self.s
        k = f"({q.div('g.n', 10)} * 7 + {q.mod('g.n', 10)} - 3)"  # the event's index among cold events
        hot = f"{q.mod('g.n', 10)} < {HOT}"
        inner = (f", CASE WHEN {hot} THEN {q.mod('g.n', 10)} ELSE {HOT} + {q.div(k, s.per_cold)} END AS c"
                 f", CASE WHEN {hot} THEN {q.div('g.n', 10)} + 1 ELSE {q.mod(k, s.per_cold)} + 1 END AS seq")
        j = f"(CASE WHEN c < {HOT} THEN {q.div('(seq - 1) * 3', s.hot_events)} ELSE {q.div('(seq - 1) * 3', s.per_cold)} END)"
        t = q.mod(q.div(q.h1("n"), 4096), 1000)
        tool = f"({t} >= 650 AND {t} < 890)"
        llm = f"({t} < 650 OR ({t} >= 890 AND {t} < 970))"
        data = q.cat("'{\"role\": \"assistant\", \"content\": \"Here is the summary you asked for, step '", "n",
                     "'. Next I will call the search tool with the refined query and report back.\", "
                     "\"usage\": {\"input_tokens\": '", q.mod(q.h1("n"), 2000), "', \"output_tokens\": '",
                     q.mod(q.h2("n"), 500), "'}}'")
        select = ", ".join([
            q.asm_id("evt", f"n * {s.step_us}", "n"), _case(t, EVENT_TYPES), q.ts(f"n * {s.step_us}"),
            self.session_id("c"), self.run_id("c", j), "seq", q.json(data),
            q.json(q.cat("'{\"model\": \"gpt-4o-mini\", \"latency_ms\": '", q.mod(q.h2("n"), 3000), "'}'")), "1",
            f"CASE WHEN {llm} THEN {self.provider('3 * c + ' + j)} END",
            f"CASE WHEN {tool} THEN {q.cat(CORRELATION_PREFIX, q.hexpad(q.div('n', 2), 12))} END"])
        columns = ("id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, "
                   "provider, correlation_id")
        chunk = CHUNK[self.dialect]
        return [q.insert("asm_events", columns, select, lo, min(lo + chunk, s.events) - 1, inner)
                for lo in range(0, s.events, chunk)]

    def counters(self) -> list[str]:
        return ["INSERT INTO asm_session_sequences (session_id, last_sequence, updated_at) "
                "SELECT session_id, MAX(sequence_number), MAX(timestamp) FROM asm_events GROUP BY session_id"]

    def artifacts(self) -> list[str]:
        q, s, c = self.q, self.s, "n"
        select = ", ".join([
            q.cat("'art_'", q.hexpad(q.h1(c), 8), q.hexpad(q.h2(c), 8), q.hexpad(c, 8)),
            q.cat("'files/'", c, "'/report.md'"), self.session_id(c), self.run_id(c, "0"), "'file'", "'text/markdown'",
            q.mod(q.h1(c), 100000), "NULL", "'s3'", q.cat("'s3://bucket/files/'", c), q.json("'{}'"),
            q.ts(self.created_us(c)), f"CASE WHEN {q.mod(c, 40)} = 0 THEN {q.ts(self.last_us(c))} END"])
        return [q.insert("asm_artifacts", "id, " + ("`key`" if self.dialect == "mysql" else "key") +
                         ", session_id, run_id, type, content_type, size_bytes, checksum_sha256, storage_backend, "
                         "storage_ref, metadata, created_at, deleted_at", select, 0, s.sessions - 1)]

    def graph_sessions(self) -> list[str]:
        q, s, g = self.q, self.s, "n"
        message = ('{"role": "User", "content": "I had a car accident", "timestamp": "2025-01-01T00:00:00Z"}, '
                   '{"role": "Assistant", "content": "Sorry to hear that. Is anyone hurt?", '
                   '"timestamp": "2025-01-01T00:00:05Z"}')
        context = f"'{{\"chat_history\": {{\"messages\": [{message}], \"max_messages\": 50}}, \"insurance_type\": \"car\"}}'"
        at = f"({g}) * {SPAN_US // s.graphs}"
        uuid = self.q.uuid(g)
        select = ", ".join([
            f"CAST({uuid} AS uuid)" if self.dialect == "postgres" else uuid, q.cat("'graph-'", q.mod(g, 10)),
            q.cat("'task-'", q.mod(g, 5)), "NULL", q.json(context), q.ts(at), q.ts(at + " + 3600000000")])
        return [q.insert("sessions", "id, graph_id, current_task_id, status_message, context, created_at, updated_at",
                         select, 0, s.graphs - 1)]


def seed(dialect: str, conn, shape: Shape, log: Callable[[str], None] = print) -> dict[str, float]:
    """Fill a migrated, empty database; returns seconds per table (each step is committed)."""
    plan = Plan(dialect, shape)
    cur = conn.cursor()
    if dialect == "sqlite":
        # A bulk load: the page cache keeps the indexes' pages; a crash only loses the scratch file.
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA cache_size = -400000")
    seconds = {}
    for table, statements in (("asm_sessions", plan.sessions()), ("asm_runs", plan.runs()),
                              ("asm_events", plan.events()), ("asm_session_sequences", plan.counters()),
                              ("asm_artifacts", plan.artifacts()), ("sessions", plan.graph_sessions())):
        started = time.perf_counter()
        for i, statement in enumerate(statements):
            cur.execute("BEGIN")
            cur.execute(statement)
            cur.execute("COMMIT")
            if len(statements) > 1:
                log(f"  {table}: chunk {i + 1}/{len(statements)} ({time.perf_counter() - started:.0f} s)")
        seconds[table] = time.perf_counter() - started
    cur.close()
    return seconds


ASM_TABLES = ("asm_sessions", "asm_runs", "asm_events", "asm_session_sequences", "asm_artifacts", "sessions")


def analyze(dialect: str, conn) -> None:
    """Fresh statistics after the bulk load, as autovacuum (PostgreSQL), persistent statistics
    (InnoDB) and asm's own sampled ANALYZE (SQLite: what migrate and maintenance run) keep them.
    VACUUM sets PostgreSQL's visibility map, which index-only scans need."""
    cur = conn.cursor()
    if dialect == "postgres":
        for table in ASM_TABLES:
            cur.execute(f"VACUUM (ANALYZE) {table}")
    elif dialect == "mysql":
        for table in ASM_TABLES:
            cur.execute(f"ANALYZE TABLE {table}")
            cur.fetchall()
    else:
        cur.execute("PRAGMA analysis_limit = 1000")
        cur.execute("ANALYZE")
    cur.close()


def storage(dialect: str, conn, database: str) -> dict[str, int]:
    """Bytes per table, indexes (and TOAST) included."""
    cur = conn.cursor()
    try:
        if dialect == "postgres":
            cur.execute("SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class AS c "
                        "WHERE c.relkind = 'r' AND c.relnamespace = CAST(current_schema() AS regnamespace) "
                        "AND c.relname = ANY(%s)", [list(ASM_TABLES)])
            return {name: int(size) for name, size in cur.fetchall()}
        if dialect == "mysql":
            cur.execute("SELECT table_name, data_length + index_length FROM information_schema.tables "
                        "WHERE table_schema = %s", [database])
            return {name: int(size) for name, size in cur.fetchall() if name in ASM_TABLES}
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.fetchall()
        try:
            cur.execute("SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS m "
                        "ON m.name = d.name GROUP BY m.tbl_name")
            return {name: int(size) for name, size in cur.fetchall() if name in ASM_TABLES}
        except Exception:  # noqa: BLE001 - a build without dbstat: the file's size, all tables together
            cur.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            return {"(whole file)": int(cur.fetchone()[0])}
    finally:
        cur.close()
