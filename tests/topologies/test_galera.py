"""asm on a 3-node MariaDB Galera cluster (issue 18, part 3): migrations through one node reach
the others, processes appending through different nodes at once still number each session
1..N with no lost or duplicated event (Galera's certification conflicts, reported as deadlocks
at COMMIT, are retried, with a growing random wait), and `wsrep_sync_wait` gives a reader on
one node what another node just wrote. The appenders re-send a call that lost all of asm's
attempts, as an application would (tests/topologies/galera_workers.py). One cluster for the
whole module."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import asm
from asm import Event
from asm.errors import StorageWriteFailed
from databases import RawDatabase
from galera import GaleraCluster, running_galera_cluster

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stress"))  # the stress tier's workers and checks
from galera_workers import resending_async_worker, resending_sync_worker  # noqa: E402
from stress_workers import SESSIONS  # noqa: E402
from test_concurrent_appends import check, run_workers  # noqa: E402

SYNC_WAIT = "init_command=SET+SESSION+wsrep_sync_wait%3D1"  # reads wait for the cluster's writes

# Starting the cluster alone takes about 10 s: the whole module is in the stress tier.
pytestmark = pytest.mark.stress

# The counters of certification conflicts: a local transaction that failed certification at
# COMMIT, and one aborted by a conflicting transaction replicated from another node.
CONFLICT_COUNTERS = ("wsrep_local_cert_failures", "wsrep_local_bf_aborts")
ASM_TABLES = {"asm_sessions", "asm_runs", "asm_events", "asm_session_sequences", "asm_artifacts", "sessions"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[GaleraCluster]:
    with running_galera_cluster(3) as running:
        yield running


@pytest.fixture(scope="module")
def database(cluster: GaleraCluster) -> str:
    """One asm database for the module, migrated through node 1."""
    name = cluster.create_database()
    asm.migrate(cluster.nodes[0].url(name))
    return name


def synced_raw(url: str) -> RawDatabase:
    """A raw connection that waits for the cluster's writes before each read."""
    raw = RawDatabase("mysql", url)
    raw.execute("SET SESSION wsrep_sync_wait = 1")
    return raw


def tables(cluster: GaleraCluster, node: int, name: str) -> dict[str, bool]:
    """The node's tables in `name`, and whether each has a primary key."""
    rows = cluster.nodes[node].query(
        "SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.table_constraints AS c"
        " WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name"
        " AND c.constraint_type = 'PRIMARY KEY')"
        " FROM information_schema.tables AS t WHERE t.table_schema = %s", name)
    return {str(table): bool(has_key) for table, has_key in rows}


def test_the_cluster_has_three_synced_nodes(cluster: GaleraCluster) -> None:
    for node in cluster.nodes:
        assert node.status("wsrep_cluster_size") == "3"
        assert node.status("wsrep_local_state_comment") == "Synced"
        assert node.status("wsrep_cluster_status") == "Primary"


def test_a_migration_through_node_1_reaches_nodes_2_and_3(cluster: GaleraCluster, database: str) -> None:
    on_first = tables(cluster, 0, database)
    assert ASM_TABLES <= set(on_first)
    for node in (1, 2):
        # DDL is replicated in total order (TOI): the same tables, already there.
        assert tables(cluster, node, database) == on_first
    # Galera replicates rows by primary key: every table, asm's and yoyo's, has one.
    assert all(on_first.values()), [table for table, has_key in on_first.items() if not has_key]
    applied = {m.id for m in asm.migration_status(cluster.nodes[2].url(database)) if m.applied}
    assert applied == {m.id for m in asm.migration_status(cluster.nodes[0].url(database))}
    assert applied, "node 3 sees the migrations as applied"


def test_a_store_on_each_node_reads_the_others_writes(cluster: GaleraCluster, database: str) -> None:
    stores = [asm.connect(f"{node.url(database)}?{SYNC_WAIT}") for node in cluster.nodes]
    try:
        session = asm.Session.new(agent_id="galera")
        stores[0].save_session(session)
        for k, store in enumerate(stores):
            store.append_event(Event.new(type="message_sent", session_id=session.id, data={"node": k + 1}))
        for store in stores:
            events = store.get_events(session.id)
            assert [e.sequence_number for e in events] == [1, 2, 3]
            assert [e.data["node"] for e in events] == [1, 2, 3]
            assert store.get_session(session.id) == session
    finally:
        for store in stores:
            store.close()


def test_with_wsrep_sync_wait_a_read_on_node_2_sees_an_append_through_node_1(
        cluster: GaleraCluster, database: str) -> None:
    """The README's caveat: a commit on node 1 returns once the cluster has ordered it, before
    node 2 has applied it; `wsrep_sync_wait` (here from the URL's init_command) makes node 2's
    reads wait for it."""
    writer = asm.connect(cluster.nodes[0].url(database))
    reader = asm.connect(f"{cluster.nodes[1].url(database)}?{SYNC_WAIT}")
    plain = asm.connect(cluster.nodes[1].url(database))
    try:
        session = asm.Session.new(agent_id="read-your-writes")
        writer.save_session(session)
        stale = 0
        for n in range(1, 201):
            # 100 kB a commit: enough for node 2 to be still applying it when the read arrives.
            stored = writer.append_events([Event.new(type="message_sent", session_id=session.id,
                                                     data={"n": n, "pad": "x" * 20_000}) for _ in range(5)])
            # First a read without it, while node 2 may still be applying the append.
            stale += plain.get_latest_sequence(session.id) != stored[-1].sequence_number
            latest = reader.get_events(session.id, last=1)
            assert [e.sequence_number for e in latest] == [stored[-1].sequence_number], f"round {n}: node 2 read stale"
            assert reader.get_latest_sequence(session.id) == stored[-1].sequence_number
        print(f"without wsrep_sync_wait, node 2 read stale in {stale} of 200 rounds")
        assert stale > 0, "the caveat: without wsrep_sync_wait node 2 answers before it has applied node 1's commit"
    finally:
        for store in (writer, reader, plain):
            store.close()


def test_a_conflict_at_the_commit_of_a_transaction_block_reaches_the_caller_as_retryable(
        cluster: GaleraCluster, database: str) -> None:
    """Two blocks on different nodes append to one session: each node locks only its own copy
    of the counter row, so both get number 1; the second COMMIT fails certification. asm cannot
    re-run a caller's block: the caller gets a retryable error and nothing of the block stays."""
    first = asm.connect(cluster.nodes[0].url(database))
    second = asm.connect(f"{cluster.nodes[1].url(database)}?{SYNC_WAIT}")
    try:
        session = asm.Session.new(agent_id="blocks")
        first.save_session(session)
        with contextlib.ExitStack() as later:
            later.enter_context(second.transaction())
            lost = second.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
            with first.transaction():
                won = first.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
            assert lost.sequence_number == won.sequence_number == 1
            with pytest.raises(StorageWriteFailed) as raised:
                later.close()  # the second block's COMMIT
        assert raised.value.retryable and raised.value.details["kind"] == "transient"
        assert "1213" in str(raised.value) or "Deadlock" in str(raised.value)
        assert [e.id for e in second.get_events(session.id)] == [won.id]
        # Run again, the block gets the next number.
        with second.transaction():
            again = second.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
        assert again.sequence_number == 2
    finally:
        first.close()
        second.close()


def _appenders(cluster: GaleraCluster, database: str, jobs: list[tuple[Any, int, int, int]]) -> list[Any]:
    """Each worker process writes through the next node in turn. Returns (outcomes, re-sent calls)."""
    urls = [node.url(database) for node in cluster.nodes]
    done = run_workers([(fn, (urls[k % len(urls)], worker, threads, rounds))
                        for k, (fn, worker, threads, rounds) in enumerate(jobs)])
    return [(sent, results) for sent, results, _ in done], sum(resends for _, _, resends in done)


def _clean(raw: RawDatabase) -> None:
    for table in ("asm_events", "asm_session_sequences"):
        raw.execute(f"DELETE FROM {table}")


def test_processes_appending_through_three_nodes_number_each_session_1_to_n(
        cluster: GaleraCluster, database: str) -> None:
    raw = synced_raw(cluster.nodes[0].url(database))
    try:
        _clean(raw)
        conflicts_before = cluster.status_sum(*CONFLICT_COUNTERS)
        outcomes, resent = _appenders(cluster, database, [(resending_sync_worker, w, 3, 40) for w in range(6)])
        conflicts = cluster.status_sum(*CONFLICT_COUNTERS) - conflicts_before
        # Checked through node 1 with wsrep_sync_wait: every node's writes are there.
        events, calls = check(raw, outcomes)
        assert calls == 6 * 3 * 40 and events > 500
        # Nodes 2 and 3 hold the very same log.
        stored = sorted(raw.execute("SELECT id, session_id, sequence_number FROM asm_events"))
        for node in cluster.nodes[1:]:
            other = synced_raw(node.url(database))
            try:
                assert sorted(other.execute("SELECT id, session_id, sequence_number FROM asm_events")) == stored
            finally:
                other.close()
        print(f"{calls} calls, {events} events, {conflicts} certification conflicts retried, {resent} calls re-sent")
        assert conflicts > 0, "the load raised no certification conflict: raise it"
    finally:
        raw.close()


def test_async_and_sync_processes_through_three_nodes(cluster: GaleraCluster, database: str) -> None:
    raw = synced_raw(cluster.nodes[1].url(database))
    try:
        _clean(raw)
        conflicts_before = cluster.status_sum(*CONFLICT_COUNTERS)
        jobs = [(resending_async_worker, w, 6, 30) for w in range(3)]
        jobs += [(resending_sync_worker, 10 + w, 3, 30) for w in range(3)]
        outcomes, resent = _appenders(cluster, database, jobs)
        events, calls = check(raw, outcomes)
        assert calls == (3 * 6 + 3 * 3) * 30
        assert set(SESSIONS) == {s for (s,) in raw.execute("SELECT DISTINCT session_id FROM asm_events")}
        assert cluster.status_sum(*CONFLICT_COUNTERS) > conflicts_before
    finally:
        raw.close()
