"""One benchmark run on one dialect: prepare the database, walk the long sessions, time the cases
on the sync API, then the same cases on the async API inside one event loop."""

from __future__ import annotations

import asyncio
import platform
import sys
from dataclasses import dataclass, field

import asm
from asm.graph import AsyncGraphSessionStorage, GraphSessionStorage

from bench import workload
from bench.cases import Setup, build_cases, prepare, prepare_async, warmup
from bench.floor import open_floor, open_floor_async
from bench.memory import IterationMemory, measure_iteration
from bench.roundtrips import count_round_trips, count_round_trips_async
from bench.seed import analyze, seed_events
from bench.timing import Timings, measure, measure_async


@dataclass
class Options:
    iterations: int = 400
    history: tuple[int, int] = (1_000, 100_000)
    iter_events: tuple[int, ...] = (100_000, 1_000_000)
    sessions: int = 2_000
    messages: int = 200
    async_iterations: int | None = None   # calls per side on the async API; None: `iterations`

    def iterations_for(self, api: str) -> int:
        return self.iterations if api == "sync" or self.async_iterations is None else self.async_iterations


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
    cases: list[CaseResult] = field(default_factory=list)         # the sync API
    async_cases: list[CaseResult] = field(default_factory=list)   # the async API, same keys
    memory: list[IterationMemory] = field(default_factory=list)

    def cases_of(self, api: str) -> list[CaseResult]:
        return self.cases if api == "sync" else self.async_cases

    def case(self, key: str, api: str = "sync") -> CaseResult:
        return next(c for c in self.cases_of(api) if c.key == key)


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
        history = {n: sessions[n] for n in options.history}
        setup = Setup(dialect, "sync", store, graph, floor, history, options.messages, options.iterations_for("sync"))
        for case in build_cases(setup, prepare(setup)):
            log(f"  {dialect}: {case.label} x {case.iterations}")
            timings = measure(case.asm, case.floor, case.iterations, warmup(case.iterations))
            last = case.iterations + warmup(case.iterations)
            trips = (count_round_trips(dialect, lambda: case.asm(last)),
                     count_round_trips(dialect, lambda: case.floor(last)))
            result.cases.append(CaseResult(case.key, case.label, case.events, timings, trips))
    finally:
        floor.close()
        graph.close()
        store.close()
    result.async_cases = asyncio.run(_run_async(dialect, url, history, options, log))
    return result


async def _run_async(dialect: str, url: str, history: dict[int, str], options: Options, log) -> list[CaseResult]:
    """The same cases on the async API and the bare async drivers, in this one event loop."""
    store = await asm.connect_async(url)
    graph = await AsyncGraphSessionStorage.connect(url)
    floor = await open_floor_async(dialect, url)
    try:
        setup = Setup(dialect, "async", store, graph, floor, history, options.messages,
                      options.iterations_for("async"))
        results = []
        for case in build_cases(setup, await prepare_async(setup)):
            log(f"  {dialect}: async {case.label} x {case.iterations}")
            timings = await measure_async(case.asm, case.floor, case.iterations, warmup(case.iterations))
            last = case.iterations + warmup(case.iterations)
            trips = (await count_round_trips_async(dialect, lambda: case.asm(last)),
                     await count_round_trips_async(dialect, lambda: case.floor(last)))
            results.append(CaseResult(case.key, case.label, case.events, timings, trips))
        return results
    finally:
        await floor.close()
        await graph.close()
        await store.close()


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
