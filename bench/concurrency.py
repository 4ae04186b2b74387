"""`python -m bench.concurrency`: concurrent appenders, asm against the floor.

Per dialect, mode (sync: one `asm.connect` store shared by N threads; async: one
`asm.connect_async` store shared by N asyncio tasks), N workers and S sessions, every worker
appends single events with `append_event_with_sequence`; the floor does the same with one
bare-driver connection per worker (bench/floor/: `append_one` on threads, its async twin in
bench/floor/async_<dialect>.py on tasks). Worker i's k-th append goes to session (i + k*N) mod S:
on one session every append of every worker meets on the session's counter row
(asm_session_sequences); on 100 sessions the workers stay on distinct sessions step by step
(N <= S) while all 100 get events.

asm's pool has exactly N connections (min_size = max_size = N), so no worker waits for a
connection: the pool is not the limit. Each turn of a side opens its store or connections,
warms up (WARMUP untimed appends per worker, all workers at once, which also opens the lazy
pools' N connections), times its appends and closes, so at most N connections are open per
side. For one dialect, mode and N, both sides on every session count take turns (`--rounds`
turns each, the order reversed every round), so a change in the shared machine's load hits asm
and the floor, one session and many, alike.

Writes bench/results/concurrency.md and concurrency.png.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import psycopg
import pymysql

import asm
from asm.drivers.urls import parse_url
from bench import workload
from bench.databases import create_database, drop_database
from bench.floor import open_floor, open_floor_async
from bench.run import python_version, server_version

DIALECTS = ("postgres", "sqlite", "mysql")
MODES = ("sync", "async")
SIDES = ("asm", "floor")
WORKERS = (8, 32)
SESSIONS = (1, 100)
APPENDS = 200
ROUNDS = 4
WARMUP = 3
RESULTS = Path(__file__).with_name("results") / "concurrency.md"


@dataclass
class Side:
    """One side's timed turns of one configuration."""

    appends: int = 0
    seconds: float = 0.0                      # wall time, summed over the turns
    latencies: list[float] = field(default_factory=list)

    def add(self, wall: float, latencies: list[float]) -> None:
        self.appends += len(latencies)
        self.seconds += wall
        self.latencies += latencies

    @property
    def events_per_s(self) -> float:
        return self.appends / self.seconds

    def percentile(self, q: float) -> float:
        """Nearest rank."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Config:
    dialect: str
    mode: str
    workers: int
    sessions: int
    sides: dict[str, Side] = field(default_factory=lambda: {side: Side() for side in SIDES})

    @property
    def asm(self) -> Side:
        return self.sides["asm"]

    @property
    def floor(self) -> Side:
        return self.sides["floor"]

    @property
    def ratio(self) -> float:
        """asm's wall time over the floor's for the same appends (1.30: asm 30% slower)."""
        return self.floor.events_per_s / self.asm.events_per_s


def session_id(side: str, sessions: int, s: int) -> str:
    return f"conc_{side}_{sessions}_{s}"


def worker_events(side: str, workers: int, sessions: int, count: int) -> list[list[Any]]:
    """Each worker's events, built before timing: worker i's k-th goes to session (i + k*N) mod S."""
    make: Callable[[str], Any] = workload.asm_event if side == "asm" else workload.floor_event
    return [[make(session_id(side, sessions, (i + k * workers) % sessions)) for k in range(count)]
            for i in range(workers)]


# -- one turn: open, warm up, time, close ---------------------------------------------------------


def sync_turn(side: str, dialect: str, url: str, events: list[list[Any]]) -> tuple[float, list[float]]:
    """N threads; asm: one shared store with N pooled connections; floor: a connection per thread.
    Returns the wall time from the common start to the last worker's end, and every latency."""
    n = len(events)
    store = asm.connect(url, min_size=n, max_size=n) if side == "asm" else None
    ready, go = threading.Barrier(n, timeout=120), threading.Barrier(n, timeout=120)
    spans: list[tuple[float, float, list[float]]] = [(0.0, 0.0, [])] * n
    errors: list[BaseException] = []

    def work(i: int) -> None:
        floor = open_floor(dialect, url) if store is None else None
        try:
            append: Callable[[Any], Any] = (store.append_event_with_sequence if store is not None
                                             else floor.append_one)  # type: ignore[union-attr]
            ready.wait()
            for e in events[i][:WARMUP]:
                append(e)
            go.wait()
            latencies = []
            start = time.perf_counter()
            for e in events[i][WARMUP:]:
                t = time.perf_counter()
                append(e)
                latencies.append(time.perf_counter() - t)
            spans[i] = (start, time.perf_counter(), latencies)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            ready.abort()
            go.abort()
        finally:
            if floor is not None:
                floor.close()

    threads = [threading.Thread(target=work, args=(i,), name=f"appender-{i}") for i in range(n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if store is not None:
            store.close()
    if errors:
        raise next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), errors[0])
    return _wall_and_latencies(spans)


async def async_turn(side: str, dialect: str, url: str, events: list[list[Any]]) -> tuple[float, list[float]]:
    """N tasks on one event loop; asm: one shared async store with N pooled connections; floor:
    a bare async connection per task."""
    n = len(events)
    appenders: list[Callable[[Any], Awaitable[Any]]]
    closers: list[Callable[[], Awaitable[None]]]
    if side == "asm":
        store = await asm.connect_async(url, min_size=n, max_size=n)
        appenders = [store.append_event_with_sequence] * n
        closers = [store.close]
    else:
        floors = await asyncio.gather(*(open_floor_async(dialect, url) for _ in range(n)))
        appenders = [f.append_one for f in floors]
        closers = [f.close for f in floors]
    try:
        async def warm(i: int) -> None:
            for e in events[i][:WARMUP]:
                await appenders[i](e)

        async def timed(i: int) -> tuple[float, float, list[float]]:
            latencies = []
            start = time.perf_counter()
            for e in events[i][WARMUP:]:
                t = time.perf_counter()
                await appenders[i](e)
                latencies.append(time.perf_counter() - t)
            return start, time.perf_counter(), latencies

        await asyncio.gather(*(warm(i) for i in range(n)))
        spans = await asyncio.gather(*(timed(i) for i in range(n)))
    finally:
        for close in closers:
            await close()
    return _wall_and_latencies(spans)


def _wall_and_latencies(spans: list[tuple[float, float, list[float]]]) -> tuple[float, list[float]]:
    wall = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    return wall, [x for _, _, latencies in spans for x in latencies]


def run_group(configs: list[Config], url: str, appends: int, rounds: int, log: Callable[[str], None]) -> None:
    """The configurations of one dialect, mode and N (one per session count) with both sides:
    `rounds` turns each, in an order reversed every round (asm 1, floor 1, asm 100, floor 100, then
    floor 100, asm 100, ...), so a change in the machine's load hits sides and session counts alike."""
    per_turn = max(1, appends // rounds)
    turns = [(config, side) for config in configs for side in SIDES]
    for r in range(rounds):
        for config, side in turns if r % 2 == 0 else turns[::-1]:
            events = worker_events(side, config.workers, config.sessions, WARMUP + per_turn)
            if config.mode == "sync":
                wall, latencies = sync_turn(side, config.dialect, url, events)
            else:
                wall, latencies = asyncio.run(async_turn(side, config.dialect, url, events))
            config.sides[side].add(wall, latencies)
    for c in configs:
        log(f"  {c.dialect} {c.mode:5} {c.workers:3} workers {c.sessions:3} sessions: "
            f"asm {c.asm.events_per_s:7,.0f} ev/s p99 {c.asm.percentile(0.99) * 1000:7.1f} ms | "
            f"floor {c.floor.events_per_s:7,.0f} ev/s p99 {c.floor.percentile(0.99) * 1000:7.1f} ms")


def check_numbers(dialect: str, url: str) -> int:
    """Concurrency broke nothing: every session's numbers are exactly 1..count. Returns the events."""
    sql = ("SELECT count(*), sum(CASE WHEN n = c AND d = c THEN 1 ELSE 0 END), sum(c) FROM ("
           "SELECT count(*) AS c, max(sequence_number) AS n, count(DISTINCT sequence_number) AS d "
           "FROM asm_events GROUP BY session_id) AS per_session")
    sessions, good, events = _query(dialect, url, sql)
    assert sessions == good, f"{dialect}: {sessions - good} sessions with gaps or duplicate numbers"
    return int(events)


def _connection(dialect: str, url: str) -> Any:
    """A bare DB-API connection to the benchmark's database, for the checks and the version."""
    parsed = parse_url(url)
    if dialect == "postgres":
        return psycopg.connect(parsed.conninfo())
    if dialect == "sqlite":
        return sqlite3.connect(parsed.database or "")
    return pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                           password=parsed.password or "", database=parsed.database)


def _query(dialect: str, url: str, sql: str) -> Any:
    conn = _connection(dialect, url)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchone()
    finally:
        conn.close()


def _server(dialect: str, url: str) -> str:
    if dialect == "sqlite":
        return server_version("sqlite", None)
    conn = _connection(dialect, url)
    try:
        return server_version(dialect, conn)
    finally:
        conn.close()


# -- the report -----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}" if seconds >= 0.01 else f"{seconds * 1000:.2f}"


def _find(configs: list[Config], dialect: str, mode: str, workers: int, sessions: int) -> Config | None:
    return next((c for c in configs if (c.dialect, c.mode, c.workers, c.sessions) == (dialect, mode, workers,
                                                                                       sessions)), None)


LIMIT = 1.25  # asm on many sessions this much faster than on one: the counter row is the limit


def findings(configs: list[Config], workers: tuple[int, ...], sessions: tuple[int, ...]) -> list[str]:
    """Computed from the numbers: many sessions against one at the same N (a table), then per
    dialect at which N the counter row is asm's limit, what it costs, and how one session scales."""
    one, many = min(sessions), max(sessions)
    if one == many:
        return []
    lines = [f"| dialect | mode | workers | asm ev/s {many}/{one} | floor ev/s {many}/{one} | asm p99 ms {one} / "
             f"{many} | floor p99 ms {one} / {many} | asm/floor {one} / {many} |",
             "|---|---|--:|--:|--:|--:|--:|--:|"]
    verdicts = []
    for dialect in dict.fromkeys(c.dialect for c in configs):
        limited, free, kept_all = [], [], []
        for n in workers:
            pairs = [(a, b) for mode in MODES
                     if (a := _find(configs, dialect, mode, n, one)) and (b := _find(configs, dialect, mode, n, many))]
            for a, b in pairs:
                lines.append(f"| {dialect} | {a.mode} | {n} | {b.asm.events_per_s / a.asm.events_per_s:.2f} | "
                             f"{b.floor.events_per_s / a.floor.events_per_s:.2f} | "
                             f"{_ms(a.asm.percentile(0.99))} / {_ms(b.asm.percentile(0.99))} | "
                             f"{_ms(a.floor.percentile(0.99))} / {_ms(b.floor.percentile(0.99))} | "
                             f"{a.ratio:.2f} / {b.ratio:.2f} |")
            if not pairs:
                continue
            modes = ", ".join(a.mode for a, _ in pairs)
            kept = ", ".join(f"{a.asm.events_per_s / b.asm.events_per_s:.2f}x" for a, b in pairs)
            kept_all.append(f"{n} workers ({modes}: {kept})")
            if any(b.asm.events_per_s >= LIMIT * a.asm.events_per_s for a, b in pairs):
                limited.append(f"{n} workers ({modes}): one session keeps {kept} of the events/s of {many}, "
                               f"p99 " + ", ".join(_ms(a.asm.percentile(0.99)) for a, _ in pairs) + " ms against "
                               + ", ".join(_ms(b.asm.percentile(0.99)) for _, b in pairs) + " ms")
            else:
                free.append(kept_all[-1])
        text = f"- **{dialect}** (asm): "
        if dialect == "sqlite":
            # The database's one writer lock is taken (BEGIN IMMEDIATE) before the counter row is touched.
            text += (f"one writer per database, so the counter row is never what a writer waits for; one "
                     f"session keeps, of the events/s of {many}: " + ", ".join(kept_all) + ". ")
        elif limited:
            text += "the counter row is the limit at " + "; at ".join(limited) + ". "
            if free:
                text += "Not yet at " + ", ".join(free) + ". "
        else:
            text += (f"the counter row is not the limit ({many} sessions less than {LIMIT:g}x faster than "
                     f"{one}; one session keeps " + ", ".join(free) + "). ")
        small, large = min(workers), max(workers)
        scaling = [(a, b) for mode in MODES if small != large
                   and (a := _find(configs, dialect, mode, small, one)) and (b := _find(configs, dialect, mode, large, one))]
        if scaling:
            text += (f"On {one} session, {small} -> {large} workers: events/s "
                     + ", ".join(f"{b.asm.events_per_s / a.asm.events_per_s:.2f}x ({a.mode})" for a, b in scaling)
                     + ", p99 " + ", ".join(f"{b.asm.percentile(0.99) / a.asm.percentile(0.99):.1f}x" for a, b in scaling)
                     + ".")
        verdicts.append(text.rstrip())
    return [*lines, "", *verdicts]


EXPLANATION = [
    "Why: every append reserves the session's next number on its counter row in `asm_session_sequences` and "
    "holds that row's lock until its transaction commits: on PostgreSQL one statement (the counter bump and "
    "the INSERT in one data-modifying CTE), so the lock spans the statement and the commit's WAL flush; on "
    "MySQL/MariaDB four statements (BEGIN, the reserve, the INSERT, COMMIT), so it spans two more round "
    "trips after the reserve and the redo-log flush (the floor runs the same statements). Appenders to one session therefore go one at a time: that "
    "session's events/s is bounded by 1 / (time the lock is held), more workers add only waiting, so p99 "
    "grows about with N (more when woken waiters pile onto the row again), and spreading the same workers "
    "over many sessions lifts the bound as far as the server's commits and the CPUs allow. The events/s "
    "ratio many/one sessions is what the counter row costs at that N; near 1, something else was the limit "
    "first: the 2 CPUs this machine shares between the server and Python (one GIL for all of asm's threads "
    "or tasks), or on SQLite the database's single writer.",
    "SQLite allows one writer per database whatever the session: asm and the floor take the write lock up "
    "front (`BEGIN IMMEDIATE`) and waiting writers sleep in SQLite's busy handler (which backs off in steps "
    "of milliseconds), so sessions make no difference there and the tail latency is that back-off.",
    "asm runs the same statements under the same lock as the floor; its own Python work per call (checks, "
    "conversion, the pool, the executor) happens outside the lock. So where the lock is the limit asm/floor "
    "falls toward 1 (the waiting dominates), and where the CPU is the limit it shows asm's cost per call.",
]


def markdown(configs: list[Config], servers: dict[str, str], options: dict[str, Any], seconds: float,
             load: tuple[float, float], command: str) -> str:
    workers, sessions = options["workers"], options["sessions"]
    lines = [
        "# Concurrent appenders",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{'; '.join(servers.values())}, {seconds:.0f} s, load average {load[0]:.2f} at the start and "
        f"{load[1]:.2f} at the end. `{command}`.",
        f"Options: {options['appends']} timed appends per worker per side ({options['rounds']} turns of "
        f"{max(1, options['appends'] // options['rounds'])}, after {WARMUP} untimed), workers "
        f"{', '.join(map(str, workers))}, sessions {', '.join(map(str, sessions))}.",
        "",
        "Each worker appends single events (`append_event_with_sequence`, ~400 B of JSON); worker i's k-th "
        "append goes to session (i + k·N) mod S. *sync*: one `asm.connect` store shared by N threads; "
        "*async*: one `asm.connect_async` store shared by N asyncio tasks; asm's pool has N connections "
        "(min_size = max_size = N), so the pool is not the limit. The floor: one bare-driver connection per "
        "worker (psycopg, sqlite3, PyMySQL on threads; psycopg async, aiosqlite, aiomysql on tasks) running "
        "bench/floor's `append_one` statements. For one mode and N, asm and the floor on each session "
        "count take turns (the order reversed every round), so load changes hit all of them alike. "
        "*ev/s*: all timed appends / wall time. *asm/floor*: asm's wall time over the floor's for the same "
        "appends (floor ev/s ÷ asm ev/s; 1.30 = asm 30% slower). Latencies per append, nearest rank.",
    ]
    for dialect in dict.fromkeys(c.dialect for c in configs):
        lines += ["", f"## {dialect}", "",
                  "| mode | workers | sessions | asm ev/s | floor ev/s | asm/floor | asm p50 ms | asm p99 ms | "
                  "floor p99 ms |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for c in (c for c in configs if c.dialect == dialect):
            lines.append(f"| {c.mode} | {c.workers} | {c.sessions} | {c.asm.events_per_s:,.0f} | "
                         f"{c.floor.events_per_s:,.0f} | {c.ratio:.2f} | {_ms(c.asm.percentile(0.5))} | "
                         f"{_ms(c.asm.percentile(0.99))} | {_ms(c.floor.percentile(0.99))} |")
    computed = findings(configs, tuple(workers), tuple(sessions))
    lines += ["", "## Findings", ""]
    if computed:
        lines += [f"{max(sessions)} sessions against {min(sessions)} at the same number of workers: the "
                  f"events/s ratio {max(sessions)}/{min(sessions)} (above 1: one session is slower), the p99 "
                  f"on {min(sessions)} and on {max(sessions)} sessions, and asm/floor on each.", "",
                  *computed, ""]
    lines += [*(p + "\n" for p in EXPLANATION)]
    lines.append("Absolute numbers depend on the machine's load (above); the sides and session counts take "
                 "turns, so compare ratios at the same mode and number of workers.")
    return "\n".join(lines).rstrip("\n") + "\n"


METRICS: tuple[tuple[Callable[[Side], float], str], ...] = (
    (lambda side: side.events_per_s, "events/s (higher is better)"),
    (lambda side: side.percentile(0.99) * 1000, "p99 ms (log)"),
)


def plot(configs: list[Config], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _: f"{v:g}")
    # Log axis: label the minor ticks at 2 and 5 only, so they stay readable.
    sparse = FuncFormatter(lambda v, _: f"{v:g}" if v > 0 and round(v / 10 ** math.floor(math.log10(v))) in (2, 5)
                           else "")
    dialects = list(dict.fromkeys(c.dialect for c in configs))
    series = [(mode, side) for mode in MODES for side in SIDES
              if any(c.mode == mode for c in configs)]
    fig, axes = plt.subplots(2, len(dialects), figsize=(5.5 * len(dialects), 8), squeeze=False)
    width = 0.8 / max(1, len(series))
    for col, dialect in enumerate(dialects):
        groups = [(c.workers, c.sessions) for c in configs if c.dialect == dialect]
        groups = list(dict.fromkeys(groups))
        labels = [f"{w} w\n{s} s" for w, s in groups]
        for row, (metric, title) in enumerate(METRICS):
            ax = axes[row][col]
            for k, (mode, side) in enumerate(series):
                values = []
                for w, s in groups:
                    c = _find(configs, dialect, mode, w, s)
                    values.append(metric(c.sides[side]) if c else 0)
                ax.bar([g + k * width for g in range(len(groups))], values, width=width,
                       label=f"{side} {mode}", hatch="//" if side == "floor" else None,
                       color=f"C{MODES.index(mode)}", alpha=1.0 if side == "asm" else 0.55)
            ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], labels)
            ax.set_title(f"{dialect}: {title}")
            if row == 1:
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(plain)
                ax.yaxis.set_minor_formatter(sparse)
            if row == 0 and col == 0:
                ax.legend(fontsize=8)
    fig.suptitle("Concurrent appenders (w: workers, s: sessions)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@click.command()
@click.option("--dialect", "-d", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Dialects to run (default: all three).")
@click.option("--mode", "modes", multiple=True, type=click.Choice(MODES), help="Modes (default: both).")
@click.option("--workers", "-w", multiple=True, type=click.IntRange(1), default=WORKERS, show_default=True,
              help="Concurrent appenders (repeat for several).")
@click.option("--sessions", "-s", multiple=True, type=click.IntRange(1), default=SESSIONS, show_default=True,
              help="Sessions the appenders spread over (repeat for several).")
@click.option("--appends", "-n", default=APPENDS, type=click.IntRange(1), show_default=True,
              help="Timed appends per worker per side.")
@click.option("--rounds", default=ROUNDS, type=click.IntRange(1), show_default=True,
              help="Turns per side per configuration (the appends are split among them).")
@click.option("--database", "databases", multiple=True, metavar="DIALECT=URL",
              help="An empty database to use instead of a throwaway one.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True,
              help="The Markdown; the plot goes next to it (.png).")
def main(dialects: tuple[str, ...], modes: tuple[str, ...], workers: tuple[int, ...], sessions: tuple[int, ...],
         appends: int, rounds: int, databases: tuple[str, ...], out: Path) -> None:
    """Concurrent appenders on one and on many sessions: asm against the floor."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    given = dict(d.split("=", 1) for d in databases)
    configs: list[Config] = []
    servers: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="asm-bench-") as tmp:
        for dialect in dialects or DIALECTS:
            url = given.get(dialect) or create_database(dialect, Path(tmp))
            try:
                asm.migrate(url)
                servers[dialect] = _server(dialect, url)
                for mode in modes or MODES:
                    for n in workers:
                        group = [Config(dialect, mode, n, s) for s in sessions]
                        run_group(group, url, appends, rounds, click.echo)
                        configs += group
                click.echo(f"  {dialect}: {check_numbers(dialect, url):,} events, every session numbered 1..n")
            finally:
                if dialect not in given:
                    drop_database(dialect, url)
    options = {"workers": list(workers), "sessions": list(sessions), "appends": appends, "rounds": rounds}
    command = " ".join(["python -m bench.concurrency",
                        *(f"-d {d}" for d in dialects), *(f"--mode {m}" for m in modes),
                        *([f"-w {w}" for w in workers] if tuple(workers) != WORKERS else []),
                        *([f"-s {s}" for s in sessions] if tuple(sessions) != SESSIONS else []),
                        *([f"-n {appends}"] if appends != APPENDS else []),
                        *([f"--rounds {rounds}"] if rounds != ROUNDS else [])])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(configs, servers, options, time.perf_counter() - started,
                            (load, os.getloadavg()[0]), command))
    png = out.with_suffix(".png")
    plot(configs, png)
    click.echo(f"wrote {out} and {png}")


if __name__ == "__main__":
    main()
