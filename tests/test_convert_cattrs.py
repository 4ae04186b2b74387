"""The converters are cattrs converters: their hooks are cattrs-generated, their errors
cattrs' structured errors read back as paths, the JSON converter writes export documents."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from cattrs.errors import ClassValidationError, IterableValidationError

from asm.convert import converter, json_converter, normalize_json
from asm.convert.errors import Invalid, NotJson, in_field, in_item, locate, record_error, render
from asm.convert.payload import unstructure_payload
from asm.errors import InvalidEventType, ValidationError
from asm.graph.document import context_from_document, context_to_document
from asm.graph.model import ChatHistory, ChatMessage, Context, MessageRole
from asm.records import Event, Run, Session

UTC = timezone.utc
WHEN = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def test_paths_are_read_from_cattrs_notes() -> None:
    leaf = NotJson("set is not a JSON value")
    group = in_field(in_item(in_item(leaf, 3, list), "items", dict), "data", Event)
    assert isinstance(group, ClassValidationError)
    steps, error = locate(group)
    assert steps == ["data", "items", 3] and error is leaf
    assert render("", steps) == "data.items[3]" and render("context", steps) == "context.data.items[3]"
    assert record_error(group).details == {"field": "data", "path": "data.items[3]"}


def test_the_payload_hook_raises_cattrs_groups() -> None:
    with pytest.raises(IterableValidationError) as info:
        unstructure_payload({"a": [1, {2}]})
    steps, error = locate(info.value)
    assert steps == ["a", 1] and isinstance(error, NotJson)
    with pytest.raises(ValidationError) as caught:
        normalize_json({"a": [1, {2}]}, "meta")
    assert caught.value.details == {"field": "meta", "path": "meta.a[1]"}


def test_the_json_converter_writes_timestamps_as_text_and_reads_them_back() -> None:
    run = Run.new(session_id="s", status="completed", started_at=WHEN, ended_at=WHEN, output={"n": 1})
    document = json_converter.unstructure(run)
    assert document["started_at"] == document["ended_at"] == "2024-03-01T09:30:00.123456Z"
    assert document["status"] == "completed" and document["input"] is None
    assert json.loads(json.dumps(document)) == document
    assert json_converter.structure(document, Run) == run
    # The dict converter keeps them as datetimes.
    assert converter.unstructure(run)["started_at"] == WHEN


def test_structuring_errors_are_asm_errors_naming_the_field() -> None:
    document = json_converter.unstructure(Event.new(type="message_sent", session_id="s"))
    with pytest.raises(InvalidEventType) as info:
        json_converter.structure({**document, "type": "shouted"}, Event)
    assert info.value.details["field"] == "type"
    with pytest.raises(ValidationError) as caught:
        json_converter.structure({**document, "timestamp": "2024-01-01T00:00:00"}, Event)
    assert caught.value.details == {"field": "timestamp"}
    assert caught.value.message.startswith("timestamp is not a timestamp with a timezone")
    del document["session_id"]
    with pytest.raises(ValidationError) as caught:
        json_converter.structure(document, Event)
    assert caught.value.message == "session_id is missing"


def test_plain_fields_reach_the_record_unconverted() -> None:
    # cattrs' str hook would make "5" of 5: the record's own validator refuses it instead.
    with pytest.raises(ValidationError) as info:
        converter.structure({"agent_id": 5}, Session)
    assert info.value.details["field"] == "agent_id"


def test_the_message_list_fast_path_and_the_general_path_agree() -> None:
    written = {"role": "User", "content": "hi", "timestamp": "2025-06-10T17:30:48.727954Z"}
    offset = {"role": "Assistant", "content": "yo", "timestamp": "2025-06-10T19:30:48.5+02:00",
              "extra": True}
    history = {"messages": [written, offset, written], "max_messages": None}
    context = context_from_document({"data": {}, "chat_history": history})
    assert [m.role for m in context.chat_history.messages] == [
        MessageRole.USER, MessageRole.ASSISTANT, MessageRole.USER]
    assert context.chat_history.messages[1].timestamp == datetime(2025, 6, 10, 17, 30, 48, 500000, tzinfo=UTC)
    assert all(type(m) is ChatMessage for m in context.chat_history.messages)
    fast = context_from_document({"data": {}, "chat_history": {"messages": [written], "max_messages": 3}})
    assert fast.chat_history == ChatHistory([ChatMessage("User", "hi", datetime.fromisoformat(
        "2025-06-10T17:30:48.727954+00:00"))], max_messages=3)
    assert context_to_document(fast)["chat_history"]["messages"] == [written]


def test_a_context_through_the_projects_converter() -> None:
    context = Context(data={"a": [1]})
    context.chat_history.add_user_message("hi")
    document = converter.unstructure(context)
    assert converter.structure(document, Context) == context


def test_hook_errors_are_value_errors() -> None:
    assert issubclass(Invalid, ValueError) and issubclass(NotJson, Invalid)
