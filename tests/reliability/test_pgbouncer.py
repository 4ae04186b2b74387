"""PostgreSQL through a transaction-pooling PgBouncer (a private one per test, tests/pgbouncer.py).

PgBouncer in transaction mode hands a server connection to another client after every
transaction, and each autocommit statement is one. Prepared statements live on the server
connection, so psycopg's (named `_pg3_0`, `_pg3_1`, ... per client connection) would run another
client's statement: one store's `get_session` ran another's `DELETE FROM asm_events WHERE
session_id = $1`. asm prepares nothing unless asked (`prepare_threshold=`). And PgBouncer
refuses the startup parameter `options` unless told to ignore it: asm does not send it, and a
refusal is reported at once with PgBouncer's reason.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from pgbouncer import PgBouncer, running_pgbouncer

import asm
from asm import Event, Session

# The suite's `dialect` fixture, narrowed: PgBouncer is PostgreSQL's.
postgres_only = pytest.mark.parametrize("dialect", ["postgres"])

KEPT_EVENTS = 10
DELETED_SESSIONS = 30
READS = 40


@pytest.fixture
def bouncer() -> Iterator[PgBouncer]:
    # Two server connections for the four of the two stores: they must take turns.
    with running_pgbouncer("transaction", pool_size=2) as running:
        yield running


def _run_two_stores(bouncer: PgBouncer, raw, connect, **options) -> tuple[list[BaseException], Session, list[str]]:
    """Store A hard-deletes sessions while store B reads another one, each from two threads, both
    through PgBouncer; every query runs more than psycopg's 5 times. Returns what the calls raised,
    B's session and the sessions A deleted."""
    setup = connect(raw.url)  # straight to the server
    kept = Session.new(agent_id="keeper")
    setup.save_session(kept)
    setup.append_events([Event.new(type="message_sent", session_id=kept.id) for _ in range(KEPT_EVENTS)])
    doomed = []
    for _ in range(DELETED_SESSIONS):
        session = Session.new(agent_id="doomed")
        setup.save_session(session)
        setup.append_events([Event.new(type="message_sent", session_id=session.id)])
        doomed.append(session.id)

    url = bouncer.url(raw.url)
    deleter = connect(url, max_size=2, timeout=10, **options)
    reader = connect(url, max_size=2, timeout=10, **options)
    failures: list[BaseException] = []

    def delete(ids: list[str]) -> None:
        for session_id in ids:
            try:
                deleter.delete_session(session_id)
            except Exception as exc:
                failures.append(exc)

    def read() -> None:
        for _ in range(READS):
            try:
                assert reader.get_session(kept.id) == kept
                assert reader.get_latest_sequence(kept.id) == KEPT_EVENTS
            except Exception as exc:
                failures.append(exc)

    half = DELETED_SESSIONS // 2
    threads = [threading.Thread(target=delete, args=(doomed[:half],)),
               threading.Thread(target=delete, args=(doomed[half:],)),
               threading.Thread(target=read), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures, kept, doomed


def _events_of(raw, session_id: str) -> int:
    return raw.scalar("SELECT count(*) FROM asm_events WHERE session_id = ?", session_id)


@postgres_only
def test_stores_sharing_a_transaction_pooler_run_only_their_own_statements(bouncer, raw, connect):
    failures, kept, doomed = _run_two_stores(bouncer, raw, connect)
    assert failures == []
    assert _events_of(raw, kept.id) == KEPT_EVENTS
    assert raw.scalar("SELECT count(*) FROM asm_sessions WHERE agent_id = 'doomed'") == 0
    assert all(_events_of(raw, session_id) == 0 for session_id in doomed)


@postgres_only
def test_opting_in_to_prepared_statements_through_a_transaction_pooler_breaks(bouncer, raw, connect):
    """What `prepare_threshold=5` (psycopg's default, asm's before) does there: the workload above
    is one that catches it."""
    failures, kept, _ = _run_two_stores(bouncer, raw, connect, prepare_threshold=5)
    assert failures or _events_of(raw, kept.id) < KEPT_EVENTS


@postgres_only
def test_connect_through_pgbouncer_with_its_default_startup_parameters(bouncer, raw, connect):
    """PgBouncer refuses the startup parameter `options` (without `ignore_startup_parameters`);
    asm used it for the time zone and waited out its timeout."""
    store = connect(bouncer.url(raw.url), timeout=10)
    session = Session.new(agent_id="through-the-pooler")
    store.save_session(session)
    stored = store.get_session(session.id)
    assert stored == session
    assert stored.created_at.utcoffset().total_seconds() == 0


@postgres_only
def test_connect_refused_by_the_pooler_fails_with_its_reason(bouncer, raw, connect):
    """The first connection has the pool's own parameters, so PgBouncer's refusal comes back at
    once, not as the pool's "initialization incomplete" after the timeout."""
    url = bouncer.url(raw.url) + "?options=-csearch_path%3Dpublic"
    with pytest.raises(asm.StorageConnectionFailed, match="unsupported startup parameter: options"):
        connect(url, timeout=30)


@pytest.mark.parametrize("threshold", [None, 0, 5])
def test_prepare_threshold_is_a_connect_option_on_every_dialect(raw, connect, threshold):
    store = connect(raw.url, prepare_threshold=threshold)
    session = Session.new(agent_id="a")
    for _ in range(7):  # past any threshold: prepared (or not) from the first reads on
        store.save_session(session)
        assert store.get_session(session.id) == session


@pytest.mark.parametrize("threshold", [-1, 1.5, "5", True])
def test_prepare_threshold_must_be_a_count_or_none(raw, connect, threshold):
    with pytest.raises(asm.ValidationError, match="prepare_threshold"):
        connect(raw.url, prepare_threshold=threshold)
