"""What asm sets on each new PostgreSQL connection, in the one statement it runs there: UTC,
`jit = off` unless the user chose jit, and custom plans when statements are prepared."""

from __future__ import annotations

import pytest

postgres = pytest.mark.parametrize("dialect", ["postgres"], indirect=True)


def _show(store, event_loop_thread, api, *names: str) -> tuple[str, ...]:
    """SHOW on a connection of the store's own pool (sync or async)."""
    sql = "SELECT " + ", ".join(f"current_setting('{n}') AS \"{n}\"" for n in names)
    if api == "sync":
        with store._executor._pool.connection() as conn:
            row = conn.execute(sql).fetchone()
    else:
        async def read():
            async with store._store._executor._pool.connection() as conn:
                return await (await conn.execute(sql)).fetchone()
        row = event_loop_thread.run(read())
    return tuple(row[n] for n in names)


@postgres
def test_jit_is_off_and_the_time_zone_utc(raw, connect, api, event_loop_thread):
    store = connect(raw.url)
    assert _show(store, event_loop_thread, api, "jit", "TimeZone", "plan_cache_mode") == ("off", "UTC", "auto")


@postgres
def test_a_jit_the_url_sets_wins(raw, connect, api, event_loop_thread):
    sep = "&" if "?" in raw.url else "?"
    store = connect(raw.url + sep + "options=-cjit%3Don")
    assert _show(store, event_loop_thread, api, "jit", "TimeZone") == ("on", "UTC")


@postgres
@pytest.mark.parametrize("threshold", [0, 5])
def test_prepared_statements_get_custom_plans(raw, connect, api, event_loop_thread, threshold):
    # prepare_threshold=0 would prepare the settings statement itself, were it not sent unprepared.
    store = connect(raw.url, prepare_threshold=threshold)
    assert _show(store, event_loop_thread, api, "jit", "plan_cache_mode") == ("off", "force_custom_plan")
    for _ in range(6):  # past the threshold: prepared
        assert store.query.search_sessions().sessions == []


@postgres
def test_a_plan_cache_mode_the_url_sets_wins(raw, connect, api, event_loop_thread):
    sep = "&" if "?" in raw.url else "?"
    store = connect(raw.url + sep + "options=-cplan_cache_mode%3Dforce_generic_plan", prepare_threshold=5)
    assert _show(store, event_loop_thread, api, "jit", "plan_cache_mode") == ("off", "force_generic_plan")

