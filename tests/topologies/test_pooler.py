"""asm through a connection pooler (issue 18, part 1): a real PgBouncer per test
(tests/pgbouncer.py) in front of the test PostgreSQL server.

A URL says it is a pooler with `?pooler=transaction` (or `asm.connect(url, pooler=...)`).
Migrations through one are refused before anything runs; a statement-mode pooler is refused
at connect, and an undeclared one explains itself; long polls LISTEN on `listen_url`, or poll
and say so once. The contract suite's PostgreSQL tests run through a transaction-mode
PgBouncer, sync and async, in the stress tier.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pgbouncer import PgBouncer, running_pgbouncer

import asm
from asm import Event, Session
from asm.drivers.postgres import SET_UTC, settings
from asm.drivers.urls import parse_url
from databases import RawDatabase

ROOT = Path(__file__).resolve().parents[2]
ASM = Path(sys.executable).parent / "asm"
postgres_only = pytest.mark.parametrize("dialect", ["postgres"])


@pytest.fixture
def transaction_bouncer() -> Iterator[PgBouncer]:
    with running_pgbouncer("transaction", pool_size=4) as running:
        yield running


def pooled(bouncer: PgBouncer, url: str, mode: str = "transaction") -> str:
    return bouncer.url(url) + f"?pooler={mode}"


def tables(url: str) -> list[str]:
    with psycopg.connect(parse_url(url).conninfo(), autocommit=True) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return sorted(row[0] for row in rows)


def append_later(store, session_id: str, delay: float) -> threading.Thread:
    def append() -> None:
        time.sleep(delay)
        store.append_event(Event.new(type="message_sent", session_id=session_id))

    thread = threading.Thread(target=append)
    thread.start()
    return thread


# -- migrations -----------------------------------------------------------------------------


@postgres_only
def test_migrating_through_a_declared_pooler_is_refused_before_anything_runs(fresh_url, transaction_bouncer):
    url = pooled(transaction_bouncer, fresh_url)
    for attempt in (lambda: asm.migrate(url), lambda: asm.rollback(url),
                    lambda: asm.connect(transaction_bouncer.url(fresh_url), migrate=True, pooler="transaction")):
        with pytest.raises(asm.ValidationError, match="Migrate with a direct URL") as caught:
            attempt()
        assert caught.value.details["field"] == "pooler"
    assert tables(fresh_url) == [], "nothing was created, no lock row left"
    # Reading the status through it is fine.
    assert all(not status.applied for status in asm.migration_status(url))


@postgres_only
def test_asm_migrate_through_a_declared_pooler_fails_with_the_fix(fresh_url, transaction_bouncer):
    result = subprocess.run([str(ASM), "--database", pooled(transaction_bouncer, fresh_url), "migrate"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Migrate with a direct URL" in result.stderr and "Traceback" not in result.stderr
    assert tables(fresh_url) == []


# -- statement mode -------------------------------------------------------------------------


@postgres_only
def test_a_declared_statement_mode_pooler_is_refused_at_connect(raw: RawDatabase, connect):
    for options in ({"pooler": "statement"}, {}):
        url = raw.url + ("?pooler=statement" if not options else "")
        with pytest.raises(asm.ValidationError, match="pool_mode = transaction"):
            connect(url, **options)
        with pytest.raises(asm.ValidationError, match="pool_mode = transaction"):
            connect(url, kind="graph", **options)


@postgres_only
def test_an_undeclared_statement_mode_pooler_says_what_it_is_and_is_not_retried(raw: RawDatabase, connect):
    with running_pgbouncer("statement", pool_size=2) as bouncer:
        store = connect(bouncer.url(raw.url))
        store.save_session(Session.new(agent_id="a", id="s1"))  # one statement: it works
        with pytest.raises(asm.StorageConnectionFailed, match="statement-mode pooler") as caught:
            store.append_events([Event.new(type="message_sent", session_id="s1") for _ in range(2)])
        assert caught.value.retryable is False
        assert caught.value.details["pooler"] == "statement"
        assert "cannot reach" not in str(caught.value)


# -- long polls -----------------------------------------------------------------------------


@postgres_only
def test_without_listen_url_long_polls_poll_and_the_first_one_says_why_once(
        raw: RawDatabase, connect, transaction_bouncer, caplog):
    store = connect(pooled(transaction_bouncer, raw.url))
    store.save_session(Session.new(agent_id="a", id="s1"))
    caplog.set_level(logging.WARNING, logger="asm")
    for after in (0, 1):
        appender = append_later(store, "s1", 0.3)
        started = time.monotonic()
        events = store.get_events("s1", after=after, wait_timeout_ms=5000)
        elapsed = time.monotonic() - started
        appender.join()
        assert [e.sequence_number for e in events] == [after + 1]
        # Polled: found within a poll interval of the append, far from the 5 s timeout.
        assert elapsed < 1.5, elapsed
    warnings = [r.getMessage() for r in caplog.records if "listen_url" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "pooler" in warnings[0] and "poll" in warnings[0]


@postgres_only
def test_with_listen_url_long_polls_are_woken_through_the_pooler(
        raw: RawDatabase, connect, transaction_bouncer, caplog):
    store = connect(pooled(transaction_bouncer, raw.url), listen_url=raw.url)
    store.save_session(Session.new(agent_id="a", id="s1"))
    caplog.set_level(logging.WARNING, logger="asm")
    appender = append_later(store, "s1", 0.5)
    events = store.get_events("s1", wait_timeout_ms=10_000)
    appender.join()
    assert [e.sequence_number for e in events] == [1]
    assert not [r for r in caplog.records if "listen_url" in r.getMessage()]
    # The LISTEN connection went to the server itself, not through PgBouncer.
    with psycopg.connect(parse_url(raw.url).conninfo(), autocommit=True) as conn:
        listening = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN asm_events' "
                                 "AND datname = current_database()").fetchone()
    assert listening is not None and listening[0] >= 1


# -- what a pooled connection sends, and what is refused ---------------------------------------


def test_a_pooled_connection_sets_only_the_time_zone_which_pgbouncer_keeps_per_client():
    assert settings(None, "transaction") == SET_UTC
    assert settings(5, "transaction") == SET_UTC
    assert "jit" in settings(None) and "plan_cache_mode" in settings(5)


def test_the_pooler_parameter_is_read_by_asm_and_never_sent_to_the_driver():
    url = parse_url("postgresql://u:pw@h:6432/db?sslmode=disable&pooler=transaction&application_name=x")
    assert url.pooler == "transaction" and "pooler" not in url.query
    assert url.conninfo() == "postgresql://u:pw@h:6432/db?sslmode=disable&application_name=x"
    assert parse_url("postgresql://h/db?pooler=transaction").conninfo() == "postgresql://h/db"
    assert parse_url("postgresql://h/db").pooler is None


@pytest.mark.parametrize("url, options, message", [
    ("sqlite://:memory:", {"pooler": "transaction"}, "for PostgreSQL poolers"),
    ("mysql://root@127.0.0.1/db", {"pooler": "transaction"}, "for PostgreSQL poolers"),
    ("postgresql://h/db?pooler=session", {}, "say `transaction` or `statement`"),
    ("postgresql://h/db", {"pooler": "bouncy"}, "say `transaction` or `statement`"),
    ("postgresql://h/db?pooler=transaction", {"pooler": "statement"}, "disagrees"),
    ("postgresql://h/db", {"listen_url": "postgresql://h:6432/db?pooler=transaction"}, "pooler itself"),
    ("postgresql://h/db", {"listen_url": "sqlite:///x.db"}, "listen_url= is for PostgreSQL"),
])
def test_pooler_settings_that_cannot_work_are_refused_before_connecting(url, options, message):
    with pytest.raises(asm.ValidationError, match=message):
        asm.connect(url, **options)


# -- the contract suite through PgBouncer ---------------------------------------------------------


@pytest.mark.stress
def test_the_postgresql_contract_suite_passes_through_a_transaction_mode_pgbouncer():
    # tests/conftest.py's `connect` sends every store on the test server through this PgBouncer
    # (`pooler=transaction`, LISTEN on the direct URL) when ASM_TEST_THROUGH_PGBOUNCER_PORT is set.
    with running_pgbouncer("transaction", pool_size=20) as bouncer:
        env = {**os.environ, "ASM_TEST_THROUGH_PGBOUNCER_PORT": str(bouncer.port)}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not stress",
             "-k", "postgres", "tests/contract"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        logins = bouncer.log().count("login attempt")
    tail = "\n".join(run.stdout.splitlines()[-30:])
    assert run.returncode == 0, f"the PostgreSQL contract tests failed through PgBouncer:\n{tail}\n{run.stderr[-2000:]}"
    counts = tail.splitlines()[-1]
    assert " passed" in counts and "failed" not in counts and "error" not in counts, counts
    assert int(counts.split(" passed")[0].split()[-1]) > 400, counts
    assert logins > 400, "the stores really went through PgBouncer"
