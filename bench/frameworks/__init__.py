"""`python -m bench frameworks`: each framework's own SQL session backend against the asm
adapter, same database, same workload, in one run (issue 19).

Each module here (adk.py, openai_agents.py, langgraph.py) has `measure(url, histories, calls)`:
for each history size it prefills a history through both backends, then times appends and reads
of the latest items, the two backends taking turns in runs of BLOCK calls, then appends again
with a PAUSE before each call (the idle columns), and returns one row per backend and history
size. This module runs them on each dialect, on a throwaway database, and
writes bench/results/frameworks.md with the ratios.
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from bench.databases import create_database, drop_database
from bench.run import python_version

RESULTS = Path(__file__).resolve().parents[1] / "results" / "frameworks.md"
FRAMEWORKS = ("adk", "openai_agents", "langgraph")
DIALECTS = ("postgres", "sqlite", "mysql")
# The target, on PostgreSQL: asm at least this many times faster per append.
APPEND_TARGET = 5.0
# Calls a backend makes in a row before the other takes its turn (bench/timing.py, `blocks`).
BLOCK = 10
# Seconds each call of the idle columns waits, untimed, first (bench/timing.py, `pause`): both
# backends' connections idle alike, as after an agent's model call on a quiet server.
PAUSE = 0.02


def run(frameworks: tuple[str, ...], dialects: tuple[str, ...], histories: list[int], calls: int,
        log: Callable[[str], None]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in frameworks:
        module = importlib.import_module(f"bench.frameworks.{name}")
        for dialect in dialects:
            with tempfile.TemporaryDirectory() as tmp:
                url = create_database(dialect, Path(tmp))
                try:
                    log(f"{name} on {dialect}")
                    started = time.monotonic()
                    measured = module.measure(url, histories, calls)
                    for row in measured:
                        row.setdefault("dialect", dialect)
                    rows.extend(measured)
                    log(f"  {len(measured)} rows in {time.monotonic() - started:.0f} s")
                finally:
                    drop_database(dialect, url)
    return rows


def _ms(row: dict[str, Any] | None, key: str) -> str:
    if row is None or row.get(key) is None:
        return "-"
    p95 = row.get(key.replace("_ms", "_p95_ms"))
    return f"{row[key]:.2f}" + (f" ({p95:.2f})" if p95 is not None else "")


def _ratio(own: dict[str, Any] | None, ours: dict[str, Any] | None, key: str) -> str:
    if not own or not ours or own.get(key) is None or not ours.get(key):
        return "-"
    return f"{own[key] / ours[key]:.1f}x"


def report(rows: list[dict[str, Any]], histories: list[int], calls: int) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Frameworks: their own SQL backends against the asm adapters",
        "",
        f"Run on {now}, {python_version()}. `python -m bench frameworks --calls {calls} "
        + " ".join(f"--history {h}" for h in histories) + "`.",
        "Per call, medians (95th percentile) in wall ms on one database. *own*: the framework's SQL backend; "
        "*asm*: the asm adapter. *faster*: own / asm. *append* and *read*: calls back to back, the two backends "
        f"taking turns in runs of {BLOCK} calls (each backend's server connection stays busy, as on a loaded "
        "server; a run's first call finds it asleep, and the 95th percentile shows those calls). "
        f"*idle append*: each call after a {PAUSE * 1e3:g} ms pause, both backends alike (a quiet "
        "server, its connection asleep between an agent's model calls). "
        f"Target (issue 19): asm at least {APPEND_TARGET:g}x faster per append on PostgreSQL, and flat as "
        "the history grows. A `-` marks a backend that does not run on that dialect (its note says why).",
        "",
    ]
    for framework in sorted({row["framework"] for row in rows}):
        lines += [f"## {framework}", "",
                  "| dialect | history | append own | append asm | faster | idle append own | idle append asm "
                  "| faster | read own | read asm | faster | note |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
        for dialect in DIALECTS:
            for history in histories:
                pick = {row["backend"]: row for row in rows if row["framework"] == framework
                        and row["dialect"] == dialect and row["history"] == history}
                if not pick:
                    continue
                own, ours = pick.get("own"), pick.get("asm")
                note = "; ".join(filter(None, (r.get("note") for r in (own, ours) if r)))
                lines.append(f"| {dialect} | {history:,} | {_ms(own, 'append_ms')} | {_ms(ours, 'append_ms')} | "
                             f"{_ratio(own, ours, 'append_ms')} | {_ms(own, 'idle_append_ms')} | "
                             f"{_ms(ours, 'idle_append_ms')} | {_ratio(own, ours, 'idle_append_ms')} | "
                             f"{_ms(own, 'read_ms')} | {_ms(ours, 'read_ms')} | "
                             f"{_ratio(own, ours, 'read_ms')} | {note} |")
        lines.append("")
    return "\n".join(lines)


@click.command()
@click.option("--framework", "frameworks", multiple=True, type=click.Choice(FRAMEWORKS),
              help="Only these frameworks (repeatable; default: all).")
@click.option("--dialect", "dialects", multiple=True, type=click.Choice(DIALECTS),
              help="Only these dialects (repeatable; default: all).")
@click.option("--history", "histories", multiple=True, type=int,
              help="History sizes to prefill (repeatable; default: 100, 1000, 10000).")
@click.option("--calls", default=200, show_default=True, help="Timed appends and reads per backend and size.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(frameworks: tuple[str, ...], dialects: tuple[str, ...], histories: tuple[int, ...], calls: int,
         out: Path) -> None:
    sizes = list(histories or (100, 1_000, 10_000))
    rows = run(frameworks or FRAMEWORKS, dialects or DIALECTS, sizes, calls, log=click.echo)
    out.write_text(report(rows, sizes, calls))
    click.echo(f"wrote {out}")
