"""The in-memory model of a graph-workflow session, and its stored JSON document (CONTRACT §8).

Unlike asm's records these classes are mutable, as in the seed: a workflow runner loads a
session, moves it on, and saves it. Fields are type-checked when set (on construction and on
assignment); the JSON payload rules (CONTRACT §3) are applied to `Context.data` by `Context.set`
and by `context_to_document`, i.e. before anything is written.

The context document is the seed's format, so a service written against the seed reads what asm
writes and the other way round::

    {"data": {...},
     "chat_history": {"messages": [{"role": "User", "content": "...",
                                    "timestamp": "2025-06-10T17:30:48.727954Z"}],
                      "max_messages": null}}

Message timestamps are written as the seed's Rust side (chrono's serde) writes them: UTC with a
`Z`, and 0, 3 or 6 fractional digits (none when the microseconds are 0, milliseconds when they
are a whole number of milliseconds, else microseconds). Any RFC 3339 form is read (`Z`/`z` or an
offset, `T`/`t`/space, any number of fractional digits); digits beyond the sixth are truncated,
as Python datetimes hold microseconds. So a document written with 0, 3 or 6 digits re-saves with
the same strings; one with 9 (nanoseconds) re-saves with 6. A leap second (`:60`) is not read.
"""

from __future__ import annotations

import enum
import json
import re
import reprlib
import uuid
from datetime import datetime, timedelta, timezone
from collections.abc import Callable
from functools import partial
from typing import Any

import attrs

from asm.convert import converter, normalize_json
from asm.errors import ValidationError
from asm.ids import as_utc, utc_now
from asm.records import INT64_MAX, UTC_CONVERTER, text_problem

__all__ = [
    "DEFAULT_MAX_MESSAGES",
    "MessageRole",
    "parse_role",
    "ChatMessage",
    "ChatHistory",
    "Context",
    "GraphSession",
    "format_message_time",
    "parse_message_time",
    "message_to_document",
    "context_to_document",
    "context_from_document",
]

DEFAULT_MAX_MESSAGES = 1000


def _fail(field: str, problem: str) -> ValidationError:
    return ValidationError(f"{field} {problem}", details={"field": field})


# --- roles ---


class MessageRole(enum.Enum):
    """Who wrote a chat message; the values are the seed's JSON strings."""

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


# --- timestamps ---


def format_message_time(value: datetime) -> str:
    """RFC 3339 UTC text as chrono's serde writes it: `Z`, and 0, 3 or 6 fractional digits.

    ValueError for a naive datetime.
    """
    if value.tzinfo is not timezone.utc:
        value = as_utc(value)
    micro = value.microsecond
    digits = "seconds" if micro == 0 else "milliseconds" if micro % 1000 == 0 else "microseconds"
    # isoformat, not strftime: it always writes a four-digit year. It ends in +00:00 here.
    return value.isoformat(timespec=digits)[:-6] + "Z"


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def parse_message_time(text: Any) -> datetime:
    """Aware UTC datetime from RFC 3339 text; digits past microseconds are truncated.

    ValueError for anything else (no offset, a leap second, an impossible date, not a str).
    """
    if not isinstance(text, str):
        raise ValueError(f"expected an RFC 3339 string, got {reprlib.repr(text)}")
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{reprlib.repr(text)} does not have the form YYYY-MM-DDTHH:MM:SS[.f]Z|±HH:MM"
        )
    year, month, day, hour, minute, second, digits, zulu, sign, off_h, off_m = match.groups()
    micro = int((digits or "")[:6].ljust(6, "0"))
    if zulu:
        tz = timezone.utc
    else:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{reprlib.repr(text)}: the UTC offset is out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-offset if sign == "-" else offset)
    try:
        value = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        return as_utc(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{reprlib.repr(text)}: {exc}") from None


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


def _check_max_messages(_instance: Any, _attribute: attrs.Attribute, value: Any) -> None:
    if value is None:
        return
    if not (type(value) is int and 1 <= value <= INT64_MAX):  # bool is refused
        raise _fail("max_messages", f"must be None or an int >= 1, got {reprlib.repr(value)}")


@attrs.define
class ChatHistory:
    """The chat messages of a workflow, oldest first.

    `add_*_message` drops the oldest messages beyond `max_messages` (None = unlimited), as in
    the seed; building a history, or lowering `max_messages`, does not trim until the next add
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


def _to_data(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail("data", f"must be a dict, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise _fail("data", f"keys must be strings, got {reprlib.repr(key)}")
    return value


def _check_history(_instance: Any, _attribute: attrs.Attribute, value: Any) -> None:
    if not isinstance(value, ChatHistory):
        raise _fail("chat_history", f"must be a ChatHistory, got {type(value).__name__}")


def _normalize_data(data: dict[str, Any]) -> dict[str, Any]:
    # Normalized as it sits in the document (one level down), so the depth limit holds for the
    # whole stored document; errors name `context.data.<key>...`.
    return normalize_json({"data": data}, "context")["data"]


@attrs.define
class Context:
    """A workflow's shared state: a map of JSON values, and the chat history.

    `set` stores the value as JSON would give it back (the payload rules of CONTRACT §3: enums
    become their value, datetimes ISO strings, tuples lists...), as the seed's `set` stores a
    `serde_json::Value`; so `get` returns what a reload would. `clear` empties the data map
    only (the chat history stays), as the seed's `Context::clear` does.
    """

    data: dict[str, Any] = attrs.field(factory=dict, converter=_to_data)
    chat_history: ChatHistory = attrs.field(factory=ChatHistory, validator=_check_history)

    def set(self, key: str, value: Any) -> None:
        """Set `key`; ValidationError (naming `context.data.<key>`) for a non-JSON value."""
        key = _check_key(key)
        self.data[key] = _normalize_data({key: value})[key]

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
        return json.dumps(context_to_document(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Context:
        """The Context in a JSON document; ValidationError if it is not one."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise _fail("context", f"must be JSON text, got {type(text).__name__}")
        try:
            document = json.loads(text)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise _fail("context", f"is not valid JSON: {exc}") from None
        return context_from_document(document)


# --- sessions ---


def _text_check(*, optional: bool = False):
    def check(_instance: Any, attribute: attrs.Attribute, value: Any) -> None:
        if not (isinstance(value, str) or (optional and value is None)):
            expected = "None or a string" if optional else "a string"
            raise _fail(attribute.name, f"must be {expected}, got {reprlib.repr(value)}")

    return check


def _check_context(_instance: Any, _attribute: attrs.Attribute, value: Any) -> None:
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
    created_at: datetime | None = attrs.field(
        init=False, default=None, eq=False, repr=False, converter=UTC_CONVERTER
    )
    updated_at: datetime | None = attrs.field(
        init=False, default=None, eq=False, repr=False, converter=UTC_CONVERTER
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


# --- the stored document ---


class _Malformed(Exception):
    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem


def _document_error(where: str, problem: str) -> ValidationError:
    return ValidationError(f"{where} {problem}", details={"field": "context", "path": where})


def _message_document(message: Any, where: str | Callable[[], str]) -> dict[str, Any]:
    if not isinstance(message, ChatMessage):
        raise _document_error(_where(where), f"must be a ChatMessage, got {type(message).__name__}")
    problem = text_problem(message.content)
    if problem is not None:
        raise _document_error(f"{_where(where)}.content", problem)
    return {
        "role": message.role.value,
        "content": message.content,
        "timestamp": format_message_time(message.timestamp),
    }


def _where(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()


def message_to_document(message: ChatMessage) -> dict[str, Any]:
    """The seed-format JSON object of one message; ValidationError if it cannot be stored."""
    return _message_document(message, "message")


def context_to_document(context: Context) -> dict[str, Any]:
    """The seed-format document of a context, ready for JSON.

    `data` follows the payload rules of CONTRACT §3; a value breaking them raises
    ValidationError naming its path (`context.data.items[3]`).
    """
    if not isinstance(context, Context):
        raise _fail("context", f"must be a Context, got {type(context).__name__}")
    history = context.chat_history
    # The fields are checked on assignment, but the list and dict inside them are mutable.
    where = "context.chat_history.messages"
    if not isinstance(history.messages, list):
        raise _document_error(where, "must be a list")
    return {
        "data": _normalize_data(_to_data(context.data)),
        "chat_history": {
            "messages": [
                # The path is written only for an error: most histories have none.
                _message_document(message, partial("{}[{}]".format, where, index))
                for index, message in enumerate(history.messages)
            ],
            "max_messages": history.max_messages,
        },
    }


def _member(
    obj: dict[str, Any], key: str, where: str, types: tuple[type, ...], expected: str
) -> Any:
    if key not in obj:
        raise _Malformed(f"{where}.{key}", "is missing")
    value = obj[key]
    if not isinstance(value, types) or isinstance(value, bool) and bool not in types:
        raise _Malformed(f"{where}.{key}", f"must be {expected}, got {reprlib.repr(value)}")
    return value


# A message timestamp as format_message_time writes it: datetime.fromisoformat reads it.
_WRITTEN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3}|\.\d{6})?Z", re.ASCII)
_ROLES = {role.value: role for role in MessageRole}


def _written_message(raw: dict[str, Any]) -> ChatMessage | None:
    """The message, when `raw` is exactly as asm writes one (a loaded history is mostly
    that); None sends it through the checks that word what is wrong."""
    role, content, text = raw.get("role"), raw.get("content"), raw.get("timestamp")
    if type(role) is not str or type(content) is not str or type(text) is not str:
        return None
    role = _ROLES.get(role)
    if role is None or _WRITTEN_TIME.fullmatch(text) is None:
        return None
    try:
        timestamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    # Every field is checked already: skip ChatMessage's converters.
    message = object.__new__(ChatMessage)
    object.__setattr__(message, "role", role)
    object.__setattr__(message, "content", content)
    object.__setattr__(message, "timestamp", timestamp)
    return message


def _message_from_document(raw: Any, where: str) -> ChatMessage:
    if type(raw) is dict and (message := _written_message(raw)) is not None:
        return message
    if not isinstance(raw, dict):
        raise _Malformed(where, f"must be an object, got {reprlib.repr(raw)}")
    role = _member(raw, "role", where, (str,), "one of 'User', 'Assistant', 'System'")
    try:
        role = MessageRole(role)
    except ValueError:
        raise _Malformed(
            f"{where}.role",
            f"must be one of 'User', 'Assistant', 'System', got {reprlib.repr(role)}",
        ) from None
    content = _member(raw, "content", where, (str,), "a string")
    text = _member(raw, "timestamp", where, (str,), "an RFC 3339 string")
    try:
        timestamp = parse_message_time(text)
    except ValueError as exc:
        raise _Malformed(
            f"{where}.timestamp", f"is not a valid RFC 3339 timestamp: {exc}"
        ) from None
    return ChatMessage(role, content, timestamp)


def context_from_document(document: Any) -> Context:
    """The Context in a seed-format document (as json.loads gives it).

    A malformed document raises ValidationError naming the path of the problem
    (`context.chat_history.messages[1].timestamp is missing`). Keys the format does not have
    are ignored, as the seed's serde does (so they are not written back). The `data` values are
    taken as they are; the payload rules apply when the context is written.
    """
    try:
        if not isinstance(document, dict):
            raise _Malformed("context", f"must be an object, got {reprlib.repr(document)}")
        data = _member(document, "data", "context", (dict,), "an object")
        for key in data:
            if not isinstance(key, str):
                raise _Malformed("context.data", f"keys must be strings, got {reprlib.repr(key)}")
        history = _member(document, "chat_history", "context", (dict,), "an object")
        where = "context.chat_history"
        raw_messages = _member(history, "messages", where, (list,), "a list")
        max_messages = _member(
            history, "max_messages", where, (int, type(None)), "null or an int >= 1"
        )
        if max_messages is not None and not 1 <= max_messages <= INT64_MAX:
            raise _Malformed(
                f"{where}.max_messages", f"must be null or an int >= 1, got {max_messages}"
            )
        messages = [
            _message_from_document(raw, f"{where}.messages[{index}]")
            for index, raw in enumerate(raw_messages)
        ]
    except _Malformed as exc:
        raise _document_error(exc.where, exc.problem) from None
    return Context(data=dict(data), chat_history=ChatHistory(messages, max_messages))


def _structure_context(document: Any, _cls: type) -> Context:
    return context_from_document(document)


converter.register_unstructure_hook(Context, context_to_document)
converter.register_structure_hook(Context, _structure_context)
