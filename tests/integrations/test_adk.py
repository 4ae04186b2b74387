"""asm.integrations.adk.AsmSessionService against ADK's session contract, on every dialect, on a
sync SessionStore (run in threads) and an AsyncSessionStore, including the races of issue 19:
concurrent creates of one id, stale writers, concurrent state deltas."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from google.adk.errors._stale_session_error import StaleSessionError
from google.adk.errors.already_exists_error import AlreadyExistsError
from google.adk.events.event import Event
from google.adk.events.event_actions import EventActions
from google.adk.sessions.base_session_service import GetSessionConfig
from google.adk.sessions.session import Session
from google.genai import types

import asm
from asm.integrations.adk import AsmSessionService, from_uri, register_service_uri
from asm.integrations.adk import _mapping as m

REPO = Path(__file__).resolve().parents[2]
Body = Callable[[AsmSessionService], Awaitable[None]]


def run(raw: Any, api: str, body: Body) -> None:
    """Run `body` on a fresh event loop with a service on the test database, opened per `api`."""

    async def main() -> None:
        store: Any = asm.connect(raw.url) if api == "sync" else await asm.connect_async(raw.url)
        try:
            await body(AsmSessionService(store))
        finally:
            closing = store.close()
            if closing is not None:
                await closing

    asyncio.run(main())


def message(author: str, text: str, *, delta: dict[str, Any] | None = None, at: float | None = None,
            **fields: Any) -> Event:
    return Event(author=author, invocation_id="inv-1", timestamp=time.time() if at is None else at,
                 content=types.Content(role="user" if author == "user" else "model", parts=[types.Part(text=text)]),
                 actions=EventActions(state_delta=delta or {}), **fields)


def texts(session: Session) -> list[str]:
    return [e.content.parts[0].text for e in session.events if e.content and e.content.parts]


# -- the contract ----------------------------------------------------------------------------


def test_round_trip_with_state_scopes(raw, api):
    async def body(service: AsmSessionService) -> None:
        created = await service.create_session(app_name="app", user_id="u1", session_id="s1",
                                               state={"a": 1, "app:k": "A", "user:k": "U", "temp:t": 0})
        assert created.id == "s1" and created.events == []
        assert created.state == {"a": 1, "app:k": "A", "user:k": "U"}
        first = message("user", "hi", delta={"b": 2, "temp:scratch": 9, "user:k": "U2"})
        returned = await service.append_event(created, first)
        # temp: reaches the in-memory session, never the store (nor the event as stored).
        assert created.state["temp:scratch"] == 9 and "temp:scratch" not in returned.actions.state_delta
        await service.append_event(created, message("agent", "hello", delta={"app:k": "A2"}))
        # Partial events are streamed chunks: not persisted.
        await service.append_event(created, message("agent", "hel", partial=True))

        loaded = await service.get_session(app_name="app", user_id="u1", session_id="s1")
        assert loaded is not None
        assert texts(loaded) == ["hi", "hello"]
        assert [e.id for e in loaded.events] == [e.id for e in created.events]
        assert loaded.state == {"a": 1, "b": 2, "app:k": "A2", "user:k": "U2"}
        assert loaded.last_update_time == created.events[-1].timestamp
        assert await service.get_user_state(app_name="app", user_id="u1") == {"k": "U2"}
        assert await service.get_user_state(app_name="app", user_id="nobody") == {}
        # App state is shared by the app's users, user state is not.
        other = await service.create_session(app_name="app", user_id="u2")
        assert other.state == {"app:k": "A2"}
        assert await service.get_session(app_name="app", user_id="u2", session_id="s1") is None
        assert await service.get_session(app_name="other", user_id="u1", session_id="s1") is None

    run(raw, api, body)


def test_duplicate_ids_are_per_app_and_user(raw, api):
    async def body(service: AsmSessionService) -> None:
        await service.create_session(app_name="app", user_id="u1", session_id="same")
        with pytest.raises(AlreadyExistsError):
            await service.create_session(app_name="app", user_id="u1", session_id="same", state={"x": 1})
        # ADK keys sessions by (app, user, id): another user or app may use the id.
        await service.create_session(app_name="app", user_id="u2", session_id="same")
        await service.create_session(app_name="app2", user_id="u1", session_id="same")
        kept = await service.get_session(app_name="app", user_id="u1", session_id="same")
        assert kept is not None and kept.state == {}

    run(raw, api, body)


def test_get_session_config(raw, api):
    async def body(service: AsmSessionService) -> None:
        session = await service.create_session(app_name="app", user_id="u", session_id="s")
        base = time.time()
        for i in range(6):
            await service.append_event(session, message("user", f"m{i}", at=base + i))
        get = service.get_session
        recent = await get(app_name="app", user_id="u", session_id="s", config=GetSessionConfig(num_recent_events=2))
        assert recent is not None and texts(recent) == ["m4", "m5"]
        none = await get(app_name="app", user_id="u", session_id="s", config=GetSessionConfig(num_recent_events=0))
        assert none is not None and none.events == []
        after = await get(app_name="app", user_id="u", session_id="s",
                          config=GetSessionConfig(after_timestamp=base + 3))
        assert after is not None and texts(after) == ["m3", "m4", "m5"]
        both = await get(app_name="app", user_id="u", session_id="s",
                         config=GetSessionConfig(after_timestamp=base + 1, num_recent_events=10))
        assert both is not None and texts(both) == ["m1", "m2", "m3", "m4", "m5"]
        # Each of these is current: appending from any of them is accepted.
        await service.append_event(after, message("user", "from a filtered read"))

    run(raw, api, body)


def test_list_sessions_and_pages(raw, api):
    async def body(service: AsmSessionService) -> None:
        for user, sid in [("u1", "a"), ("u1", "b"), ("u2", "c"), ("u1", "d")]:
            await service.create_session(app_name="app", user_id=user, session_id=sid, state={"user:name": user})
        await service.create_session(app_name="elsewhere", user_id="u1", session_id="e")
        b = await service.get_session(app_name="app", user_id="u1", session_id="b")
        assert b is not None
        await service.append_event(b, message("user", "latest"))

        mine = await service.list_sessions(app_name="app", user_id="u1")
        assert [s.id for s in mine.sessions] == ["a", "d", "b"]  # oldest update first
        assert all(s.events == [] for s in mine.sessions)
        assert mine.sessions[0].state == {"user:name": "u1"}
        everyone = await service.list_sessions(app_name="app")
        assert {(s.user_id, s.id) for s in everyone.sessions} == {("u1", "a"), ("u1", "b"), ("u2", "c"), ("u1", "d")}
        assert {s.id: s.state["user:name"] for s in everyone.sessions}["c"] == "u2"

        seen, token = [], None
        while True:
            page = await service.list_sessions_page(app_name="app", page_size=3, page_token=token)
            assert len(page.sessions) <= 3
            seen += [s.id for s in page.sessions]
            token = page.next_page_token
            if token is None:
                break
        assert seen[0] == "b" and sorted(seen) == ["a", "b", "c", "d"]  # newest first, each once

        await service.delete_session(app_name="app", user_id="u1", session_id="a")
        await service.delete_session(app_name="app", user_id="u1", session_id="a")  # idempotent
        assert await service.get_session(app_name="app", user_id="u1", session_id="a") is None
        assert [s.id for s in (await service.list_sessions(app_name="app", user_id="u1")).sessions] == ["d", "b"]

    run(raw, api, body)


# -- stale writers: sequence numbers, not clocks ---------------------------------------------


def test_a_stale_writer_is_refused_and_a_current_one_never(raw, api):
    async def body(service: AsmSessionService) -> None:
        await service.create_session(app_name="app", user_id="u", session_id="s")
        one = await service.get_session(app_name="app", user_id="u", session_id="s")
        two = await service.get_session(app_name="app", user_id="u", session_id="s")
        assert one is not None and two is not None
        await service.append_event(one, message("user", "first"))
        with pytest.raises(StaleSessionError):
            await service.append_event(two, message("user", "lost", delta={"x": 1}))
        # Nothing of the refused append was written, state included.
        stored = await service.get_session(app_name="app", user_id="u", session_id="s")
        assert stored is not None and texts(stored) == ["first"] and "x" not in stored.state
        # The current writer is never refused, whatever its events' clocks say: equal,
        # earlier than the last update, or far in the future (ADK #917, #3717).
        at = time.time()
        for stamp in (at, at, at - 3600, at + 86400, at - 1e-7):
            await service.append_event(one, message("agent", "ok", at=stamp))
        assert len((await service.get_session(app_name="app", user_id="u", session_id="s")).events) == 6

    run(raw, api, body)


def test_appends_are_numbered_without_gaps_and_merge_state_as_adk_does(raw, api):
    # The one-statement append (session deltas), the general one (app:/user: deltas) and refused
    # ones, interleaved: the stored numbers run 1, 2, 3, ... and the state is ADK's shallow merge.
    async def body(service: AsmSessionService) -> None:
        session = await service.create_session(app_name="app", user_id="u", session_id="s",
                                               state={"keep": 1, "nested": {"a": 1}})
        stale = await service.get_session(app_name="app", user_id="u", session_id="s")
        assert stale is not None
        at = time.time()
        await service.append_event(session, message("user", "1", delta={"nested": {"b": 2}, "none": None}, at=at))
        with pytest.raises(StaleSessionError):
            await service.append_event(stale, message("user", "refused", delta={"keep": 0}))
        await service.append_event(session, message("agent", "2", delta={"app:x": 1, "user:y": 2, "z": 3}))
        await service.append_event(session, message("user", "3", delta={"temp:t": 9, "last": True}, at=at + 1))
        stored = await service.get_session(app_name="app", user_id="u", session_id="s")
        assert stored is not None and texts(stored) == ["1", "2", "3"]
        assert stored.state == {"keep": 1, "nested": {"b": 2}, "none": None, "z": 3, "last": True,
                                "app:x": 1, "user:y": 2}
        assert stored.last_update_time == at + 1
        store: Any = service._store
        events = store.get_events(m.session_id("app", "u", "s"))
        events = await events if asyncio.iscoroutine(events) else events
        assert [e.sequence_number for e in events] == [1, 2, 3]

    run(raw, api, body)


def test_marker_less_sessions_follow_adks_rule(raw, api):
    async def body(service: AsmSessionService) -> None:
        await service.create_session(app_name="app", user_id="u", session_id="s")
        # A Session built by hand (or by another service) carries no sequence number: it is
        # current when its last event is the latest stored one.
        blank = Session(id="s", app_name="app", user_id="u")
        await service.append_event(blank, message("user", "one"))
        copy = Session(id="s", app_name="app", user_id="u", events=list(blank.events))
        await service.append_event(copy, message("user", "two"))
        with pytest.raises(StaleSessionError):
            await service.append_event(Session(id="s", app_name="app", user_id="u"), message("user", "no"))
        listed = (await service.list_sessions(app_name="app", user_id="u")).sessions[0]
        with pytest.raises(StaleSessionError):  # listed sessions have no events: stale once any exist
            await service.append_event(listed, message("user", "no"))

    run(raw, api, body)


def test_append_to_a_deleted_session_is_refused(raw, api):
    async def body(service: AsmSessionService) -> None:
        session = await service.create_session(app_name="app", user_id="u", session_id="s")
        await service.delete_session(app_name="app", user_id="u", session_id="s")
        with pytest.raises(ValueError):  # SessionNotFoundError (no events yet) or StaleSessionError
            await service.append_event(session, message("user", "gone"))
        assert await service.get_session(app_name="app", user_id="u", session_id="s") is None

    run(raw, api, body)


# -- races -----------------------------------------------------------------------------------

RIVALS = 8


def test_concurrent_creates_of_one_id_exactly_one_wins(raw, api):
    async def body(service: AsmSessionService) -> None:
        for round in range(3):
            results = await asyncio.gather(*(
                service.create_session(app_name="app", user_id="u", session_id=f"race-{round}", state={"who": i})
                for i in range(RIVALS)), return_exceptions=True)
            winners = [r for r in results if isinstance(r, Session)]
            losers = [r for r in results if not isinstance(r, Session)]
            assert len(winners) == 1, results
            assert all(isinstance(r, AlreadyExistsError) for r in losers), losers
            stored = await service.get_session(app_name="app", user_id="u", session_id=f"race-{round}")
            assert stored is not None and stored.state == winners[0].state

    run(raw, api, body)


def test_concurrent_stale_writers_exactly_one_appends(raw, api):
    async def body(service: AsmSessionService) -> None:
        await service.create_session(app_name="app", user_id="u", session_id="s")
        for round in range(3):
            loaded = [await service.get_session(app_name="app", user_id="u", session_id="s") for _ in range(RIVALS)]
            results = await asyncio.gather(*(
                service.append_event(s, message("user", f"r{round}w{i}", delta={f"k{round}": i}))
                for i, s in enumerate(loaded)), return_exceptions=True)
            appended = [r for r in results if isinstance(r, Event)]
            assert len(appended) == 1, results
            assert all(isinstance(r, StaleSessionError) for r in results if not isinstance(r, Event))
        stored = await service.get_session(app_name="app", user_id="u", session_id="s")
        assert stored is not None and len(stored.events) == 3
        assert {f"k{r}" for r in range(3)} <= set(stored.state)

    run(raw, api, body)


def test_current_writers_that_reload_lose_nothing(raw, api):
    """Writers sharing one session each reload after a refusal (what ADK tells them to do):
    every event lands once, in one order, and every state delta and user delta survives."""

    async def writer(service: AsmSessionService, sid: str, name: str, count: int) -> None:
        session = await service.get_session(app_name="app", user_id="u", session_id=sid)
        done = 0
        while done < count:
            assert session is not None
            try:
                await service.append_event(session, message("user", f"{name}-{done}",
                                                            delta={f"{name}-{done}": done, f"user:{name}-{done}": 1}))
                done += 1
            except StaleSessionError:
                session = await service.get_session(app_name="app", user_id="u", session_id=sid)

    async def body(service: AsmSessionService) -> None:
        await service.create_session(app_name="app", user_id="u", session_id="shared")
        await service.create_session(app_name="app", user_id="u", session_id="own")
        await asyncio.gather(writer(service, "shared", "a", 5), writer(service, "shared", "b", 5),
                             writer(service, "own", "c", 5))
        shared = await service.get_session(app_name="app", user_id="u", session_id="shared")
        assert shared is not None and sorted(texts(shared)) == sorted(f"{n}-{i}" for n in "ab" for i in range(5))
        assert {f"{n}-{i}" for n in "ab" for i in range(5)} <= set(shared.state)
        # User deltas from two sessions at once: none lost.
        user = await service.get_user_state(app_name="app", user_id="u")
        assert set(user) == {f"{n}-{i}" for n in "abc" for i in range(5)}

    run(raw, api, body)


# -- wiring ----------------------------------------------------------------------------------


def test_asm_uri_through_adks_service_registry(tmp_path):
    from google.adk.cli.service_registry import get_service_registry

    register_service_uri()
    service = get_service_registry().create_session_service(f"asm://sqlite:///{tmp_path}/adk.db",
                                                           agents_dir=str(tmp_path))
    assert isinstance(service, AsmSessionService)

    async def body() -> None:
        created = await service.create_session(app_name="app", user_id="u")
        await service.append_event(created, message("user", "hi"))
        loaded = await service.get_session(app_name="app", user_id="u", session_id=created.id)
        assert loaded is not None and texts(loaded) == ["hi"]
        await service.close()

    asyncio.run(body())
    with pytest.raises(ValueError):
        from_uri("asm://")


def test_import_asm_imports_no_framework():
    code = "import sys, asm, asm.integrations; print(sorted(m for m in sys.modules if m.startswith('google')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_example_runs_offline(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "examples" / "adk_example.py"), str(tmp_path / "adk.db")],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stdout
