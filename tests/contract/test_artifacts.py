"""docs/behaviour.md#artifacts: the artifact registry (`store.artifacts`)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

import asm


def test_register_returns_the_stored_artifact(store):
    artifact = store.artifacts.register(
        key="runs/1/diff", size_bytes=1234, session_id="s1", run_id="r1", type="diff",
        content_type="text/x-diff", checksum_sha256="ab" * 32, storage_backend="s3",
        storage_ref="s3://bucket/runs/1/diff", metadata={"lines": 40})
    assert artifact.id.startswith("art_") and artifact.deleted_at is None
    assert store.artifacts.get_by_key("runs/1/diff") == artifact
    assert store.artifacts.get_by_key("missing") is None


def test_a_live_key_is_taken_but_a_deleted_one_is_replaced(store):
    first = store.artifacts.register(key="k", size_bytes=1, session_id="s1")
    with pytest.raises(asm.AlreadyExists) as info:
        store.artifacts.register(key="k", size_bytes=2, session_id="s1")
    assert info.value.code == "already_exists"
    with pytest.raises(asm.AlreadyExists):
        store.artifacts.register(key="other", size_bytes=2, id=first.id)
    store.artifacts.delete("k")
    store.artifacts.delete("k")  # idempotent
    assert store.artifacts.get_by_key("k") is None
    second = store.artifacts.register(key="k", size_bytes=2, session_id="s1")
    assert store.artifacts.get_by_key("k") == second != first


def test_listing_and_stats_count_live_artifacts_of_a_session(store):
    t0 = asm.Artifact.new(key="x", size_bytes=0).created_at
    for i in range(4):
        store.artifacts.register(key=f"a{i}", size_bytes=10 * (i + 1), session_id="s1", id=f"art_{i}")
    store.artifacts.register(key="b", size_bytes=999, session_id="s2")
    store.artifacts.delete("a1")
    assert [a.id for a in store.artifacts.list_by_session("s1")] == ["art_0", "art_2", "art_3"]
    assert all(a.created_at >= t0 - timedelta(seconds=1) for a in store.artifacts.list_by_session("s1"))
    assert store.artifacts.session_stats("s1") == asm.ArtifactStats(artifact_count=3, total_bytes=80)
    assert store.artifacts.session_stats("nobody") == asm.ArtifactStats(0, 0)


@pytest.mark.parametrize("bad", [{"key": "", "size_bytes": 1}, {"key": "k", "size_bytes": -1},
                                 {"key": "k", "size_bytes": 1, "metadata": {"x": {1}}}])
def test_bad_registrations_write_nothing(store, raw, bad):
    with pytest.raises(asm.ValidationError):
        store.artifacts.register(**bad)
    assert raw.scalar("SELECT COUNT(*) FROM asm_artifacts") == 0


def test_racing_registrations_of_one_key_leave_one_winner(raw, connect):
    stores = [connect(raw.url, max_size=1) for _ in range(6)]
    start = threading.Barrier(len(stores))

    def register(store):
        start.wait()
        try:
            return store.artifacts.register(key="contested", size_bytes=1)
        except asm.AlreadyExists:
            return None

    with ThreadPoolExecutor(len(stores)) as pool:
        winners = [a for a in pool.map(register, stores) if a is not None]
    assert len(winners) == 1
    assert raw.scalar("SELECT COUNT(*) FROM asm_artifacts") == 1
