"""docs/behaviour.md#runs: upsert, read, list, the active run."""

from datetime import timedelta

import pytest

import asm
from asm import Run, RunStatus


def test_saved_run_reads_back_equal(store):
    run = Run.new(
        session_id="ses_1", status="running", input={"prompt": "hi"}, metadata={"m": 1},
        turn_count=2, token_usage={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        provider="anthropic", provider_metadata={"model": "claude"},
    )
    store.save_run(run)
    assert store.get_run(run.id) == run
    done = run.with_output({"answer": 42})
    store.save_run(done)
    got = store.get_run(run.id)
    assert got == done and got.status is RunStatus.COMPLETED and got.ended_at is not None


def test_runs_need_no_session_row(store):
    run = Run.new(session_id="ses_never_saved")
    store.save_run(run)
    assert store.list_runs("ses_never_saved") == [run]


def test_get_unknown_run_raises_run_not_found(store):
    with pytest.raises(asm.RunNotFound) as info:
        store.get_run("run_missing")
    assert info.value.code == "run_not_found"


def test_list_runs_orders_by_started_at_then_id_and_filters(store):
    t0 = Run.new(session_id="s").started_at
    runs = [Run.new(id=f"r{i}", session_id="s", started_at=t0 + timedelta(seconds=i // 2),
                    status="failed" if i == 1 else "completed") for i in range(5)]
    for r in reversed(runs):
        store.save_run(r)
    store.save_run(Run.new(session_id="other"))
    assert [r.id for r in store.list_runs("s")] == ["r0", "r1", "r2", "r3", "r4"]
    assert [r.id for r in store.list_runs("s", status="failed")] == ["r1"]
    assert [r.id for r in store.list_runs("s", limit=2)] == ["r0", "r1"]
    assert store.list_runs("s", limit=0) == []
    with pytest.raises(asm.InvalidStatus):
        store.list_runs("s", status="sleeping")


def test_active_run_is_the_most_recently_started_running_one(store):
    t0 = Run.new(session_id="s").started_at
    store.save_run(Run.new(session_id="s", status="running", started_at=t0))
    newest = Run.new(session_id="s", status="running", started_at=t0 + timedelta(seconds=5))
    store.save_run(newest)
    store.save_run(Run.new(session_id="s", status="completed", started_at=t0 + timedelta(seconds=9)))
    assert store.get_active_run("s") == newest
    assert store.get_active_run("nobody") is None
