"""asm.sql: asm's named queries called on the caller's own connection, in the caller's own
transaction, and their rows turned into records."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timezone
from typing import Any

import aiomysql
import aiosqlite
import attrs
import psycopg
import pymysql
import pymysql.cursors
import pytest
from psycopg.rows import dict_row

import asm
import asm.sql
from asm import Event, Run, Session
from asm.drivers import ASYNC_DRIVERS
from asm.sql.files import load_queries
from asm.drivers import SYNC_DRIVERS
from asm.drivers.urls import parse_url


def connect_plain(dialect: str, url: str) -> Any:
    """The caller's own autocommit connection, returning dict rows, as the asm.sql docstring says."""
    parsed = parse_url(url)
    if dialect == "postgres":
        return psycopg.connect(parsed.conninfo(), autocommit=True, row_factory=dict_row)
    if dialect == "mysql":
        return pymysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                               password=parsed.password or "", database=parsed.database, autocommit=True,
                               charset="utf8mb4", cursorclass=pymysql.cursors.DictCursor)
    conn = sqlite3.connect(parsed.database or "", isolation_level=None)
    conn.row_factory = asm.sql.dict_row_factory
    return conn


def run(conn: Any, sql: str) -> None:
    cur = conn.cursor()
    try:
        cur.execute(sql)
    finally:
        cur.close()


def wire_ts(dialect: str, value: datetime) -> Any:
    """A timestamp as each dialect's column takes it (README, "Calling the SQL yourself")."""
    utc = value.astimezone(timezone.utc)
    if dialect == "postgres":
        return utc
    if dialect == "sqlite":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds")


def session_params(dialect: str, session: Session) -> dict[str, Any]:
    return {"id": session.id, "agent_id": session.agent_id, "status": session.status.value,
            "parent_session_id": session.parent_session_id, "metadata": json.dumps(session.metadata),
            "context": json.dumps(session.context), "tags": json.dumps(session.tags),
            "created_at": wire_ts(dialect, session.created_at), "updated_at": wire_ts(dialect, session.updated_at),
            "deleted_at": None}


def event_params(dialect: str, event: Event) -> dict[str, Any]:
    return {"id": event.id, "type": event.type.value, "timestamp": wire_ts(dialect, event.timestamp),
            "session_id": event.session_id, "run_id": event.run_id, "data": json.dumps(event.data),
            "metadata": json.dumps(event.metadata), "schema_version": event.schema_version,
            "provider": event.provider, "correlation_id": event.correlation_id}


def append(q: Any, conn: Any, dialect: str, event: Event) -> int:
    """Append one event on the caller's connection, as asm's store does it on that dialect."""
    now = wire_ts(dialect, datetime.now(timezone.utc))
    if dialect == "postgres":  # one statement: the counter bump and the insert
        row = q.append_event(conn, **event_params(dialect, event), now=now)
        return int(row["sequence_number"])
    # The number reserved (MySQL: LAST_INSERT_ID's, which asm's adapter answers `$` with).
    number = q.advance_sequence(conn, id=event.id, session_id=event.session_id, count=1, now=now)
    assert q.append_event(conn, **event_params(dialect, event), sequence_number=number) == 1
    assert q.get_latest_sequence(conn, session_id=event.session_id) == number
    return int(number)


def read_events(q: Any, conn: Any, session_id: str) -> list[dict[str, Any]]:
    return list(q.get_events(conn, session_id=session_id, run_id=None, types=None, since=None, after=None,
                             before=None, limit=100))


def test_the_store_runs_the_same_queries_object(dialect: str, raw: Any) -> None:
    q = asm.sql.queries(dialect)
    assert asm.sql.queries(dialect) is q
    assert load_queries(dialect, SYNC_DRIVERS[dialect].aiosql_adapter) is q
    aq = asm.sql.queries(dialect, asynchronous=True)
    assert aq is not q
    assert load_queries(dialect, ASYNC_DRIVERS[dialect].aiosql_adapter) is aq
    store = asm.connect(raw.url)
    try:
        assert store._executor._queries is q
    finally:
        store.close()

    async def async_store_queries() -> Any:
        astore = await asm.connect_async(raw.url)
        try:
            return astore._executor._queries
        finally:
            await astore.close()

    assert asyncio.run(async_store_queries()) is aq


def test_write_and_read_in_the_callers_transaction_then_roll_back(dialect: str, raw: Any) -> None:
    q = asm.sql.queries(dialect)
    session = Session.new(agent_id="own-transaction", metadata={"k": [1, 2.5, "x"]}, tags=["a", "b"])
    events = [Event.new(type="message_sent", session_id=session.id, data={"content": f"hi {i}"}) for i in range(3)]
    store = asm.connect(raw.url)
    conn = connect_plain(dialect, raw.url)
    try:
        run(conn, "BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
        assert q.upsert_session(conn, **session_params(dialect, session)) == 1
        numbers = [append(q, conn, dialect, event) for event in events]
        assert numbers == [1, 2, 3]

        # Read back inside the same transaction, as the store would read it.
        row = q.get_session(conn, id=session.id)
        assert row is not None
        assert asm.sql.to_record(Session, row, dialect=dialect) == session
        records = [asm.sql.to_record(Event, r, dialect=dialect) for r in read_events(q, conn, session.id)]
        assert records == [attrs.evolve(e, sequence_number=n) for e, n in zip(events, numbers, strict=True)]
        # Nothing is visible outside the transaction yet.
        with pytest.raises(asm.SessionNotFound):
            store.get_session(session.id)

        run(conn, "ROLLBACK")
        assert q.get_session(conn, id=session.id) is None
        assert read_events(q, conn, session.id) == []
        assert q.get_latest_sequence(conn, session_id=session.id) is None
        with pytest.raises(asm.SessionNotFound):
            store.get_session(session.id)
        assert store.get_events(session.id) == []
    finally:
        conn.close()
        store.close()


def test_rows_the_store_wrote_read_as_the_store_reads_them(dialect: str, raw: Any) -> None:
    q = asm.sql.queries(dialect)
    store = asm.connect(raw.url)
    conn = connect_plain(dialect, raw.url)
    try:
        session = Session.new(agent_id="store-written", context={"deep": {"n": None}})
        store.save_session(session)
        store_run = Run.new(session_id=session.id, status="running", token_usage={"total_tokens": 12})
        store.save_run(store_run)
        store.append_events([Event.new(type="tool_call_started", session_id=session.id, run_id=store_run.id,
                                       metadata={"i": i}) for i in range(4)])

        run(conn, "BEGIN")
        run_row = q.get_run(conn, id=store_run.id)
        assert run_row is not None
        assert asm.sql.to_record(Run, run_row, dialect=dialect) == store.get_run(store_run.id)
        assert [asm.sql.to_record(Event, r, dialect=dialect) for r in read_events(q, conn, session.id)] \
            == store.get_events(session.id)
        # Deleted in the caller's transaction, then rolled back: the store still has it all.
        assert q.delete_session_events(conn, session_id=session.id) == 4
        assert read_events(q, conn, session.id) == []
        run(conn, "ROLLBACK")
        assert len(store.get_events(session.id)) == 4
    finally:
        conn.close()
        store.close()


async def _connect_plain_async(dialect: str, url: str) -> Any:
    parsed = parse_url(url)
    if dialect == "postgres":
        return await psycopg.AsyncConnection.connect(parsed.conninfo(), autocommit=True, row_factory=dict_row)
    if dialect == "mysql":
        return await aiomysql.connect(host=parsed.host, port=parsed.port or 3306, user=parsed.user,
                                      password=parsed.password or "", db=parsed.database, autocommit=True,
                                      charset="utf8mb4", cursorclass=aiomysql.DictCursor)
    conn = await aiosqlite.connect(parsed.database or "", isolation_level=None)
    conn.row_factory = asm.sql.dict_row_factory
    return conn


async def _arun(conn: Any, sql: str) -> None:
    if isinstance(conn, aiomysql.Connection):
        async with conn.cursor() as cur:
            await cur.execute(sql)
    else:
        await conn.execute(sql)


def test_async_query_functions_in_the_callers_transaction(dialect: str, raw: Any) -> None:
    aq = asm.sql.queries(dialect, asynchronous=True)
    session = Session.new(agent_id="async-own-transaction")
    store = asm.connect(raw.url)
    store.save_session(session)
    store.append_events([Event.new(type="message_sent", session_id=session.id) for _ in range(2)])

    async def scenario() -> None:
        conn = await _connect_plain_async(dialect, raw.url)
        try:
            await _arun(conn, "BEGIN")
            row = await aq.get_session(conn, id=session.id)
            assert row is not None
            assert asm.sql.to_record(Session, row, dialect=dialect) == session
            rows = [r async for r in aq.get_events(conn, session_id=session.id, run_id=None, types=None,
                                                   since=None, after=None, before=None, limit=10)]
            assert [asm.sql.to_record(Event, r, dialect=dialect) for r in rows] == store.get_events(session.id)
            assert await aq.get_latest_sequence(conn, session_id=session.id) == 2
            assert await aq.delete_session_events(conn, session_id=session.id) == 2
            assert await aq.delete_session_row(conn, id=session.id) == 1
            assert await aq.get_session(conn, id=session.id) is None
            await _arun(conn, "ROLLBACK")
        finally:
            if isinstance(conn, aiomysql.Connection):
                conn.close()
            else:
                await conn.close()

    try:
        asyncio.run(scenario())
        assert store.get_session(session.id) == session
        assert len(store.get_events(session.id)) == 2
    finally:
        store.close()


def test_bad_dialects_classes_and_rows_are_validation_errors() -> None:
    with pytest.raises(asm.ValidationError):
        asm.sql.queries("oracle")
    with pytest.raises(asm.ValidationError):
        asm.sql.to_record(Session, {"id": "x"}, dialect="oracle")
    with pytest.raises(asm.ValidationError):
        asm.sql.to_record(dict, {"id": "x"}, dialect="sqlite")
    with pytest.raises(asm.ValidationError):
        asm.sql.to_record(Session, ("ses_1", "agent"), dialect="sqlite")


def test_a_row_that_no_longer_decodes_names_its_column() -> None:
    session = Session.new(agent_id="a")
    row = {"id": session.id, "agent_id": "a", "status": "pending", "parent_session_id": None,
           "metadata": "{not json", "context": "{}", "tags": "[]", "created_at": "2024-01-01T00:00:00.000000Z",
           "updated_at": "2024-01-01T00:00:00.000000Z", "deleted_at": None}
    with pytest.raises(asm.StorageReadFailed) as caught:
        asm.sql.to_record(Session, row, dialect="sqlite")
    assert caught.value.details["column"] == "metadata"
