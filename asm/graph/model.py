"""The in-memory model of a graph-workflow session (README, "Graph sessions").

Unlike asm's records these classes are mutable, as in the Rust graph library (docs/origins.md): a workflow runner loads a
session, moves it on, and saves it. Fields are type-checked when set (on construction and on
assignment); the JSON payload rules (asm/convert/payload.py) are applied to `Context.data` by
`Context.set` and when the context is written (asm/graph/document.py), i.e. before anything is
written.
"""

from __future__ import annotations

import enum
import json
import reprlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from asm.errors import ValidationError
from asm.ids import as_utc, utc_now
from asm.records import INT64_MAX, UTC_CONVERTER

__all__ = [
    "DEFAULT_MAX_MESSAGES",
    "MessageRole",
    "parse_role",
    "ChatMessage",
    "ChatHistory",
    "Context",
    "GraphSession",
]

DEFAULT_MAX_MESSAGES = 1000


def _fail(field: str, problem: str) -> ValidationError:
    return ValidationError(f"{field} {problem}", details={"field": field})


# --- roles ---


class MessageRole(enum.Enum):
    """Who wrote a chat message; the values are the Rust library's JSON strings."""

    USER = "User"
    ASSISTANT = "Assistant"
    SYSTEM = "System"


def parse_role(value: Any) -> MessageRole:
    """A MessageRole from a member or its value ("User", "Assistant", "System"), exactly."""
    if isinstance(value, MessageRole):
        return value
    if isinstance(value, str):
        try:
            return MessageRole(value)
        except ValueError:
            pass
    allowed = ", ".join(repr(role.value) for role in MessageRole)
    raise _fail("role", f"must be a MessageRole or one of {allowed}, got {reprlib.repr(value)}")


# --- chat messages and history ---


def _to_role(value: Any) -> MessageRole:
    return parse_role(value)


def _to_content(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail("content", f"must be a string, got {type(value).__name__}")
    return value


def _to_message_time(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise _fail("timestamp", f"must be a timezone-aware datetime, got {reprlib.repr(value)}")
    try:
        return as_utc(value)
    except (ValueError, OverflowError) as exc:
        raise _fail("timestamp", f"must be a timezone-aware datetime: {exc}") from None


@attrs.frozen
class ChatMessage:
    """One chat message; `timestamp` is kept as an aware UTC datetime."""

    role: MessageRole = attrs.field(converter=_to_role)
    content: str = attrs.field(converter=_to_content)
    timestamp: datetime = attrs.field(converter=_to_message_time)


def _to_messages(value: Any) -> list[ChatMessage]:
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        raise _fail("messages", f"must be a list of ChatMessage, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, ChatMessage):
            raise _fail(
                "messages", f"must hold only ChatMessage; item {index} is {type(item).__name__}"
            )
    return value


def _check_max_messages(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not (type(value) is int and 1 <= value <= INT64_MAX):  # bool is refused
        raise _fail("max_messages", f"must be None or an int >= 1, got {reprlib.repr(value)}")


@attrs.define
class ChatHistory:
    """The chat messages of a workflow, oldest first.

    `add_*_message` drops the oldest messages beyond `max_messages` (None = unlimited), as in
    the Rust library; building a history, or lowering `max_messages`, does not trim until the next add
    (so a loaded document re-saves unchanged).
    """

    messages: list[ChatMessage] = attrs.field(factory=list, converter=_to_messages)
    max_messages: int | None = attrs.field(
        default=DEFAULT_MAX_MESSAGES, validator=_check_max_messages
    )

    def add_user_message(self, content: str) -> ChatMessage:
        return self._add(MessageRole.USER, content)

    def add_assistant_message(self, content: str) -> ChatMessage:
        return self._add(MessageRole.ASSISTANT, content)

    def add_system_message(self, content: str) -> ChatMessage:
        return self._add(MessageRole.SYSTEM, content)

    def last_messages(self, n: int) -> list[ChatMessage]:
        """The n most recent messages, oldest first (a new list); [] when n <= 0."""
        if type(n) is not int:
            raise _fail("n", f"must be an int, got {reprlib.repr(n)}")
        return self.messages[-n:] if n > 0 else []

    def clear(self) -> None:
        self.messages.clear()

    def is_empty(self) -> bool:
        return not self.messages

    def __len__(self) -> int:
        return len(self.messages)

    def _add(self, role: MessageRole, content: str) -> ChatMessage:
        message = ChatMessage(role, content, utc_now())
        self.messages.append(message)
        if self.max_messages is not None and len(self.messages) > self.max_messages:
            del self.messages[: len(self.messages) - self.max_messages]
        return message


# --- context ---


def _check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise _fail("key", f"must be a string, got {reprlib.repr(key)}")
    return key


def check_data(value: Any) -> dict[str, Any]:
    """`value` if it can be a context's data map (a dict with str keys), else ValidationError."""
    if not isinstance(value, dict):
        raise _fail("data", f"must be a dict, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise _fail("data", f"keys must be strings, got {reprlib.repr(key)}")
    return value


def _check_history(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, ChatHistory):
        raise _fail("chat_history", f"must be a ChatHistory, got {type(value).__name__}")


@attrs.define
class Context:
    """A workflow's shared state: a map of JSON values, and the chat history.

    `set` stores the value as JSON would give it back (the JSON payload rules: enums become
    their value, datetimes ISO strings, tuples lists...), as the Rust library's `set` stores a
    `serde_json::Value`; so `get` returns what a reload would. `clear` empties the data map
    only (the chat history stays), as the Rust library's `Context::clear` does.
    """

    data: dict[str, Any] = attrs.field(factory=dict, converter=check_data)
    chat_history: ChatHistory = attrs.field(factory=ChatHistory, validator=_check_history)

    def set(self, key: str, value: Any) -> None:
        """Set `key`; ValidationError (naming `context.data.<key>`) for a non-JSON value."""
        from asm.graph.document import normalize_data  # the codec is built on these classes

        key = _check_key(key)
        self.data[key] = normalize_data({key: value})[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(_check_key(key), default)

    def remove(self, key: str) -> Any:
        """Remove `key`; its value, or None when it was not there."""
        return self.data.pop(_check_key(key), None)

    def clear(self) -> None:
        """Empty the data map; the chat history is kept."""
        self.data.clear()

    def to_json(self) -> str:
        """The stored document as compact JSON text."""
        from asm.graph.document import context_to_document

        return json.dumps(context_to_document(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Context:
        """The Context in a JSON document; ValidationError if it is not one."""
        from asm.graph.document import context_from_json

        if not isinstance(text, (str, bytes, bytearray)):
            raise _fail("context", f"must be JSON text, got {type(text).__name__}")
        try:
            return context_from_json(bytes(text) if isinstance(text, bytearray) else text)
        except ValidationError:
            raise
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise _fail("context", f"is not valid JSON: {exc}") from None


# --- sessions ---


def _text_check(*, optional: bool = False) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not (isinstance(value, str) or (optional and value is None)):
            expected = "None or a string" if optional else "a string"
            raise _fail(attribute.name, f"must be {expected}, got {reprlib.repr(value)}")

    return check


def _check_context(_instance: Any, _attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Context):
        raise _fail("context", f"must be a Context, got {type(value).__name__}")


@attrs.define
class GraphSession:
    """Which task of which graph runs next, with its shared context.

    `created_at` and `updated_at` are not taken by `__init__` and not compared: the storage
    fills them when it loads or saves the session (updated_at is the version a compare-and-set
    save checks). The id is only checked to be a str here; the storage requires a UUID.
    """

    id: str = attrs.field(validator=_text_check())
    graph_id: str = attrs.field(validator=_text_check())
    current_task_id: str = attrs.field(validator=_text_check())
    status_message: str | None = attrs.field(default=None, validator=_text_check(optional=True))
    context: Context = attrs.field(factory=Context, validator=_check_context)
    # (attrs' mypy plugin reads only function converters, not an attrs.Converter.)
    created_at: datetime | None = attrs.field(
        init=False, default=None, eq=False, repr=False, converter=UTC_CONVERTER  # type: ignore[misc]
    )
    updated_at: datetime | None = attrs.field(
        init=False, default=None, eq=False, repr=False, converter=UTC_CONVERTER  # type: ignore[misc]
    )

    @classmethod
    def new(
        cls,
        graph_id: str,
        current_task_id: str,
        *,
        id: str | None = None,
        status_message: str | None = None,
        context: Context | None = None,
    ) -> GraphSession:
        """A session with a fresh UUID4 id (unless `id` is given) and an empty context."""
        return cls(
            id=str(uuid.uuid4()) if id is None else id,
            graph_id=graph_id,
            current_task_id=current_task_id,
            status_message=status_message,
            context=Context() if context is None else context,
        )
