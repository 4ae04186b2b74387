"""Graph-workflow sessions (docs/behaviour.md#graph-sessions): the PostgresSessionStorage of a Rust
graph-workflow library (docs/origins.md), on any dialect."""

from asm.graph.async_storage import AsyncGraphSessionStorage
from asm.graph.document import context_from_document, context_to_document
from asm.graph.model import ChatHistory, ChatMessage, Context, GraphSession, MessageRole
from asm.graph.operations import GraphSessionPage
from asm.graph.storage import GraphSessionStorage

# The name of the original (Rust, PostgreSQL) storage, for code written against it.
PostgresSessionStorage = GraphSessionStorage

__all__ = [
    "AsyncGraphSessionStorage", "ChatHistory", "ChatMessage", "Context", "GraphSession",
    "GraphSessionPage", "GraphSessionStorage", "MessageRole", "PostgresSessionStorage",
    "context_from_document", "context_to_document",
]
