"""asm.integrations.openai_agents.AsmSession: the SDK's Session protocol on every dialect, on an
AsyncSessionStore and on a sync SessionStore, with the races the issue names: concurrent
pop_item, cancellation during add_items, retried add_items."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import asm
from asm import Event, EventType

agents = pytest.importorskip("agents")

from agents.memory import Session, SessionSettings  # noqa: E402

from asm.integrations.openai_agents import AsmSession  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
Store = asm.AsyncSessionStore | asm.SessionStore


def on_store(api: str, url: str, body: Callable[[Store], Awaitable[Any]], **options: Any) -> Any:
    """Run `body(store)` in a fresh event loop on a store of the test's API."""
    async def main() -> Any:
        store: Store = await asm.connect_async(url, **options) if api == "async" else asm.connect(url, **options)
        try:
            return await body(store)
        finally:
            if isinstance(store, asm.AsyncSessionStore):
                await store.close()
            else:
                store.close()
    return asyncio.run(main())


async def events_of(store: Store, session_id: str) -> list[Event]:
    if isinstance(store, asm.AsyncSessionStore):
        return await store.get_events(session_id)
    return store.get_events(session_id)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def said(i: int) -> dict[str, Any]:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": f"a{i}"}]}


def test_the_protocol_on_every_dialect(raw, api):
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store)
        assert isinstance(session, Session)
        assert await session.get_items() == [] and await session.pop_item() is None
        call = {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": "{}"}
        output = {"type": "function_call_output", "call_id": "c1", "output": "shipped"}
        await session.add_items([user("hi"), said(1)])
        await session.add_items([call, output])
        await session.add_items([])
        assert await session.get_items() == [user("hi"), said(1), call, output]
        assert await session.get_items(limit=3) == [said(1), call, output]
        assert await session.get_items(limit=0) == []
        # One asm session per SDK session, one event per item, labelled for asm's queries.
        events = await events_of(store, "conv-1")
        assert [e.sequence_number for e in events] == [1, 2, 3, 4]
        assert [e.type for e in events] == [EventType.MESSAGE_RECEIVED, EventType.MESSAGE_SENT,
                                           EventType.TOOL_CALL_STARTED, EventType.TOOL_CALL_COMPLETED]
        get_session = store.get_session("conv-1")
        row = await get_session if asyncio.iscoroutine(get_session) else get_session
        assert row.agent_id == "openai-agents"
        assert await session.pop_item() == output
        assert await session.get_items() == [user("hi"), said(1), call]
        await session.clear_session()
        assert await session.get_items() == [] and await session.pop_item() is None
        # After a clear the numbers go on (the counter stays): still no ties, still in order.
        await session.add_items([user("again")])
        assert [e.sequence_number for e in await events_of(store, "conv-1")] == [5]
        assert await AsmSession("conv-2", store).get_items() == []
    on_store(api, raw.url, body)


def test_session_settings_limit_and_other_events_of_the_session(raw, api):
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store, session_settings=SessionSettings(limit=2))
        await session.add_items([user(str(i)) for i in range(5)])
        assert await session.get_items() == [user("3"), user("4")]
        assert await session.get_items(limit=4) == [user(str(i)) for i in range(1, 5)]
        # Events of other types in the same asm session (a run, usage) are not history items.
        usage = Event.new(type=EventType.TOKEN_USAGE_UPDATED, session_id="conv-1", data={"total_tokens": 9})
        appended = store.append_event(usage)
        if asyncio.iscoroutine(appended):
            await appended
        assert await session.get_items() == [user("3"), user("4")]
        assert await session.pop_item() == user("4")
        dict_settings = AsmSession("conv-1", store, session_settings={"limit": 1})
        assert await dict_settings.get_items() == [user("3")]
    on_store(api, raw.url, body)


def test_items_keep_their_order_without_timestamps(raw, api):
    """openai-agents-python #1900: items added within one clock tick came back out of order."""
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store)
        for i in range(30):
            await session.add_items([said(i)] if i % 3 else [user(str(i)), said(i)])
        expected = [item for i in range(30) for item in ([said(i)] if i % 3 else [user(str(i)), said(i)])]
        assert await session.get_items() == expected
        assert await session.get_items(limit=7) == expected[-7:]
    on_store(api, raw.url, body)


def test_concurrent_pops_take_each_item_exactly_once(raw, api):
    items, poppers = 40, 6

    async def body(store: Store) -> None:
        await AsmSession("conv-1", store).add_items([said(i) for i in range(items)])

        async def pop_all() -> list[Any]:
            session, popped = AsmSession("conv-1", store), []
            while (item := await session.pop_item()) is not None:
                popped.append(item)
            return popped

        results = await asyncio.gather(*(pop_all() for _ in range(poppers)))
        popped = [item for result in results for item in result]
        assert sorted(item["content"][0]["text"] for item in popped) == sorted(f"a{i}" for i in range(items))
        assert len(popped) == items
        # Each popper took items newest first.
        for result in results:
            numbers = [int(item["content"][0]["text"][1:]) for item in result]
            assert numbers == sorted(numbers, reverse=True)
        assert await AsmSession("conv-1", store).get_items() == []
    on_store(api, raw.url, body, max_size=poppers)


def test_cancelled_add_items_writes_all_or_nothing_and_a_retry_does_not_duplicate(raw, api):
    async def body(store: Store) -> None:
        written = 0
        for attempt, delay in enumerate((0.0, 0.0005, 0.002, 0.01)):
            session = AsmSession(f"conv-{attempt}", store)
            batch = [user(f"{attempt}-{i}") for i in range(20)]
            task = asyncio.ensure_future(session.add_items(batch))
            await asyncio.sleep(delay)
            if not task.cancel():
                await task  # it ended before the cancel: a call that returned
                assert await session.get_items() == batch
                written += 1
                continue
            with pytest.raises(asyncio.CancelledError):
                await task
            stored = await session.get_items()
            assert stored in ([], batch)  # all or nothing, never a part
            written += bool(stored)
            await session.add_items(batch)  # the caller's retry
            assert await session.get_items() == batch
            # A call that returned is done: the same items again are a new turn.
            await session.add_items(batch)
            assert await session.get_items() == batch + batch
        assert written >= 1  # a cancel after the write began let it finish
    on_store(api, raw.url, body)


def test_a_cancelled_task_waits_for_its_write_then_raises(raw, api):
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store)
        await session.add_items([user("first")])  # the session row exists: the next write is one call
        task = asyncio.ensure_future(session.add_items([said(i) for i in range(50)]))
        await asyncio.sleep(0)  # started: its write task is running
        task.cancel()
        task.cancel()  # cancelled twice: still waits
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(await session.get_items()) == 51
    on_store(api, raw.url, body)


class LosesTheAnswer(AsmSession):
    """A connection lost after the COMMIT: the write is stored, the caller sees an error."""

    fail = True

    async def _append(self, events: list[Event]) -> None:
        await super()._append(events)
        if self.fail:
            self.fail = False
            raise asm.StorageConnectionFailed("connection lost after COMMIT")


def test_add_items_retried_after_an_error_writes_once(raw, api):
    async def body(store: Store) -> None:
        session = LosesTheAnswer("conv-1", store)
        batch = [user("hi"), said(1)]
        with pytest.raises(asm.StorageConnectionFailed):
            await session.add_items(batch)
        await session.add_items(batch)
        assert await session.get_items() == batch
        # Other items in between do not take the failed call's ids.
        session.fail = True
        with pytest.raises(asm.StorageConnectionFailed):
            await session.add_items([user("x")])
        await session.add_items([user("y")])
        await session.add_items([user("x")])
        assert await session.get_items() == [*batch, user("x"), user("y")]
    on_store(api, raw.url, body)


def test_an_idempotency_key_holds_across_sessions_objects(raw, api):
    async def body(store: Store) -> None:
        batch = [user("hi"), said(1)]
        await AsmSession("conv-1", store).add_items(batch, idempotency_key="request-7")
        await AsmSession("conv-1", store).add_items(batch, idempotency_key="request-7")
        await AsmSession("conv-2", store).add_items(batch, idempotency_key="request-7")  # another session
        assert await AsmSession("conv-1", store).get_items() == batch
        assert await AsmSession("conv-2", store).get_items() == batch
        await AsmSession("conv-1", store).add_items(batch, idempotency_key="request-8")
        assert await AsmSession("conv-1", store).get_items() == batch + batch
    on_store(api, raw.url, body)


def test_errors_are_asm_errors_and_leave_nothing(raw, api):
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store)
        with pytest.raises(asm.ValidationError):
            await session.add_items([user("ok"), {"role": "user", "content": float("nan")}])
        assert await session.get_items() == []
        with pytest.raises(asm.ValidationError):
            AsmSession("", store)
        with pytest.raises(TypeError):
            AsmSession("conv-1", object())  # type: ignore[arg-type]
    on_store(api, raw.url, body)


def test_from_url_opens_and_closes_its_own_store(raw):
    async def main() -> None:
        session = AsmSession.from_url("conv-1", raw.url)
        await asyncio.gather(session.add_items([user("a")]), session.get_items())
        assert await session.get_items() == [user("a")]
        await session.close()
        await session.close()
    asyncio.run(main())


def test_the_sdk_runner_keeps_its_history_in_asm(raw, api):
    """A real Runner turn (scripted model) reads and writes the history through AsmSession."""
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import openai_agents_example as example
    finally:
        sys.path.remove(str(ROOT / "examples"))
    from agents import Agent, Runner, set_tracing_disabled

    set_tracing_disabled(True)

    async def body(store: Store) -> None:
        agent = Agent(name="a", model=example.ScriptedModel(), tools=[example.order_status])
        session = AsmSession("user-42", store)
        await Runner.run(agent, "Hi, I am Ana.", session=session)
        result = await Runner.run(agent, "Where is my order 1042?", session=session)
        assert "shipped" in result.final_output
        types = [e.type for e in await events_of(store, "user-42")]
        assert types == [EventType.MESSAGE_RECEIVED, EventType.MESSAGE_SENT, EventType.MESSAGE_RECEIVED,
                         EventType.TOOL_CALL_STARTED, EventType.TOOL_CALL_COMPLETED, EventType.MESSAGE_SENT]
        third = await Runner.run(agent, "Thanks", session=session)
        assert "3 thing(s)" in third.final_output
    on_store(api, raw.url, body)


def test_the_example_runs_offline():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "openai_agents_example.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "The tool says: order 1042 shipped yesterday." in done.stdout
    assert "8 items" in done.stdout


def test_import_asm_does_not_import_the_sdk():
    code = ("import sys, asm, asm.integrations; "
            "assert 'agents' not in sys.modules and 'asm.integrations.openai_agents' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.stress
def test_many_poppers_and_appenders_at_once(raw, api):
    """Pops racing appends and each other: every item ends up either popped once or still stored."""
    async def body(store: Store) -> None:
        session = AsmSession("conv-1", store)
        await session.add_items([said(i) for i in range(200)])

        async def append(n: int) -> None:
            for i in range(25):
                await AsmSession("conv-1", store).add_items([said(1000 + n * 100 + i)])

        async def pop() -> list[Any]:
            popped = []
            for _ in range(60):
                if (item := await AsmSession("conv-1", store).pop_item()) is not None:
                    popped.append(item)
            return popped

        results = await asyncio.gather(*(pop() for _ in range(6)), *(append(n) for n in range(4)))
        popped = [item for result in results[:6] for item in result]
        left = await session.get_items()
        texts = [item["content"][0]["text"] for item in popped + left]
        assert len(texts) == len(set(texts)) == 300
    on_store(api, raw.url, body, max_size=10)
