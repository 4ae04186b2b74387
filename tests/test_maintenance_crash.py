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
