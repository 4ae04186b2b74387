"""What a call through a transaction-mode PgBouncer costs, against the same call straight to
PostgreSQL (sync API).

    .venv/bin/python -m bench.pooler          # writes bench/results/pooler.md

It starts a private PgBouncer (tests/pgbouncer.py: Debian's 1.18, transaction mode, on a free
local port) in front of the machine's PostgreSQL, creates a scratch database, and times a
single append, a batch of 100 and `get_events(last=20)` on two stores of one connection each:
`asm.connect(direct)` and `asm.connect(pooled, pooler="transaction")`. The two take turns call
by call (bench/timing.py), so machine noise hits both alike.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import psycopg

import asm
from asm import Event, Session
from bench.databases import create_database, drop_database
from bench.run import python_version
from bench.timing import measure, median, p95

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "pooler.md"
WARMUP = 50


def _pgbouncer_harness() -> Any:
    """tests/pgbouncer.py, which the tests use too (it imports the tests' helpers by name)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import pgbouncer

    return pgbouncer


def _row(label: str, direct: list[float], pooled: list[float]) -> str:
    ms = 1000
    return (f"| {label} | {median(direct) * ms:.3f} ({p95(direct) * ms:.3f}) | {median(pooled) * ms:.3f} "
            f"({p95(pooled) * ms:.3f}) | {median(pooled) / median(direct):.2f} |")


def run(iterations: int, log: Callable[[str], None]) -> dict[str, Any]:
    pgbouncer = _pgbouncer_harness()
    started = time.monotonic()
    url = create_database("postgres", Path("."))
    try:
        asm.migrate(url)
        with pgbouncer.running_pgbouncer("transaction", pool_size=2) as bouncer, \
                asm.connect(url, max_size=1) as direct, \
                asm.connect(bouncer.url(url), pooler="transaction", max_size=1) as pooled:
            version = pgbouncer.pgbouncer_version(pgbouncer.pgbouncer_binary())
            with psycopg.connect(url, autocommit=True) as conn:
                server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            sides = {}
            for name, store in (("direct", direct), ("pooled", pooled)):
                session = Session.new(agent_id="bench-pooler")
                store.save_session(session)
                store.append_events([Event.new(type="message_sent", session_id=session.id, data={"n": n})
                                     for n in range(200)])
                sides[name] = (store, session.id)

            def call(side: str, what: str) -> Callable[[int], object]:
                store, session_id = sides[side]
                if what == "append":
                    return lambda i: store.append_event(Event.new(type="message_sent", session_id=session_id,
                                                                  data={"i": i}))
                if what == "batch":
                    return lambda i: store.append_events([Event.new(type="message_sent", session_id=session_id,
                                                                    data={"i": i, "n": n}) for n in range(100)])
                return lambda i: store.get_events(session_id, last=20)

            rows = []
            for label, what, n in (("append_event", "append", iterations),
                                   ("append_events, batch of 100", "batch", max(iterations // 10, 20)),
                                   ("get_events(last=20)", "read", iterations)):
                log(f"{label}: direct vs through PgBouncer")
                timings = measure(call("direct", what), call("pooled", what), n, WARMUP)
                rows.append(_row(label, timings.asm, timings.floor))
    finally:
        drop_database("postgres", url)
    return {"rows": rows, "seconds": time.monotonic() - started, "server": server,
            "pgbouncer": ".".join(map(str, version))}


def write_report(results: dict[str, Any], iterations: int, out: Path) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Through a pooler: what a call through PgBouncer costs",
        "",
        f"Run on {now}, {python_version()}, PostgreSQL {results['server']}, PgBouncer {results['pgbouncer']} "
        f"(transaction mode, on this machine, tests/pgbouncer.py), {results['seconds']:.0f} s. "
        f"`python -m bench.pooler -n {iterations}`.",
        f"Per call, sync API, one connection per store, {WARMUP} calls before timing; median (95th percentile) "
        "wall ms. *direct*: `asm.connect(url)`; *through PgBouncer*: `asm.connect(pgbouncer_url, "
        "pooler=\"transaction\")`. The two sides take turns call by call. Each message crosses one more "
        "loopback hop and PgBouncer's event loop; a pooler earns its cost by sharing server connections "
        "among many clients, which this one-client run does not show.",
        "",
        "| call | ms direct (p95) | ms through PgBouncer (p95) | ratio |",
        "|---|--:|--:|--:|",
        *results["rows"],
        "",
    ]
    out.write_text("\n".join(lines))


@click.command()
@click.option("--iterations", "-n", default=1000, show_default=True, help="Timed calls per side (batches: a tenth).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(iterations: int, out: Path) -> None:
    results = run(iterations, log=click.echo)
    write_report(results, iterations, out)
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
