"""What the processes of the concurrency and kill tests run (importable by spawned processes)."""

from __future__ import annotations

import asyncio
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asm
from asm import Event

SESSIONS = ("c1", "c2", "c3")
# Ids every worker appends (alone and inside batches): each must be stored once.
SHARED = [(f"dup-{k:03d}", SESSIONS[k % len(SESSIONS)]) for k in range(40)]

Stored = tuple[str, str, int]  # (id, session_id, sequence_number) as a call returned it


def _shared(rng: random.Random) -> Event:
    id, session_id = rng.choice(SHARED)
    return Event.new(id=id, type="message_sent", session_id=session_id)


def _fresh(rng: random.Random, tag: str, n: int) -> Event:
    return Event.new(id=f"{tag}-{n}", type="message_sent", session_id=rng.choice(SESSIONS), data={"n": n})


def plan(seed: int, tag: str, rounds: int) -> list[tuple[str, list[Event]]]:
    """A worker's calls: ("one", [event]) or ("batch", events), some of them sent twice."""
    rng = random.Random(seed)
    calls: list[tuple[str, list[Event]]] = []
    for n in range(rounds):
        roll = rng.random()
        if roll < 0.3:
            calls.append(("one", [_fresh(rng, tag, n)]))
        elif roll < 0.45:
            calls.append(("one", [_shared(rng)]))
        elif roll < 0.9:
            # A batch over several sessions, some of its ids shared with other workers.
            events = [_fresh(rng, tag, n * 100 + k) for k in range(rng.randint(2, 6))]
            for _ in range(rng.randint(0, 2)):
                events.insert(rng.randrange(len(events) + 1), _shared(rng))
            calls.append(("batch", events))
        else:  # re-sent, as after a timeout
            calls.append(rng.choice(calls) if calls else ("one", [_fresh(rng, tag, n)]))
    return calls


def _record(kind: str, events: list[Event], stored: list[Event]) -> tuple[list[str], list[Stored]]:
    assert [e.id for e in stored] == [e.id for e in events], "results come back in input order"
    return [e.id for e in events], [(e.id, e.session_id, e.sequence_number) for e in stored]


def sync_worker(url: str, worker: int, threads: int, rounds: int, start: Any = None) -> tuple[list[str], list[list[Stored]]]:
    """`threads` threads sharing one store, each running its own plan, once every process has
    reached the `start` barrier. Returns the ids sent and, per call, what it returned."""
    sent: list[str] = []
    results: list[list[Stored]] = []
    lock = threading.Lock()
    together = threading.Barrier(threads)

    def run(store: Any, thread: int) -> None:
        calls = plan(worker * 1000 + thread, f"w{worker}t{thread}", rounds)
        together.wait(60)
        for kind, events in calls:
            stored = store.append_events(events) if kind == "batch" else [store.append_event_with_sequence(events[0])]
            ids, returned = _record(kind, events, stored)
            with lock:
                sent.extend(ids)
                results.append(returned)

    with asm.connect(url, max_size=threads) as store, ThreadPoolExecutor(threads) as pool:
        if start is not None:
            start.wait(120)
        for done in [pool.submit(run, store, t) for t in range(threads)]:
            done.result()  # a thread's error fails the worker
    return sent, results


def async_worker(url: str, worker: int, tasks: int, rounds: int, start: Any = None) -> tuple[list[str], list[list[Stored]]]:
    """`tasks` tasks sharing one AsyncSessionStore (asm.connect_async)."""
    async def main() -> tuple[list[str], list[list[Stored]]]:
        sent: list[str] = []
        results: list[list[Stored]] = []
        store = await asm.connect_async(url, max_size=max(2, tasks // 2))
        if start is not None:
            await asyncio.to_thread(start.wait, 120)

        async def run(task: int) -> None:
            for kind, events in plan(worker * 1000 + task, f"a{worker}t{task}", rounds):
                if kind == "batch":
                    stored = await store.append_events(events)
                else:
                    stored = [await store.append_event_with_sequence(events[0])]
                ids, returned = _record(kind, events, stored)
                sent.extend(ids)
                results.append(returned)

        try:
            await asyncio.gather(*(run(t) for t in range(tasks)))
        finally:
            await store.close()
        return sent, results

    return asyncio.run(main())


def batch_of(number: int, sessions: int = 3, size: int = 6) -> list[Event]:
    """Batch `number` of the kill tests: `size` events over `sessions` sessions, ids that say
    which batch they belong to."""
    return [Event.new(id=f"b{number:05d}-{k}", type="message_sent", session_id=f"k{k % sessions}",
                      data={"batch": number, "k": k}) for k in range(size)]


def flush_of(number: int, size: int = 6) -> asm.ExecutionResult:
    """Flush `number` of the kill tests: a session (one of three), a run and `size` events."""
    session_id = f"k{number % 3}"
    return asm.ExecutionResult(
        session=asm.Session.new(id=session_id, agent_id="killed"),
        run=asm.Run.new(id=f"run-{number:05d}", session_id=session_id),
        events=[Event.new(id=f"b{number:05d}-{k}", type="message_sent", session_id=session_id,
                          data={"batch": number, "k": k}) for k in range(size)])


def send_all(url: str, kind: str, count: int, size: int) -> None:
    """The process the kill tests SIGKILL: batches (or flushes) 0..count-1, in order."""
    with asm.connect(url, max_size=1) as store:
        print("started", flush=True)
        for number in range(count):
            if kind == "batches":
                store.append_events(batch_of(number, size=size))
            else:
                store.flush(flush_of(number, size=size))
