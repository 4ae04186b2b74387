"""Graph-workflow sessions (CONTRACT §8): the seed's PostgresSessionStorage on any dialect."""

from asm.graph.operations import GraphSessionPage
from asm.graph.records import (
    ChatHistory,
    ChatMessage,
    Context,
    GraphSession,
    MessageRole,
    context_from_document,
    context_to_document,
)
from asm.graph.storage import AsyncGraphSessionStorage, GraphSessionStorage, PostgresSessionStorage

__all__ = [
    "AsyncGraphSessionStorage", "ChatHistory", "ChatMessage", "Context", "GraphSession",
    "GraphSessionPage", "GraphSessionStorage", "MessageRole", "PostgresSessionStorage",
    "context_from_document", "context_to_document",
]
