"""What a read through a store with a read replica costs, against the same read straight to a
server (sync API).

    .venv/bin/python -m bench.replicas          # writes bench/results/replicas.md

It starts a private primary with a streaming hot standby (tests/standby.py: PostgreSQL 15's
binaries, free local ports), seeds a session of `--history` events and `--sessions` sessions,
and times two reads, `get_events(last=20)` and a `search_sessions` page of 50, three ways:
- *primary direct*: a store without replicas (`asm.connect(primary)`);
- *standby direct*: a store on the standby's URL alone (the same server work as a replica read,
  without the routing);
- *via replica*: `asm.connect(primary, replica_urls=[standby])`, reading nothing of its own
  writes, so each read goes to the standby once its target is known (one primary round trip
  per `max_replica_lag` seconds);
and *via replica after a write*: each read right after the store's own append (the append not
timed): the read first reads the primary's WAL position, then asks the standby how far it
replayed, and the standby serves it only once it has replayed that far, else the primary does.
Direct and via-replica sides take turns call by call (bench/timing.py), so machine noise hits
both alike. Which server served each routed read is counted (`executor.routes.served`).
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

from bench.run import python_version
from bench.timing import measure, median, p95

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results") / "replicas.md"
AGENT = "bench-replicas"
WARMUP = 20


def _standby_harness() -> Any:
    """tests/standby.py, which the tests use too (it imports the tests' helpers by name)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import standby

    return standby


def seed(store: Any, history: int, sessions: int) -> str:
    """`sessions` sessions of one agent, the first with `history` events; its id."""
    ids = []
    for n in range(sessions):
        session = Session.new(agent_id=AGENT, metadata={"n": n})
        store.save_session(session)
        ids.append(session.id)
    for start in range(0, history, 500):
        store.append_events([Event.new(type="message_sent", session_id=ids[0], data={"n": n, "text": "hello " * 20})
                             for n in range(start, min(start + 500, history))])
    return ids[0]


def _row(label: str, direct: list[float], routed: list[float], served: str) -> str:
    ms = 1000
    return (f"| {label} | {median(direct) * ms:.3f} ({p95(direct) * ms:.3f}) | {median(routed) * ms:.3f} "
            f"({p95(routed) * ms:.3f}) | {median(routed) / median(direct):.2f} | {served} |")


def _served(store: Any, before: dict[str, int], standby_name: str) -> str:
    served = store._executor.routes.served
    replica = served[standby_name] - before.get(standby_name, 0)
    primary = served["primary"] - before.get("primary", 0)
    return f"standby {replica:,} / primary {primary:,}"


def run(iterations: int, history: int, sessions: int, log: Callable[[str], None]) -> dict[str, Any]:
    standby = _standby_harness()
    started = time.monotonic()
    with standby.running_primary_and_standby() as pair:
        asm.migrate(pair.primary_url)
        with asm.connect(pair.primary_url) as writer:
            log(f"seeding {sessions:,} sessions and {history:,} events")
            session_id = seed(writer, history, sessions)
        with psycopg.connect(pair.url(pair.primary_port), autocommit=True) as conn:
            conn.execute("ANALYZE")
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        pair.wait_replayed()
        reads: dict[str, Callable[[Any], object]] = {
            "get_events(last=20)": lambda s: s.get_events(session_id, last=20),
            "search_sessions page of 50": lambda s: s.query.search_sessions(agent_id=AGENT, limit=50),
        }
        rows = []
        options = {"min_size": 1, "max_size": 1}
        with asm.connect(pair.primary_url, **options) as primary, \
                asm.connect(pair.standby_url, **options) as on_standby, \
                asm.connect(pair.primary_url, replica_urls=[pair.standby_url], **options) as routed:
            name = pair.standby_url
            for label, read in reads.items():
                for direct_label, direct in (("primary direct", primary), ("standby direct", on_standby)):
                    log(f"{label}: {direct_label} vs via replica")
                    before = dict(routed._executor.routes.served)
                    timings = measure(lambda i, s=direct, r=read: r(s), lambda i, r=read: r(routed),
                                      iterations, WARMUP)
                    rows.append(_row(f"{label}, {direct_label} vs via replica", timings.asm, timings.floor,
                                     _served(routed, before, name)))
                log(f"{label}: primary direct vs via replica after the store's own append")
                before = dict(routed._executor.routes.served)
                direct_t, routed_t = [], []
                for i in range(WARMUP + iterations):
                    for store, out in ((primary, direct_t), (routed, routed_t)):
                        store.append_event(Event.new(type="message_sent", session_id=session_id, data={"i": i}))
                        began = time.perf_counter()
                        read(store)
                        if i >= WARMUP:
                            out.append(time.perf_counter() - began)
                rows.append(_row(f"{label}, primary direct vs via replica after an append", direct_t, routed_t,
                                 _served(routed, before, name)))
    return {"rows": rows, "seconds": time.monotonic() - started, "version": version}


def write_report(results: dict[str, Any], iterations: int, history: int, sessions: int, out: Path) -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Read replicas: what a routed read costs",
        "",
        f"Run on {now}, {python_version()}, PostgreSQL {results['version']} (a primary and a streaming hot "
        f"standby on this machine, tests/standby.py), {results['seconds']:.0f} s. "
        f"`python -m bench.replicas -n {iterations} --history {history} --sessions {sessions}`.",
        f"Per call, sync API, one connection per pool, {WARMUP} calls before timing; median (95th percentile) "
        "wall ms. *direct*: a store on that server alone; *via replica*: `asm.connect(primary, "
        "replica_urls=[standby])`. The two sides of a row take turns call by call, except after an append, "
        "where each read follows its own store's untimed append. *served*: which server answered the "
        "routed reads of the row (warmup included).",
        "",
        "| read | ms direct (p95) | ms via replica (p95) | ratio | served |",
        "|---|--:|--:|--:|---|",
        *results["rows"],
        "",
    ]
    out.write_text("\n".join(lines))


@click.command()
@click.option("--iterations", "-n", default=500, show_default=True, help="Timed calls per side and row.")
@click.option("--history", default=1_000, show_default=True, help="Events in the read session.")
@click.option("--sessions", default=2_000, show_default=True, help="Sessions of the searched agent.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(iterations: int, history: int, sessions: int, out: Path) -> None:
    results = run(iterations, history, sessions, log=click.echo)
    write_report(results, iterations, history, sessions, out)
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
