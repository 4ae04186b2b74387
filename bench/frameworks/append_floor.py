"""What one durable append costs on this machine's PostgreSQL, from the bare driver up to each
backend of the OpenAI Agents SDK: the ceiling of the frameworks bench's append ratio.

    .venv/bin/python -m bench.frameworks.append_floor [--calls 400]

On a throwaway database with asm's schema, one event loop, one connection per side, the sides
take turns in runs of BLOCK calls (busy), then again with a PAUSE before each call (idle), as in
`python -m bench frameworks`. Writes bench/results/append-floor.md.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import asyncpg
import click
import psycopg
from agents.extensions.memory import SQLAlchemySession
from psycopg.types.json import Jsonb
from sqlalchemy.ext.asyncio import create_async_engine

import asm
from asm.cli.sqlfiles import find_query
from asm.drivers.urls import parse_url
from asm.integrations.openai_agents import AsmSession
from bench.databases import create_database, drop_database
from bench.frameworks import BLOCK, PAUSE
from bench.frameworks.openai_agents import _item, sqlalchemy_url
from bench.run import python_version
from bench.timing import blocks, median

RESULTS = Path(__file__).resolve().parents[1] / "results" / "append-floor.md"
Call = Callable[[int], Awaitable[object]]
_PARAM = re.compile(r"(?<!:):([a-z_]+)")


def _statement(name: str) -> tuple[str, list[str]]:
    """A named asm query's statement with its :params as psycopg's %(name)s, and their order."""
    text = "\n".join(line for line in find_query("postgres", name).text.splitlines() if not line.startswith("--"))
    order = list(dict.fromkeys(_PARAM.findall(text)))
    return _PARAM.sub(r"%(\1)s", text).rstrip().rstrip(";"), order


def _asyncpg_form(text: str, order: list[str]) -> str:
    return re.sub(r"%\((\w+)\)s", lambda m: f"${order.index(m.group(1)) + 1}", text)


def _event_params(session_id: str, i: int) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {"id": f"evt_{uuid.uuid4().hex}", "type": "message_sent", "timestamp": now, "session_id": session_id,
            "run_id": None, "data": _item(i), "metadata": {}, "schema_version": 1, "provider": None,
            "correlation_id": None, "now": now}


async def _sides(url: str, stack: list[Callable[[], Awaitable[object]]]) -> dict[str, Call]:
    """The sides, cheapest first; `stack` collects their closers."""
    conninfo = parse_url(url).conninfo()
    bare = await psycopg.AsyncConnection.connect(conninfo, autocommit=True, prepare_threshold=0)
    stack.append(bare.close)
    apg = await asyncpg.connect(conninfo)
    stack.append(apg.close)
    await bare.execute("CREATE TABLE one_index (id bigserial PRIMARY KEY, session_id text, data jsonb)")
    append, order = _statement("append_event")
    append_apg = _asyncpg_form(append, order)
    store = await asm.connect_async(url)
    stack.append(store.close)
    engine = create_async_engine(sqlalchemy_url(url))
    stack.append(engine.dispose)
    ours = AsmSession(f"asm-{uuid.uuid4().hex}", store)
    own = SQLAlchemySession(f"own-{uuid.uuid4().hex}", engine=engine, create_tables=True)
    await ours.add_items([_item(0)])
    await own.add_items([_item(0)])
    bare_session, apg_session = f"bare-{uuid.uuid4().hex}", f"apg-{uuid.uuid4().hex}"

    async def insert(i: int) -> None:
        await bare.execute("INSERT INTO one_index (session_id, data) VALUES (%s, %s)", (bare_session, Jsonb(_item(i))))

    async def statement(i: int) -> None:
        params = _event_params(bare_session, i)
        params.update(data=Jsonb(params["data"]), metadata=Jsonb(params["metadata"]))
        await (await bare.execute(append, params)).fetchone()

    async def statement_asyncpg(i: int) -> None:
        params = _event_params(apg_session, i)
        params.update(data=json.dumps(params["data"]), metadata="{}")
        await apg.fetchrow(append_apg, *(params[name] for name in order))

    return {
        "a one-row INSERT into a table of one index, bare psycopg": insert,
        "asm's `append_event` statement, bare psycopg (asm's driver)": statement,
        "asm's `append_event` statement, bare asyncpg (SQLAlchemySession's driver)": statement_asyncpg,
        "`AsmSession.add_items` (one item)": lambda i: ours.add_items([_item(i)]),
        "`SQLAlchemySession.add_items` (one item), asyncpg": lambda i: own.add_items([_item(i)]),
    }


async def _time(sides: dict[str, Call], calls: int, block: int, pause: float) -> dict[str, float]:
    """Median seconds per call of each side, the sides taking turns (the order turning each run)."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    warmup = min(20, calls)
    for indexes, turn in blocks(warmup + calls, block):
        for name in names[turn % len(names):] + names[:turn % len(names)]:
            for i in indexes:
                if pause:
                    await asyncio.sleep(pause)
                start = time.perf_counter()
                await sides[name](i)
                if i >= warmup:
                    times[name].append(time.perf_counter() - start)
    return {name: median(values) for name, values in times.items()}


async def _measure(url: str, calls: int) -> tuple[dict[str, float], dict[str, float]]:
    await (await asm.connect_async(url, migrate=True)).close()
    closers: list[Callable[[], Awaitable[object]]] = []
    try:
        sides = await _sides(url, closers)
        return await _time(sides, calls, BLOCK, 0.0), await _time(sides, calls, 1, PAUSE)
    finally:
        for close in reversed(closers):
            await close()


def report(busy: dict[str, float], idle: dict[str, float], calls: int) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# One durable append on PostgreSQL, from the bare driver up",
        "",
        f"Run on {now}, {python_version()}, PostgreSQL as `python -m bench frameworks` uses it. "
        f"`python -m bench.frameworks.append_floor --calls {calls}` (bench/frameworks/append_floor.py).",
        f"Medians in wall ms, one connection per side. *busy*: the sides take turns in runs of {BLOCK} "
        f"calls; *idle*: each call after a {PAUSE * 1e3:g} ms pause. *x*: `SQLAlchemySession`'s "
        "append / this row's: the most any backend built on that row could lead by.",
        "",
        "| one append | busy | x | idle | x |",
        "|---|--:|--:|--:|--:|",
    ]
    own = next(name for name in busy if name.startswith("`SQLAlchemySession"))
    for name in busy:
        lines.append(f"| {name} | {busy[name] * 1e3:.2f} | {busy[own] / busy[name]:.1f}x | "
                     f"{idle[name] * 1e3:.2f} | {idle[own] / idle[name]:.1f}x |")
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--calls", default=400, show_default=True, help="Timed calls per side and regime.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=RESULTS, show_default=True)
def main(calls: int, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = create_database("postgres", Path(tmp))
        try:
            busy, idle = asyncio.run(_measure(url, calls))
        finally:
            drop_database("postgres", url)
    out.write_text(report(busy, idle, calls))
    click.echo(out.read_text())


if __name__ == "__main__":
    main()
