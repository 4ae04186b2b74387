"""asm.integrations.langgraph: LangGraph's own conformance kit against both savers on every dialect,
two writers on one thread, blobs stored once per version, time-based retention, a real graph, the
example, and `import asm` staying free of LangGraph."""

from __future__ import annotations

import asyncio
import operator
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, TypedDict
from uuid import uuid4

import pytest

pytest.importorskip("langgraph.checkpoint.conformance")

from langgraph.channels.delta import DeltaChannel  # noqa: E402
from langgraph.checkpoint.base import empty_checkpoint  # noqa: E402
from langgraph.checkpoint.conformance import checkpointer_test, validate  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402

import asm  # noqa: E402
from asm.integrations.langgraph import AsmSaver, AsyncAsmSaver  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("asm_langgraph_writes", "asm_langgraph_blobs", "asm_langgraph_checkpoints")


@pytest.fixture
def url(raw) -> str:
    for table in TABLES:
        raw.execute(f"DELETE FROM {table}")
    return raw.url


def run_conformance(make_saver) -> dict[str, Any]:
    """LangGraph's kit, every capability (a fresh saver per capability, as the kit asks)."""

    @checkpointer_test(name="asm")
    async def factory():
        async with make_saver() as saver:
            yield saver

    report = asyncio.run(validate(factory))
    return {cap: (r.passed, r.failures) for cap, r in report.results.items()}


ALL_PASSED = {cap: (True, []) for cap in ("put", "put_writes", "get_tuple", "list", "delete_thread",
                                           "delete_for_runs", "copy_thread", "prune")}


def test_conformance_of_the_sync_saver(url):
    store = asm.connect(url)
    try:
        class Sync:
            async def __aenter__(self):
                return AsmSaver(store)

            async def __aexit__(self, *exc):
                return None

        assert run_conformance(Sync) == ALL_PASSED
    finally:
        store.close()


def test_conformance_of_the_async_saver(url):
    class Async:
        async def __aenter__(self):
            self.saver = await AsyncAsmSaver.from_url(url)
            return self.saver

        async def __aexit__(self, *exc):
            await self.saver.close()

    assert run_conformance(Async) == ALL_PASSED


# -- what LangGraph's kit does not check ---------------------------------------------------------


def put_step(saver, thread_id: str, parent: dict | None, messages: list[str], step: int) -> dict:
    """One graph step as LangGraph saves it: a checkpoint whose list channel grew, and its writes."""
    checkpoint = empty_checkpoint()
    previous = saver.get_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    versions = dict(previous.checkpoint["channel_versions"]) if previous else {}
    versions["messages"] = saver.get_next_version(versions.get("messages"), None)
    versions.setdefault("config", saver.get_next_version(None, None))
    checkpoint["channel_versions"] = versions
    checkpoint["channel_values"] = {"messages": messages, "config": {"model": "scripted"}}
    new = {"messages": versions["messages"]} if previous else versions
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": "",
                               **({"checkpoint_id": parent["configurable"]["checkpoint_id"]} if parent else {})}}
    stored = saver.put(config, checkpoint, {"source": "loop", "step": step, "parents": {}}, new)
    saver.put_writes(stored, [("messages", [f"m{step}"])], str(uuid4()))
    return stored


def test_each_channel_value_is_stored_once_per_version(url, raw):
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        parent = None
        for step in range(5):
            parent = put_step(saver, "t1", parent, [f"m{i}" for i in range(step + 1)], step)
        latest = saver.get_tuple({"configurable": {"thread_id": "t1", "checkpoint_ns": ""}})
    assert latest.checkpoint["channel_values"]["messages"] == ["m0", "m1", "m2", "m3", "m4"]
    assert latest.checkpoint["channel_values"]["config"] == {"model": "scripted"}
    assert latest.pending_writes[0][1:] == ("messages", ["m4"])
    # The unchanged channel once, the growing one once per step; no checkpoint rewrote another.
    counts = dict(raw.execute("SELECT channel, COUNT(*) FROM asm_langgraph_blobs GROUP BY channel"))
    assert counts == {"config": 1, "messages": 5}
    assert raw.scalar("SELECT COUNT(*) FROM asm_langgraph_checkpoints") == 5


def run_at_once(writer, count: int) -> None:
    """`writer(n)` for n in range(count), each in a thread of its own, all at once; their errors fail the test."""
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            writer(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []


def test_two_writers_on_one_thread_lose_nothing(url):
    """Two processes (here: two stores in two threads) run steps on the same thread at once."""
    stored: dict[int, list[dict]] = {0: [], 1: []}

    def writer(n: int) -> None:
        with asm.connect(url) as store:
            saver = AsmSaver(store)
            for step in range(15):
                config = put_step(saver, "shared", None, [f"w{n}-{step}"], step)
                stored[n].append(config)
                # The same checkpoint saved twice (a retried step) changes nothing.
                if step == 7:
                    saver.put_writes(config, [("messages", [f"m{step}"])], "retry-task")
                    saver.put_writes(config, [("messages", [f"m{step}"])], "retry-task")

    run_at_once(writer, 2)
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        listed = list(saver.list({"configurable": {"thread_id": "shared"}}))
        assert len(listed) == 30
        ids = [t.checkpoint["id"] for t in listed]
        assert ids == sorted(ids, reverse=True)
        for n in (0, 1):
            for step, config in enumerate(stored[n]):
                got = saver.get_tuple(config)
                assert got.checkpoint["channel_values"]["messages"] == [f"w{n}-{step}"]
                expected = 2 if step == 7 else 1
                assert len(got.pending_writes) == expected


def test_two_async_writers_on_one_thread_lose_nothing(url):
    async def main() -> int:
        async with await AsyncAsmSaver.from_url(url) as saver:
            async def writer(n: int) -> None:
                for step in range(10):
                    checkpoint = empty_checkpoint()
                    checkpoint["channel_values"] = {"messages": [f"w{n}-{step}"]}
                    checkpoint["channel_versions"] = {"messages": saver.get_next_version(None, None)}
                    config = {"configurable": {"thread_id": "shared", "checkpoint_ns": ""}}
                    stored = await saver.aput(config, checkpoint, {"step": step}, checkpoint["channel_versions"])
                    await saver.aput_writes(stored, [("messages", ["x"])], f"task-{n}")

            await asyncio.gather(writer(0), writer(1))
            return len([t async for t in saver.alist({"configurable": {"thread_id": "shared"}})])

    assert asyncio.run(main()) == 20


def test_old_threads_go_with_time_based_retention(url, raw, dialect):
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        for thread in ("old-1", "old-2", "old-3", "recent"):
            put_step(saver, thread, None, ["hi"], 0)
        # An old thread that got a new checkpoint today is not expired.
        put_step(saver, "resumed", None, ["hi"], 0)
        long_ago = {"sqlite": "2001-01-01T00:00:00.000000Z"}.get(dialect, "2001-01-01 00:00:00")
        raw.execute("UPDATE asm_langgraph_checkpoints SET created_at = ? WHERE thread_id <> 'recent'", long_ago)
        put_step(saver, "resumed", None, ["again"], 1)
        assert saver.delete_expired_threads(30, batch_size=2) == 3
        left = {row[0] for row in raw.execute("SELECT DISTINCT thread_id FROM asm_langgraph_checkpoints")}
        assert left == {"recent", "resumed"}
        assert {row[0] for row in raw.execute("SELECT DISTINCT thread_id FROM asm_langgraph_blobs")} == left
        assert saver.delete_expired_threads(30) == 0
        with pytest.raises(asm.ValidationError):
            saver.delete_expired_threads(0)


def test_bad_arguments_are_asm_errors_before_any_sql(url):
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        with pytest.raises(asm.ValidationError, match="thread_id"):
            saver.get_tuple({"configurable": {"thread_id": "x" * 256, "checkpoint_ns": ""}})
        with pytest.raises(asm.ValidationError, match="strategy"):
            saver.prune(["t"], strategy="everything")
        with pytest.raises(asm.ValidationError, match="thread_ids"):
            saver.prune("t")
        with pytest.raises(asm.ValidationError):
            AsmSaver(object())  # type: ignore[arg-type]


class State(TypedDict):
    messages: Annotated[list[str], operator.add]


def build_graph():
    builder = StateGraph(State)
    builder.add_node("reply", lambda state: {"messages": [f"echo: {state['messages'][-1]}"]})
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    return builder


def test_a_graph_resumes_its_thread_from_another_saver(url):
    config = {"configurable": {"thread_id": "chat"}}
    with asm.connect(url) as store:
        build_graph().compile(checkpointer=AsmSaver(store)).invoke({"messages": ["hi"]}, config)
    with asm.connect(url) as store:
        graph = build_graph().compile(checkpointer=AsmSaver(store))
        state = graph.invoke({"messages": ["again"]}, config)
        assert state["messages"] == ["hi", "echo: hi", "again", "echo: again"]
        assert len(list(graph.get_state_history(config))) == 6


def test_an_async_graph_and_the_async_saver_s_sync_methods(url):
    config = {"configurable": {"thread_id": "chat"}}

    async def main() -> None:
        async with await AsyncAsmSaver.from_url(url) as saver:
            graph = build_graph().compile(checkpointer=saver)
            await graph.ainvoke({"messages": ["hi"]}, config)
            state = await graph.ainvoke({"messages": ["again"]}, config)
            assert state["messages"] == ["hi", "echo: hi", "again", "echo: again"]
            # The sync methods block the loop they need: refused there, fine from another thread.
            with pytest.raises(asyncio.InvalidStateError):
                saver.get_tuple(config)
            latest = await asyncio.to_thread(saver.get_tuple, config)
            assert latest.checkpoint["channel_values"]["messages"][-1] == "echo: again"

    asyncio.run(main())


def test_the_example_runs_offline():
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "langgraph_example.py")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "resumed with 4 messages; 6 checkpoints" in done.stdout


def test_import_asm_does_not_import_langgraph():
    code = ("import sys, asm, asm.integrations; "
            "assert not [m for m in sys.modules if m.startswith(('langgraph', 'asm.integrations.langgraph'))]")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- a list channel stored as the items it gained (asm/integrations/langgraph/tails.py) ------------


class Stepper:
    """A thread driven as LangGraph's loop drives it: each step puts every channel's value, with new
    versions for the channels it changed."""

    def __init__(self, saver, thread_id: str = "t") -> None:
        self.saver = saver
        self.config: dict = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        self.versions: dict[str, str] = {}
        self.steps = 0

    def put(self, values: dict[str, Any], changed: set[str]) -> dict:
        checkpoint = empty_checkpoint()
        new = {c: self.saver.get_next_version(self.versions.get(c), None) for c in changed}
        self.versions.update(new)
        checkpoint["channel_versions"] = dict(self.versions)
        checkpoint["channel_values"] = dict(values)
        self.config = self.saver.put(self.config, checkpoint, {"source": "loop", "step": self.steps, "parents": {}},
                                     new)
        self.steps += 1
        return self.config

    def grow(self, messages: list, count: int) -> list:
        """`count` steps each adding one item, as add_messages does (a copy keeping the items)."""
        for _ in range(count):
            messages = messages.copy()
            messages.append({"n": len(messages), "text": f"message {len(messages)}"})
            self.put({"messages": messages}, {"messages"})
        return messages


def blob_types(raw, thread_id: str = "t") -> list[str]:
    return [row[0] for row in raw.execute(
        "SELECT type FROM asm_langgraph_blobs WHERE thread_id = ? AND channel = 'messages' ORDER BY version",
        thread_id)]


def read_messages(url: str, config: dict) -> list:
    """The list as a saver that never saw the thread reads it."""
    with asm.connect(url) as store:
        got = AsmSaver(store).get_tuple(config)
    assert "asm_list_chains" not in got.checkpoint
    return got.checkpoint["channel_values"]["messages"]


def test_a_growing_list_is_stored_as_the_items_it_gained(url, raw):
    with asm.connect(url) as store:
        steps = Stepper(AsmSaver(store))
        messages = steps.grow([], 40)
    types = blob_types(raw)
    # Whole at the first step and at every 32nd (a value is built from 32 rows at most); the other 38
    # steps store one message each.
    assert [i for i, t in enumerate(types) if not t.startswith("asm-tail:")] == [0, 32]
    assert len(types) == 40
    biggest_tail = raw.scalar("SELECT MAX(LENGTH(payload)) FROM asm_langgraph_blobs WHERE type LIKE 'asm-tail:%'")
    assert biggest_tail < 150
    assert read_messages(url, steps.config) == messages
    with asm.connect(url) as store:
        listed = list(AsmSaver(store).list({"configurable": {"thread_id": "t"}}))
    assert [len(t.checkpoint["channel_values"]["messages"]) for t in listed] == list(range(40, 0, -1))


def test_random_edits_of_a_list_read_back_exactly(url):
    """Appends, replaced items, removals and steps that leave the list alone, in a seeded random mix:
    every checkpoint reads back as it was put, from the writing saver and from a fresh one."""
    import random

    rng = random.Random(19)
    expected: list[tuple[dict, list, int]] = []
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        steps = Stepper(saver)
        messages: list = []
        counter = 0
        for n in range(150):
            action = rng.choice(["append", "append", "append", "extend", "replace", "drop", "keep"])
            messages = messages.copy()
            changed = {"messages"}
            if action == "append" or not messages:
                messages.append({"n": n})
            elif action == "extend":
                messages.extend({"n": n, "k": k} for k in range(rng.randint(2, 4)))
            elif action == "replace":
                messages[rng.randrange(len(messages))] = {"n": n, "replaced": True}
            elif action == "drop":
                messages.pop(rng.randrange(len(messages)))
            else:
                changed = {"counter"}
            counter += 1
            config = steps.put({"messages": messages, "counter": {"value": counter}}, changed | {"counter"})
            expected.append((config, list(messages), counter))
        for config, want, count in expected:
            got = saver.get_tuple(config).checkpoint["channel_values"]
            assert (got["messages"], got["counter"]) == (want, {"value": count})
    for config, want, _ in expected[::7]:
        assert read_messages(url, config) == want


def test_prune_keeps_the_rows_the_latest_value_is_built_from(url, raw):
    with asm.connect(url) as store:
        writer = AsmSaver(store)
        steps = Stepper(writer)
        messages = steps.grow([], 35)  # whole at steps 0 and 32, then two tails
        AsmSaver(store).prune(["t"])  # another saver: the writer still remembers its list
        assert len(blob_types(raw)) == 3
        assert read_messages(url, steps.config) == messages
        messages = steps.grow(messages, 2)  # tails on the kept rows
        writer.prune(["t"])
        assert len(blob_types(raw)) == 5
        assert read_messages(url, steps.config) == messages


def test_a_copied_thread_reads_back_from_its_tails(url):
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        steps = Stepper(saver)
        messages = steps.grow([], 5)
        saver.copy_thread("t", "copy")
    assert read_messages(url, {"configurable": {"thread_id": "copy", "checkpoint_ns": ""}}) == messages


def test_a_tail_whose_base_is_gone_is_a_read_error_not_a_shorter_list(url, raw):
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        steps = Stepper(saver)
        steps.grow([], 3)
        raw.execute("DELETE FROM asm_langgraph_blobs WHERE type NOT LIKE 'asm-tail:%'")
        with pytest.raises(asm.StorageReadFailed, match="which is gone"):
            saver.get_tuple(steps.config)
    with pytest.raises(asm.StorageReadFailed, match="which is gone"):
        read_messages(url, steps.config)


def test_with_the_cache_off_every_list_is_stored_whole(url, raw):
    with asm.connect(url) as store:
        steps = Stepper(AsmSaver(store, list_cache_items=0))
        messages = steps.grow([], 4)
        assert not [t for t in blob_types(raw) if t.startswith("asm-tail:")]
        assert read_messages(url, steps.config) == messages
        with pytest.raises(asm.ValidationError, match="list_cache_items"):
            AsmSaver(store, list_cache_items=-1)


def test_a_thread_read_first_then_grown_stores_tails(url, raw):
    """A new process resuming a thread: what get_tuple returned is what the next step extends."""
    with asm.connect(url) as store:
        steps = Stepper(AsmSaver(store))
        steps.grow([], 2)
    with asm.connect(url) as store:
        resumed = Stepper(AsmSaver(store))
        resumed.versions = dict(steps.versions)
        latest = resumed.saver.get_tuple(steps.config)
        messages = resumed.grow(latest.checkpoint["channel_values"]["messages"], 2)
    assert blob_types(raw) == ["msgpack", "asm-tail:msgpack", "asm-tail:msgpack", "asm-tail:msgpack"]
    assert read_messages(url, resumed.config) == messages


def test_the_async_saver_stores_tails_too(url, raw):
    async def main() -> list:
        async with await AsyncAsmSaver.from_url(url) as saver:
            config = {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}
            messages: list = []
            version = None
            for n in range(3):
                messages = [*messages, {"n": n}]
                checkpoint = empty_checkpoint()
                version = saver.get_next_version(version, None)
                checkpoint["channel_versions"] = {"messages": version}
                checkpoint["channel_values"] = {"messages": messages}
                config = await saver.aput(config, checkpoint, {"step": n}, {"messages": version})
            got = await saver.aget_tuple(config)
            assert got.checkpoint["channel_values"]["messages"] == messages
            return messages

    messages = asyncio.run(main())
    assert blob_types(raw) == ["msgpack", "asm-tail:msgpack", "asm-tail:msgpack"]
    assert read_messages(url, {"configurable": {"thread_id": "t", "checkpoint_ns": ""}}) == messages


def test_a_chat_graph_with_add_messages_stores_tails_and_resumes_elsewhere(url, raw):
    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.graph import MessagesState

    def reply(state: MessagesState) -> dict:
        last = state["messages"][-1]
        if last.content == "fix your last answer":  # a message changed by id: add_messages replaces it
            previous = state["messages"][-2]
            return {"messages": [AIMessage(content="fixed", id=previous.id)]}
        return {"messages": [AIMessage(content=f"echo: {last.content}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    config = {"configurable": {"thread_id": "chat"}}
    with asm.connect(url) as store:
        graph = builder.compile(checkpointer=AsmSaver(store))
        for turn in range(4):
            graph.invoke({"messages": [HumanMessage(content=f"turn {turn}")]}, config)
        state = graph.invoke({"messages": [HumanMessage(content="fix your last answer")]}, config)
    assert [m.content for m in state["messages"]][-3:] == ["turn 3", "fixed", "fix your last answer"]
    assert "asm-tail:msgpack" in blob_types(raw, "chat")
    with asm.connect(url) as store:
        graph = builder.compile(checkpointer=AsmSaver(store))
        resumed = graph.invoke({"messages": [HumanMessage(content="again")]}, config)
    contents = [m.content for m in resumed["messages"]]
    assert contents == ["turn 0", "echo: turn 0", "turn 1", "echo: turn 1", "turn 2", "echo: turn 2", "turn 3",
                        "fixed", "fix your last answer", "again", "echo: again"]


def test_two_writers_growing_lists_on_one_thread_read_back_exactly(url):
    """Two processes (two stores, two savers, two threads of control) each grow their own list on
    the same LangGraph thread at once: each stores tails on its own rows, and every checkpoint of
    both reads back as it was put."""
    stored: dict[int, list[tuple[dict, list]]] = {0: [], 1: []}

    def writer(n: int) -> None:
        with asm.connect(url) as store:
            steps = Stepper(AsmSaver(store), "shared")
            messages: list = []
            for step in range(40):
                messages = [*messages, {"writer": n, "step": step}]
                stored[n].append((steps.put({"messages": messages}, {"messages"}), messages))

    run_at_once(writer, 2)
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        for n in (0, 1):
            for config, messages in stored[n]:
                assert saver.get_tuple(config).checkpoint["channel_values"]["messages"] == messages


def test_a_fork_and_a_subgraph_read_back_as_langgraph_s_in_memory_saver_has_them(url, raw):
    """Time travel (a run resumed from an older checkpoint) and a subgraph keeping its own state in
    its namespace: every state of the thread reads back, from a saver that never saw the lists,
    exactly as LangGraph's InMemorySaver holds it after the same runs."""
    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import MessagesState

    def contents(state: Any) -> list[str]:
        return [m.content for m in state.values.get("messages", [])]

    inner = StateGraph(MessagesState)
    inner.add_node("think", lambda state: {"messages": [AIMessage(content=f"thought {len(state['messages'])}")]})
    inner.add_edge(START, "think")
    outer = StateGraph(MessagesState)
    outer.add_node("sub", inner.compile(checkpointer=True))
    outer.add_node("reply", lambda state: {"messages": [AIMessage(content=f"reply {len(state['messages'])}")]})
    outer.add_edge(START, "sub")
    outer.add_edge("sub", "reply")
    outer.add_edge("reply", END)
    config = {"configurable": {"thread_id": "fork"}}

    def run(saver) -> list[list[str]]:
        graph = outer.compile(checkpointer=saver)
        for turn in range(3):
            graph.invoke({"messages": [HumanMessage(content=f"turn {turn}", id=f"h{turn}")]}, config)
        first = next(s for s in graph.get_state_history(config) if contents(s) == ["turn 0", "thought 1", "reply 2"])
        graph.invoke({"messages": [HumanMessage(content="other turn", id="other")]}, first.config)
        return [contents(s) for s in graph.get_state_history(config)]

    expected = run(InMemorySaver())
    with asm.connect(url) as store:
        assert run(AsmSaver(store)) == expected
    assert {t for t in blob_types(raw, "fork")} == {"msgpack", "asm-tail:msgpack"}
    assert raw.scalar("SELECT COUNT(*) FROM asm_langgraph_blobs WHERE checkpoint_ns <> '' AND type LIKE 'asm-tail:%'")
    with asm.connect(url) as store:
        fresh = outer.compile(checkpointer=AsmSaver(store, list_cache_items=0))
        assert [contents(s) for s in fresh.get_state_history(config)] == expected


# -- DeltaChannel (beta in LangGraph): the ancestor walk in a few queries ---------------------------


def extend(state: list, writes: list) -> list:
    return [*state, *(item for write in writes for item in write)]


class DeltaState(TypedDict):
    items: Annotated[list, DeltaChannel(extend, snapshot_frequency=3)]
    count: int


def delta_graph():
    builder = StateGraph(DeltaState)
    builder.add_node("add", lambda state: {"items": [f"item {len(state.get('items') or [])}"],
                                           "count": state.get("count", 0) + 1})
    builder.add_edge(START, "add")
    builder.add_edge("add", END)
    return builder


def delta_runs(graph, config: dict) -> list[list]:
    """Eight turns, then a turn resumed from the state after the second: every state's items."""
    for turn in range(8):
        graph.invoke({"items": [f"input {turn}"]}, config)
    second = [s for s in graph.get_state_history(config) if s.values.get("count") == 2 and not s.next][0]
    graph.invoke({"items": ["forked input"]}, second.config)
    return [s.values.get("items") for s in graph.get_state_history(config)]


def test_delta_channel_history_is_langgraph_s_walk_in_a_few_queries(url, dialect):
    """For every checkpoint of a DeltaChannel thread (snapshots, writes between them, a fork):
    asm's get_delta_channel_history returns what LangGraph's default walk returns, and the graph's
    states are the ones LangGraph's InMemorySaver keeps."""
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    from bench.roundtrips import count_round_trips

    config = {"configurable": {"thread_id": "delta"}}
    expected = delta_runs(delta_graph().compile(checkpointer=InMemorySaver()), config)
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        assert delta_runs(delta_graph().compile(checkpointer=saver), config) == expected
        checkpoints = list(saver.list(config))
        assert len(checkpoints) == len(expected)
        seeds = writes = 0
        for tup in checkpoints:
            for channels in (["items"], ["items", "count", "absent"], []):
                ours = saver.get_delta_channel_history(config=tup.config, channels=channels)
                walk = BaseCheckpointSaver.get_delta_channel_history(saver, config=tup.config, channels=channels)
                assert ours == walk
                if "items" in ours:
                    seeds += isinstance(ours["items"].get("seed"), _DeltaSnapshot)
                    writes += bool(ours["items"]["writes"])
        assert seeds and writes  # both kinds of history were compared
        # The latest state's walk: four queries (checkpoint, ancestors, snapshot, writes) where
        # LangGraph's default makes three per ancestor.
        def ours_call():
            return saver.get_delta_channel_history(config=config, channels=["items"])

        def walk_call():
            return BaseCheckpointSaver.get_delta_channel_history(saver, config=config, channels=["items"])

        ours_trips, walk_trips = count_round_trips(dialect, ours_call), count_round_trips(dialect, walk_call)
        if ours_trips is not None:
            assert ours_trips <= 4 < walk_trips
        assert saver.get_delta_channel_history(config=config, channels=["items"]) == \
            BaseCheckpointSaver.get_delta_channel_history(saver, config=config, channels=["items"])
        missing = {"configurable": {"thread_id": "none", "checkpoint_ns": ""}}
        assert saver.get_delta_channel_history(config=missing, channels=["items"]) == {"items": {"writes": []}}
    with asm.connect(url) as store:
        fresh = delta_graph().compile(checkpointer=AsmSaver(store))
        assert [s.values.get("items") for s in fresh.get_state_history(config)] == expected


def test_the_async_saver_walks_delta_channels_the_same(url):
    from langgraph.checkpoint.base import BaseCheckpointSaver

    config = {"configurable": {"thread_id": "delta"}}
    with asm.connect(url) as store:
        before = delta_runs(delta_graph().compile(checkpointer=AsmSaver(store)), config)[0]
    assert len(before) == 6

    async def main() -> None:
        async with await AsyncAsmSaver.from_url(url) as saver:
            async for tup in saver.alist(config):
                ours = await saver.aget_delta_channel_history(config=tup.config, channels=["items", "count"])
                walk = await BaseCheckpointSaver.aget_delta_channel_history(saver, config=tup.config,
                                                                            channels=["items", "count"])
                assert ours == walk
            graph = delta_graph().compile(checkpointer=saver)
            state = await graph.ainvoke({"items": ["async input"]}, config)
            # The latest state was the fork's: its six items, the input and the node's reply.
            assert state["items"] == [*before, "async input", "item 7"]

    asyncio.run(main())


def test_a_delta_walk_ends_where_an_ancestor_is_gone_as_langgraph_s_does(url, raw):
    from langgraph.checkpoint.base import BaseCheckpointSaver

    config = {"configurable": {"thread_id": "delta"}}
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        graph = delta_graph().compile(checkpointer=saver)
        for turn in range(5):
            graph.invoke({"items": [f"input {turn}"]}, config)
        ids = [t.config["configurable"]["checkpoint_id"] for t in saver.list(config)]
        raw.execute("DELETE FROM asm_langgraph_checkpoints WHERE checkpoint_id = ?", ids[4])
        ours = saver.get_delta_channel_history(config=config, channels=["items"])
        assert ours == BaseCheckpointSaver.get_delta_channel_history(saver, config=config, channels=["items"])
        assert len(ours["items"]["writes"]) == 1  # the one write to items stored between it and the gap


def test_rows_the_serde_cannot_read_are_storage_read_errors(url, raw):
    """A checkpoint body, a pending write or a channel value the saver's serde cannot read back
    raises asm's StorageReadFailed from get_tuple, list, prune and the DeltaChannel walk."""
    with asm.connect(url) as store:
        saver = AsmSaver(store)
        steps = Stepper(saver)
        steps.grow([], 2)
        saver.put_writes(steps.config, [("messages", ["x"])], "task-1")
        # Each table in turn, in the order a read decodes them last to first: the error names it.
        for table in ("asm_langgraph_writes", "asm_langgraph_blobs", "asm_langgraph_checkpoints"):
            raw.execute(f"UPDATE {table} SET type = 'no-such-serde'")
            with pytest.raises(asm.StorageReadFailed, match=table):
                saver.get_tuple(steps.config)
            with pytest.raises(asm.StorageReadFailed, match=table):
                list(saver.list({"configurable": {"thread_id": "t"}}))
        with pytest.raises(asm.StorageReadFailed, match="asm_langgraph_checkpoints"):
            saver.prune(["t"])
        with pytest.raises(asm.StorageReadFailed, match="asm_langgraph_checkpoints"):
            saver.get_delta_channel_history(config=steps.config, channels=["messages"])
