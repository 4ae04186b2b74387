"""How ADK's sessions, state scopes and events map onto asm records.

An ADK session is keyed by (app_name, user_id, session_id) and asm session ids are global, so
the asm id is a hash of the three (ADK lets two users each have a session "s1"). The key
itself is kept readable in the session's metadata; `agent_id` is "app/user", so listing one
user's sessions is a read of the (agent_id, updated_at, id) index. App and user state live in
reserved asm sessions (one per app, one per app and user), the state in `context`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from google.adk.events.event import Event as AdkEvent
from google.adk.sessions.session import Session as AdkSession

from asm.enums import EventType, SessionStatus
from asm.records import Event, Session

PROVIDER = "google-adk"
STATE = "state"  # context key holding a scope's state
LAST_UPDATE = "last_update_time"  # context key: the exact float ADK reports back
MARKER_PREFIX = "asm-seq:"  # Session._storage_update_marker: the sequence number it has seen
_MAX_ID = 255


def _digest(*parts: str) -> str:
    # NUL cannot occur in an asm text column, so the joined key is unambiguous.
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _readable(text: str, *parts: str) -> str:
    return text if len(text) <= _MAX_ID else "adk_" + _digest(*parts)


def session_id(app_name: str, user_id: str, adk_session_id: str) -> str:
    return "adk_" + _digest("session", app_name, user_id, adk_session_id)


def user_agent_id(app_name: str, user_id: str) -> str:
    return _readable(f"{app_name}/{user_id}", "agent", app_name, user_id)


def app_state_id(app_name: str) -> str:
    return "adk_app_" + _digest("app", app_name)


def user_state_id(app_name: str, user_id: str) -> str:
    return "adk_user_" + _digest("user", app_name, user_id)


def app_tag(app_name: str) -> str:
    return "adk-app:" + app_name


def user_state_tag(app_name: str) -> str:
    return "adk-user-state:" + app_name


def new_session_row(app_name: str, user_id: str, adk_session_id: str, state: dict[str, Any],
                    now: float) -> Session:
    at = to_datetime(now)
    return Session(
        id=session_id(app_name, user_id, adk_session_id), agent_id=user_agent_id(app_name, user_id),
        status=SessionStatus.ACTIVE, tags=["adk", app_tag(app_name)],
        metadata={"adk": {"app_name": app_name, "user_id": user_id, "session_id": adk_session_id}},
        context={STATE: state, LAST_UPDATE: now}, created_at=at, updated_at=at)


def scope_row(id: str, scope: str, app_name: str, user_id: str | None, state: dict[str, Any],
              now: float) -> Session:
    """A reserved session holding the app state (user_id None) or one user's state."""
    at = to_datetime(now)
    agent_id = _readable(f"adk-state/{app_name}", "state", app_name)
    tags = ["adk-state", user_state_tag(app_name)] if user_id is not None else ["adk-state"]
    key = {"scope": scope, "app_name": app_name} | ({} if user_id is None else {"user_id": user_id})
    return Session(id=id, agent_id=agent_id, status=SessionStatus.ACTIVE, tags=tags, metadata={"adk": key},
                   context={STATE: state}, created_at=at, updated_at=at)


def adk_key(row: Session) -> tuple[str, str, str] | None:
    """(app_name, user_id, session_id) of an ADK session row, None for any other row."""
    key = row.metadata.get("adk")
    if not isinstance(key, dict) or "session_id" not in key:
        return None
    return key["app_name"], key["user_id"], key["session_id"]


def state_of(row: Session | None) -> dict[str, Any]:
    state = row.context.get(STATE) if row is not None else None
    return dict(state) if isinstance(state, dict) else {}


def last_update_of(row: Session) -> float:
    value = row.context.get(LAST_UPDATE)
    return float(value) if isinstance(value, (int, float)) else row.updated_at.timestamp()


def merged_state(app: dict[str, Any], user: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    return {**session, **{"app:" + k: v for k, v in app.items()}, **{"user:" + k: v for k, v in user.items()}}


def to_adk_session(row: Session, state: dict[str, Any], events: list[AdkEvent],
                   sequence: int | None) -> AdkSession:
    app_name, user_id, adk_session_id = adk_key(row) or ("", "", "")
    session = AdkSession(id=adk_session_id, app_name=app_name, user_id=user_id, state=state, events=events,
                         last_update_time=last_update_of(row))
    if sequence is not None:
        set_marker(session, sequence)
    return session


def set_marker(session: AdkSession, sequence: int) -> None:
    session._storage_update_marker = f"{MARKER_PREFIX}{sequence}"


def marker_of(session: AdkSession) -> int | None:
    """The sequence number this Session object has seen, None if no asm service loaded it."""
    marker = session._storage_update_marker
    if isinstance(marker, str) and marker.startswith(MARKER_PREFIX):
        return int(marker.removeprefix(MARKER_PREFIX))
    return None


def to_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def event_type(event: AdkEvent) -> EventType:
    """The asm type, so asm's queries and stats read an ADK log: errors, tool calls and
    responses, then messages by who wrote them."""
    if event.error_code:
        return EventType.ERROR_OCCURRED
    if event.get_function_calls():
        return EventType.TOOL_CALL_STARTED
    if event.get_function_responses():
        return EventType.TOOL_CALL_COMPLETED
    return EventType.MESSAGE_RECEIVED if event.author == "user" else EventType.MESSAGE_SENT


def to_asm_event(event: AdkEvent, asm_session_id: str) -> Event:
    # A fresh asm id: ADK event ids are only unique per session, asm's globally.
    return Event.new(
        type=event_type(event), session_id=asm_session_id, timestamp=to_datetime(event.timestamp),
        provider=PROVIDER, correlation_id=event.invocation_id if 0 < len(event.invocation_id) <= 255 else None,
        data=event.model_dump(exclude_none=True, mode="json"),
        metadata={"adk_event_id": event.id, "author": event.author})


def to_adk_event(event: Event) -> AdkEvent:
    return AdkEvent.model_validate(event.data)
