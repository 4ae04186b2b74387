"""A transaction ends for everyone when its block exits, and failures of transaction control
(BEGIN, COMMIT) are asm errors with the right `retryable` flag."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
import time

import pytest

import asm
from asm import Event, EventType


class Rollback(Exception):
    pass


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def stored_numbers(raw, session_id: str) -> list[int]:
    return [row[0] for row in raw.execute(
        "SELECT sequence_number FROM asm_events WHERE session_id = ? ORDER BY sequence_number", session_id)]


def test_an_async_task_outliving_its_transaction_does_not_write_into_the_next_one(raw):
    """The child appends after the block committed, while another transaction holds the only
    connection and later rolls back: the child's append must be its own and stay stored."""

    async def scenario():
        store = await asm.connect_async(raw.url, max_size=1)
        try:
            async def later():
                await asyncio.sleep(0.2)
                return await store.append_event_with_sequence(Event.new(type=EventType.MESSAGE_SENT, session_id="s"))

            async with store.transaction():
                await store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id="s"))
                child = asyncio.create_task(later())
            with pytest.raises(Rollback):
                async with store.transaction():
                    await store.get_latest_sequence("other")
                    await asyncio.sleep(0.5)
                    raise Rollback
            return (await child).sequence_number
        finally:
            await store.close()

    number = run(scenario())
    assert number == 2
    assert stored_numbers(raw, "s") == [1, 2]


def test_a_thread_given_the_transactions_context_does_not_write_into_the_next_one(raw):
    """The sync twin: a thread started with a copy of the context (as asyncio.to_thread and
    contextvars.copy_context().run do) calls after the block has committed."""
    store = asm.connect(raw.url, max_size=1)
    result: list = []
    try:
        def later():
            time.sleep(0.2)
            try:
                result.append(store.append_event_with_sequence(
                    Event.new(type=EventType.MESSAGE_SENT, session_id="s")).sequence_number)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                result.append(exc)

        with store.transaction():
            store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id="s"))
            child = threading.Thread(target=contextvars.copy_context().run, args=(later,))
            child.start()
        with pytest.raises(Rollback):
            with store.transaction():
                store.get_latest_sequence("other")
                time.sleep(0.5)
                raise Rollback
        child.join(30)
    finally:
        store.close()
    assert result == [2]
    assert stored_numbers(raw, "s") == [1, 2]


def test_tasks_inside_a_transaction_still_share_it(raw):
    async def scenario():
        store = await asm.connect_async(raw.url, max_size=1)
        try:
            with pytest.raises(Rollback):
                async with store.transaction():
                    await asyncio.gather(*(
                        store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id="t")) for _ in range(5)))
                    raise Rollback
        finally:
            await store.close()

    run(scenario())
    assert stored_numbers(raw, "t") == []


@pytest.mark.parametrize("dialect", ["postgres"])
def test_a_serialization_failure_at_commit_is_a_retryable_asm_error(dialect, raw, connect):
    """Write skew under SERIALIZABLE: the second COMMIT fails; the caller gets an asm error
    saying it may retry, never asm's internal RetryableFailure."""
    raw.execute("ALTER DATABASE " + raw.url.rsplit("/", 1)[1] + " SET default_transaction_isolation = 'serializable'")
    try:
        first, second = connect(raw.url), connect(raw.url)
        for s in ("a", "b"):
            first.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id=s))
        barrier = threading.Barrier(2, timeout=30)
        errors: list[BaseException] = []

        def skew(store, read: str, write: str) -> None:
            try:
                with store.transaction():
                    store.get_events(read)
                    barrier.wait()
                    store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id=write))
                    barrier.wait()
            except BaseException as exc:  # noqa: BLE001 - inspected below
                errors.append(exc)

        threads = [threading.Thread(target=skew, args=(first, "a", "b")),
                   threading.Thread(target=skew, args=(second, "b", "a"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        raw.execute("ALTER DATABASE " + raw.url.rsplit("/", 1)[1] + " RESET default_transaction_isolation")
    assert len(errors) == 1, errors
    assert isinstance(errors[0], asm.StorageWriteFailed), repr(errors[0])
    assert errors[0].retryable is True
    assert errors[0].code == "storage_write_failed"


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_sqlite_transaction_that_cannot_take_the_lock_is_a_retryable_asm_error(dialect, raw, connect, monkeypatch):
    monkeypatch.setattr("asm.drivers.sqlite.BUSY_TIMEOUT_S", 0.05)
    store = connect(raw.url)
    holder = sqlite3.connect(raw.url.split(":///", 1)[1], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(asm.AsmError) as caught:
            with store.transaction():
                pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(caught.value, asm.StorageWriteFailed), repr(caught.value)
    assert caught.value.retryable is True
    assert "locked" in str(caught.value)


def test_a_nested_block_that_outlives_its_outer_transaction_fails_clearly(raw):
    async def scenario():
        store = await asm.connect_async(raw.url)
        try:
            started = asyncio.Event()

            async def nested():
                async with store.transaction():
                    started.set()
                    await asyncio.sleep(0.3)

            async with store.transaction():
                child = asyncio.create_task(nested())
                await started.wait()
            with pytest.raises(asm.StorageWriteFailed, match="ended after the outer one"):
                await child
        finally:
            await store.close()

    run(scenario())


def _database_name(raw) -> str:
    return raw.url.rsplit("/", 1)[1]


@pytest.mark.parametrize("dialect", ["postgres"])
def test_a_statement_timeout_is_a_timeout_not_a_lost_connection(dialect, raw, connect):
    raw.execute(f"ALTER DATABASE {_database_name(raw)} SET statement_timeout = '300ms'")
    locker = None
    try:
        store = connect(raw.url)
        locker = type(raw)(dialect, raw.url)
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE asm_sessions IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(asm.AsmError) as caught:
            store.list_sessions()
    finally:
        if locker is not None:
            locker.execute("ROLLBACK")
            locker.close()
        raw.execute(f"ALTER DATABASE {_database_name(raw)} RESET statement_timeout")
    error = caught.value
    assert isinstance(error, asm.StorageTimeout), repr(error)
    assert error.code == "storage_timeout" and error.retryable is True
    assert "timed out" in str(error) and "cannot reach" not in str(error)
    store.list_sessions()  # the store goes on working


@pytest.mark.parametrize("dialect", ["postgres"])
def test_an_idle_transaction_ended_by_the_server_says_so(dialect, raw, connect):
    raw.execute(f"ALTER DATABASE {_database_name(raw)} SET idle_in_transaction_session_timeout = '200ms'")
    try:
        store = connect(raw.url)
        with pytest.raises(asm.AsmError) as caught:
            with store.transaction():
                store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id="idle"))
                time.sleep(0.6)
                store.append_event(Event.new(type=EventType.MESSAGE_SENT, session_id="idle"))
    finally:
        raw.execute(f"ALTER DATABASE {_database_name(raw)} RESET idle_in_transaction_session_timeout")
    error = caught.value
    assert isinstance(error, asm.StorageTimeout), repr(error)
    assert "idle_in_transaction_session_timeout" in str(error) and "rolled it back" in str(error)
    assert stored_numbers(raw, "idle") == []
    assert store.append_event_with_sequence(
        Event.new(type=EventType.MESSAGE_SENT, session_id="idle")).sequence_number == 1


@pytest.mark.parametrize("dialect", ["mysql"])
def test_a_mysql_statement_time_limit_is_a_timeout(dialect, raw):
    """MariaDB's max_statement_time (MySQL's max_execution_time) as the server raises it."""
    from asm.drivers.errors import translate
    from asm.drivers.urls import parse_url

    raw.execute("SET SESSION max_statement_time = 0.05")
    try:
        with pytest.raises(Exception) as caught:
            raw.execute("SELECT SLEEP(1) FROM mysql.user")
    finally:
        raw.execute("SET SESSION max_statement_time = 0")
    error = translate(caught.value, url=parse_url(raw.url), write=False, what="search_sessions")
    assert isinstance(error, asm.StorageTimeout), repr(error)
    assert "timed out" in str(error)
