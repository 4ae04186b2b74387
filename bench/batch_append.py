"""`python -m bench.batch_append`: how batch appends insert their rows, and how fast they are.

Part 1, per dialect: asm's `append_events` with its form of the `insert_events` query and with
the others, taking turns batch by batch, on one store:
- PostgreSQL: *unnest*, one binary array per column (asm's form, queries/postgres/events.sql),
  against *jsonb_to_recordset* over one JSON document (asm's form before);
- SQLite: executemany of the one-row INSERT *widened* to 256, 64 and 16 rows (asm's form,
  asm/sql/adapters.py), against sqlite3's *executemany* of the one-row INSERT (asm's form
  before) and one *multi-row VALUES* statement of the batch's own size;
- MySQL: the driver's *executemany* (asm's form: PyMySQL and aiomysql send it as multi-row
  INSERTs), against one *multi-row VALUES* statement built per batch.
The other forms are swapped into the store for their turns (`_swapped`): the operation is asm's
on every side (the lookups, counters and records around the INSERT), only the statement differs.

Part 2, per dialect: the targets of issue 17. A single append (`append_event_with_sequence`)
and batches of each size take turns; events per second, and how many times a single append's
the batches reach.

Part 3, PostgreSQL: the INSERT alone on the bare driver, one transaction per batch with its
numbers reserved beforehand, in every form considered: executemany (with and without the
statement trigger of migration 0004), jsonb_to_recordset, json_to_recordset, unnest with text
and with binary arrays, and COPY in text and binary. Encoding the parameters is included.

Writes bench/results/batch_append.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import psycopg
from aiosql.types import SQLOperationType

import asm
from asm import Event
from asm.convert.rows import to_params
from asm.drivers.dialects import DIALECTS as ASM_DIALECTS
from asm.drivers.dialects import BinaryArray
from asm.drivers.postgres import ADAPTERS
from asm.drivers.urls import parse_url
from asm.sql.files import load_queries

from bench.databases import create_database, drop_database
from bench.run import python_version, server_version
from bench.timing import median

DIALECTS = ("postgres", "sqlite", "mysql")
RESULTS = Path(__file__).with_name("results") / "batch_append.md"
SIZES = (100, 1000)
WARMUP = 3
# A chat message of about 200 bytes of JSON.
DATA = {"role": "assistant", "content": "Here is the summary you asked for. " * 3,
        "usage": {"input_tokens": 812, "output_tokens": 164}}
METADATA = {"model": "gpt-4o-mini"}
NAMES = ("id", "type", "timestamp", "session_id", "run_id", "sequence_number", "data", "metadata",
         "schema_version", "provider", "correlation_id")
COLUMNS = ", ".join(NAMES)
# (asm's form, the other) per dialect.
FORMS = {"postgres": ("unnest", "jsonb_to_recordset"),
         "sqlite": ("widened executemany", "executemany", "multi-row VALUES"),
         "mysql": ("executemany", "multi-row VALUES")}
# Issue 17: a batch of 1,000 at least this many events/s, and 10x a single append's.
TARGETS = {"postgres": 50_000, "sqlite": 40_000, "mysql": 25_000}
TARGET_RATIO = 10


def batches_for(size: int, iterations: int) -> int:
    """Batches per side: `iterations` of 1,000 events or more, smaller ones up to 5 times as many
    (cheap, and noisier one by one)."""
    return iterations * min(5, max(1, 1000 // size))


def _batch(session_id: str, size: int) -> list[Event]:
    return [Event.new(type="message_sent", session_id=session_id, data=DATA, metadata=METADATA, provider="openai")
            for _ in range(size)]


# -- the other forms, as aiosql query functions the executor can call ---------------------------

_INSERT = f"INSERT INTO asm_events ({COLUMNS}) VALUES "
# SQLite's limit on a statement's parameters (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
_SQLITE_VARIABLES = 32766
_DOCUMENT = f"""INSERT INTO asm_events ({COLUMNS})
SELECT r.id, r.type, r.timestamp, r.session_id, r.run_id, r.sequence_number, CAST(r.data AS jsonb),
       CAST(r.metadata AS jsonb), r.schema_version, r.provider, r.correlation_id
FROM JSONB_TO_RECORDSET(CAST(%(rows)s AS jsonb)) AS r
    (id varchar, type varchar, timestamp timestamptz, session_id varchar, run_id varchar,
     sequence_number bigint, data text, metadata text, schema_version integer, provider varchar,
     correlation_id varchar)"""


def _timestamp_text(value: Any) -> str:
    return datetime.isoformat(value)


_dumps_rows = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                               default=_timestamp_text).encode


class _Document:
    """PostgreSQL's insert_events before: the batch as one JSON document of row objects (taking
    the columns asm sends now, turned back into the rows asm encoded then)."""

    operation = SQLOperationType.INSERT_UPDATE_DELETE

    def __call__(self, conn: Any, **columns: Any) -> int:
        rows = [dict(zip(NAMES, values)) for values in zip(*(columns[name] for name in NAMES))]
        return int(conn.execute(_DOCUMENT, {"rows": _dumps_rows(rows)}).rowcount)


class _MultiRow:
    """One INSERT ... VALUES (...), (...) per batch (SQLite: per 2,978 rows, its parameter limit),
    its placeholders written for the batch's size."""

    operation = SQLOperationType.INSERT_UPDATE_DELETE_MANY

    def __init__(self, dialect: str):
        self.dialect = dialect

    def __call__(self, conn: Any, rows: list[dict[str, Any]]) -> int:
        mark = "?" if self.dialect == "sqlite" else "%s"
        row = "(" + ", ".join([mark] * len(NAMES)) + ")"
        step = _SQLITE_VARIABLES // len(NAMES) if self.dialect == "sqlite" else len(rows)
        count = 0
        for start in range(0, len(rows), step):
            run = rows[start:start + step]
            values = [r[name] for r in run for name in NAMES]
            cur = conn.cursor()
            try:
                cur.execute(_INSERT + ", ".join([row] * len(run)), values)
                count += cur.rowcount
            finally:
                cur.close()
        return count


class _ExecuteMany:
    """sqlite3's own executemany of the one-row INSERT (asm's SQLite form before)."""

    operation = SQLOperationType.INSERT_UPDATE_DELETE_MANY

    def __init__(self, sql: str):
        self.sql = sql

    def __call__(self, conn: Any, rows: list[dict[str, Any]]) -> int:
        return int(conn.executemany(self.sql, rows).rowcount)


class _Queries:
    """asm's queries of a dialect with another insert_events."""

    def __init__(self, queries: Any, insert_events: Any):
        self._queries, self._insert_events = queries, insert_events

    def __getattr__(self, name: str) -> Any:
        return self._insert_events if name == "insert_events" else getattr(self._queries, name)


@contextmanager
def _swapped(store: Any, dialect: str, form: str) -> Iterator[None]:
    """The store running `form` of insert_events (asm's own form: nothing swapped)."""
    if form == FORMS[dialect][0]:
        yield
        return
    executor = store._executor
    saved = executor._queries
    other = (_Document() if dialect == "postgres" else _MultiRow(dialect) if form == "multi-row VALUES"
             else _ExecuteMany(saved.insert_events.sql))
    executor._queries = _Queries(saved, other)
    try:
        yield
    finally:
        executor._queries = saved


@dataclass
class Row:
    dialect: str
    size: int
    seconds: dict[str, float]   # form -> median seconds per batch (or per single append: "single")

    def events_per_s(self, form: str) -> float:
        return (1 if form == "single" else self.size) / self.seconds[form]


def _timed(call: Callable[[], list[Event]], batch: list[Event], swap: tuple[Any, str, str] | None = None) -> float:
    """Seconds `call()` takes to append `batch`. Each batch is made just before its call and
    dropped after it: batches made up front for the whole run would keep the heap growing,
    and the garbage collector's full passes over it would be timed as part of later calls."""
    with _swapped(*swap) if swap else contextlib.nullcontext():
        start = time.perf_counter()
        stored = call()
        elapsed = time.perf_counter() - start
    assert [e.id for e in stored] == [e.id for e in batch]
    return elapsed


def asm_rows(dialect: str, url: str, sizes: tuple[int, ...], iterations: int, log: Callable[[str], Any]) -> list[Row]:
    """Part 1: asm's append_events with each form of insert_events, taking turns (the order
    rotating call by call, as bench/timing.py alternates two sides)."""
    store = asm.connect(url, min_size=1, max_size=1)
    forms = FORMS[dialect]
    rows = []
    try:
        for size in sizes:
            n = batches_for(size, iterations)
            log(f"  {dialect}: append_events of {size} x {n} per form")
            times: dict[str, list[float]] = {form: [] for form in forms}
            for i in range(n + WARMUP):
                for form in forms[i % len(forms):] + forms[:i % len(forms)]:
                    batch = _batch(f"ses_{form.replace(' ', '_')}_{size}", size)
                    times[form].append(_timed(lambda: store.append_events(batch), batch, swap=(store, dialect, form)))
            times = {form: values[WARMUP:] for form, values in times.items()}
            rows.append(Row(dialect, size, {form: median(times[form]) for form in forms}))
            # Every form stored the same events: same numbers, same payloads.
            for form in forms:
                stored = store.get_events(f"ses_{form.replace(' ', '_')}_{size}", limit=2)
                assert [e.sequence_number for e in stored] == [1, 2] and stored[0].data == DATA, (form, stored[:1])
    finally:
        store.close()
    return rows


def target_rows(dialect: str, url: str, sizes: tuple[int, ...], iterations: int,
                log: Callable[[str], Any]) -> list[Row]:
    """Part 2: single appends and batches of each size, taking turns."""
    store = asm.connect(url, min_size=1, max_size=1)
    rows = []
    try:
        for size in sizes:
            n = batches_for(size, iterations)
            log(f"  {dialect}: single appends and append_events of {size}, {n} each")
            times: dict[str, list[float]] = {"single": [], "batch": []}
            for i in range(n + WARMUP):
                for side in ("single", "batch")[::1 if i % 2 == 0 else -1]:
                    if side == "single":
                        (event,) = _batch(f"ses_single_{size}", 1)
                        times[side].append(_timed(lambda: [store.append_event_with_sequence(event)], [event]))
                    else:
                        batch = _batch(f"ses_target_{size}", size)
                        times[side].append(_timed(lambda: store.append_events(batch), batch))
            rows.append(Row(dialect, size, {side: median(values[WARMUP:]) for side, values in times.items()}))
    finally:
        store.close()
    return rows


# -- part 3: the INSERT alone on PostgreSQL ------------------------------------------------------

_PG_UNNEST_SQL = load_queries("postgres", "psycopg").insert_events.sql
_PG_EXECUTEMANY_SQL = f"""INSERT INTO asm_events ({COLUMNS})
VALUES (%(id)s, %(type)s, %(timestamp)s, %(session_id)s, %(run_id)s, %(sequence_number)s, CAST(%(data)s AS jsonb),
        CAST(%(metadata)s AS jsonb), %(schema_version)s, %(provider)s, %(correlation_id)s)"""
_PG_COPY = f"COPY asm_events ({COLUMNS}) FROM STDIN"
_PG_TYPES = ("varchar", "varchar", "timestamptz", "varchar", "varchar", "int8", "jsonb", "jsonb", "int4", "varchar",
             "varchar")
PG_FORMS = (
    ("executemany", "executemany"),
    ("executemany, trigger disabled", "executemany_untriggered"),
    ("jsonb_to_recordset (asm before)", "document"),
    ("json_to_recordset", "json_document"),
    ("unnest, text arrays", "unnest_text"),
    ("unnest, binary arrays (asm now)", "unnest_binary"),
    ("COPY, text", "copy_text"),
    ("COPY, binary", "copy_binary"),
)


def _pg_insert(cur: Any, kind: str, rows: list[dict[str, Any]]) -> None:
    if kind.startswith("executemany"):
        cur.executemany(_PG_EXECUTEMANY_SQL, rows)
    elif kind in ("document", "json_document"):
        sql = _DOCUMENT if kind == "document" else _DOCUMENT.replace(
            "JSONB_TO_RECORDSET(CAST(%(rows)s AS jsonb))", "JSON_TO_RECORDSET(CAST(%(rows)s AS json))")
        cur.execute(sql, {"rows": _dumps_rows(rows)})
    elif kind.startswith("unnest"):
        wrap = BinaryArray if kind == "unnest_binary" else list
        cur.execute(_PG_UNNEST_SQL, {name: wrap([row[name] for row in rows]) for name in NAMES})
    else:
        with cur.copy(_PG_COPY + (" (FORMAT BINARY)" if kind == "copy_binary" else "")) as copy:
            if kind == "copy_binary":
                copy.set_types(_PG_TYPES)
            for row in rows:
                copy.write_row([row[name] for name in NAMES])


def postgres_statement_rows(url: str, sizes: tuple[int, ...], iterations: int,
                            log: Callable[[str], Any]) -> list[Row]:
    """Part 3: each form's INSERT of a pre-numbered batch, in its own transaction, forms in turn."""
    assert "UNNEST(" in _PG_UNNEST_SQL
    pg = ASM_DIALECTS["postgres"]
    rows_out = []
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True, context=ADAPTERS) as conn:
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
                        _pg_insert(cur, kind, params)
                        elapsed = time.perf_counter() - start
                        if kind == "executemany_untriggered":
                            cur.execute("ALTER TABLE asm_events ENABLE TRIGGER asm_events_notify")
                    if i >= WARMUP:
                        times[kind].append(elapsed)
            rows_out.append(Row("postgres", size, {label: median(times[kind]) for label, kind in PG_FORMS}))
            # Every form stored its events whole.
            (stored,) = conn.execute("SELECT count(*) FROM asm_events WHERE session_id LIKE %s",
                                     (f"raw_%_{size}",)).fetchone()
            assert stored == size * (n + WARMUP) * len(PG_FORMS), stored
    return rows_out


# -- the report ---------------------------------------------------------------------------------


def _cell(row: Row, form: str) -> str:
    return f"{row.events_per_s(form):,.0f} ({row.seconds[form] * 1000:.{3 if form == 'single' else 1}f})"


def markdown(asm_results: list[Row], targets: list[Row], pg_results: list[Row], servers: dict[str, str],
             iterations: int, seconds: float, command: str, load: tuple[float, float]) -> str:
    lines = [
        "# Batch appends: how the rows go in, and how fast",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{'; '.join(servers[d] for d in servers)}, {seconds:.0f} s, load average {load[0]:.1f} at the start and "
        f"{load[1]:.1f} at the end. `{command}`.",
        f"Medians of {iterations} batches of 1,000 per side, of {batches_for(100, iterations)} of 100 "
        f"(after {WARMUP}), ~200 B of JSON per event, one session per batch, one connection; the sides take "
        "turns call by call. Events per second (ms per call), higher is better.",
        "",
        "## asm `append_events`: its form of `insert_events` and the others",
        "",
        "PostgreSQL: *unnest* over one binary array per column (asm's form) and *jsonb_to_recordset* over one "
        "JSON document (asm's form before). SQLite: sqlite3's executemany of the one-row INSERT *widened* to "
        "256, 64 and 16 rows, the widest that fits first (asm's form), its plain *executemany* (asm's form "
        "before) and one *multi-row VALUES* statement of the batch's own size. MySQL: the driver's "
        "*executemany* (asm's form; PyMySQL writes multi-row INSERTs) and one *multi-row VALUES* statement. "
        "**bold**: asm's form; the last column, asm's events/s over the form's.",
        "",
        "| dialect | batch | form | ev/s (ms) | asm / form |",
        "|---|--:|---|--:|--:|",
    ]
    for r in asm_results:
        ours = FORMS[r.dialect][0]
        for form in FORMS[r.dialect]:
            cell = f"**{_cell(r, form)}**" if form == ours else _cell(r, form)
            lines.append(f"| {r.dialect} | {r.size:,} | {form} | {cell} | "
                         f"{r.events_per_s(ours) / r.events_per_s(form):.2f} |")
    if targets:
        lines += [
            "",
            "## Targets (issue 17): batches against single appends",
            "",
            "A single `append_event_with_sequence` and an `append_events` batch take turns. Targets: a batch of "
            "1,000 at " + ", ".join(f"{d} {TARGETS[d]:,}" for d in DIALECTS) + f" events/s or more, and at least "
            f"{TARGET_RATIO}x the events/s of single appends.",
            "",
            "| dialect | batch | single ev/s (ms) | batch ev/s (ms) | batch / single | target ev/s | met |",
            "|---|--:|--:|--:|--:|--:|---|",
        ]
        for r in targets:
            ratio = r.events_per_s("batch") / r.events_per_s("single")
            target = TARGETS[r.dialect] if r.size == 1000 else None
            met = ratio >= TARGET_RATIO and (target is None or r.events_per_s("batch") >= target)
            lines.append(f"| {r.dialect} | {r.size:,} | {_cell(r, 'single')} | {_cell(r, 'batch')} | {ratio:.1f}x | "
                         f"{'' if target is None else f'{target:,}'} | {'yes' if met else 'no'} |")
    if pg_results:
        lines += [
            "",
            "## PostgreSQL: the INSERT alone, bare psycopg",
            "",
            "One transaction per batch, numbers reserved beforehand; encoding the parameters included (on "
            "asm's connection adapters: `BinaryArray` dumps as a binary array). Events per second (ms per batch).",
            "",
            "| form | " + " | ".join(f"batch of {r.size:,}" for r in pg_results) + " |",
            "|---|" + "--:|" * len(pg_results),
        ]
        for label, _ in PG_FORMS:
            lines.append(f"| {label} | " + " | ".join(_cell(r, label) for r in pg_results) + " |")
    lines += ["", "## Notes", "", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "- Migration 0004's trigger `asm_events_notify` runs FOR EACH STATEMENT. psycopg's executemany sends one "
    "INSERT per row, so a batch of 1,000 fired it 1,000 times; every other form here fires it once per batch "
    "(per 64 MiB piece). `tests/test_batch_append_statements.py` counts the firings inside the appending "
    "transaction (`pg_stat_xact_user_functions`).",
    "- PostgreSQL takes `unnest` over one array per column, sent as binary arrays: asm's connections dump an "
    "`asm.drivers.dialects.BinaryArray` (a list) in binary, so psycopg writes each element's bytes instead of "
    "quoting it in Python (which made text-array `unnest` the slowest form). The query stays a named "
    "`insert_events`, callable with plain lists too. COPY is a little faster still at 1,000 rows but is no "
    "query aiosql can run: it would need a copy path in the executors and the drivers, and `asm.sql`'s typed "
    "functions could not describe it.",
    "- SQLite: sqlite3's executemany binds and steps its one-row INSERT once per row; one INSERT of many rows "
    "costs about half as much per row. One statement of the batch's own size is fastest while batches keep "
    "one size (its prepared statement is cached), but a new size is prepared again, which costs about what "
    "it saves; asm widens the one-row INSERT to 256, 64 and 16 rows (a few statements per batch, each "
    "prepared once per query) and sends the last few rows one by one (asm/sql/adapters.py).",
    "- MySQL keeps executemany: PyMySQL and aiomysql rewrite it into multi-row INSERTs of up to 1,024,000 "
    "bytes (one statement for these batches; the tests check `Com_insert`), the statement an explicit "
    "multi-row VALUES sends.",
    "- MySQL learns a reserved block's last number from `advance_sequence` itself (LAST_INSERT_ID(expr), "
    "reported with the row count): no read-back. A single append on MySQL and SQLite is BEGIN, "
    "`advance_sequence` (which skips an id already stored), the INSERT, COMMIT.",
    "- Absolute numbers depend on the machine's load (above); the sides take turns, so the ratios are the "
    "numbers to compare.",
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
def main(dialects: tuple[str, ...], iterations: int, sizes: tuple[int, ...], databases: tuple[str, ...],
         out: Path) -> None:
    """Time batch appends: asm's insert_events forms side by side, the targets, PostgreSQL's INSERT forms."""
    import tempfile

    started, load = time.perf_counter(), os.getloadavg()[0]
    given = dict(d.split("=", 1) for d in databases)
    asm_results: list[Row] = []
    targets: list[Row] = []
    pg_results: list[Row] = []
    servers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="asm-bench-") as tmp:
        for dialect in dialects or DIALECTS:
            url = given.get(dialect) or create_database(dialect, Path(tmp))
            try:
                asm.migrate(url)
                servers[dialect] = _server(dialect, url)
                asm_results += asm_rows(dialect, url, sizes, iterations, click.echo)
                targets += target_rows(dialect, url, sizes, iterations, click.echo)
                if dialect == "postgres":
                    pg_results = postgres_statement_rows(url, sizes, iterations, click.echo)
            finally:
                if dialect not in given:
                    drop_database(dialect, url)
    command = " ".join(["python -m bench.batch_append", *([f"-n {iterations}"] if iterations != 30 else []),
                        *([f"--size {n}" for n in sizes] if tuple(sizes) != SIZES else [])])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(asm_results, targets, pg_results, servers, iterations, time.perf_counter() - started,
                            command, (load, os.getloadavg()[0])))
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
