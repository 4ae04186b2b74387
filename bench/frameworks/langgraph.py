"""LangGraph: its own savers (PostgresSaver on PostgreSQL, SqliteSaver on SQLite) against asm's AsmSaver.

Both on the same database, default settings, sync API. Each backend gets its own thread prefilled
with `history` checkpoints (one graph step each: a `messages` channel that changed, an unchanged
`config` channel, the step's pending write), then `calls` appends and `calls` reads, the two
backends taking turns call by call (bench/timing.py). An append is what LangGraph does per step: a
`put` of a checkpoint whose message list grew by one (from 20 messages), plus its `put_writes`. A
read is `get_tuple` of the thread's latest checkpoint (what each `invoke` loads first).

MySQL/MariaDB: LangGraph ships no saver for it, so asm's row there is timed alone (its `note` says so).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint

import asm
from asm.drivers.urls import parse_url
from asm.integrations.langgraph import AsmSaver
from bench.timing import measure as alternate
from bench.timing import median, p95

WINDOW = 20  # messages in the list a measured append starts from


def _message(i: int) -> dict[str, Any]:
    return {"role": "user" if i % 2 == 0 else "assistant", "content": f"message {i}: " + "lorem ipsum " * 8}


class Thread:
    """One LangGraph thread driven step by step, as a graph's loop would."""

    def __init__(self, saver: BaseCheckpointSaver[Any], thread_id: str):
        self.saver = saver
        self.config: dict[str, Any] = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        self.versions: dict[str, Any] = {}
        self.step = 0

    def append(self, messages: list[dict[str, Any]]) -> None:
        checkpoint = empty_checkpoint()
        changed = {"messages": self.saver.get_next_version(self.versions.get("messages"), None)}
        if "config" not in self.versions:
            changed["config"] = self.saver.get_next_version(None, None)
        self.versions.update(changed)
        checkpoint["channel_versions"] = dict(self.versions)
        checkpoint["channel_values"] = {"messages": messages, "config": {"model": "scripted", "temperature": 0}}
        metadata: Any = {"source": "loop", "step": self.step, "parents": {}}
        self.config = self.saver.put(self.config, checkpoint, metadata, changed)
        self.saver.put_writes(self.config, [("messages", messages[-1:])], str(uuid.uuid4()))
        self.step += 1

    def read(self) -> object:
        latest = {"configurable": {k: v for k, v in self.config["configurable"].items() if k != "checkpoint_id"}}
        return self.saver.get_tuple(latest)  # type: ignore[arg-type]


def _prefill(thread: Thread, history: int) -> None:
    for i in range(history):
        thread.append([_message(j) for j in range(max(0, i - 9), i + 1)])


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


def _row(backend: str, history: int, appends: list[float], reads: list[float], own: str) -> dict[str, Any]:
    row: dict[str, Any] = {"framework": "langgraph", "backend": backend, "history": history,
                           "own_backend": own if backend == "own" else "AsmSaver"}
    for name, values in (("append", appends), ("read", reads)):
        row[f"{name}_ms"] = median(values) * 1e3 if values else None
        row[f"{name}_p95_ms"] = p95(values) * 1e3 if values else None
    return row


def _alone(call: Callable[[int], object], calls: int, warmup: int) -> list[float]:
    timings = alternate(call, lambda i: None, calls, warmup)
    return timings.asm


def measure(url: str, histories: list[int], calls: int) -> list[dict[str, Any]]:
    """Rows of both backends (asm alone on MySQL) per history size; times in ms (median, p95)."""
    rows: list[dict[str, Any]] = []
    warmup = max(3, calls // 10)
    with ExitStack() as stack:
        store = stack.enter_context(asm.connect(url, migrate=True))
        ours = AsmSaver(store)
        own, own_name = _own_saver(url, stack)
        for history in histories:
            tag = uuid.uuid4().hex[:8]
            a = Thread(ours, f"asm-{history}-{tag}")
            _prefill(a, history)
            window = [_message(j) for j in range(WINDOW)]
            grown = {"asm": list(window), "own": list(window)}

            def step(thread: Thread, side: str) -> Callable[[int], object]:
                def call(i: int) -> None:
                    grown[side].append(_message(WINDOW + i))
                    thread.append(list(grown[side]))
                return call

            if own is None:
                appends, reads = _alone(step(a, "asm"), calls, warmup), _alone(lambda i: a.read(), calls, warmup)
                row = _row("asm", history, appends, reads, own_name)
                row["note"] = own_name
                rows.append(row)
                continue
            o = Thread(own, f"own-{history}-{tag}")
            _prefill(o, history)
            append_t = alternate(step(a, "asm"), step(o, "own"), calls, warmup)
            read_t = alternate(lambda i: a.read(), lambda i: o.read(), calls, warmup)
            rows.append(_row("own", history, append_t.floor, read_t.floor, own_name))
            rows.append(_row("asm", history, append_t.asm, read_t.asm, own_name))
    return rows

