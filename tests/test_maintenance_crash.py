"""Maintenance killed mid-run (SIGKILL) leaves a consistent database, and a rerun finishes."""

import os
import signal
import subprocess
import sys
import time

import pytest

import asm
from asm import Event, RetentionPolicy, Run, Session
from databases import DIALECTS, RawDatabase, create_database, drop_database

SESSIONS = 150
WORKER = """
import sys, asm
store = asm.connect(sys.argv[1])
print("started", flush=True)
store.maintenance.hard_delete_expired_sessions(asm.RetentionPolicy(batch_size=1))
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_killed_hard_delete_leaves_whole_sessions_and_a_rerun_finishes(dialect, tmp_path):
    url = create_database(dialect, tmp_path)
    try:
        asm.migrate(url)
        old = Session.new(agent_id="a").created_at.replace(year=2000)
        with asm.connect(url) as store:
            for i in range(SESSIONS):
                sid = f"s{i:04d}"
                store.flush(asm.ExecutionResult(
                    session=Session.new(id=sid, agent_id="a", deleted_at=old, created_at=old, updated_at=old),
                    run=Run.new(session_id=sid), events=[Event.new(type="message_sent", session_id=sid) for _ in range(4)]))
        raw = RawDatabase(dialect, url)
        worker = subprocess.Popen([sys.executable, "-c", WORKER, url], stdout=subprocess.PIPE, text=True)
        assert worker.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while raw.scalar("SELECT COUNT(*) FROM asm_sessions") > SESSIONS * 2 // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        left = raw.scalar("SELECT COUNT(*) FROM asm_sessions")
        assert 0 < left < SESSIONS, "killed in the middle"
        # Every session is whole or entirely gone: no batch was half applied.
        assert raw.scalar("SELECT COUNT(*) FROM asm_events") == 4 * left
        assert raw.scalar("SELECT COUNT(*) FROM asm_runs") == left
        assert raw.scalar("SELECT COUNT(*) FROM asm_session_sequences") == left
        raw.close()
        with asm.connect(url) as store:
            assert store.maintenance.hard_delete_expired_sessions(RetentionPolicy(batch_size=7)) == left
            assert store.maintenance.health_check() == []
            assert store.list_sessions() == []
    finally:
        drop_database(dialect, url)


PRUNE_WORKER = """
import sys, asm
store = asm.connect(sys.argv[1])
print("started", flush=True)
store.maintenance.prune_session_events("s", asm.RetentionPolicy(max_events_per_session=100, batch_size=5))
"""
KINDS = ["session_created"] + [
    "message_streamed" if n % 3 == 0 else "error_occurred" if n % 100 == 7 else "message_sent" for n in range(1, 1500)]


def _pass_of(kind):
    return {"message_streamed": 0, "message_sent": 1}.get(kind)  # None: protected


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kill_below", [1300, 600])  # in the first pass (prune-first types), in the second
def test_a_killed_prune_leaves_a_prefix_of_the_pruning_order_and_a_rerun_finishes(dialect, tmp_path, kill_below):
    url = create_database(dialect, tmp_path)
    try:
        asm.migrate(url)
        with asm.connect(url) as store:
            store.save_session(Session.new(id="s", agent_id="a", status="active"))
            store.append_events([Event.new(type=k, session_id="s") for k in KINDS])
        raw = RawDatabase(dialect, url)
        worker = subprocess.Popen([sys.executable, "-c", PRUNE_WORKER, url], stdout=subprocess.PIPE, text=True)
        assert worker.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while raw.scalar("SELECT COUNT(*) FROM asm_events") >= kill_below and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        left = {int(r[0]) for r in raw.execute("SELECT sequence_number FROM asm_events")}
        assert 100 < len(left) < len(KINDS), "killed in the middle"
        # What is gone is a prefix of the pruning order: no protected event, and in each pass
        # the oldest candidates, the second pass only after the first is done.
        gone = [n for n in range(1, len(KINDS) + 1) if n not in left]
        assert all(_pass_of(KINDS[n - 1]) is not None for n in gone)
        order = sorted((n for n in range(1, len(KINDS) + 1) if _pass_of(KINDS[n - 1]) is not None),
                       key=lambda n: (_pass_of(KINDS[n - 1]), n))
        assert order[:len(gone)] == sorted(gone, key=lambda n: (_pass_of(KINDS[n - 1]), n))
        raw.close()
        with asm.connect(url) as store:
            store.maintenance.prune_session_events("s", RetentionPolicy(max_events_per_session=100))
            expected = sorted(set(range(1, len(KINDS) + 1)) - set(order[:len(KINDS) - 100]))
            assert [e.sequence_number for e in store.get_events("s")] == expected
            assert store.maintenance.health_check() == []
    finally:
        drop_database(dialect, url)
