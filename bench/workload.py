"""The data both sides work on: each input is built twice, once as the asm record and once as
the plain dict the floor takes, with the same content (and its own id)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import attrs

from asm import Event, Session
from asm.graph import GraphSession

# A typical chat event: a message of a few hundred bytes with usage numbers.
EVENT_DATA = {
    "role": "assistant",
    "content": "Here is the summary you asked for. " * 6,
    "usage": {"input_tokens": 812, "output_tokens": 164, "total_tokens": 976},
    "finish_reason": "stop",
}
EVENT_METADATA = {"model": "gpt-4o-mini", "latency_ms": 840}
STATUSES = ("pending", "active", "paused", "completed", "failed", "cancelled")
AGENTS = 10


def now() -> datetime:
    return datetime.now(timezone.utc)


def asm_event(session_id: str, run_id: str | None = None) -> Event:
    return Event.new(type="message_sent", session_id=session_id, run_id=run_id, data=EVENT_DATA,
                     metadata=EVENT_METADATA, provider="openai")


def floor_event(session_id: str, run_id: str | None = None) -> dict:
    return {"id": f"evt_{uuid.uuid4().hex}", "type": "message_sent", "timestamp": now(),
            "session_id": session_id, "run_id": run_id, "data": EVENT_DATA, "metadata": EVENT_METADATA,
            "schema_version": 1, "provider": "openai", "correlation_id": None}


def session_fields(i: int) -> dict:
    """Session i of the search data set: agents and statuses spread evenly, some tagged."""
    created = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=i)
    return {"agent_id": f"agent-{i % AGENTS}", "status": STATUSES[i % len(STATUSES)],
            "metadata": {"customer": f"c-{i}", "channel": "web"}, "context": {"locale": "en"},
            "tags": ["vip"] if i % 3 == 0 else [], "created_at": created, "updated_at": created}


def asm_session(i: int) -> Session:
    return Session.new(**session_fields(i))


def floor_session(id: str, i: int) -> dict:
    return {"id": id, "parent_session_id": None, "deleted_at": None, **session_fields(i)}


def asm_session_update(session: Session, i: int) -> Session:
    """What a save typically carries: a new status and a touched metadata entry."""
    return attrs.evolve(session, status=STATUSES[i % len(STATUSES)], updated_at=now(),
                        metadata={**session.metadata, "turn": i})


def floor_session_update(session: dict, i: int) -> dict:
    return {**session, "status": STATUSES[i % len(STATUSES)], "updated_at": now(),
            "metadata": {**session["metadata"], "turn": i}}


def message_text(i: int) -> str:
    return f"message {i}: " + "could you check the claim status and the next step? " * 2


def asm_graph_session(messages: int) -> GraphSession:
    session = GraphSession.new(graph_id="claims", current_task_id="review")
    session.context.set("insurance_type", "car")
    session.context.set("claim", {"id": "CL-1042", "amount": 1830.5, "approved": False})
    for i in range(messages):
        add = session.context.chat_history.add_user_message if i % 2 == 0 else \
            session.context.chat_history.add_assistant_message
        add(message_text(i))
    return session


def floor_graph_session(messages: int) -> dict:
    """The same session as the graph library's JSON document (roles User/Assistant, RFC 3339 times)."""
    stamp = now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    history = [{"role": "User" if i % 2 == 0 else "Assistant", "content": message_text(i), "timestamp": stamp}
               for i in range(messages)]
    return {"id": str(uuid.uuid4()), "graph_id": "claims", "current_task_id": "review", "status_message": None,
            "context": {"data": {"insurance_type": "car", "claim": {"id": "CL-1042", "amount": 1830.5, "approved": False}},
                        "chat_history": {"messages": history, "max_messages": 1000}}}
