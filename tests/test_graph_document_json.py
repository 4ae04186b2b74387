"""context_from_json (asm/graph/document.py): a document as asm writes it is read typed by msgspec;
every document reads exactly as context_from_document reads its parsed JSON, errors included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from asm.errors import ValidationError
from asm.graph.document import context_from_document, context_from_json, context_to_document
from asm.graph.model import ChatHistory, Context

MESSAGE = {"role": "User", "content": "hi", "timestamp": "2025-01-02T03:04:05.123456Z"}


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"data": {"n": 12345678901234567890123, "x": [1.5, None, "s"]},
                           "chat_history": {"messages": [MESSAGE, {**MESSAGE, "role": "Assistant",
                                                                   "timestamp": "2025-01-02T03:04:06Z"}],
                                            "max_messages": 10}}
    doc.update(changes)
    return doc


def read_both(doc: Any) -> tuple[Any, Any]:
    """(what context_from_json gives, what context_from_document gives): a Context or the error."""
    text = json.dumps(doc)
    results = []
    for read in (lambda: context_from_json(text), lambda: context_from_document(json.loads(text))):
        try:
            results.append(read())
        except ValidationError as exc:
            results.append((type(exc), str(exc), exc.details))
    return results[0], results[1]


@pytest.mark.parametrize("doc", [
    document(),
    document(extra="ignored", data={}),
    document(chat_history={"messages": [], "max_messages": None}),
    document(chat_history={"messages": [{**MESSAGE, "extra": 1}], "max_messages": 1}),
    # not as asm writes it: read by the checking path, to the same Context
    document(chat_history={"messages": [{**MESSAGE, "timestamp": "2025-01-02T05:04:05.123456789+02:00"}],
                           "max_messages": None}),
    document(chat_history={"messages": [{**MESSAGE, "timestamp": "2025-01-02t03:04:05z"}], "max_messages": None}),
    # not a context: the same ValidationError, naming the path
    document(chat_history={"messages": [{**MESSAGE, "role": "Robot"}], "max_messages": None}),
    document(chat_history={"messages": [{**MESSAGE, "timestamp": "2025-02-30T00:00:00Z"}], "max_messages": None}),
    document(chat_history={"messages": [{**MESSAGE, "timestamp": "20250102T030405Z"}], "max_messages": None}),
    document(chat_history={"messages": [{**MESSAGE, "content": 5}], "max_messages": None}),
    document(chat_history={"messages": [MESSAGE], "max_messages": True}),
    document(chat_history={"messages": [MESSAGE], "max_messages": 0}),
    document(chat_history={"messages": [MESSAGE]}),
    document(data=[]),
    {"data": {}},
    [1, 2],
], ids=lambda doc: json.dumps(doc)[:60])
def test_a_document_reads_as_context_from_document_reads_it(doc: Any) -> None:
    fast, checked = read_both(doc)
    assert fast == checked
    if isinstance(fast, Context):
        assert isinstance(fast.chat_history, ChatHistory) and fast.data is not doc.get("data")


def test_a_written_context_reads_back_equal_and_resaves_unchanged() -> None:
    context = context_from_document(document(data={"x": [1.5, None, "s"], "n": 2**62}))
    text = json.dumps(context_to_document(context))
    again = context_from_json(text)
    assert again == context and context_to_document(again) == context_to_document(context)
    again.chat_history.add_user_message("more")  # the loaded history is a working one
    assert len(again.chat_history.messages) == 3


def test_text_that_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        context_from_json('{"data": ')
