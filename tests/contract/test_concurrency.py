"""Sequencing under concurrency: no duplicate and no gap among committed numbers, across
threads, connections and processes; racing appends of one id all get the one stored event."""

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor

import asm
from appenders import append_many


def assert_gap_free(store, session_id):
    numbers = [e.sequence_number for e in store.get_events(session_id)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert store.get_latest_sequence(session_id) == len(numbers)
    return len(numbers)


def test_threads_sharing_one_store_get_gap_free_numbers(store):
    def work(n):
        for _ in range(15):
            store.append_event(asm.Event.new(type="message_sent", session_id="s1"))
        store.append_events([asm.Event.new(type="message_sent", session_id=f"s{1 + k % 2}") for k in range(5)])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert assert_gap_free(store, "s1") + assert_gap_free(store, "s2") == 8 * 20


def test_processes_appending_to_the_same_sessions_get_gap_free_numbers(raw):
    store = asm.connect(raw.url)
    sessions = ["p1", "p2", "p3"]
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        results = pool.starmap(append_many, [(raw.url, sessions, 24, 1 + (k % 2) * 5) for k in range(4)])
    appended = [row for result in results for row in result]
    assert len({event_id for event_id, _, _ in appended}) == 4 * 24
    assert sum(assert_gap_free(store, s) for s in sessions) == 4 * 24
    stored = {(e.id, e.session_id, e.sequence_number) for s in sessions for e in store.get_events(s)}
    assert stored == set(appended), "every caller got back the number that was stored"
    store.close()


def test_racing_appends_of_one_new_id_store_it_once_and_all_get_it(raw, connect):
    event = asm.Event.new(type="message_sent", session_id="race")
    stores = [connect(raw.url, max_size=1) for _ in range(8)]
    start = threading.Barrier(len(stores))

    def append(store):
        start.wait()
        return store.append_event_with_sequence(event)

    with ThreadPoolExecutor(len(stores)) as pool:
        results = list(pool.map(append, stores))
    assert all(r == results[0] for r in results)
    assert results[0].sequence_number == 1
    assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 1
    assert raw.scalar("SELECT last_sequence FROM asm_session_sequences WHERE session_id = 'race'") == 1


def test_racing_batches_with_shared_ids_collapse_without_gaps(raw, connect):
    shared = [asm.Event.new(type="message_sent", session_id=f"b{k % 2}") for k in range(6)]
    stores = [connect(raw.url, max_size=1) for _ in range(6)]
    start = threading.Barrier(len(stores))

    def append(i_store):
        i, store = i_store
        own = [asm.Event.new(type="message_sent", session_id=f"b{k % 2}") for k in range(4)]
        start.wait()
        return store.append_events(own[:2] + shared[i:] + shared[:i] + own[2:])

    with ThreadPoolExecutor(len(stores)) as pool:
        results = list(pool.map(append, enumerate(stores)))
    check = stores[0]
    total = assert_gap_free(check, "b0") + assert_gap_free(check, "b1")
    assert total == len(shared) + 4 * len(stores)
    by_id = {e.id: e for s in ("b0", "b1") for e in check.get_events(s)}
    for result in results:
        assert all(by_id[e.id] == e for e in result)
