"""Google ADK: DatabaseSessionService (SQLAlchemy) against asm's AsmSessionService.

Both run on the same server, on one event loop, with their default settings: each backend
gets a session prefilled with `history` events through its own append_event, then `calls`
appends (one event each, from an up-to-date Session) and `calls` reads of the latest 20
events (get_session with num_recent_events=20), the two backends taking turns in runs of BLOCK
calls; then `calls` appends more, each after a PAUSE (bench/frameworks/__init__.py).

ADK's tables cannot share asm's database: both name a table `sessions` (asm's graph sessions,
migration 0003), so ADK's own backend gets its own namespace on the same server: a schema
(PostgreSQL, via search_path), a database (MySQL) or a file next to the asm one (SQLite).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

from google.adk.events.event import Event
from google.adk.sessions.base_session_service import BaseSessionService, GetSessionConfig
from google.adk.sessions.database_session_service import DatabaseSessionService
from google.adk.sessions.session import Session
from google.genai import types

import asm
from asm.drivers.urls import parse_url
from asm.integrations.adk import AsmSessionService
from bench.frameworks import BLOCK, PAUSE
from bench.timing import measure_async, median, p95

LAST = 20
NAMESPACE = "adk_bench_own"


def _event(i: int) -> Event:
    text = f"message {i}: " + "lorem ipsum " * 8
    return Event(author="user" if i % 2 == 0 else "agent", invocation_id=f"inv-{i // 2}",
                 content=types.Content(role="user" if i % 2 == 0 else "model", parts=[types.Part(text=text)]))


@asynccontextmanager
async def _own_service(url: str) -> AsyncIterator[DatabaseSessionService]:
    """ADK's DatabaseSessionService on the server of the asm URL, in a namespace of its own."""
    parsed = parse_url(url)
    options: dict[str, Any] = {}
    if parsed.dialect == "sqlite":
        db_url = f"sqlite+aiosqlite:///{parsed.database}.adk-own.db"
    else:
        import sqlalchemy
        from sqlalchemy.ext.asyncio import create_async_engine

        scheme = "postgresql+asyncpg" if parsed.dialect == "postgres" else "mysql+aiomysql"
        auth = quote(parsed.user or "", safe="")
        if parsed.password:
            auth += ":" + quote(parsed.password, safe="")
        port = parsed.port or (5432 if parsed.dialect == "postgres" else 3306)
        server = f"{scheme}://{auth}@{parsed.host or '127.0.0.1'}:{port}"
        admin = create_async_engine(f"{server}/{parsed.database}")
        async with admin.begin() as conn:
            if parsed.dialect == "postgres":
                await conn.execute(sqlalchemy.text(f"CREATE SCHEMA IF NOT EXISTS {NAMESPACE}"))
            else:
                await conn.execute(sqlalchemy.text(f"CREATE DATABASE IF NOT EXISTS {NAMESPACE}"))
        await admin.dispose()
        if parsed.dialect == "postgres":
            db_url = f"{server}/{parsed.database}"
            options["connect_args"] = {"server_settings": {"search_path": NAMESPACE}}
        else:
            db_url = f"{server}/{NAMESPACE}"
    service = DatabaseSessionService(db_url, **options)
    try:
        yield service
    finally:
        await service.close()
        if parsed.dialect == "mysql":
            admin = create_async_engine(f"{server}/{parsed.database}")
            async with admin.begin() as conn:
                await conn.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {NAMESPACE}"))
            await admin.dispose()


async def _prefill(service: BaseSessionService, history: int) -> Session:
    session = await service.create_session(app_name="bench", user_id="u", session_id=uuid.uuid4().hex)
    for i in range(history):
        await service.append_event(session, _event(i))
    return session


def _row(backend: str, history: int, appends: list[float], reads: list[float], idle: list[float]) -> dict[str, Any]:
    return {"framework": "adk", "backend": backend, "history": history,
            "append_ms": median(appends) * 1e3, "append_p95_ms": p95(appends) * 1e3,
            "read_ms": median(reads) * 1e3, "read_p95_ms": p95(reads) * 1e3,
            "idle_append_ms": median(idle) * 1e3, "idle_append_p95_ms": p95(idle) * 1e3}


async def _measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    store = await asm.connect_async(url, migrate=True)
    try:
        async with _own_service(url) as own:
            ours = AsmSessionService(store)
            for history in histories:
                sessions = {"own": await _prefill(own, history), "asm": await _prefill(ours, history)}
                services: dict[str, BaseSessionService] = {"own": own, "asm": ours}

                def appender(side: str) -> Callable[[int], Awaitable[object]]:
                    return lambda i: services[side].append_event(sessions[side], _event(history + i))

                def reader(side: str) -> Callable[[int], Awaitable[object]]:
                    s = sessions[side]
                    return lambda i: services[side].get_session(
                        app_name=s.app_name, user_id=s.user_id, session_id=s.id,
                        config=GetSessionConfig(num_recent_events=LAST))

                warmup = min(20, calls)
                appends = await measure_async(appender("asm"), appender("own"), calls, warmup, BLOCK)
                reads = await measure_async(reader("asm"), reader("own"), calls, warmup, BLOCK)
                idle = await measure_async(appender("asm"), appender("own"), calls, warmup, pause=PAUSE)
                rows.append(_row("own", history, appends.floor, reads.floor, idle.floor))
                rows.append(_row("asm", history, appends.asm, reads.asm, idle.asm))
    finally:
        await store.close()
    return rows


def measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    """One row per backend and history size (see the module docstring)."""
    started = time.monotonic()
    rows = asyncio.run(_measure(url, histories, calls))
    for row in rows:
        row.setdefault("seconds", round(time.monotonic() - started, 1))
    return rows
