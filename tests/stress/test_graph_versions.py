"""Compare-and-set savers and message appenders on one graph session, each in its own process
(issue #14 item 2): no acknowledged message is lost, and no successful compare-and-set save is
overwritten by another (each saver's last value is what is stored)."""

from __future__ import annotations

import asyncio
import multiprocessing

import pytest

import asm
from asm.graph import AsyncGraphSessionStorage, Context, GraphSession, GraphSessionStorage

WORKERS = 4  # of each kind
CALLS = 100


def cas_saver(url: str, session_id: str, worker: int, calls: int, start) -> int:
    """Move the session on `calls` times by load, change, save(expect_unchanged=True), reloading
    after each conflict; returns the number of conflicts."""
    storage = GraphSessionStorage.connect(url, max_size=1)
    conflicts = 0
    try:
        start.wait()
        for step in range(calls):
            while True:
                session = storage.get(session_id)
                session.context.set(f"saver-{worker}", step)
                session.current_task_id = f"saver-{worker}-{step}"
                try:
                    storage.save(session, expect_unchanged=True)
                    break
                except asm.ConflictError:
                    conflicts += 1
    finally:
        storage.close()
    return conflicts


def appender(url: str, session_id: str, worker: int, calls: int, start) -> list[str]:
    """Append `calls` messages; returns the contents acknowledged."""
    storage = GraphSessionStorage.connect(url, max_size=1)
    try:
        start.wait()
        return [storage.append_message(session_id, "User", f"{worker}-{k}").content for k in range(calls)]
    finally:
        storage.close()


def async_appender(url: str, session_id: str, worker: int, calls: int, start) -> list[str]:
    async def main() -> list[str]:
        storage = await AsyncGraphSessionStorage.connect(url, max_size=1)
        try:
            start.wait()
            return [(await storage.append_message(session_id, "Assistant", f"{worker}-{k}")).content
                    for k in range(calls)]
        finally:
            await storage.close()

    return asyncio.run(main())


def run_workers(jobs):
    """Run (function, args) jobs each in its own spawned process, starting together."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(len(jobs)) as pool:
        start = manager.Barrier(len(jobs))
        pending = [pool.apply_async(fn, (*args, start)) for fn, args in jobs]
        return [p.get(timeout=600) for p in pending]


@pytest.fixture
def graph(raw):
    with GraphSessionStorage.connect(raw.url) as storage:
        yield storage


@pytest.mark.stress
def test_compare_and_set_savers_never_erase_an_acknowledged_message(raw, graph):
    """The issue's run: 4 savers and 4 appenders (2 sync, 2 async), 100 calls each."""
    context = Context()
    context.chat_history.max_messages = None
    session = GraphSession.new(graph_id="stress", current_task_id="start", context=context)
    graph.save(session)
    jobs = [(cas_saver, (raw.url, session.id, w, CALLS)) for w in range(WORKERS)]
    jobs += [(appender if w % 2 else async_appender, (raw.url, session.id, w, CALLS)) for w in range(WORKERS)]
    outcomes = run_workers(jobs)
    acknowledged = [content for contents in outcomes[WORKERS:] for content in contents]
    assert len(acknowledged) == WORKERS * CALLS
    stored = graph.get(session.id)
    contents = [m.content for m in stored.context.chat_history.messages]
    lost = sorted(set(acknowledged) - set(contents))
    assert not lost, f"{len(lost)} acknowledged messages erased, e.g. {lost[:5]}"
    assert len(contents) == len(acknowledged), "a message is stored twice"
    assert {k: stored.context.get(k) for k in stored.context.data} == {
        f"saver-{w}": CALLS - 1 for w in range(WORKERS)}, "a compare-and-set save was overwritten"
