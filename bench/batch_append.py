"""`python -m bench.batch_append`: batch appends in one statement per batch, or executemany.

Part 1, per dialect: asm's `append_events` with two forms of its `insert_events` query, taking
turns batch by batch (bench/timing.py), on one store:
- *executemany*: a one-row INSERT sent by the driver's executemany. asm's form before issue 15
  on every dialect, and still on SQLite (in-process) and MySQL (PyMySQL folds it into
  multi-row INSERTs of up to 1,024,000 bytes).
- *one statement*: the batch as one JSON document, `INSERT ... SELECT` over it. PostgreSQL's
  form now (`jsonb_to_recordset`, queries/postgres/events.sql); on SQLite (`json_each`) and
  MySQL (`JSON_TABLE`) the candidate that was measured and not taken.
The form not in asm's files is swapped into the store for its turns (`_swapped`), so the
lookups, counters and records around the INSERT are the same code on both sides.

Part 2, PostgreSQL: the INSERT alone on the bare driver, one transaction per batch with its
numbers reserved beforehand, in every form considered: executemany (with and without the
statement trigger of migration 0004), jsonb_to_recordset, json_to_recordset, and unnest over
one array per column, with psycopg's default text parameters and with binary ones (`%(x)b`,
which aiosql's `:name` placeholders cannot express). Encoding the parameters is included.

Writes bench/results/batch_append.md.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiosql
import click
import psycopg

import asm
import asm.store.events as events_module
from asm import Event
from asm.drivers.dialects import DIALECTS as ASM_DIALECTS
from asm.sql.files import load_queries
from asm.convert.rows import to_params
from asm.drivers import SYNC_DRIVERS
from asm.drivers.urls import parse_url
from asm.store.chunks import document_chunks

from bench.databases import create_database, drop_database
from bench.run import python_version, server_version
from bench.timing import measure, median

DIALECTS = ("postgres", "sqlite", "mysql")
RESULTS = Path(__file__).with_name("results") / "batch_append.md"
SIZES = (100, 1000)
WARMUP = 3
# A chat message of about 200 bytes of JSON.
DATA = {"role": "assistant", "content": "Here is the summary you asked for. " * 3,
        "usage": {"input_tokens": 812, "output_tokens": 164}}
METADATA = {"model": "gpt-4o-mini"}
COLUMNS = ("id, type, timestamp, session_id, run_id, sequence_number, data, metadata, "
           "schema_version, provider, correlation_id")

# asm's insert_events before issue 15 (PostgreSQL; SQLite's and MySQL's are still this).
EXECUTEMANY = {
    "postgres": f"""-- name: insert_events(id, type, timestamp, session_id, run_id, sequence_number, data, metadata, schema_version, provider, correlation_id)*!
-- The old form.
INSERT INTO asm_events ({COLUMNS})
VALUES (:id, :type, :timestamp, :session_id, :run_id, :sequence_number, CAST(:data AS jsonb),
        CAST(:metadata AS jsonb), :schema_version, :provider, :correlation_id);
""",
}
# The one-statement candidates not taken (PostgreSQL's is asm's own).
_SQLITE_GET = "value ->> '{}'" if sqlite3.sqlite_version_info >= (3, 38) else "json_extract(value, '$.{}')"
ONE_STATEMENT = {
    "sqlite": f"""-- name: insert_events(rows)!
-- The candidate.
INSERT INTO asm_events ({COLUMNS})
SELECT {", ".join(_SQLITE_GET.format(c) for c in COLUMNS.split(", "))}
FROM json_each(:rows);
""",
    "mysql": f"""-- name: insert_events(rows)!
-- The candidate.
INSERT INTO asm_events ({COLUMNS})
SELECT j.id, j.type, j.timestamp, j.session_id, j.run_id, j.sequence_number, j.data, j.metadata,
       j.schema_version, j.provider, j.correlation_id
FROM JSON_TABLE(:rows, '$[*]' COLUMNS (
    id VARCHAR(255) COLLATE utf8mb4_bin PATH '$.id', type VARCHAR(64) COLLATE utf8mb4_bin PATH '$.type',
    timestamp DATETIME(6) PATH '$.timestamp', session_id VARCHAR(255) COLLATE utf8mb4_bin PATH '$.session_id',
    run_id VARCHAR(255) COLLATE utf8mb4_bin PATH '$.run_id', sequence_number BIGINT PATH '$.sequence_number',
    data LONGTEXT COLLATE utf8mb4_bin PATH '$.data', metadata LONGTEXT COLLATE utf8mb4_bin PATH '$.metadata',
    schema_version INTEGER PATH '$.schema_version', provider VARCHAR(255) COLLATE utf8mb4_bin PATH '$.provider',
    correlation_id VARCHAR(255) COLLATE utf8mb4_bin PATH '$.correlation_id')) AS j;
""",
}
FORMS = ("executemany", "one statement")


def batches_for(size: int, iterations: int) -> int:
    """Batches per side: `iterations` of 1,000 events or more, smaller ones up to 5 times as many
    (cheap, and noisier one by one)."""
    return iterations * min(5, max(1, 1000 // size))


def asm_form(dialect: str) -> str:
    return "one statement" if dialect in events_module._BATCH_AS_DOCUMENT else "executemany"


class _Queries:
    """asm's queries of a dialect with another insert_events."""

    def __init__(self, queries: Any, insert_events: Any):
        self._queries, self._insert_events = queries, insert_events

    def __getattr__(self, name: str) -> Any:
        return self._insert_events if name == "insert_events" else getattr(self._queries, name)


@contextmanager
def _swapped(store, dialect: str, form: str) -> Iterator[None]:
    """The store running `form` of insert_events (asm's own form: nothing swapped)."""
    if form == asm_form(dialect):
        yield
        return
    sql = EXECUTEMANY[dialect] if form == "executemany" else ONE_STATEMENT[dialect]
    other = getattr(aiosql.from_str(sql, SYNC_DRIVERS[dialect].aiosql_adapter), "insert_events")
    executor = store._executor
    saved = executor._queries, events_module._BATCH_AS_DOCUMENT
    executor._queries = _Queries(saved[0], other)
    events_module._BATCH_AS_DOCUMENT = saved[1] | {dialect} if form == "one statement" else saved[1] - {dialect}
    try:
        yield
    finally:
        executor._queries, events_module._BATCH_AS_DOCUMENT = saved


def _batch(session_id: str, size: int) -> list[Event]:
    return [Event.new(type="message_sent", session_id=session_id, data=DATA, metadata=METADATA, provider="openai")
            for _ in range(size)]


@dataclass
class Row:
    dialect: str
    size: int
    seconds: dict[str, float]   # form -> median seconds per batch

    def events_per_s(self, form: str) -> float:
        return self.size / self.seconds[form]


def asm_rows(dialect: str, url: str, sizes: tuple[int, ...], iterations: int, log) -> list[Row]:
    """Part 1: asm's append_events with each form of insert_events, taking turns."""
    store = asm.connect(url, min_size=1, max_size=1)
    rows = []
    try:
        for size in sizes:
            n = batches_for(size, iterations)
            log(f"  {dialect}: append_events of {size} x {n} per form")
            batches = {form: [_batch(f"ses_{form.replace(' ', '_')}_{size}", size) for _ in range(n + WARMUP)]
                       for form in FORMS}

            def side(form: str) -> Callable[[int], Any]:
                def call(i: int) -> Any:
                    with _swapped(store, dialect, form):
                        stored = store.append_events(batches[form][i])
                    assert len(stored) == size
                return call

            timings = measure(side(FORMS[0]), side(FORMS[1]), n, WARMUP)
            rows.append(Row(dialect, size, {FORMS[0]: median(timings.asm), FORMS[1]: median(timings.floor)}))
            # Both forms stored the same events: same numbers, same payloads.
            for form in FORMS:
                stored = store.get_events(f"ses_{form.replace(' ', '_')}_{size}", limit=2)
                assert [e.sequence_number for e in stored] == [1, 2] and stored[0].data == DATA, (form, stored[:1])
    finally:
        store.close()
    return rows


# -- part 2: the INSERT alone on PostgreSQL ------------------------------------------------------

_PG_DOCUMENT_SQL = load_queries("postgres", "psycopg").insert_events.sql
_PG_EXECUTEMANY_SQL = aiosql.from_str(EXECUTEMANY["postgres"], "psycopg").insert_events.sql
_UNNEST = f"""INSERT INTO asm_events ({COLUMNS})
SELECT * FROM unnest(CAST(%(id)s AS varchar[]), CAST(%(type)s AS varchar[]), CAST(%(timestamp)s AS timestamptz[]),
    CAST(%(session_id)s AS varchar[]), CAST(%(run_id)s AS varchar[]), CAST(%(sequence_number)s AS bigint[]),
    CAST(%(data)s AS jsonb[]), CAST(%(metadata)s AS jsonb[]), CAST(%(schema_version)s AS integer[]),
    CAST(%(provider)s AS varchar[]), CAST(%(correlation_id)s AS varchar[]))"""
PG_FORMS = (
    ("executemany (asm before)", "executemany"),
    ("executemany, trigger disabled", "executemany_untriggered"),
    ("jsonb_to_recordset (asm now)", "document"),
    ("json_to_recordset", "json_document"),
    ("unnest, text parameters", "unnest_text"),
    ("unnest, binary parameters (%b)", "unnest_binary"),
)


def _statement(kind: str, rows: list[dict[str, Any]]) -> tuple[str, Any]:
    if kind.startswith("executemany"):
        return _PG_EXECUTEMANY_SQL, rows
    if kind in ("document", "json_document"):
        (document,) = document_chunks(rows, 2**62)
        sql = _PG_DOCUMENT_SQL if kind == "document" else _PG_DOCUMENT_SQL.replace(
            "JSONB_TO_RECORDSET(CAST(%(rows)s AS jsonb))", "JSON_TO_RECORDSET(CAST(%(rows)s AS json))")
        return sql, {"rows": document}
    columns = {name: [row[name] for row in rows] for name in COLUMNS.split(", ")}
    return (_UNNEST if kind == "unnest_text" else _UNNEST.replace(")s AS", ")b AS")), columns


def postgres_statement_rows(url: str, sizes: tuple[int, ...], iterations: int, log) -> list[Row]:
    """Part 2: each form's INSERT of a pre-numbered batch, in its own transaction, forms in turn."""
    assert "JSONB_TO_RECORDSET(CAST(%(rows)s AS jsonb))" in _PG_DOCUMENT_SQL
    pg = ASM_DIALECTS["postgres"]
    rows_out = []
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        numbers: dict[str, int] = {}
        for size in sizes:
            n = batches_for(size, iterations)
            log(f"  postgres: INSERT of {size} x {n} per form, bare driver")
            times: dict[str, list[float]] = {kind: [] for _, kind in PG_FORMS}
            for i in range(n + WARMUP):
                order = PG_FORMS[i % len(PG_FORMS):] + PG_FORMS[:i % len(PG_FORMS)]
                for _, kind in order:
                    session_id = f"raw_{kind}_{size}"
                    params = []
                    for event in _batch(session_id, size):
                        p = to_params(pg, event)
                        numbers[session_id] = p["sequence_number"] = numbers.get(session_id, 0) + 1
                        params.append(p)
                    with conn.transaction(), conn.cursor() as cur:
                        if kind == "executemany_untriggered":
                            cur.execute("ALTER TABLE asm_events DISABLE TRIGGER asm_events_notify")
                        start = time.perf_counter()
                        sql, values = _statement(kind, params)
                        (cur.executemany if kind.startswith("executemany") else cur.execute)(sql, values)
                        elapsed = time.perf_counter() - start
                        if kind == "executemany_untriggered":
                            cur.execute("ALTER TABLE asm_events ENABLE TRIGGER asm_events_notify")
                    if i >= WARMUP:
                        times[kind].append(elapsed)
            rows_out.append(Row("postgres", size, {label: median(times[kind]) for label, kind in PG_FORMS}))
    return rows_out


# -- the report ---------------------------------------------------------------------------------


def markdown(asm_results: list[Row], pg_results: list[Row], servers: dict[str, str], iterations: int,
             seconds: float, command: str, load: tuple[float, float]) -> str:
    lines = [
        "# Batch appends: one statement per batch, or executemany",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{'; '.join(servers[d] for d in servers)}, {seconds:.0f} s, load average {load[0]:.1f} at the start and "
        f"{load[1]:.1f} at the end. `{command}`.",
        f"Medians of {iterations} batches of 1,000 per side, of {batches_for(100, iterations)} of 100 "
        f"(after {WARMUP}), "
        "~200 B of JSON per event, one session per batch, "
        "one connection; the sides take turns batch by batch. Events per second, higher is better.",
        "",
        "## asm `append_events`",
        "",
        "*executemany*: a one-row INSERT sent with the driver's executemany (asm before issue 15 everywhere; "
        "still SQLite's and MySQL's). *one statement*: the batch as one JSON document, INSERT ... SELECT over "
        "it (PostgreSQL's `jsonb_to_recordset` now; for SQLite `json_each` and MySQL `JSON_TABLE`, the "
        "candidate measured and not taken). **bold**: asm's form now.",
        "",
        "| dialect | batch | executemany ev/s (ms) | one statement ev/s (ms) | one statement / executemany |",
        "|---|--:|--:|--:|--:|",
    ]
    for r in asm_results:
        cells = []
        for form in FORMS:
            cell = f"{r.events_per_s(form):,.0f} ({r.seconds[form] * 1000:.1f})"
            cells.append(f"**{cell}**" if form == asm_form(r.dialect) else cell)
        lines.append(f"| {r.dialect} | {r.size:,} | {cells[0]} | {cells[1]} | "
                     f"{r.events_per_s(FORMS[1]) / r.events_per_s(FORMS[0]):.2f} |")
    if pg_results:
        labels = [label for label, _ in PG_FORMS]
        lines += [
            "",
            "## PostgreSQL: the INSERT alone, bare psycopg",
            "",
            "One transaction per batch, numbers reserved beforehand; encoding the parameters included. "
            "Events per second (ms per batch).",
            "",
            "| form | " + " | ".join(f"batch of {r.size:,}" for r in pg_results) + " |",
            "|---|" + "--:|" * len(pg_results),
        ]
        for label in labels:
            lines.append(f"| {label} | " + " | ".join(
                f"{r.events_per_s(label):,.0f} ({r.seconds[label] * 1000:.1f})" for r in pg_results) + " |")
    kept = [r for r in asm_results if asm_form(r.dialect) == "executemany"]
    measured = ", ".join(f"{r.dialect} {r.size:,}: {r.events_per_s(FORMS[1]) / r.events_per_s(FORMS[0]):.2f}"
                         for r in kept)
    lines += ["", "## Notes", "", *NOTES, *([f"- One statement / executemany where executemany is kept, this run: "
                                           f"{measured}."] if kept else [])]
    return "\n".join(lines) + "\n"


NOTES = [
    "- Migration 0004's trigger `asm_events_notify` runs FOR EACH STATEMENT. With executemany psycopg sent one "
    "INSERT per row, so a batch of 1,000 fired it 1,000 times; the one-statement form fires it once per batch "
    "(per 64 MiB piece). `tests/test_batch_append_statements.py` counts the firings inside the appending "
    "transaction (`pg_stat_xact_user_functions`); the *trigger disabled* row above is executemany without them.",
    "- PostgreSQL takes `jsonb_to_recordset` over a JSON document (data and metadata as their JSON text, cast "
    "to jsonb as the old statement cast each row's). `unnest` over one array per column is as fast or faster "
    "only with binary parameters: aiosql writes every `:name` as `%(name)s`, and psycopg then quotes each "
    "array element in Python, which made text-parameter `unnest` slower than executemany. Binary arrays "
    "would need `%(name)b` placeholders or a binary dumper registered on asm's connections.",
    "- SQLite and MySQL keep executemany: PyMySQL and aiomysql rewrite it into multi-row INSERTs of up to "
    "1,024,000 bytes (one statement for these batches; the tests check `Com_insert`), and SQLite runs one "
    "prepared statement in-process, so there is no per-row statement to save, and their JSON forms "
    "(`json_each`, `JSON_TABLE`) add building and parsing a document per batch (ratios below).",
    "- Absolute numbers depend on the machine's load (above); the sides take turns batch by batch, so the "
    "ratios are the numbers to compare.",
]


def _server(dialect: str, url: str) -> str:
    if dialect == "sqlite":
        return server_version("sqlite", None)
    parsed = parse_url(url)
    if dialect == "postgres":
        with psycopg.connect(parsed.conninfo()) as conn:
            return server_version("postgres", conn)
    import pymysql

    conn = pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                           password=parsed.password or "", database=parsed.database)
    try:
        return server_version("mysql", conn)
    finally:
        conn.close()


@click.command()
@click.option("--dialect", "-d", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Dialects to run (default: all three).")
@click.option("--iterations", "-n", default=30, show_default=True,
              help="Batches of 1,000 per side (smaller batches: up to 5 times as many).")
@click.option("--size", "sizes", multiple=True, type=click.IntRange(1), default=SIZES, show_default=True,
              help="Events per batch (repeat for several).")
@click.option("--database", "databases", multiple=True, metavar="DIALECT=URL",
              help="An empty database to use instead of a throwaway one.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(dialects, iterations, sizes, databases, out) -> None:
    """Time batch appends: asm's insert_events forms side by side, and PostgreSQL's INSERT forms."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    given = dict(d.split("=", 1) for d in databases)
    asm_results: list[Row] = []
    pg_results: list[Row] = []
    servers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="asm-bench-") as tmp:
        for dialect in dialects or DIALECTS:
            url = given.get(dialect) or create_database(dialect, Path(tmp))
            try:
                asm.migrate(url)
                servers[dialect] = _server(dialect, url)
                asm_results += asm_rows(dialect, url, sizes, iterations, click.echo)
                if dialect == "postgres":
                    pg_results = postgres_statement_rows(url, sizes, iterations, click.echo)
            finally:
                if dialect not in given:
                    drop_database(dialect, url)
    command = " ".join(["python -m bench.batch_append", *([f"-n {iterations}"] if iterations != 30 else []),
                        *([f"--size {n}" for n in sizes] if tuple(sizes) != SIZES else [])])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(asm_results, pg_results, servers, iterations, time.perf_counter() - started, command,
                            (load, os.getloadavg()[0])))
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
