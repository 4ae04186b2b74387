"""docs/behaviour.md#graph-sessions, in memory: the graph-session model and its seed-format context document."""

from __future__ import annotations

import copy
import enum
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

from asm.convert import converter
from asm.errors import ValidationError
from asm.graph.document import context_from_document, context_to_document, message_to_document
from asm.graph.model import DEFAULT_MAX_MESSAGES, ChatHistory, ChatMessage, Context, GraphSession, MessageRole, parse_role
from asm.graph.times import format_message_time, parse_message_time

SEED_PATH = Path(__file__).parent / "fixtures" / "graph_seed_context.json"
SEED = json.loads(SEED_PATH.read_text())
UTC = timezone.utc
T0 = datetime(2025, 6, 10, 17, 30, 48, 727954, tzinfo=UTC)


def seed() -> dict:
    return copy.deepcopy(SEED)


def message(content="hi", role=MessageRole.USER, timestamp=T0) -> ChatMessage:
    return ChatMessage(role, content, timestamp)


def error_of(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call(*args, **kwargs)
    return info.value


# --- the seed's document ---


def test_the_fixture_is_the_seed_documents_example_verbatim():
    seed_doc = Path("/work/shared/seeds/postgres_session_storage.md")
    if not seed_doc.exists():
        pytest.skip("seed document not available")
    block = seed_doc.read_text().split("Example of stored context JSON:\n```json\n")[1]
    assert SEED_PATH.read_text() == block.split("```")[0]


def test_the_seed_document_loads():
    context = context_from_document(seed())
    history = context.chat_history
    assert history.max_messages is None
    assert [m.role for m in history.messages] == [MessageRole.USER, MessageRole.ASSISTANT]
    assert [m.content for m in history.messages] == [
        "hello",
        "Hello! Welcome! I'm here to help you with your insurance claim.",
    ]
    assert [m.timestamp for m in history.messages] == [
        datetime(2025, 6, 10, 17, 30, 48, 727954, tzinfo=UTC),
        datetime(2025, 6, 10, 17, 30, 48, 727959, tzinfo=UTC),
    ]
    assert all(m.timestamp.tzinfo is UTC for m in history.messages)
    assert context.get("insurance_type") == "car"
    assert context.get("user_input") == "about $150"
    # Inside data, a timestamp is just a string: it is kept exactly, "+00:00" and all.
    assert context.get("claim_decision") == {
        "approved": True,
        "decision_reason": "Auto-approved: claim amount under $1000 threshold",
        "timestamp": "2025-06-10T17:32:27.573057+00:00",
    }
    assert len(history) == 2


def test_the_seed_document_saves_back_as_the_same_document():
    document = context_to_document(context_from_document(seed()))
    assert document == SEED
    assert list(document) == ["data", "chat_history"]
    assert list(document["chat_history"]) == ["messages", "max_messages"]
    assert [m["timestamp"] for m in document["chat_history"]["messages"]] == [
        "2025-06-10T17:30:48.727954Z",
        "2025-06-10T17:30:48.727959Z",
    ]
    assert json.loads(Context.from_json(SEED_PATH.read_text()).to_json()) == SEED


def test_loading_does_not_alias_or_change_the_document():
    document = seed()
    context = context_from_document(document)
    context.set("insurance_type", "home")
    context.chat_history.add_user_message("more")
    assert document == SEED


def test_the_projects_converter_has_the_context_hooks():
    context = converter.structure(seed(), Context)
    assert context == context_from_document(seed())
    assert converter.unstructure(context) == SEED
    with pytest.raises(ValidationError):
        converter.structure({"data": {}}, Context)


# --- timestamps ---


@pytest.mark.parametrize(
    ("micro", "text"),
    [
        (0, "2025-06-10T17:30:48Z"),
        (727000, "2025-06-10T17:30:48.727Z"),
        (1000, "2025-06-10T17:30:48.001Z"),
        (727954, "2025-06-10T17:30:48.727954Z"),
        (727950, "2025-06-10T17:30:48.727950Z"),
        (1, "2025-06-10T17:30:48.000001Z"),
    ],
)
def test_timestamps_are_written_as_chrono_writes_them(micro, text):
    value = datetime(2025, 6, 10, 17, 30, 48, micro, tzinfo=UTC)
    assert format_message_time(value) == text
    assert parse_message_time(text) == value
    document = context_to_document(Context(chat_history=ChatHistory([message(timestamp=value)])))
    assert document["chat_history"]["messages"][0]["timestamp"] == text


def test_timestamps_are_written_in_utc_with_a_four_digit_year():
    plus_two = timezone(timedelta(hours=2))
    assert (
        format_message_time(datetime(2025, 1, 1, 1, 0, tzinfo=plus_two)) == "2024-12-31T23:00:00Z"
    )
    assert format_message_time(datetime(9, 3, 4, 5, 6, 7, tzinfo=UTC)) == "0009-03-04T05:06:07Z"
    with pytest.raises(ValueError):
        format_message_time(datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-06-10T17:30:48Z", datetime(2025, 6, 10, 17, 30, 48, tzinfo=UTC)),
        ("2025-06-10T17:30:48+00:00", datetime(2025, 6, 10, 17, 30, 48, tzinfo=UTC)),
        ("2025-06-10T17:30:48-00:00", datetime(2025, 6, 10, 17, 30, 48, tzinfo=UTC)),
        ("2025-06-10t17:30:48z", datetime(2025, 6, 10, 17, 30, 48, tzinfo=UTC)),
        ("2025-06-10 17:30:48Z", datetime(2025, 6, 10, 17, 30, 48, tzinfo=UTC)),
        ("2025-06-10T17:30:48.7Z", datetime(2025, 6, 10, 17, 30, 48, 700000, tzinfo=UTC)),
        ("2025-06-10T17:30:48.72Z", datetime(2025, 6, 10, 17, 30, 48, 720000, tzinfo=UTC)),
        ("2025-06-10T17:30:48.727954+00:00", T0),
        # nanoseconds, as chrono writes them: truncated (not rounded) to microseconds
        ("2025-06-10T17:30:48.727954999Z", T0),
        ("2025-06-10T17:30:48.7279549999999Z", T0),
        ("2025-06-10T19:30:48.727954+02:00", T0),
        ("2025-06-10T12:00:48.727954-05:30", T0),
    ],
)
def test_any_rfc3339_timestamp_is_read(text, expected):
    value = parse_message_time(text)
    assert value == expected and value.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-10T17:30:48",  # no offset
        "2025-06-10T17:30:48.Z",  # a dot without digits
        "2025-06-10",
        "20250610T173048Z",  # ISO 8601 basic form, not RFC 3339
        "2025-06-10T17:30Z",
        "2025-02-30T17:30:48Z",
        "2025-06-10T24:00:00Z",
        "2016-12-31T23:59:60Z",  # leap second: no datetime holds it
        "2025-06-10T17:30:48+24:00",
        "2025-06-10T17:30:48+0200",
        "2025-06-10T17:30:48Z ",
        "２０２５-06-10T17:30:48Z",  # non-ASCII digits
        "",
        1718040648,
        None,
    ],
)
def test_anything_else_is_not_a_timestamp(text):
    with pytest.raises(ValueError):
        parse_message_time(text)


def test_a_nanosecond_timestamp_resaves_with_microseconds():
    document = seed()
    document["chat_history"]["messages"][0]["timestamp"] = "2025-06-10T17:30:48.727954123Z"
    saved = context_to_document(context_from_document(document))
    assert saved["chat_history"]["messages"][0]["timestamp"] == "2025-06-10T17:30:48.727954Z"


@pytest.mark.parametrize(
    "text", ["2025-06-10T17:30:48Z", "2025-06-10T17:30:48.100Z", "2025-06-10T17:30:48.000100Z"]
)
def test_rust_written_timestamps_resave_unchanged(text):
    document = seed()
    document["chat_history"]["messages"][1]["timestamp"] = text
    assert context_to_document(context_from_document(document)) == document


# --- roles and messages ---


def test_roles_are_the_seeds_strings():
    assert [role.value for role in MessageRole] == ["User", "Assistant", "System"]
    assert MessageRole("User") is MessageRole.USER
    assert parse_role("Assistant") is MessageRole.ASSISTANT
    assert parse_role(MessageRole.SYSTEM) is MessageRole.SYSTEM


@pytest.mark.parametrize("value", ["user", "USER", "Tool", "", None, 1, MessageRole])
def test_anything_else_is_not_a_role(value):
    error = error_of(parse_role, value)
    assert error.details == {"field": "role"}


def test_a_message_takes_a_role_member_or_value():
    assert message(role="System").role is MessageRole.SYSTEM
    assert error_of(ChatMessage, "nobody", "x", T0).details == {"field": "role"}


def test_a_message_timestamp_is_aware_utc():
    plus_two = timezone(timedelta(hours=2))
    value = message(timestamp=datetime(2025, 6, 10, 19, 30, 48, 727954, tzinfo=plus_two))
    assert value.timestamp == T0 and value.timestamp.tzinfo is UTC
    assert error_of(message, timestamp=datetime(2025, 6, 10)).details == {"field": "timestamp"}
    assert error_of(message, timestamp="2025-06-10T17:30:48Z").details == {"field": "timestamp"}


def test_a_message_content_is_a_string():
    assert message(content="").content == ""
    assert error_of(message, content=5).details == {"field": "content"}
    assert error_of(message, content=None).details == {"field": "content"}


def test_a_message_is_frozen_and_compared_by_value():
    first = message()
    assert first == message()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.content = "changed"  # type: ignore[misc]


def test_a_message_document():
    assert message_to_document(message()) == {
        "role": "User",
        "content": "hi",
        "timestamp": "2025-06-10T17:30:48.727954Z",
    }
    error = error_of(message_to_document, message(content="a\x00b"))
    assert error.details["path"] == "message.content"


# --- chat history ---


def test_a_history_starts_empty_with_the_default_limit():
    history = ChatHistory()
    assert history.messages == [] and history.max_messages == DEFAULT_MAX_MESSAGES == 1000
    assert len(history) == 0 and history.is_empty()
    assert ChatHistory().messages is not history.messages


def test_adding_messages_stamps_the_utc_time_and_the_role():
    history = ChatHistory()
    before = datetime.now(UTC)
    added = [
        history.add_user_message("q"),
        history.add_assistant_message("a"),
        history.add_system_message("s"),
    ]
    after = datetime.now(UTC)
    assert history.messages == added
    assert [(m.role, m.content) for m in history.messages] == [
        (MessageRole.USER, "q"),
        (MessageRole.ASSISTANT, "a"),
        (MessageRole.SYSTEM, "s"),
    ]
    assert all(before <= m.timestamp <= after and m.timestamp.tzinfo is UTC for m in added)
    assert len(history) == 3 and not history.is_empty()


def test_adding_drops_the_oldest_messages_beyond_max_messages():
    history = ChatHistory(max_messages=3)
    for index in range(5):
        history.add_user_message(str(index))
        assert len(history) == min(index + 1, 3)
    assert [m.content for m in history.messages] == ["2", "3", "4"]

    history = ChatHistory(max_messages=1)
    history.add_user_message("a")
    history.add_assistant_message("b")
    assert [m.content for m in history.messages] == ["b"]


def test_the_default_limit_is_1000():
    history = ChatHistory()
    for index in range(1005):
        history.add_user_message(str(index))
    assert len(history) == 1000
    assert history.messages[0].content == "5" and history.messages[-1].content == "1004"


def test_no_limit_keeps_every_message():
    history = ChatHistory(max_messages=None)
    for index in range(1500):
        history.add_user_message(str(index))
    assert len(history) == 1500


def test_building_or_lowering_the_limit_does_not_trim_until_the_next_add():
    history = ChatHistory([message(str(i)) for i in range(5)], max_messages=2)
    assert len(history) == 5
    history.max_messages = 3
    assert len(history) == 5
    history.add_user_message("5")
    assert [m.content for m in history.messages] == ["3", "4", "5"]


def test_last_messages():
    history = ChatHistory([message(str(i)) for i in range(4)])
    assert [m.content for m in history.last_messages(2)] == ["2", "3"]
    assert [m.content for m in history.last_messages(4)] == ["0", "1", "2", "3"]
    assert [m.content for m in history.last_messages(10)] == ["0", "1", "2", "3"]
    assert [m.content for m in history.last_messages(1)] == ["3"]
    assert history.last_messages(0) == []
    assert history.last_messages(-1) == []
    assert ChatHistory().last_messages(3) == []
    recent = history.last_messages(2)
    recent.clear()  # a new list: the history is not changed
    assert len(history) == 4
    assert error_of(history.last_messages, "2").details == {"field": "n"}
    assert error_of(history.last_messages, None).details == {"field": "n"}


def test_clear_and_len():
    history = ChatHistory([message(), message()], max_messages=5)
    assert len(history) == 2
    history.clear()
    assert len(history) == 0 and history.messages == [] and history.max_messages == 5


@pytest.mark.parametrize("value", [0, -1, True, False, 2.0, "10", 2**63])
def test_max_messages_is_none_or_a_positive_int(value):
    assert error_of(ChatHistory, max_messages=value).details == {"field": "max_messages"}
    history = ChatHistory()
    assert error_of(setattr, history, "max_messages", value).details == {"field": "max_messages"}
    assert history.max_messages == 1000


def test_messages_are_chat_messages():
    assert ChatHistory((message(),)).messages == [message()]
    assert error_of(ChatHistory, [{"role": "User"}]).details == {"field": "messages"}
    assert error_of(ChatHistory, "hello").details == {"field": "messages"}
    history = ChatHistory()
    assert error_of(setattr, history, "messages", None).details == {"field": "messages"}


# --- context ---


def test_a_context_starts_empty_and_defaults_are_not_shared():
    first, second = Context(), Context()
    assert first.data == {} and first.chat_history == ChatHistory()
    first.set("a", 1)
    first.chat_history.add_user_message("hi")
    assert second.data == {} and len(second.chat_history) == 0


def test_set_get_remove():
    context = Context()
    context.set("name", "Ada")
    context.set("count", 3)
    context.set("nested", {"items": [1, 2.5, None, True]})
    assert context.get("name") == "Ada" and context.get("count") == 3
    assert context.get("nested") == {"items": [1, 2.5, None, True]}
    assert context.get("missing") is None
    assert context.get("missing", "fallback") == "fallback"
    context.set("name", "Grace")
    assert context.get("name") == "Grace"
    assert context.remove("name") == "Grace"
    assert context.remove("name") is None
    assert context.get("name") is None
    context.set("none", None)
    assert context.get("none", "fallback") is None
    assert context.remove("none") is None and "none" not in context.data


def test_set_stores_the_value_as_json_gives_it_back():
    class Colour(enum.Enum):
        RED = "red"

    context = Context()
    context.set("values", {"when": T0, "colour": Colour.RED, "pair": (1, 2), 3: "three"})
    stored = context.get("values")
    assert stored == {
        "when": "2025-06-10T17:30:48.727954Z",
        "colour": "red",
        "pair": [1, 2],
        "3": "three",
    }
    assert context_from_document(json.loads(context.to_json())).get("values") == stored


def test_set_refuses_a_non_json_value_naming_the_key():
    context = Context()
    error = error_of(context.set, "tags", {"a", "b"})
    assert error.details["path"] == "context.data.tags"
    error = error_of(context.set, "deep", {"items": [1, b"x"]})
    assert error.details["path"] == "context.data.deep.items[1]"
    assert context.data == {}


@pytest.mark.parametrize("key", [1, None, ("a",), b"k"])
def test_keys_are_strings(key):
    context = Context()
    assert error_of(context.set, key, 1).details == {"field": "key"}
    assert error_of(context.get, key).details == {"field": "key"}
    assert error_of(context.remove, key).details == {"field": "key"}
    assert error_of(Context, {key: 1}).details == {"field": "data"}


def test_clear_empties_the_data_and_keeps_the_chat_history():
    context = Context()
    context.set("a", 1)
    context.chat_history.add_user_message("hi")
    context.clear()
    assert context.data == {} and len(context.chat_history) == 1


def test_to_json_and_from_json_round_trip():
    context = Context(data={"café": "crème", "n": 2**62, "f": 0.1, "list": [{"x": None}]})
    context.chat_history.add_user_message("héllo")
    context.chat_history.add_assistant_message("")
    context.chat_history.max_messages = None
    text = context.to_json()
    assert isinstance(text, str) and "héllo" in text
    back = Context.from_json(text)
    assert back == context
    assert back.to_json() == text
    assert Context.from_json(text.encode()) == context
    assert json.loads(text) == context_to_document(context)


@pytest.mark.parametrize("text", ["", "{", "not json", b"\xff\xfe"])
def test_from_json_refuses_what_is_not_json(text):
    assert error_of(Context.from_json, text).details == {"field": "context"}


def test_from_json_refuses_what_is_not_text():
    assert error_of(Context.from_json, {"data": {}}).details == {"field": "context"}


def test_context_fields_are_checked():
    assert error_of(Context, data=[]).details == {"field": "data"}
    assert error_of(Context, chat_history=[]).details == {"field": "chat_history"}
    context = Context()
    assert error_of(setattr, context, "data", None).details == {"field": "data"}
    assert error_of(setattr, context, "chat_history", {}).details == {"field": "chat_history"}


# --- writing: bad values inside a context ---


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"a", "b"}, "context.data.bad"),
        (b"bytes", "context.data.bad"),
        (float("nan"), "context.data.bad"),
        (datetime(2025, 1, 1), "context.data.bad"),
        ({"inner": [1, object()]}, "context.data.bad.inner[1]"),
        ("nul\x00", "context.data.bad"),
        (2**64, "context.data.bad"),
    ],
)
def test_a_bad_data_value_is_refused_on_writing_naming_its_path(value, path):
    context = Context()
    context.data["bad"] = value  # data is a plain dict: only writing checks what it holds
    error = error_of(context_to_document, context)
    assert error.details["path"] == path
    assert path in error.message
    error = error_of(context.to_json)
    assert error.details["path"] == path


def test_the_data_depth_limit_counts_the_whole_document():
    deep: dict = {}
    node = deep
    for _ in range(28):
        node["x"] = {}
        node = node["x"]
    # the document, data, k's dict and 28 more: 31 levels, MariaDB's limit
    context = Context(data={"k": deep})
    context_to_document(context)
    node["x"] = {}
    error = error_of(context_to_document, context)
    assert error.details["path"].startswith("context.data.k.x")


def test_bad_messages_are_refused_on_writing():
    context = Context()
    context.chat_history.messages.append(message(content="lone \ud800"))
    error = error_of(context_to_document, context)
    assert error.details["path"] == "context.chat_history.messages[0].content"

    context = Context()
    context.chat_history.messages.append({"role": "User"})  # type: ignore[arg-type]
    error = error_of(context_to_document, context)
    assert error.details["path"] == "context.chat_history.messages[0]"


def test_writing_something_that_is_not_a_context():
    assert error_of(context_to_document, seed()).details == {"field": "context"}


# --- reading: malformed documents ---


def _without(path):
    def change(document):
        *parents, last = path
        target = document
        for key in parents:
            target = target[key]
        del target[last]

    return change


def _set(path, value):
    def change(document):
        *parents, last = path
        target = document
        for key in parents:
            target = target[key]
        target[last] = value

    return change


MESSAGES = ("chat_history", "messages")
MALFORMED = [
    (_without(("data",)), "context.data", "is missing"),
    (_without(("chat_history",)), "context.chat_history", "is missing"),
    (_without(MESSAGES), "context.chat_history.messages", "is missing"),
    (_without(("chat_history", "max_messages")), "context.chat_history.max_messages", "is missing"),
    (_without((*MESSAGES, 0, "role")), "context.chat_history.messages[0].role", "is missing"),
    (_without((*MESSAGES, 1, "content")), "context.chat_history.messages[1].content", "is missing"),
    (
        _without((*MESSAGES, 1, "timestamp")),
        "context.chat_history.messages[1].timestamp",
        "is missing",
    ),
    (_set(("data",), []), "context.data", "must be an object"),
    (_set(("data",), None), "context.data", "must be an object"),
    (_set(("data",), 5), "context.data", "must be an object"),
    (_set(("chat_history",), []), "context.chat_history", "must be an object"),
    (_set(MESSAGES, {}), "context.chat_history.messages", "must be a list"),
    (_set(MESSAGES, None), "context.chat_history.messages", "must be a list"),
    (
        _set(("chat_history", "max_messages"), 0),
        "context.chat_history.max_messages",
        "must be null",
    ),
    (
        _set(("chat_history", "max_messages"), -3),
        "context.chat_history.max_messages",
        "must be null",
    ),
    (
        _set(("chat_history", "max_messages"), 2.5),
        "context.chat_history.max_messages",
        "must be null",
    ),
    (
        _set(("chat_history", "max_messages"), True),
        "context.chat_history.max_messages",
        "must be null",
    ),
    (
        _set(("chat_history", "max_messages"), "10"),
        "context.chat_history.max_messages",
        "must be null",
    ),
    (_set((*MESSAGES, 0), "hello"), "context.chat_history.messages[0]", "must be an object"),
    (_set((*MESSAGES, 0), None), "context.chat_history.messages[0]", "must be an object"),
    (
        _set((*MESSAGES, 1, "role"), "user"),
        "context.chat_history.messages[1].role",
        "must be one of",
    ),
    (
        _set((*MESSAGES, 1, "role"), "Tool"),
        "context.chat_history.messages[1].role",
        "must be one of",
    ),
    (_set((*MESSAGES, 1, "role"), None), "context.chat_history.messages[1].role", "must be one of"),
    (_set((*MESSAGES, 1, "role"), 0), "context.chat_history.messages[1].role", "must be one of"),
    (
        _set((*MESSAGES, 0, "content"), None),
        "context.chat_history.messages[0].content",
        "must be a string",
    ),
    (
        _set((*MESSAGES, 0, "content"), ["hi"]),
        "context.chat_history.messages[0].content",
        "must be a string",
    ),
    (
        _set((*MESSAGES, 0, "timestamp"), "yesterday"),
        "context.chat_history.messages[0].timestamp",
        "is not a valid RFC 3339 timestamp",
    ),
    (
        _set((*MESSAGES, 0, "timestamp"), "2025-06-10T17:30:48"),
        "context.chat_history.messages[0].timestamp",
        "is not a valid RFC 3339 timestamp",
    ),
    (
        _set((*MESSAGES, 0, "timestamp"), "2025-13-10T17:30:48Z"),
        "context.chat_history.messages[0].timestamp",
        "is not a valid RFC 3339 timestamp",
    ),
    (
        _set((*MESSAGES, 0, "timestamp"), 1718040648),
        "context.chat_history.messages[0].timestamp",
        "must be an RFC 3339",
    ),
    (
        _set((*MESSAGES, 0, "timestamp"), None),
        "context.chat_history.messages[0].timestamp",
        "must be an RFC 3339",
    ),
]


@pytest.mark.parametrize(("change", "path", "problem"), MALFORMED)
def test_a_malformed_document_is_refused_naming_the_problem(change, path, problem):
    document = seed()
    change(document)
    error = error_of(context_from_document, document)
    assert error.details == {"field": "context", "path": path}
    assert error.message.startswith(f"{path} {problem}")
    error = error_of(Context.from_json, json.dumps(document))
    assert error.details == {"field": "context", "path": path}


@pytest.mark.parametrize("document", [None, [], "{}", 5, [SEED]])
def test_a_document_that_is_not_an_object_is_refused(document):
    error = error_of(context_from_document, document)
    assert error.details == {"field": "context", "path": "context"}
    assert error.message.startswith("context must be an object")


def test_a_non_string_data_key_is_refused():
    document = seed()
    document["data"][1] = "one"
    error = error_of(context_from_document, document)
    assert error.details == {"field": "context", "path": "context.data"}


def test_minimal_documents_load():
    context = context_from_document(
        {"data": {}, "chat_history": {"messages": [], "max_messages": 7}}
    )
    assert context == Context(chat_history=ChatHistory(max_messages=7))
    assert Context.from_json(Context().to_json()) == Context()


def test_unknown_keys_are_ignored_as_serde_does():
    document = seed()
    document["version"] = 2
    document["chat_history"]["summary"] = "..."
    document["chat_history"]["messages"][0]["tokens"] = 3
    assert context_to_document(context_from_document(document)) == SEED


# --- graph sessions ---


def test_new_generates_a_uuid4_id():
    first = GraphSession.new("claims", "start")
    second = GraphSession.new(graph_id="claims", current_task_id="start")
    assert str(uuid.UUID(first.id)) == first.id and uuid.UUID(first.id).version == 4
    assert first.id != second.id
    assert (first.graph_id, first.current_task_id, first.status_message) == (
        "claims",
        "start",
        None,
    )
    assert first.context == Context() and first.context is not second.context
    assert first.created_at is None and first.updated_at is None


def test_new_takes_an_id_a_status_message_and_a_context():
    context = context_from_document(seed())
    session = GraphSession.new(
        "g", "t", id="session-123", status_message="Processing...", context=context
    )
    assert session.id == "session-123"  # the storage, not the record, requires a UUID
    assert session.status_message == "Processing..."
    assert session.context is context


def test_the_constructor_and_defaults():
    session = GraphSession("id-1", "g", "t")
    assert session.status_message is None and session.context == Context()
    assert GraphSession("id-1", "g", "t").context is not session.context
    init_fields = [f.name for f in attrs.fields(GraphSession) if f.init]
    assert init_fields == ["id", "graph_id", "current_task_id", "status_message", "context"]
    with pytest.raises(TypeError):
        GraphSession("id-1", "g", "t", created_at=T0)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        GraphSession("id-1", "g", "t", updated_at=T0)  # type: ignore[call-arg]


def test_the_storage_timestamps_are_not_compared_nor_shown():
    first, second = GraphSession("id-1", "g", "t"), GraphSession("id-1", "g", "t")
    first.created_at = T0
    first.updated_at = T0 + timedelta(seconds=1)
    assert first == second
    assert "created_at" not in repr(first) and "updated_at" not in repr(first)
    assert GraphSession("id-2", "g", "t") != second


def test_the_storage_timestamps_are_aware_utc_or_none():
    session = GraphSession.new("g", "t")
    session.updated_at = datetime(
        2025, 6, 10, 19, 30, 48, 727954, tzinfo=timezone(timedelta(hours=2))
    )
    assert session.updated_at == T0 and session.updated_at.tzinfo is UTC
    session.updated_at = None
    assert error_of(setattr, session, "created_at", datetime(2025, 1, 1)).details == {
        "field": "created_at"
    }
    assert error_of(setattr, session, "created_at", "2025").details == {"field": "created_at"}


def test_a_session_is_mutable():
    session = GraphSession.new("claims", "start")
    session.current_task_id = "review"
    session.status_message = "Waiting for review"
    session.context.set("amount", 150)
    session.context.chat_history.add_user_message("about $150")
    session.context = Context(data={"fresh": True})
    assert session.current_task_id == "review" and session.status_message == "Waiting for review"
    assert session.context.get("fresh") is True
    with pytest.raises(TypeError):
        hash(session)  # mutable and compared by value: not hashable


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", None),
        ("id", uuid.uuid4()),
        ("graph_id", 1),
        ("current_task_id", None),
        ("status_message", 5),
        ("context", {"data": {}}),
    ],
)
def test_session_fields_are_type_checked(field, value):
    values = {"id": "id-1", "graph_id": "g", "current_task_id": "t"}
    assert error_of(GraphSession, **{**values, field: value}).details == {"field": field}
    session = GraphSession(**values)
    assert error_of(setattr, session, field, value).details == {"field": field}
