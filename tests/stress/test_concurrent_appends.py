"""Many processes, threads and tasks appending to the same three sessions at once, with
batches spanning sessions, ids appended by several workers and batches sent twice: every
session's numbers are exactly 1..N, every distinct id is stored once, every call got back
what is stored, and each counter equals its session's highest number. Also: the cleanup of
orphaned counters racing appends."""

import multiprocessing
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from asm import Event
from databases import RawDatabase
from stress_workers import SESSIONS, async_worker, sync_worker


def run_workers(jobs):
    """Run (function, args) jobs each in its own spawned process, starting together."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(len(jobs)) as pool:
        start = manager.Barrier(len(jobs))
        pending = [pool.apply_async(fn, (*args, start)) for fn, args in jobs]
        return [p.get(timeout=300) for p in pending]


def check(raw, outcomes):
    rows = raw.execute("SELECT id, session_id, sequence_number FROM asm_events")
    stored = {id: (session, number) for id, session, number in rows}
    assert len(stored) == len(rows)
    sent = {id for ids, _ in outcomes for id in ids}
    assert set(stored) == sent, "every distinct id sent is stored, and nothing else"
    numbers = defaultdict(list)
    for session, number in stored.values():
        numbers[session].append(number)
    assert set(numbers) == set(SESSIONS)
    for session, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{session}: gap or duplicate"
    counters = dict(raw.execute("SELECT session_id, last_sequence FROM asm_session_sequences"))
    assert counters == {s: len(n) for s, n in numbers.items()}, "each counter is its session's highest number"
    calls = 0
    for _, results in outcomes:
        for returned in results:
            calls += 1
            for id, session, number in returned:
                assert stored[id] == (session, number), f"{id}: a caller got back what is not stored"
            # A batch's new events get a contiguous block per session, in input order.
            if all(not id.startswith("dup-") for id, _, _ in returned):
                for session in SESSIONS:
                    own = [n for _, s, n in returned if s == session]
                    assert own == list(range(own[0], own[0] + len(own))) if own else True
    return len(rows), calls


@pytest.mark.stress
def test_eight_processes_of_four_threads(raw):
    outcomes = run_workers([(sync_worker, (raw.url, w, 4, 60)) for w in range(8)])
    events, calls = check(raw, outcomes)
    assert calls == 8 * 4 * 60 and events > 1000


@pytest.mark.stress
def test_async_tasks_and_threads_in_several_processes(raw):
    jobs = [(async_worker, (raw.url, w, 6, 40)) for w in range(2)]
    jobs += [(sync_worker, (raw.url, 10 + w, 4, 40)) for w in range(2)]
    events, calls = check(raw, run_workers(jobs))
    assert calls == (2 * 6 + 2 * 4) * 40


def test_two_processes_race_with_shared_ids(raw):
    """The quick variant, in the default run."""
    outcomes = run_workers([(sync_worker, (raw.url, w, 2, 12)) for w in range(2)])
    events, calls = check(raw, outcomes)
    assert calls == 2 * 2 * 12


@pytest.mark.stress
def test_orphaned_counter_cleanup_racing_appends_loses_nothing(raw, connect):
    """Appends to sessions without a session row (their counters look orphaned until the
    first event commits) while maintenance cleans orphaned counters over and over."""
    store = connect(raw.url, max_size=6)
    sessions = [f"o{k:03d}" for k in range(120)]
    stop = threading.Event()
    cleaned = []

    def clean():
        ghosts = RawDatabase(raw.dialect, raw.url)  # a connection of this thread
        while not stop.is_set():
            for k in range(5):  # real orphans too, so the cleaner always has work
                ghosts.execute("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?, 0)",
                               f"ghost{len(cleaned)}-{k}")
            cleaned.append(store.maintenance.clean_orphaned_sequences())
        ghosts.close()

    def append(worker):
        for i, session in enumerate(sessions):
            if (i + worker) % 2:
                store.append_event(Event.new(type="message_sent", session_id=session))
            else:
                store.append_events([Event.new(type="message_sent", session_id=s) for s in (session, sessions[-1 - i])])

    with ThreadPoolExecutor(5) as pool:
        cleaner = pool.submit(clean)
        list(pool.map(append, range(4)))
        stop.set()
        cleaner.result()
    assert sum(cleaned) > 0
    for session in sessions:
        numbers = [e.sequence_number for e in store.get_events(session)]
        assert numbers == list(range(1, len(numbers) + 1))
        assert raw.scalar("SELECT last_sequence FROM asm_session_sequences WHERE session_id = ?", session) == len(numbers)
    assert sum(len(store.get_events(s)) for s in sessions) == 4 * (60 * 1 + 60 * 2)
    # No counter below its highest number; events without a session row are this test's doing.
    assert all("sessions that do not exist" in problem for problem in store.maintenance.health_check())
