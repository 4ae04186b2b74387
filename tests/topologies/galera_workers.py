"""The stress tier's appenders (tests/stress/stress_workers.py: the same plans, sessions and
shared ids) for a Galera cluster, where a hot session written through several nodes can lose a
call's every attempt: a call that fails with a retryable error is sent again, as the error
tells an application to, and counted. Importable by spawned processes."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asm
from asm.errors import AsmError
from stress_workers import Stored, _record, plan

MAX_RESENDS = 50


def _resent(error: AsmError, resends: int) -> int:
    if not error.retryable or resends >= MAX_RESENDS:
        raise error
    return resends + 1


def resending_sync_worker(url: str, worker: int, threads: int, rounds: int,
                          start: Any = None) -> tuple[list[str], list[list[Stored]], int]:
    """stress_workers.sync_worker, re-sending a call that raised a retryable error; also
    returns how many times a call was re-sent."""
    sent: list[str] = []
    results: list[list[Stored]] = []
    resends = [0]
    lock = threading.Lock()
    together = threading.Barrier(threads)

    def run(store: Any, thread: int) -> None:
        calls = plan(worker * 1000 + thread, f"w{worker}t{thread}", rounds)
        together.wait(60)
        for kind, events in calls:
            again = 0
            while True:
                try:
                    stored = (store.append_events(events) if kind == "batch"
                              else [store.append_event_with_sequence(events[0])])
                    break
                except AsmError as error:
                    again = _resent(error, again)
            ids, returned = _record(kind, events, stored)
            with lock:
                sent.extend(ids)
                results.append(returned)
                resends[0] += again

    with asm.connect(url, max_size=threads) as store, ThreadPoolExecutor(threads) as pool:
        if start is not None:
            start.wait(120)
        for done in [pool.submit(run, store, t) for t in range(threads)]:
            done.result()
    return sent, results, resends[0]


def resending_async_worker(url: str, worker: int, tasks: int, rounds: int,
                           start: Any = None) -> tuple[list[str], list[list[Stored]], int]:
    """stress_workers.async_worker, re-sending as above."""
    async def main() -> tuple[list[str], list[list[Stored]], int]:
        sent: list[str] = []
        results: list[list[Stored]] = []
        resends = 0
        store = await asm.connect_async(url, max_size=max(2, tasks // 2))
        if start is not None:
            await asyncio.to_thread(start.wait, 120)

        async def run(task: int) -> None:
            nonlocal resends
            for kind, events in plan(worker * 1000 + task, f"a{worker}t{task}", rounds):
                again = 0
                while True:
                    try:
                        if kind == "batch":
                            stored = await store.append_events(events)
                        else:
                            stored = [await store.append_event_with_sequence(events[0])]
                        break
                    except AsmError as error:
                        again = _resent(error, again)
                ids, returned = _record(kind, events, stored)
                sent.extend(ids)
                results.append(returned)
                resends += again

        try:
            await asyncio.gather(*(run(t) for t in range(tasks)))
        finally:
            await store.close()
        return sent, results, resends

    return asyncio.run(main())
