"""OpenAI Agents SDK: its SQLAlchemySession against asm's AsmSession.

Both on the same database, one event loop, default settings: each backend gets a session
prefilled with `history` items (add_items in batches of 500), then `calls` appends (add_items
of one item, a Runner saving one item) and `calls` reads of the latest 20 items
(get_items(limit=20), what a Runner with a session limit reads each turn), the two backends
taking turns in runs of BLOCK calls; then `calls` appends more, each after a PAUSE
(bench/frameworks/__init__.py). SQLAlchemySession runs on asyncpg (PostgreSQL), aiosqlite (SQLite)
and aiomysql; asm on its own drivers (psycopg, aiosqlite, aiomysql).

On MySQL/MariaDB SQLAlchemySession cannot create its tables (its session_id column is a
VARCHAR without a length, which MySQL refuses): its row says so in `note`, and asm's appends
and reads are timed alone.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from agents.extensions.memory import SQLAlchemySession
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import asm
from asm.drivers.urls import parse_url
from asm.integrations.openai_agents import AsmSession
from bench.frameworks import BLOCK, PAUSE
from bench.timing import measure_async, median, p95

LAST = 20
PREFILL_BATCH = 500


def _item(i: int) -> dict[str, Any]:
    text = f"message {i}: " + "lorem ipsum " * 8
    if i % 2 == 0:
        return {"role": "user", "content": text}
    return {"type": "message", "role": "assistant", "id": f"msg_{i}", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def sqlalchemy_url(url: str) -> str:
    """The asm URL as SQLAlchemy's async form of the same database."""
    parsed = parse_url(url)
    if parsed.dialect == "sqlite":
        return f"sqlite+aiosqlite:///{parsed.database}"
    scheme = "postgresql+asyncpg" if parsed.dialect == "postgres" else "mysql+aiomysql"
    auth = quote(parsed.user or "", safe="")
    if parsed.password:
        auth += ":" + quote(parsed.password, safe="")
    port = parsed.port or (5432 if parsed.dialect == "postgres" else 3306)
    return f"{scheme}://{auth}@{parsed.host or '127.0.0.1'}:{port}/{parsed.database}"


async def _prefill(session: Any, history: int) -> None:
    for start in range(0, history, PREFILL_BATCH):
        await session.add_items([_item(i) for i in range(start, min(history, start + PREFILL_BATCH))])


def _row(backend: str, history: int, appends: list[float], reads: list[float], idle: list[float],
         note: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"framework": "openai_agents", "backend": backend, "history": history,
                           "own_backend": "SQLAlchemySession" if backend == "own" else "AsmSession"}
    for name, values in (("append", appends), ("read", reads), ("idle_append", idle)):
        row[f"{name}_ms"] = median(values) * 1e3 if values else None
        row[f"{name}_p95_ms"] = p95(values) * 1e3 if values else None
    if note:
        row["note"] = note
    return row


async def _own_tables(engine: AsyncEngine) -> str:
    """'' when SQLAlchemySession could create its tables here, else why not (first line)."""
    probe = SQLAlchemySession(f"probe-{uuid.uuid4().hex}", engine=engine, create_tables=True)
    try:
        await probe.get_items()
    except Exception as exc:  # noqa: BLE001 - reported in the results, not raised
        return f"SQLAlchemySession cannot create its tables: {str(exc).splitlines()[0][:160]}"
    return ""


async def _alone(call: Callable[[int], Awaitable[object]], calls: int, warmup: int,
                 pause: float = 0.0) -> list[float]:
    timings = []
    for i in range(warmup + calls):
        if pause:
            await asyncio.sleep(pause)
        start = time.perf_counter()
        await call(i)
        if i >= warmup:
            timings.append(time.perf_counter() - start)
    return timings


async def _measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    store = await asm.connect_async(url, migrate=True)
    engine = create_async_engine(sqlalchemy_url(url))
    try:
        broken = await _own_tables(engine)
        warmup = min(20, calls)
        for history in histories:
            run = uuid.uuid4().hex[:8]
            ours = AsmSession(f"asm-{history}-{run}", store)
            await _prefill(ours, history)

            def append(session: Any) -> Callable[[int], Awaitable[object]]:
                return lambda i: session.add_items([_item(history + i)])

            def read(session: Any) -> Callable[[int], Awaitable[object]]:
                return lambda i: session.get_items(limit=LAST)

            if broken:
                rows.append(_row("own", history, [], [], [], broken))
                rows.append(_row("asm", history, await _alone(append(ours), calls, warmup),
                                 await _alone(read(ours), calls, warmup),
                                 await _alone(append(ours), calls, warmup, PAUSE), "timed alone"))
                continue
            own = SQLAlchemySession(f"own-{history}-{run}", engine=engine, create_tables=True)
            await _prefill(own, history)
            appends = await measure_async(append(ours), append(own), calls, warmup, BLOCK)
            reads = await measure_async(read(ours), read(own), calls, warmup, BLOCK)
            idle = await measure_async(append(ours), append(own), calls, warmup, pause=PAUSE)
            rows.append(_row("own", history, appends.floor, reads.floor, idle.floor))
            rows.append(_row("asm", history, appends.asm, reads.asm, idle.asm))
    finally:
        await engine.dispose()
        await store.close()
    return rows


def measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    """One row per backend and history size (see the module docstring)."""
    return asyncio.run(_measure(url, histories, calls))
