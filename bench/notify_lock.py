"""`python -m bench.notify_lock`: what NOTIFY on every append cost concurrent appenders (PostgreSQL).

PostgreSQL commits a transaction that sent a NOTIFY while holding one lock for the whole server
(the notification queue's, taken before the commit record is written and released after it is
flushed), so such commits go one at a time and cannot share a WAL flush. Until migration 0008,
asm's trigger notified every append; now it notifies only a session a long poll marked, and a
session's first event (asm/notify/waiters.py).

Three databases on one server, all migrated: *every append* (0008's trigger function replaced by
0004's, as before 0008), *no long poll* (0008, nobody waits) and *all long-polled* (0008, every
session marked, as if a long poll waited on each). Two clients append single events to 100
sessions: asm itself, N threads sharing one `asm.connect` store (N pooled connections;
bench/concurrency.py's workers), and pgbench, N connections calling `asm_append_event` (the
function asm's append calls) from C, which leaves the CPUs to the server as application servers
on other machines would. The three databases take turns, the order reversed every round.
Writes bench/results/notify-lock.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import click
import psycopg

import asm
from asm.drivers.urls import parse_url
from asm.migrations import rollback_statements
from bench.concurrency import WARMUP, Side, session_id, sync_turn, worker_events
from bench.databases import POSTGRES_ADMIN_URL, create_database, drop_database
from bench.run import python_version, server_version

VARIANTS = ("every append", "no long poll", "all long-polled")
WORKERS = (1, 8, 32)
SESSIONS = 100
RESULTS = Path(__file__).with_name("results") / "notify-lock.md"
# The function asm's append calls (migration 0007), on one of the sessions at random.
PGBENCH_SCRIPT = f"""\\set s random(0, {SESSIONS - 1})
SELECT asm_append_event('evt_' || md5(random()::text), 'message_sent', now(), 'conc_asm_{SESSIONS}_' || :s,
                        NULL, '{{"text": "a message of about the usual size, lorem ipsum dolor sit amet"}}',
                        '{{}}', 1, NULL, NULL, now());
"""


@dataclass
class Pgbench:
    """pgbench's transactions and seconds, summed over the turns."""

    transactions: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # each turn's average, in ms

    @property
    def per_s(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0


def _prepare(variant: str, url: str, sessions: int) -> None:
    asm.migrate(url)
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True) as conn:
        if variant == "every append":
            # 0008's rollback puts 0004's function back first; its column stays (the store checks it).
            (function,) = [s for s in rollback_statements("postgres", "0008.watched-notifications")
                           if "CREATE OR REPLACE FUNCTION" in s]
            conn.execute(function)
        with asm.connect(url) as store:
            for s in range(sessions):
                store.append_event(asm.Event.new(type="message_sent", session_id=session_id("asm", sessions, s)))
        if variant == "all long-polled":
            conn.execute("UPDATE asm_session_sequences SET notify_until = now() + interval '1 day'")


def pgbench_turn(url: str, clients: int, seconds: int, script: Path) -> tuple[int, float, float]:
    """(transactions, seconds, average latency in ms) of one pgbench run of `script`."""
    done = subprocess.run(["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", str(min(clients, 2)),
                           "-T", str(seconds), parse_url(url).conninfo()],
                          capture_output=True, text=True, check=True)
    transactions = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    assert transactions and latency, done.stdout + done.stderr
    return int(transactions.group(1)), float(seconds), float(latency.group(1))


def measure(workers: tuple[int, ...], appends: int, rounds: int, pgbench_seconds: int,
            log: Callable[[str], None] = click.echo) -> tuple[dict[tuple[str, int], Side],
                                                               dict[tuple[str, int], Pgbench]]:
    results = {(v, n): Side() for v in VARIANTS for n in workers}
    benched = {(v, n): Pgbench() for v in VARIANTS for n in workers}
    with_pgbench = pgbench_seconds > 0 and shutil.which("pgbench") is not None
    urls: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for variant in VARIANTS:
                urls[variant] = create_database("postgres", Path(tmp))
                _prepare(variant, urls[variant], SESSIONS)
            script = Path(tmp) / "append.sql"
            script.write_text(PGBENCH_SCRIPT)
            per_turn = max(1, appends // rounds)
            for n in workers:
                for r in range(rounds):
                    for variant in VARIANTS if r % 2 == 0 else VARIANTS[::-1]:
                        events = worker_events("asm", n, SESSIONS, WARMUP + per_turn)
                        wall, latencies = sync_turn("asm", "postgres", urls[variant], events)
                        results[(variant, n)].add(wall, latencies)
                        if with_pgbench:
                            count, seconds, latency = pgbench_turn(urls[variant], n, pgbench_seconds, script)
                            benched[(variant, n)].transactions += count
                            benched[(variant, n)].seconds += seconds
                            benched[(variant, n)].latencies.append(latency)
                log(f"  {n:3} workers: " + " | ".join(
                    f"{v} {results[(v, n)].events_per_s:7,.0f} ev/s (pgbench {benched[(v, n)].per_s:7,.0f})"
                    for v in VARIANTS))
        finally:
            for url in urls.values():
                drop_database("postgres", url)
    return results, benched


def markdown(results: dict[tuple[str, int], Side], benched: dict[tuple[str, int], Pgbench],
             workers: tuple[int, ...], appends: int, rounds: int, pgbench_seconds: int, server: str,
             seconds: float, command: str) -> str:
    with_pgbench = any(b.transactions for b in benched.values())
    lines = [
        "# NOTIFY on every append against NOTIFY for long polls only (PostgreSQL)",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python_version()}, "
        f"{server}, {seconds:.0f} s. `{command}` (bench/notify_lock.py).",
        "",
        "Three databases on one server. *every append*: the trigger function of migration 0004, which "
        "notifies every append (asm before 0008); *no long poll*: 0008's, nobody waiting; *all long-polled*: "
        "0008's, every session marked as a waiting long poll marks it. They take turns, the order reversed "
        f"every round ({rounds} rounds). *asm*: N threads share one `asm.connect` store (N pooled "
        f"connections) and append single events (`append_event_with_sequence`, ~400 B of JSON) to "
        f"{SESSIONS} sessions, {appends} timed per thread; latencies per append, nearest rank. "
        + (f"*pgbench*: N connections call `asm_append_event` (the statement asm sends) for "
           f"{pgbench_seconds} s a round, from C: the CPUs are left to the server, as with application "
           "servers on other machines; its latency is the average. " if with_pgbench else "")
        + "*x*: events/s over *every append*'s at the same N.",
        "",
        "| workers | trigger | asm events/s | x | asm p50 ms | asm p99 ms |"
        + (" pgbench events/s | x | pgbench avg ms |" if with_pgbench else ""),
        "|--:|---|--:|--:|--:|--:|" + ("--:|--:|--:|" if with_pgbench else ""),
    ]
    for n in workers:
        base, bench_base = results[("every append", n)].events_per_s, benched[("every append", n)].per_s
        for v in VARIANTS:
            side, pg = results[(v, n)], benched[(v, n)]
            row = (f"| {n} | {v} | {side.events_per_s:,.0f} | {side.events_per_s / base:.2f}x | "
                   f"{side.percentile(0.5) * 1000:.2f} | {side.percentile(0.99) * 1000:.2f} |")
            if with_pgbench:
                latency = sum(pg.latencies) / len(pg.latencies)
                row += f" {pg.per_s:,.0f} | {pg.per_s / bench_base:.2f}x | {latency:.2f} |"
            lines.append(row)
    lines += [
        "",
        "A transaction that sent a NOTIFY commits under a lock that is one for the whole server, held from "
        "before its commit record is written until that record is flushed: such commits go one at a time, "
        "each waiting for its own WAL flush, where commits without one share a flush (group commit). A "
        "session a long poll waits on still notifies, so its appends pay that as before (*all "
        "long-polled*); every other append does not. With one worker nothing waits for the lock, and the "
        "three differ by this machine's noise only (one database's turns varied by a third here). On this machine asm's threads and the server share 2 "
        "CPUs, so Python's own work per append bounds asm's events/s before the lock does; pgbench shows "
        "what the server can commit when its clients run elsewhere.",
    ]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--workers", "-w", multiple=True, type=click.IntRange(1), default=WORKERS, show_default=True,
              help="Concurrent appenders (repeat for several).")
@click.option("--appends", "-n", default=600, type=click.IntRange(1), show_default=True,
              help="asm: timed appends per worker per variant.")
@click.option("--pgbench-seconds", default=3, type=click.IntRange(0), show_default=True,
              help="pgbench: seconds per round and variant (0: no pgbench; skipped without pgbench).")
@click.option("--rounds", default=6, type=click.IntRange(1), show_default=True,
              help="Turns per variant (asm's appends are split among them).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(workers: tuple[int, ...], appends: int, pgbench_seconds: int, rounds: int, out: Path) -> None:
    """Concurrent appenders with NOTIFY on every append, and with 0008's NOTIFY for long polls only."""
    started = time.monotonic()
    results, benched = measure(workers, appends, rounds, pgbench_seconds)
    with psycopg.connect(parse_url(POSTGRES_ADMIN_URL).conninfo()) as conn:
        server = server_version("postgres", conn)
    command = "python -m bench.notify_lock" + "".join(f" -w {n}" for n in workers if workers != WORKERS)
    out.write_text(markdown(results, benched, workers, appends, rounds, pgbench_seconds, server,
                            time.monotonic() - started, command))
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
