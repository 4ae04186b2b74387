"""One benchmark run on one dialect: prepare the database, walk the long sessions, time the cases."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field

import asm
from asm.graph import GraphSessionStorage

from bench import workload
from bench.cases import Setup, build_cases, warmup
from bench.floor import open_floor
from bench.memory import IterationMemory, measure_iteration
from bench.roundtrips import count_round_trips
from bench.seed import analyze, seed_events
from bench.timing import Timings, measure


@dataclass
class Options:
    iterations: int = 400
    history: tuple[int, int] = (1_000, 100_000)
    iter_events: tuple[int, ...] = (100_000, 1_000_000)
    sessions: int = 2_000
    batch: int = 100
    messages: int = 200


@dataclass
class CaseResult:
    key: str
    label: str
    events: int
    timings: Timings
    round_trips: tuple[int | None, int | None]


@dataclass
class DialectResult:
    dialect: str
    server: str
    cases: list[CaseResult] = field(default_factory=list)
    memory: list[IterationMemory] = field(default_factory=list)

    def case(self, key: str) -> CaseResult:
        return next(c for c in self.cases if c.key == key)


def run_dialect(dialect: str, url: str, options: Options, log=print) -> DialectResult:
    asm.migrate(url)
    store = asm.connect(url)
    graph = GraphSessionStorage.connect(url)
    floor = open_floor(dialect, url)
    try:
        result = DialectResult(dialect, server_version(dialect, floor.conn))
        sessions = _prepare(dialect, store, floor, options, log)
        for n in options.iter_events:
            log(f"  {dialect}: iter_events over {n:,} events")
            result.memory.append(measure_iteration(store, sessions[n], n))
        setup = Setup(dialect, store, graph, floor, {n: sessions[n] for n in options.history},
                      options.batch, options.messages, options.iterations)
        for case in build_cases(setup):
            log(f"  {dialect}: {case.label} x {case.iterations}")
            timings = measure(case.asm, case.floor, case.iterations, warmup(case.iterations))
            last = case.iterations + warmup(case.iterations)
            trips = (count_round_trips(dialect, lambda: case.asm(last)),
                     count_round_trips(dialect, lambda: case.floor(last)))
            result.cases.append(CaseResult(case.key, case.label, case.events, timings, trips))
        return result
    finally:
        floor.close()
        graph.close()
        store.close()


def _prepare(dialect: str, store, floor, options: Options, log) -> dict[int, str]:
    """Long sessions (one per size) and the sessions the search pages through."""
    sessions = {}
    for n in sorted(set(options.history) | set(options.iter_events)):
        log(f"  {dialect}: seeding a session of {n:,} events")
        sessions[n] = f"ses_bench_{n}"
        seed_events(dialect, floor.conn, sessions[n], n)
    log(f"  {dialect}: saving {options.sessions:,} sessions to search")
    with store.transaction():
        for i in range(options.sessions):
            store.save_session(workload.asm_session(i))
    analyze(dialect, floor.conn)
    return sessions


def server_version(dialect: str, conn) -> str:
    if dialect == "sqlite":
        import sqlite3
        return f"SQLite {sqlite3.sqlite_version}"
    cur = conn.cursor()
    try:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]
    finally:
        cur.close()
    return version.split(" on ")[0] if dialect == "postgres" else f"MySQL/MariaDB {version}"


def python_version() -> str:
    return f"Python {platform.python_version()} ({sys.implementation.name}) on {platform.machine()}"
