"""`asm demo`: record one realistic agent session through the public API.

A travel agent serves one customer over three runs on two providers: a flight search, a booking
that fails on a tool timeout, and a retry that recovers and books. Each run is flushed (session,
run and events in one transaction); the booking confirmation is registered as an artifact; the
workflow engine's view of the same conversation is a graph session with its chat history.
Every id is new on each call, so the demo can run any number of times on one database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import attrs

import asm
from asm import Event, EventType, ExecutionResult, Run, Session
from asm.errors import NotFound
from asm.graph import GraphSession, GraphSessionStorage

AGENT = "travel-agent"
GRAPH = "trip-booking"


@attrs.frozen
class DemoResult:
    session_id: str
    artifact_key: str
    graph_session: dict[str, Any]  # as read back: id, graph_id, current_task_id, data, chat_history


def record(store: asm.SessionStore, url: str) -> DemoResult:
    session = Session.new(
        agent_id=AGENT, status="active", tags=["demo"],
        metadata={"customer": "ana@example.com", "channel": "web"},
        context={"locale": "en-GB", "home_airport": "LIS"},
    )
    store.save_session(session)
    store.append_events([
        Event.new(type=EventType.SESSION_CREATED, session_id=session.id, data={"agent_id": AGENT}),
        Event.new(type=EventType.SESSION_STARTED, session_id=session.id),
    ])

    # Run 1: search flights (Anthropic).
    prompt = "Find me a flight from Lisbon to Berlin on 12 June"
    run = Run.new(session_id=session.id, status="running", provider="anthropic",
                  provider_metadata={"model": "claude-sonnet-4"}, input={"prompt": prompt})
    store.save_run(run)
    on = _events(session.id, run)
    search = {"from": "LIS", "to": "BER", "date": "2025-06-12"}
    usage = {"input_tokens": 1240, "output_tokens": 186, "total_tokens": 1426}
    answer = "The cheapest is TP 532 at 14:05 for €129. Shall I book it?"
    store.flush(ExecutionResult(session=session, run=run.with_token_usage(usage).with_turn().with_output(
        {"answer": answer}), events=[
        on(EventType.RUN_STARTED),
        on(EventType.MESSAGE_RECEIVED, role="user", content=prompt),
        on(EventType.TOOL_CALL_STARTED, tool="search_flights", args=search, call_id="call_1"),
        on(EventType.TOOL_CALL_COMPLETED, tool="search_flights", call_id="call_1",
           result={"flights": 3, "cheapest": {"flight": "TP 532", "departs": "14:05", "price_eur": 129}}),
        on(EventType.MESSAGE_STREAMED, chunk="The cheapest is TP 532"),
        on(EventType.MESSAGE_SENT, role="assistant", content=answer),
        on(EventType.TOKEN_USAGE_UPDATED, **usage),
        on(EventType.TURN_COMPLETED, turn=1),
        on(EventType.RUN_COMPLETED),
    ]))

    # Run 2: book it (OpenAI); the payment gateway times out and the run fails.
    prompt = "Yes, book it."
    run = Run.new(session_id=session.id, status="running", provider="openai",
                  provider_metadata={"model": "gpt-4o"}, input={"prompt": prompt})
    store.save_run(run)
    on = _events(session.id, run)
    booking = {"flight": "TP 532", "date": "2025-06-12", "passenger": "Ana Silva"}
    failure = {"type": "timeout", "message": "payment gateway timed out after 30 s"}
    usage = {"input_tokens": 1502, "output_tokens": 41, "total_tokens": 1543}
    store.flush(ExecutionResult(session=session, run=run.with_token_usage(usage).with_error(failure), events=[
        on(EventType.RUN_STARTED),
        on(EventType.MESSAGE_RECEIVED, role="user", content=prompt),
        on(EventType.TOOL_CALL_STARTED, tool="book_flight", args=booking, call_id="call_2"),
        on(EventType.TOOL_CALL_FAILED, tool="book_flight", call_id="call_2", error=failure),
        on(EventType.ERROR_OCCURRED, message=failure["message"], retryable=True),
        on(EventType.TOKEN_USAGE_UPDATED, **usage),
        on(EventType.RUN_FAILED, error=failure),
    ]))

    # Run 3: retry with the same idempotency key, book, and close the session.
    run = Run.new(session_id=session.id, status="running", provider="openai",
                  provider_metadata={"model": "gpt-4o"}, input={"retry_of": run.id})
    store.save_run(run)
    on = _events(session.id, run)
    confirmation = {"reference": "ABC123", **booking, "price_eur": 129}
    artifact = _register_confirmation(store, session.id, run.id, confirmation)
    usage = {"input_tokens": 1688, "output_tokens": 212, "total_tokens": 1900}
    answer = "Booked! Your reference is ABC123; the confirmation is in your inbox."
    store.flush(ExecutionResult(
        session=session.with_status("completed"),
        run=run.with_token_usage(usage).with_turn().with_output({"answer": answer, "booking": "ABC123"}),
        events=[
            on(EventType.RUN_STARTED),
            on(EventType.ERROR_RECOVERED, message="retrying book_flight with the same idempotency key",
               attempt=2),
            on(EventType.TOOL_CALL_STARTED, tool="book_flight", args=booking, call_id="call_3"),
            on(EventType.TOOL_CALL_COMPLETED, tool="book_flight", call_id="call_3",
               result={"reference": "ABC123"}),
            on(EventType.WORKSPACE_SNAPSHOT_TAKEN, artifact_key=artifact.key, size_bytes=artifact.size_bytes),
            on(EventType.MESSAGE_SENT, role="assistant", content=answer),
            on(EventType.TOKEN_USAGE_UPDATED, **usage),
            on(EventType.TURN_COMPLETED, turn=2),
            on(EventType.RUN_COMPLETED),
            Event.new(type=EventType.SESSION_COMPLETED, session_id=session.id),
        ],
        provider_metadata={"request_id": "req_demo_3"},
    ))

    return DemoResult(session.id, artifact.key, _record_graph_session(url, session.id))


def _events(session_id: str, run: Run) -> Callable[..., Event]:
    def on(type: EventType, **data: Any) -> Event:
        return Event.new(type=type, session_id=session_id, run_id=run.id, provider=run.provider, data=data)
    return on


def _register_confirmation(store: asm.SessionStore, session_id: str, run_id: str,
                           confirmation: dict[str, Any]) -> asm.Artifact:
    body = json.dumps(confirmation, sort_keys=True).encode()
    key = f"demo/{session_id}/{run_id}/booking.json"
    return store.artifacts.register(
        key=key, size_bytes=len(body), session_id=session_id, run_id=run_id, type="snapshot",
        content_type="application/json", checksum_sha256=hashlib.sha256(body).hexdigest(),
        storage_backend="local", storage_ref=f"file://artifacts/{key}", metadata={"demo": True},
    )


def _record_graph_session(url: str, asm_session_id: str) -> dict[str, Any]:
    """The workflow engine's side: a graph session moving through its tasks, with chat history."""
    with GraphSessionStorage.connect(url) as storage:
        graph = GraphSession.new(GRAPH, "collect_request")
        graph.context.set("asm_session_id", asm_session_id)
        graph.context.chat_history.add_user_message("Find me a flight from Lisbon to Berlin on 12 June")
        graph.context.chat_history.add_assistant_message("The cheapest is TP 532 at 14:05 for €129. Shall I book it?")
        storage.save(graph)
        graph.current_task_id = "book_flight"
        graph.context.chat_history.add_user_message("Yes, book it.")
        graph.context.set("flight", "TP 532")
        storage.save(graph, expect_unchanged=True)
        loaded = _stored(storage, graph.id)
        loaded.current_task_id = "done"
        loaded.status_message = "booked ABC123"
        loaded.context.set("booking", "ABC123")
        storage.save(loaded, expect_unchanged=True)
        storage.append_message(graph.id, "Assistant", "Booked! Your reference is ABC123.")
        return _summary(_stored(storage, graph.id))


def _stored(storage: GraphSessionStorage, id: str) -> GraphSession:
    graph = storage.get(id)
    if graph is None:  # saved just before: only another process could have deleted it
        raise NotFound(f"no graph session with id {id}", details={"id": id})
    return graph


def _summary(graph: GraphSession) -> dict[str, Any]:
    return {
        "id": graph.id, "graph_id": graph.graph_id, "current_task_id": graph.current_task_id,
        "status_message": graph.status_message, "data": graph.context.data,
        "chat_history": [{"role": m.role.value, "content": m.content} for m in graph.context.chat_history.messages],
    }
