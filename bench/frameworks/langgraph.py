"""LangGraph: its own savers (PostgresSaver on PostgreSQL, SqliteSaver on SQLite) against asm's AsmSaver.

The workload of issue 19: a chat thread whose `messages` channel holds the whole conversation, as
LangGraph's `add_messages` reducer keeps it, so `history` is the number of messages already in the
thread (LangChain HumanMessage/AIMessage objects, alternating, each with an id and 200-400
characters of text). Both savers run on the same database, default settings, sync API.

Each backend gets its own thread, prefilled with ONE checkpoint whose `messages` channel holds
`history` messages (plus an unchanged `config` channel) and its `put_writes`; then `calls` appends
and `calls` reads, the two backends taking turns in runs of BLOCK calls (bench/timing.py); then,
on threads of their own prefilled alike, `calls` appends each after a PAUSE.

An append is one graph step as LangGraph runs it: `merged = previous.copy(); merged.append(new)`
(the same message objects as the step before plus one new one: what `add_messages` returns), a
`put` of the checkpoint holding `merged` under a new `messages` version (the `config` version
unchanged), then `put_writes([("messages", [new])], task_id)`. The list grows by one message per
append, from `history`. A read is `get_tuple` of the thread's latest checkpoint (what each
`invoke` loads first).

MySQL/MariaDB: LangGraph ships no saver for it, so asm's row there is timed alone (its `note` says so).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple, empty_checkpoint

import asm
from asm.drivers.urls import parse_url
from asm.integrations.langgraph import AsmSaver
from bench.frameworks import BLOCK, PAUSE
from bench.timing import measure as alternate
from bench.timing import median, p95

# Sliced to give each message 200-400 characters of text, varying from message to message.
_TEXT = (
    "Thanks, that helps. I checked the order history for the account and the parcel left the "
    "warehouse on Tuesday, but the carrier has not scanned it since it reached the regional hub. "
    "Could you confirm the delivery address is still the one on file, and whether you would "
    "rather wait two more days or have a replacement sent by express? If the original arrives "
    "after all, you can refuse it at the door and the refund goes through on its own within a week."
)
_CONFIG = {"model": "scripted", "temperature": 0}


def _message(i: int) -> BaseMessage:
    """The thread's i-th message: a user turn on even i, the assistant's on odd i."""
    content = f"message {i}: " + _TEXT[: 200 + (i * 37) % 180]
    return HumanMessage(content=content, id=f"m{i}") if i % 2 == 0 else AIMessage(content=content, id=f"m{i}")


class Thread:
    """One LangGraph thread driven step by step, as a graph's loop would."""

    def __init__(self, saver: BaseCheckpointSaver[Any], thread_id: str):
        self.saver = saver
        self.config: RunnableConfig = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        self.versions: dict[str, Any] = {}
        self.step = -1

    def put(self, messages: list[BaseMessage], written: list[BaseMessage]) -> None:
        """One step: the checkpoint holding `messages` (a new version of the channel), then the
        step's pending write of `written` to it."""
        checkpoint = empty_checkpoint()
        changed = {"messages": self.saver.get_next_version(self.versions.get("messages"), None)}
        if "config" not in self.versions:
            changed["config"] = self.saver.get_next_version(None, None)
        self.versions.update(changed)
        checkpoint["channel_versions"] = dict(self.versions)
        checkpoint["channel_values"] = {"messages": messages, "config": _CONFIG}
        metadata: Any = {"source": "loop", "step": self.step, "parents": {}}
        self.config = self.saver.put(self.config, checkpoint, metadata, changed)
        self.saver.put_writes(self.config, [("messages", written)], str(uuid.uuid4()))
        self.step += 1

    def read(self) -> CheckpointTuple | None:
        configurable = {k: v for k, v in self.config["configurable"].items() if k != "checkpoint_id"}
        return self.saver.get_tuple({"configurable": configurable})


def _prefill(thread: Thread, history: int) -> list[BaseMessage]:
    """One checkpoint whose `messages` holds `history` messages; the list object, to grow from."""
    messages = [_message(i) for i in range(history)]
    thread.put(messages, messages[-1:])
    return messages


def _own_saver(url: str, stack: ExitStack) -> tuple[BaseCheckpointSaver[Any] | None, str]:
    parsed = parse_url(url)
    if parsed.dialect == "postgres":
        from langgraph.checkpoint.postgres import PostgresSaver

        saver: BaseCheckpointSaver[Any] = stack.enter_context(PostgresSaver.from_conn_string(parsed.conninfo()))
        saver.setup()  # type: ignore[attr-defined]
        return saver, "PostgresSaver"
    if parsed.dialect == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        conn = sqlite3.connect(parsed.database, check_same_thread=False)
        stack.callback(conn.close)
        return SqliteSaver(conn), "SqliteSaver"
    return None, "LangGraph has no MySQL/MariaDB saver: asm timed alone"


def _row(backend: str, history: int, appends: list[float], reads: list[float], idle: list[float],
         own: str) -> dict[str, Any]:
    row: dict[str, Any] = {"framework": "langgraph", "backend": backend, "history": history,
                           "own_backend": own if backend == "own" else "AsmSaver"}
    for name, values in (("append", appends), ("read", reads), ("idle_append", idle)):
        row[f"{name}_ms"] = median(values) * 1e3 if values else None
        row[f"{name}_p95_ms"] = p95(values) * 1e3 if values else None
    return row


class Steps:
    """Each backend's thread, prefilled with `history` messages, and its timed calls: `step(side)`
    grows the list by one message per call (made ahead, outside the timing, as a node would),
    `read(side)` loads the latest checkpoint."""

    def __init__(self, savers: dict[str, BaseCheckpointSaver[Any]], history: int, calls: int):
        tag = uuid.uuid4().hex[:8]
        self.threads = {side: Thread(saver, f"{side}-{history}-{tag}") for side, saver in savers.items()}
        self.grown = {side: _prefill(thread, history) for side, thread in self.threads.items()}
        self.fresh = {side: [_message(history + i) for i in range(calls)] for side in self.threads}

    def step(self, side: str) -> Callable[[int], object]:
        thread = self.threads[side]

        def call(i: int) -> None:
            new = self.fresh[side][i]
            merged = self.grown[side].copy()
            merged.append(new)
            thread.put(merged, [new])
            self.grown[side] = merged
        return call

    def read(self, side: str) -> Callable[[int], object]:
        thread = self.threads[side]
        return lambda i: thread.read()


def _alone(call: Callable[[int], object], calls: int, warmup: int, pause: float = 0.0) -> list[float]:
    timings = alternate(call, lambda i: None, calls, warmup, pause=pause)
    return timings.asm


def measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    """Rows of both backends (asm alone on MySQL) per history size; times in ms (median, p95).
    The idle appends run on threads of their own, prefilled alike, so they start from `history`."""
    rows: list[dict[str, Any]] = []
    warmup = max(3, calls // 10)
    with ExitStack() as stack:
        store = stack.enter_context(asm.connect(url, migrate=True))
        savers: dict[str, BaseCheckpointSaver[Any]] = {"asm": AsmSaver(store)}
        own, own_name = _own_saver(url, stack)
        if own is not None:
            savers["own"] = own
        for history in histories:
            busy, idle = Steps(savers, history, warmup + calls), Steps(savers, history, warmup + calls)
            if own is None:
                row = _row("asm", history, _alone(busy.step("asm"), calls, warmup),
                           _alone(busy.read("asm"), calls, warmup),
                           _alone(idle.step("asm"), calls, warmup, PAUSE), own_name)
                row["note"] = own_name
                rows.append(row)
                continue
            append_t = alternate(busy.step("asm"), busy.step("own"), calls, warmup, BLOCK)
            read_t = alternate(busy.read("asm"), busy.read("own"), calls, warmup, BLOCK)
            idle_t = alternate(idle.step("asm"), idle.step("own"), calls, warmup, pause=PAUSE)
            rows.append(_row("own", history, append_t.floor, read_t.floor, idle_t.floor, own_name))
            rows.append(_row("asm", history, append_t.asm, read_t.asm, idle_t.asm, own_name))
    return rows
