"""What only the async API has to prove: it is SessionStore's exact twin, and tasks
(many of them, cancelled ones, ones still running at close) are handled cleanly."""

import asyncio
import functools
import inspect

import pytest

import asm
from asm.graph import AsyncGraphSessionStorage, GraphSessionStorage
from asm.store.async_parts import AsyncArtifacts, AsyncMaintenance, AsyncQueryAPI
from asm.store.parts import Artifacts, Maintenance, QueryAPI


def public(cls):
    return {name for name in dir(cls) if not name.startswith("_")}


def parameters(fn):
    # Return types differ by design (a value vs an awaitable, a context manager vs an async one).
    return inspect.signature(fn).parameters


@pytest.mark.parametrize(("sync", "aio"), [
    (asm.SessionStore, asm.AsyncSessionStore),
    (GraphSessionStorage, AsyncGraphSessionStorage),
    (QueryAPI, AsyncQueryAPI),
    (Artifacts, AsyncArtifacts),
    (Maintenance, AsyncMaintenance),
])
def test_every_public_method_has_a_twin_with_the_same_signature(sync, aio):
    assert public(sync) == public(aio)
    for name in public(sync):
        s, a = inspect.getattr_static(sync, name), inspect.getattr_static(aio, name)
        if isinstance(s, (property, functools.cached_property)):
            assert type(a) is type(s), name
            continue
        if isinstance(s, classmethod):
            assert isinstance(a, classmethod), name
            s, a = s.__func__, a.__func__
        assert parameters(s) == parameters(a), name
        if name == "iter_events":
            assert inspect.isasyncgenfunction(a) and inspect.isgeneratorfunction(s)
        elif name not in ("transaction", "dialect", "url"):
            assert inspect.iscoroutinefunction(a) and not inspect.iscoroutinefunction(s), name


def test_the_connect_functions_are_twins_too():
    assert parameters(asm.connect) == parameters(asm.connect_async)
    assert parameters(GraphSessionStorage.connect) == parameters(AsyncGraphSessionStorage.connect)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_many_tasks_appending_through_one_store_get_gap_free_numbers(raw):
    async def scenario():
        async with await asm.connect_async(raw.url, max_size=4) as store:
            async def one(i):
                if i % 3:
                    return [await store.append_event_with_sequence(asm.Event.new(type="message_sent", session_id="t"))]
                return await store.append_events([asm.Event.new(type="message_sent", session_id="t") for _ in range(3)])

            results = await asyncio.gather(*(one(i) for i in range(60)))
            numbers = sorted(e.sequence_number for batch in results for e in batch)
            stored = [e.sequence_number for e in await store.get_events("t")]
            return numbers, stored

    numbers, stored = run(scenario())
    assert numbers == stored == list(range(1, 20 * 3 + 40 + 1))


def test_closing_the_store_fails_running_tasks_with_a_clear_error_not_a_hang(raw):
    async def scenario():
        store = await asm.connect_async(raw.url, max_size=2)
        tasks = [asyncio.create_task(store.append_event(asm.Event.new(type="message_sent", session_id="c")))
                 for _ in range(50)]
        await asyncio.sleep(0)
        await store.close()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = run(scenario())
    failures = [o for o in outcomes if o is not None]
    assert failures, "tasks still waiting for a connection fail"
    for failure in failures:
        assert isinstance(failure, asm.StorageConnectionFailed) and "closed" in str(failure)
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == len(outcomes) - len(failures)


def test_tasks_started_inside_a_transaction_join_it(raw):
    async def scenario(fail):
        async with await asm.connect_async(raw.url) as store:
            try:
                async with store.transaction():
                    await asyncio.gather(*(store.append_events(
                        [asm.Event.new(type="message_sent", session_id="j") for _ in range(2)]) for _ in range(5)))
                    if fail:
                        raise KeyError("abort")
            except KeyError:
                pass
            return [e.sequence_number for e in await store.get_events("j")]

    assert run(scenario(fail=True)) == []
    assert run(scenario(fail=False)) == list(range(1, 11))


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("delay", [0, 0.005], ids=["at-once", "mid-batch"])
def test_a_cancelled_task_writes_all_or_nothing_and_gives_its_connection_back(raw, delay):
    async def scenario():
        async with await asm.connect_async(raw.url, max_size=1) as store:
            batch = [asm.Event.new(type="message_sent", session_id="x", data={"i": i}) for i in range(2000)]
            task = asyncio.create_task(store.append_events(batch))
            await asyncio.sleep(delay)
            assert task.cancel(), "the batch is still running"
            await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled(), "a cancellation is never swallowed"
            # The only connection came back, without the cancelled transaction.
            await store.append_event(asm.Event.new(type="message_sent", session_id="y"))
            return await store.get_latest_sequence("x"), await store.get_latest_sequence("y")

    latest_x, latest_y = run(scenario())
    assert latest_y == 1
    assert latest_x in (0, 2000), "all or nothing"
    assert raw.scalar("SELECT COUNT(*) FROM asm_events WHERE session_id = 'x'") == latest_x


def test_an_in_memory_database_migrates_on_connect_async():
    async def scenario():
        async with await asm.connect_async("sqlite://:memory:", migrate=True) as store:
            await store.save_session(asm.Session.new(id="m", agent_id="a"))
            return (await store.get_session("m")).agent_id

    assert run(scenario()) == "a"


def test_cancelling_a_long_poll_frees_everything(raw):
    async def scenario():
        async with await asm.connect_async(raw.url, max_size=1) as store:
            waiter = asyncio.create_task(store.get_events("s", wait_timeout_ms=30_000))
            await asyncio.sleep(0.1)
            waiter.cancel()
            await asyncio.gather(waiter, return_exceptions=True)
            assert waiter.cancelled()
            await store.append_event(asm.Event.new(type="message_sent", session_id="s"))
            return [e.sequence_number async for e in store.iter_events("s")]

    assert run(scenario()) == [1]
