"""The writing process SIGKILLed in the middle of append_events or flush: every transaction
is all or nothing (each batch is entirely stored or entirely absent, numbers have no gaps,
counters match), and re-sending the same batches with the same ids completes the job."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict

import pytest

import asm
from databases import DIALECTS, RawDatabase, create_database, drop_database
from stress_workers import batch_of, flush_of

pytestmark = pytest.mark.stress
COUNT, SIZE, KILLS = 120, 60, 3
HERE = os.path.dirname(__file__)
WORKER = f"""
import sys
sys.path.insert(0, {HERE!r})
from stress_workers import send_all
send_all(sys.argv[1], sys.argv[2], {COUNT}, {SIZE})
"""


def writing(raw):
    """Whether another connection is inside a transaction now (always True on SQLite, where
    only the timing puts the kill inside one: most of the writer's time is spent in them)."""
    if raw.dialect == "postgres":
        return raw.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                          " AND xact_start IS NOT NULL AND pid <> pg_backend_pid()") > 0
    if raw.dialect == "mysql":  # a statement of the writer running (processlist is not cached)
        return raw.scalar("SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE()"
                          " AND id <> CONNECTION_ID() AND command = 'Query' AND info NOT LIKE 'BEGIN%'") > 0
    return True


def wait_settled(raw):
    """Until the server has no connection of the killed writer left. A COMMIT it sent just
    before the kill is still carried out, and check_whole reads events and runs in separate
    statements: one landing between them read as a run without its events."""
    if raw.dialect == "postgres":
        others = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                  " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
    elif raw.dialect == "mysql":
        others = "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()"
    else:
        return  # SQLite: the writer's transaction died with its process
    deadline = time.monotonic() + 30
    while raw.scalar(others) > 0:
        assert time.monotonic() < deadline, "the killed writer's connection is still open after 30 s"
        time.sleep(0.01)


def check_whole(raw, kind):
    """Every batch is all there or not at all; numbers 1..N per session; counters match."""
    rows = raw.execute("SELECT id, session_id, sequence_number FROM asm_events")
    per_batch = Counter(id.split("-")[0] for id, _, _ in rows)
    assert set(per_batch.values()) <= {SIZE}, "a batch was half written"
    numbers = defaultdict(list)
    for _, session, number in rows:
        numbers[session].append(number)
    for session, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{session}: gap or duplicate"
    counters = dict(raw.execute("SELECT session_id, last_sequence FROM asm_session_sequences"))
    assert counters == {s: len(n) for s, n in numbers.items()}
    if kind == "flushes":
        runs = {id.replace("run-", "b") for (id,) in raw.execute("SELECT id FROM asm_runs")}
        assert runs == set(per_batch), "a flush wrote its run without its events, or the reverse"
    return len(per_batch)


@pytest.mark.parametrize("kind", ["batches", "flushes"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_killed_writer_leaves_whole_transactions_and_a_rerun_completes(dialect, kind, tmp_path):
    url = create_database(dialect, tmp_path)
    try:
        asm.migrate(url)
        raw = RawDatabase(dialect, url)
        done = 0
        for kill in range(KILLS):
            # Each run starts again from batch 0: the batches stored before are re-sent.
            worker = subprocess.Popen([sys.executable, "-c", WORKER, url, kind], stdout=subprocess.PIPE, text=True)
            assert worker.stdout.readline().strip() == "started"
            target = (kill + 1) * COUNT * SIZE // (KILLS + 2)
            deadline = time.monotonic() + 60
            while raw.scalar("SELECT COUNT(*) FROM asm_events") < target and time.monotonic() < deadline:
                time.sleep(0.005)
            soon = time.monotonic() + 2
            while not writing(raw) and time.monotonic() < soon:
                time.sleep(0.001)  # kill it inside a transaction
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            wait_settled(raw)
            stored = check_whole(raw, kind)
            assert done <= stored < COUNT, "killed in the middle, after the previous run's batches"
            done = stored
        raw.close()
        with asm.connect(url) as store:
            for number in range(COUNT):  # the rerun: same batches, same ids
                if kind == "batches":
                    result = store.append_events(batch_of(number, size=SIZE))
                    assert [e.id for e in result] == [e.id for e in batch_of(number, size=SIZE)]
                else:
                    store.flush(flush_of(number, size=SIZE))
        raw = RawDatabase(dialect, url)
        assert check_whole(raw, kind) == COUNT
        assert raw.scalar("SELECT COUNT(*) FROM asm_events") == COUNT * SIZE
        raw.close()
    finally:
        drop_database(dialect, url)
