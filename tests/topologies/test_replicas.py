"""Read replicas (issue 18): a store on a private primary with a streaming hot standby
(tests/standby.py). Which server serves each call (`pg_is_in_recovery()` on the pool that
served it), read-your-writes under append-then-read loops, reads that stay correct while the
standby lags, is stopped and comes back, and long polls that never miss an append."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import psycopg
import pytest

import asm
from asm import Event, Session, ValidationError
from asm.core import replicas
from async_facade import AsyncStoreAsSync, EventLoopThread
from postgres18 import _free_port
from standby import DATABASE, PrimaryAndStandby, running_primary_and_standby

PRIMARY = replicas.PRIMARY


@pytest.fixture(scope="module")
def pair() -> Iterator[PrimaryAndStandby]:
    with running_primary_and_standby() as pair:
        asm.migrate(pair.primary_url)
        pair.wait_replayed()
        yield pair


@pytest.fixture(params=("sync", "async"))
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_store(api: str, event_loop_thread: EventLoopThread) -> Iterator[Callable[..., Any]]:
    """`open_store(url, **options)`: asm.connect, or asm.connect_async behind a sync facade;
    closed after the test."""
    opened: list[Any] = []

    def open_one(url: str, **options: Any) -> Any:
        if api == "sync":
            store: Any = asm.connect(url, **options)
        else:
            store = AsyncStoreAsSync(event_loop_thread, event_loop_thread.run(asm.connect_async(url, **options)))
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


def route(store: Any) -> str | None:
    return store._executor.routes.last_route  # type: ignore[no-any-return]


def served_in_recovery(store: Any, loop: EventLoopThread) -> bool:
    """pg_is_in_recovery() on a connection of the pool that served the store's last read."""
    executor = store._executor
    name = executor.routes.last_route
    pool = executor._pool if name == PRIMARY else executor._replica_pools[name]
    sql = "SELECT pg_is_in_recovery() AS recovery"
    if hasattr(pool, "__aenter__"):
        async def ask() -> bool:
            async with pool.connection() as conn:
                cursor = await conn.execute(sql)
                return bool((await cursor.fetchone())["recovery"])
        return bool(loop.run(ask()))
    with pool.connection() as conn:
        return bool(conn.execute(sql).fetchone()["recovery"])


def new_session(store: Any) -> Session:
    session = Session.new(agent_id="replica-test")
    store.save_session(session)
    return session


def event(session: Session, n: int) -> Event:
    return Event.new(type="message_sent", session_id=session.id, data={"n": n})


def read_until(store: Any, wanted: str, timeout: float) -> float:
    """Read until `wanted` serves a read; how long it took."""
    started = time.monotonic()
    while True:
        store.query.search_sessions(limit=1)
        if route(store) == wanted:
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"reads did not go to {wanted} within {timeout} s"
        time.sleep(0.05)


def test_reads_go_to_the_standby_and_writes_transactions_and_long_polls_to_the_primary(
        pair: PrimaryAndStandby, open_store: Callable[..., Any], event_loop_thread: EventLoopThread) -> None:
    store = open_store(pair.primary_url, replica_urls=[pair.standby_url])
    session = new_session(store)
    store.append_events([event(session, n) for n in range(3)])  # the standby refuses writes: these ran on the primary
    pair.wait_replayed()

    page = store.query.search_sessions(agent_id="replica-test", limit=50)
    assert session.id in [s.id for s in page.sessions]
    assert route(store) == pair.standby_url and served_in_recovery(store, event_loop_thread)
    assert [e.data["n"] for e in store.get_events(session.id, last=20)] == [0, 1, 2]
    assert route(store) == pair.standby_url and served_in_recovery(store, event_loop_thread)
    store.query.get_usage_summary(session_id=session.id)
    store.query.get_session_stats(session.id)
    assert route(store) == pair.standby_url

    with store.transaction():
        store.append_event(event(session, 3))
        assert len(store.get_events(session.id)) == 4  # its own uncommitted append: only the primary has it
        assert route(store) == PRIMARY and not served_in_recovery(store, event_loop_thread)
    found = store.get_events(session.id, after=3, wait_timeout_ms=1000)  # a long poll
    assert [e.sequence_number for e in found] == [4]
    assert route(store) == PRIMARY
    assert store._executor.routes.served[pair.standby_url] >= 4


def test_a_replica_read_costs_no_primary_round_trip_until_the_store_writes(
        pair: PrimaryAndStandby, open_store: Callable[..., Any]) -> None:
    store = open_store(pair.primary_url, replica_urls=[pair.standby_url])
    session = new_session(store)
    pair.wait_replayed()
    read_until(store, pair.standby_url, 5)
    routes = store._executor.routes
    target = routes.target
    for _ in range(20):
        store.get_events(session.id, last=5)
    assert routes.target == target  # no new target: nothing written, the lag bound not reached
    store.append_event(event(session, 0))
    store.get_events(session.id, last=5)
    assert routes.target > target


@pytest.mark.stress
@pytest.mark.parametrize("loops", [1000])
def test_a_read_after_an_append_sees_it_every_time_sync(pair: PrimaryAndStandby, loops: int) -> None:
    with asm.connect(pair.primary_url, replica_urls=[pair.standby_url]) as store:
        session = new_session(store)
        for n in range(loops):
            appended = event(session, n)
            store.append_event(appended)
            assert store.get_events(session.id, last=1)[0].id == appended.id, f"loop {n}: {route(store)}"
            if n % 10 == 0:
                store.save_session(attrs.evolve(session, metadata={"loop": n}))
                assert store.get_session(session.id).metadata == {"loop": n}, f"loop {n}: {route(store)}"
            if n % 4 == 3:
                time.sleep(0.002)  # lets the standby catch up now and then, so both routes are taken
        served = store._executor.routes.served
    assert served[PRIMARY] + served[pair.standby_url] >= loops
    assert served[pair.standby_url] > 0, served


@pytest.mark.stress
@pytest.mark.parametrize("loops", [1000])
def test_a_read_after_an_append_sees_it_every_time_async(pair: PrimaryAndStandby, loops: int) -> None:
    async def main() -> Any:
        store = await asm.connect_async(pair.primary_url, replica_urls=[pair.standby_url])
        try:
            session = Session.new(agent_id="replica-test")
            await store.save_session(session)
            for n in range(loops):
                appended = event(session, n)
                await store.append_event(appended)
                got = await store.get_events(session.id, last=1)
                assert got[0].id == appended.id, f"loop {n}: {route(store)}"
                if n % 4 == 3:
                    await asyncio.sleep(0.002)
            return store._executor.routes.served
        finally:
            await store.close()

    served = asyncio.run(main())
    assert served[pair.standby_url] > 0, served


def test_a_lagging_standby_is_skipped_and_reads_stay_correct(
        pair: PrimaryAndStandby, open_store: Callable[..., Any]) -> None:
    store = open_store(pair.primary_url, replica_urls=[pair.standby_url], max_replica_lag=0.5)
    session = new_session(store)
    pair.wait_replayed()
    read_until(store, pair.standby_url, 5)
    with psycopg.connect(pair.standby_url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            store.append_event(event(session, 0))
            assert [e.data["n"] for e in store.get_events(session.id, last=1)] == [0]
            assert route(store) == PRIMARY
            # Another process writes; once the lag bound passes, the stale standby serves nothing.
            other = Session.new(agent_id="replica-test-other")
            with asm.connect(pair.primary_url) as writer:
                writer.save_session(other)
            time.sleep(0.6)
            page = store.query.search_sessions(agent_id="replica-test-other", limit=50)
            assert other.id in [s.id for s in page.sessions] and route(store) == PRIMARY
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    read_until(store, pair.standby_url, 5)


def test_a_read_error_on_the_standby_falls_back_to_the_primary(
        pair: PrimaryAndStandby, open_store: Callable[..., Any]) -> None:
    # A replica URL naming a database of the standby without asm's tables: every read there fails
    # with a schema error (not a connection error), and the primary answers instead.
    wrong = pair.url(pair.standby_port, "postgres")
    store = open_store(pair.primary_url, replica_urls=[wrong])
    session = new_session(store)
    pair.wait_replayed()
    assert store.get_session(session.id).id == session.id
    assert route(store) == PRIMARY
    replica = store._executor.routes.replicas[0]
    assert replica.backoff == 0 and replica.replayed >= 0  # not marked down: it answered the replay check


@pytest.mark.stress
def test_reads_fail_over_to_the_primary_and_come_back_to_the_standby(
        pair: PrimaryAndStandby, open_store: Callable[..., Any]) -> None:
    store = open_store(pair.primary_url, replica_urls=[pair.standby_url])
    session = new_session(store)
    pair.wait_replayed()
    read_until(store, pair.standby_url, 5)
    pair.stop_standby()
    try:
        started = time.monotonic()
        for n in range(20):
            store.append_event(event(session, n))
            assert [e.data["n"] for e in store.get_events(session.id, last=1)] == [n]
            assert route(store) == PRIMARY
            assert store.query.search_sessions(agent_id="replica-test", limit=1).sessions
        # The first read after the stop waits at most the replica checkout bound, then none waits.
        assert time.monotonic() - started < replicas.CHECKOUT_S + 3
        replica = store._executor.routes.replicas[0]
        assert replica.backoff >= replicas.FIRST_BACKOFF_S
    finally:
        pair.start_standby()
    backoff = store._executor.routes.replicas[0].backoff
    took = read_until(store, pair.standby_url, backoff + 5)
    assert took <= backoff + 2, (took, backoff)


def test_a_long_poll_on_a_store_with_replicas_never_misses_an_append(
        pair: PrimaryAndStandby, open_store: Callable[..., Any]) -> None:
    store = open_store(pair.primary_url, replica_urls=[pair.standby_url])
    session = new_session(store)
    store.append_event(event(session, 0))
    pair.wait_replayed()
    read_until(store, pair.standby_url, 5)
    # The standby stops replaying: a long poll reading it would wait out its timeout.
    with psycopg.connect(pair.standby_url, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            for n in range(1, 6):
                got: list[Any] = []
                waiter = threading.Thread(target=lambda: got.extend(
                    store.get_events(session.id, after=n, wait_timeout_ms=10_000)))
                started = time.monotonic()
                waiter.start()
                time.sleep(0.1)
                with asm.connect(pair.primary_url) as writer:  # another process appends
                    writer.append_event(event(session, n))
                waiter.join(15)
                assert [e.data["n"] for e in got] == [n]
                assert time.monotonic() - started < 5
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")


def test_a_replica_down_at_connect_is_skipped_not_fatal(
        pair: PrimaryAndStandby, open_store: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    nowhere = f"postgresql://app:hunter2secret@127.0.0.1:{_free_port()}/{DATABASE}"
    with caplog.at_level(logging.WARNING, logger="asm"):
        store = open_store(pair.primary_url, replica_urls=[nowhere, pair.standby_url])
    session = new_session(store)
    assert store.get_session(session.id).id == session.id
    assert caplog.text.count("is skipped") == 1 and "hunter2secret" not in caplog.text
    pair.wait_replayed()
    read_until(store, pair.standby_url, 5)


@pytest.mark.parametrize("api", ["sync", "async"])
def test_replica_urls_are_for_postgresql(api: str, tmp_path: Any, event_loop_thread: EventLoopThread) -> None:
    standby = "postgresql://postgres@127.0.0.1:1/db"
    cases = [(f"sqlite:///{tmp_path}/x.db", [standby]), ("mysql://root@127.0.0.1:3306/asm", [standby]),
             ("postgresql://postgres@127.0.0.1:1/db", ["mysql://root@127.0.0.1:3306/asm"]),
             ("postgresql://postgres@127.0.0.1:1/db", [f"sqlite:///{tmp_path}/y.db"])]
    for url, replica_urls in cases:
        with pytest.raises(ValidationError, match="PostgreSQL"):  # refused before connecting
            if api == "sync":
                asm.connect(url, migrate=True, replica_urls=replica_urls)
            else:
                event_loop_thread.run(asm.connect_async(url, migrate=True, replica_urls=replica_urls))
