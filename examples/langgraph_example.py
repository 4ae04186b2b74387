"""A LangGraph graph checkpointed in asm, offline: no model, no network, a SQLite file in a temp dir.

    pip install 'asm[langgraph]'
    python examples/langgraph_example.py

The one line that changes from LangGraph's own backend is the checkpointer:
`AsmSaver(store)` instead of `PostgresSaver(conn)` / `SqliteSaver(conn)`. The same code runs
on PostgreSQL and MySQL/MariaDB with another URL.
"""

from __future__ import annotations

import operator
import tempfile
from pathlib import Path
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph

import asm
from asm.integrations.langgraph import AsmSaver


class State(TypedDict):
    messages: Annotated[list[str], operator.add]
    turns: int


def reply(state: State) -> dict[str, object]:
    # A scripted "model": it echoes the last message and counts the turns.
    return {"messages": [f"echo: {state['messages'][-1]}"], "turns": state.get("turns", 0) + 1}


def main(directory: str) -> None:
    url = f"sqlite:///{Path(directory) / 'agent.db'}"
    builder = StateGraph(State)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)

    with asm.connect(url, migrate=True) as store:
        graph = builder.compile(checkpointer=AsmSaver(store))
        config = {"configurable": {"thread_id": "conversation-1"}}
        graph.invoke({"messages": ["hello"], "turns": 0}, config)
        state = graph.invoke({"messages": ["how are you?"]}, config)
        print("messages:", state["messages"])
        print("turns:", state["turns"])

    # A new process (here: a new store and graph) resumes the thread where it stopped.
    with asm.connect(url) as store:
        graph = builder.compile(checkpointer=AsmSaver(store))
        snapshot = graph.get_state(config)
        history = list(graph.get_state_history(config))
        print("resumed with", len(snapshot.values["messages"]), "messages;", len(history), "checkpoints")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="asm-langgraph-") as tmp:
        main(tmp)
