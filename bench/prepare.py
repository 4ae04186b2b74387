"""What asm's PostgreSQL default costs: no server-side prepared statements (`prepare_threshold=None`,
safe through a transaction-pooling PgBouncer) against psycopg's default (`prepare_threshold=5`).

    .venv/bin/python -m bench.prepare          # writes bench/results/prepare.md

Two stores on one throwaway database, straight to the server (no pooler: prepared statements
would break there), one connection each so the prepared side reuses its statements. They take
turns call by call, as asm and the floor do in the main benchmark (bench/timing.py). What
preparing saves is the server's CPU (parsing and planning), so CPU time per call is measured
too, which a loaded machine disturbs much less than wall time: the calling thread's
(`time.thread_time`) and the server process's (its `/proc/PID/schedstat`, when the server runs
on this machine).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import psycopg

import asm
from asm.drivers.urls import parse_url

from bench import workload
from bench.cases import PAGE, READ, SEARCH_AGENT, SEARCH_STATUSES, history_label
from bench.databases import create_database, drop_database
from bench.roundtrips import count_round_trips
from bench.run import python_version
from bench.seed import analyze, seed_events
from bench.timing import Timings, measure, median, p95

RESULTS = Path(__file__).with_name("results") / "prepare.md"
PREPARED = 5  # psycopg's default
# More calls than the threshold before timing starts: the prepared side is timed prepared.
WARMUP = 2 * PREPARED


@dataclass
class Pair:
    key: str
    label: str
    events: int
    iterations: int
    call: Callable[[Any, int], Any]   # (store, call index), run on each store with its own inputs


@dataclass
class PairResult:
    label: str
    timings: Timings                  # .asm: unprepared, .floor: prepared
    round_trips: tuple[int | None, int | None]
    client_cpu: tuple[float, float]   # seconds per call, unprepared and prepared
    server_cpu: tuple[float | None, float | None]


def run(url: str, iterations: int, history: int, batch: int, sessions: int, log=print) -> list[PairResult]:
    asm.migrate(url)
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True) as conn:
        for side in ("unprepared", "prepared"):
            seed_events("postgres", conn, f"ses_{side}", history)
        analyze("postgres", conn)
    stores = (asm.connect(_named(url, "unprepared"), min_size=1, max_size=1, prepare_threshold=None),
              asm.connect(_named(url, "prepared"), min_size=1, max_size=1, prepare_threshold=PREPARED))
    try:
        with stores[0].transaction():
            for i in range(sessions):
                stores[0].save_session(workload.asm_session(i))
        backends = [_backend_pid(url, side) for side in ("unprepared", "prepared")]
        results = []
        for pair in _pairs(stores, iterations, history, batch):
            log(f"  {pair.label} x {pair.iterations}")
            sides = [lambda i, s=s: pair.call(s, i) for s in stores]
            timings = measure(*sides, pair.iterations, WARMUP)
            last = pair.iterations + WARMUP
            trips = tuple(count_round_trips("postgres", lambda side=side: side(last)) for side in sides)
            # Then each side alone on inputs of its own, for its CPU time.
            cpu = [_cpu_per_call(side, range(last + 1, last + 1 + pair.iterations), pid)
                   for side, pid in zip(sides, backends, strict=True)]
            results.append(PairResult(pair.label, timings, trips, (cpu[0][0], cpu[1][0]), (cpu[0][1], cpu[1][1])))
        return results
    finally:
        for store in stores:
            store.close()


def _named(url: str, side: str) -> str:
    """The URL with an application_name, to find the store's server process."""
    return f"{url}{'&' if '?' in url else '?'}application_name=asm-bench-{side}"


def _backend_pid(url: str, side: str) -> int | None:
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True) as conn:
        row = conn.execute("SELECT pid FROM pg_stat_activity"
                           " WHERE application_name = %s AND datname = current_database()",
                           (f"asm-bench-{side}",)).fetchone()
    return row[0] if row else None


def _server_cpu_ns(pid: int | None) -> int | None:
    """CPU time of the server process so far (nanoseconds); None if it is not on this machine."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _cpu_per_call(call: Callable[[int], Any], indexes: range, pid: int | None) -> tuple[float, float | None]:
    server, client = _server_cpu_ns(pid), time.thread_time()
    for i in indexes:
        call(i)
    client = (time.thread_time() - client) / len(indexes)
    after = _server_cpu_ns(pid)
    return client, None if server is None or after is None else (after - server) / 1e9 / len(indexes)


def _pairs(stores, n: int, history: int, batch: int) -> list[Pair]:
    # Inputs for the timed calls, one for the round-trip count, then the CPU-time calls.
    total = 2 * n + WARMUP + 1
    sessions = {id(s): f"ses_{side}" for s, side in zip(stores, ("unprepared", "prepared"), strict=True)}
    events = {id(s): [workload.asm_event(sessions[id(s)]) for _ in range(total)] for s in stores}
    heavy = max(3, n // 5)
    batches = {id(s): [[workload.asm_event(sessions[id(s)]) for _ in range(batch)]
                       for _ in range(2 * heavy + WARMUP + 1)] for s in stores}
    kept = {}
    for s in stores:
        kept[id(s)] = workload.asm_session(0)
        s.save_session(kept[id(s)])
    tag = history_label(history)
    return [
        Pair("append_one", f"append 1 event (history {tag})", 1, n,
             lambda s, i: s.append_event_with_sequence(events[id(s)][i])),
        Pair("append_batch", f"append a batch of {batch} events", batch, heavy,
             lambda s, i: s.append_events(batches[id(s)][i])),
        # The last 100 seeded events: the same rows every time, whatever was appended since.
        Pair("read_last", f"get {READ} events (after {history - READ:,})", READ, n,
             lambda s, i: s.get_events(sessions[id(s)], after=history - READ, limit=READ)),
        Pair("get_session", "get_session", 0, n, lambda s, i: s.get_session(kept[id(s)].id)),
        Pair("search_sessions", f"search_sessions page of {PAGE} (+ total count)", 0, n,
             lambda s, i: s.query.search_sessions(agent_id=SEARCH_AGENT, status=SEARCH_STATUSES,
                                                  order_by="updated_at_desc", limit=PAGE)),
    ]


def markdown(results: list[PairResult], iterations: int, history: int, server: str, seconds: float) -> str:
    lines = [
        "# PostgreSQL: prepared statements or not",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{server}, {seconds:.0f} s. `python -m bench.prepare -n {iterations} --history {history}`.",
        f"Per call, sync API, one connection per store, {WARMUP} calls before timing. *unprepared*: "
        "`prepare_threshold=None` (asm's default); *prepared*: `prepare_threshold=5` (psycopg's).",
        "Wall time: both sides taking turns, median and 95th percentile. CPU time: each side alone "
        "for as many calls, the calling thread's (client) and the server process's (server) per call.",
        "",
        "| operation | wall ms unprepared (p95) | wall ms prepared (p95) | wall ratio | client CPU µs "
        "unprepared / prepared | server CPU µs unprepared / prepared | server CPU ratio | round trips |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        u, p = r.timings.asm, r.timings.floor
        server = " / ".join("n/a" if v is None else _us(v) for v in r.server_cpu)
        server_ratio = "n/a" if None in r.server_cpu else f"{r.server_cpu[0] / r.server_cpu[1]:.2f}"
        lines.append(f"| {r.label} | {_ms(median(u))} ({_ms(p95(u))}) | {_ms(median(p))} ({_ms(p95(p))}) | "
                     f"{median(u) / median(p):.2f} | {_us(r.client_cpu[0])} / {_us(r.client_cpu[1])} | {server} | "
                     f"{server_ratio} | {r.round_trips[0]} / {r.round_trips[1]} |")
    return "\n".join(lines) + "\n"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def _server(url: str) -> str:
    with psycopg.connect(parse_url(url).conninfo()) as conn:
        return conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]


@click.command()
@click.option("--iterations", "-n", default=400, show_default=True, help="Calls per side (batches get a fifth).")
@click.option("--history", default=1_000, show_default=True, help="Events already in each store's session.")
@click.option("--batch", default=100, show_default=True, help="Events per append_events batch.")
@click.option("--sessions", default=2_000, show_default=True, help="Sessions in the search data set.")
@click.option("--database", metavar="URL", help="An empty PostgreSQL database instead of a throwaway one.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(iterations, history, batch, sessions, database, out) -> None:
    """Time asm on PostgreSQL with prepare_threshold=None against prepare_threshold=5."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="asm-bench-") as tmp:
        url = database or create_database("postgres", Path(tmp))
        try:
            results = run(url, iterations, history, batch, sessions, log=click.echo)
            server = _server(url)
        finally:
            if not database:
                drop_database("postgres", url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(results, iterations, history, server, time.perf_counter() - started))
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
