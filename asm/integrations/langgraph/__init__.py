"""LangGraph checkpoint savers on asm (pip install 'asm[langgraph]'): `AsmSaver(store)` on a
`SessionStore`, `AsyncAsmSaver(store)` on an `AsyncSessionStore`, on PostgreSQL, SQLite and
MySQL/MariaDB, in the tables of migration 0006. `import asm` never imports this module.

    checkpointer = AsmSaver(asm.connect(url))            # instead of PostgresSaver(...)
    graph = builder.compile(checkpointer=checkpointer)

Each channel value is stored once per (channel, version) and a step writes only what it changed;
a list that only grew (a chat's `messages`) is stored as the items it gained (`tails.py`), so a
step costs the same at 10 messages or 10,000. PostgreSQL saves a checkpoint in one statement,
prepares nothing (so it works behind a transaction pooler) and the old threads go with
`delete_expired_threads`. The store logic is in `operations.py`, shared by both savers.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Self

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    get_checkpoint_id,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

import asm
from asm.arguments import optional_count
from asm.integrations.langgraph import operations as ops
from asm.integrations.langgraph import tails
from asm.store.async_session_store import AsyncSessionStore
from asm.store.session_store import SessionStore

__all__ = ["AsmSaver", "AsyncAsmSaver", "adelete_expired_threads", "delete_expired_threads"]

# Values of these types stay in the checkpoint body (small, cheap to repeat); others become blobs.
_INLINE = (str, int, float, bool)
# Items of list channels a saver remembers (their last stored or read values, by reference) to store a
# list that only grew as its new items (tails.py): about 1,000 threads of 100 messages.
LIST_CACHE_ITEMS = 100_000


# A list value to remember once its checkpoint is stored: (thread, namespace, channel) and what it holds.
_Remembered = tuple[tuple[str, str, str], tails.Seen]


class _Base(BaseCheckpointSaver[str]):
    """What both savers share: turning LangGraph's arguments into the operations' and back."""

    _lists: tails.ListCache

    def _put_args(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                  new_versions: ChannelVersions) -> tuple[tuple[Any, ...], list[_Remembered]]:
        """The put operation's arguments, and the list values to remember once it is stored."""
        configurable = config["configurable"]
        thread = (str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", "")))
        body: dict[str, Any] = dict(checkpoint)
        inline: dict[str, Any] = {}
        blobs: list[ops.Blob] = []
        hints: dict[str, list[str]] = {}
        stored: list[_Remembered] = []
        for channel, value in checkpoint["channel_values"].items():
            if value is None or isinstance(value, _INLINE):
                inline[channel] = value
                continue
            seen = self._lists.get((*thread, channel))
            if channel not in new_versions:
                # Unchanged since its version was stored, by an earlier checkpoint: name the rows it is built from.
                if tails.same_value(seen, value, str(checkpoint["channel_versions"].get(channel))):
                    assert seen is not None
                    hints[channel] = list(seen.chain[:-1])
                continue
            version = str(new_versions[channel])
            blob, chain = self._blob(channel, version, value, seen)
            blobs.append(blob)
            hints[channel] = list(chain[:-1])
            if isinstance(value, list):
                stored.append(((*thread, channel), tails.Seen(version, tuple(value), chain)))
        body["channel_values"] = inline
        if hints := {channel: versions for channel, versions in hints.items() if versions}:
            body[tails.HINTS] = hints
        kind, data = self.serde.dumps_typed(body)
        meta = dict(get_serializable_checkpoint_metadata(config, metadata))
        return (configurable["thread_id"], configurable.get("checkpoint_ns", ""), checkpoint["id"],
                configurable.get("checkpoint_id"), kind, data, meta, blobs), stored

    def _blob(self, channel: str, version: str, value: Any, seen: tails.Seen | None) -> tuple[ops.Blob, tuple[str, ...]]:
        """A changed channel's row (a list tail when the list only grew since `seen`), with the
        versions of the rows its value is built from."""
        gained = tails.new_items(seen, value, version)
        if gained is not None and seen is not None:
            kind, data = self.serde.dumps_typed(gained)
            tail = tails.encode(kind, data, seen)
            if tail is not None:
                return ops.Blob(channel, version, *tail), (*seen.chain, version)
        kind, data = self.serde.dumps_typed(value)
        if tails.same_value(seen, value, version):
            assert seen is not None  # saved again: the row stored first stays, and it is what seen says
            return ops.Blob(channel, version, kind, data), seen.chain
        return ops.Blob(channel, version, kind, data), (version,)

    @contextmanager
    def _deleting(self, thread_ids: Sequence[str]) -> Iterator[Sequence[str]]:
        """Around a delete of these threads' rows: forget their lists (a tail must not extend a deleted
        row), before and after, so a step that ended meanwhile is forgotten too. Yields the ids as a
        list, or as given when the operation is to refuse them."""
        if isinstance(thread_ids, (str, bytes)):
            yield thread_ids
            return
        try:
            ids = list(thread_ids)
        except TypeError:
            yield thread_ids
            return
        keys = {str(t) for t in ids}
        self._lists.forget_threads(keys)
        try:
            yield ids
        finally:
            self._lists.forget_threads(keys)

    @staticmethod
    def _histories(found: dict[str, ops.History]) -> dict[str, DeltaChannelHistory]:
        histories: dict[str, DeltaChannelHistory] = {}
        for channel, history in found.items():
            entry: DeltaChannelHistory = {"writes": history.writes}
            if history.has_seed:
                entry["seed"] = history.seed
            histories[channel] = entry
        return histories

    def _remember(self, stored: list[_Remembered]) -> None:
        for key, seen in stored:
            self._lists.remember(key, seen)

    def _remember_read(self, loaded: ops.Loaded) -> None:
        for channel, seen in loaded.lists.items():
            self._lists.remember((loaded.thread_id, loaded.checkpoint_ns, channel), seen)

    def _writes_args(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                     task_path: str) -> tuple[Any, ...]:
        configurable = config["configurable"]
        rows = []
        for idx, (channel, value) in enumerate(writes):
            kind, data = self.serde.dumps_typed(value)
            rows.append(ops.Write(WRITES_IDX_MAP.get(channel, idx), channel, kind, data))
        # Writes to the special channels (errors, interrupts, ...) replace a stored one; others are kept.
        replace = all(channel in WRITES_IDX_MAP for channel, _ in writes)
        return (configurable["thread_id"], configurable.get("checkpoint_ns", ""), configurable["checkpoint_id"],
                task_id, task_path, rows, replace)

    @staticmethod
    def _next_config(config: RunnableConfig, checkpoint: Checkpoint) -> RunnableConfig:
        configurable = config["configurable"]
        return {"configurable": {"thread_id": configurable["thread_id"],
                                 "checkpoint_ns": configurable.get("checkpoint_ns", ""),
                                 "checkpoint_id": checkpoint["id"]}}

    @staticmethod
    def _get_args(config: RunnableConfig) -> tuple[Any, ...]:
        configurable = config["configurable"]
        return configurable["thread_id"], configurable.get("checkpoint_ns", ""), get_checkpoint_id(config)

    @staticmethod
    def _list_args(config: RunnableConfig | None, filter: dict[str, Any] | None, before: RunnableConfig | None,
                   limit: int | None) -> tuple[Any, ...]:
        configurable = config["configurable"] if config else {}
        return (configurable.get("thread_id"), configurable.get("checkpoint_ns"),
                get_checkpoint_id(config) if config else None, filter,
                get_checkpoint_id(before) if before else None, limit)

    @staticmethod
    def _tuple(loaded: ops.Loaded) -> CheckpointTuple:
        def config(checkpoint_id: str) -> RunnableConfig:
            return {"configurable": {"thread_id": loaded.thread_id, "checkpoint_ns": loaded.checkpoint_ns,
                                     "checkpoint_id": checkpoint_id}}

        parent = loaded.parent_checkpoint_id
        return CheckpointTuple(config(loaded.checkpoint_id), loaded.checkpoint,  # type: ignore[arg-type]
                               loaded.metadata,  # type: ignore[arg-type]
                               config(parent) if parent else None, loaded.pending_writes)

    def get_next_version(self, current: str | None, channel: None) -> str:
        """A zero-padded counter (so versions sort as text) and a random tail: two forks that reach
        the same counter never share the blob of a (channel, version)."""
        if current is None:
            number = 0
        elif isinstance(current, int):
            number = current
        else:
            number = int(str(current).split(".")[0])
        return f"{number + 1:032}.{random.getrandbits(52):016x}"


class AsmSaver(_Base):
    """A LangGraph checkpointer on an asm `SessionStore` (all three dialects). Its async methods run
    the sync ones in a worker thread; in an asyncio application prefer `AsyncAsmSaver`."""

    def __init__(self, store: SessionStore, *, serde: SerializerProtocol | None = None,
                 list_cache_items: int = LIST_CACHE_ITEMS) -> None:
        if not isinstance(store, SessionStore):
            raise asm.ValidationError("AsmSaver needs an asm SessionStore (asm.connect(url)); "
                                      "for an AsyncSessionStore use AsyncAsmSaver", details={"field": "store"})
        super().__init__(serde=serde)
        self._lists = tails.ListCache(optional_count(list_cache_items, "list_cache_items") or 0)
        self.store = store
        self._owned = False

    @classmethod
    def from_url(cls, url: str, *, serde: SerializerProtocol | None = None,
                 list_cache_items: int = LIST_CACHE_ITEMS, **options: Any) -> Self:
        """A saver on a store of its own (`asm.connect(url, **options)`), closed by `close()` or `with`."""
        saver = cls(asm.connect(url, **options), serde=serde, list_cache_items=list_cache_items)
        saver._owned = True
        return saver

    def close(self) -> None:
        """Close the store if this saver opened it (from_url)."""
        if self._owned:
            self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- LangGraph's BaseCheckpointSaver -----------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        loaded = self.store._executor.run(ops.get_tuple, self.serde, *self._get_args(config))
        if loaded is None:
            return None
        self._remember_read(loaded)
        return self._tuple(loaded)

    def list(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
             before: RunnableConfig | None = None, limit: int | None = None) -> Iterator[CheckpointTuple]:
        found = self.store._executor.run(ops.list_checkpoints, self.serde,
                                         *self._list_args(config, filter, before, limit))
        for loaded in found:
            yield self._tuple(loaded)

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        args, stored = self._put_args(config, checkpoint, metadata, new_versions)
        self.store._executor.run(ops.put, *args)
        self._remember(stored)
        return self._next_config(config, checkpoint)

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        self.store._executor.run(ops.put_writes, *self._writes_args(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        with self._deleting([thread_id]):
            self.store._executor.run(ops.delete_thread, thread_id)

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self.store._executor.run(ops.delete_for_runs, run_ids)

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.store._executor.run(ops.copy_thread, source_thread_id, target_thread_id)

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        with self._deleting(thread_ids) as ids:
            self.store._executor.run_job(ops.prune, self.serde, ids, strategy)

    def get_delta_channel_history(self, *, config: RunnableConfig,
                                  channels: Sequence[str]) -> Mapping[str, DeltaChannelHistory]:
        """LangGraph's DeltaChannel walk (beta there) in a few queries: see ops.delta_channel_history."""
        thread_id, checkpoint_ns, checkpoint_id = self._get_args(config)
        found = self.store._executor.run(ops.delta_channel_history, self.serde, thread_id, checkpoint_ns,
                                         checkpoint_id, list(channels))
        return self._histories(found)

    def delete_expired_threads(self, older_than_days: int, *, batch_size: int = 1000) -> int:
        """Time-based retention: see `delete_expired_threads`."""
        try:
            return delete_expired_threads(self.store, older_than_days, batch_size=batch_size)
        finally:
            self._lists.clear()  # which threads went is not known here

    # -- the async methods, in a worker thread -----------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None, limit: int | None = None) -> AsyncIterator[CheckpointTuple]:
        found = await asyncio.to_thread(lambda: [*self.list(config, filter=filter, before=before, limit=limit)])
        for item in found:
            yield item

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await asyncio.to_thread(self.prune, thread_ids, strategy=strategy)

    async def aget_delta_channel_history(self, *, config: RunnableConfig,
                                         channels: Sequence[str]) -> Mapping[str, DeltaChannelHistory]:
        return await asyncio.to_thread(lambda: self.get_delta_channel_history(config=config, channels=channels))


class AsyncAsmSaver(_Base):
    """A LangGraph checkpointer on an asm `AsyncSessionStore` (all three dialects), for `ainvoke`
    and `astream`. Its sync methods, for another thread than its event loop's, wait on that loop."""

    def __init__(self, store: AsyncSessionStore, *, serde: SerializerProtocol | None = None,
                 list_cache_items: int = LIST_CACHE_ITEMS) -> None:
        if not isinstance(store, AsyncSessionStore):
            raise asm.ValidationError("AsyncAsmSaver needs an asm AsyncSessionStore (await asm.connect_async(url)); "
                                      "for a SessionStore use AsmSaver", details={"field": "store"})
        super().__init__(serde=serde)
        self._lists = tails.ListCache(optional_count(list_cache_items, "list_cache_items") or 0)
        self.store = store
        self._owned = False
        self.loop = asyncio.get_running_loop()

    @classmethod
    async def from_url(cls, url: str, *, serde: SerializerProtocol | None = None,
                       list_cache_items: int = LIST_CACHE_ITEMS, **options: Any) -> Self:
        """A saver on a store of its own (`await asm.connect_async(url, **options)`), closed by
        `await close()` or `async with`."""
        saver = cls(await asm.connect_async(url, **options), serde=serde, list_cache_items=list_cache_items)
        saver._owned = True
        return saver

    async def close(self) -> None:
        """Close the store if this saver opened it (from_url)."""
        if self._owned:
            await self.store.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        loaded = await self.store._executor.run(ops.get_tuple, self.serde, *self._get_args(config))
        if loaded is None:
            return None
        self._remember_read(loaded)
        return self._tuple(loaded)

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None, limit: int | None = None) -> AsyncIterator[CheckpointTuple]:
        found = await self.store._executor.run(ops.list_checkpoints, self.serde,
                                               *self._list_args(config, filter, before, limit))
        for loaded in found:
            yield self._tuple(loaded)

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        args, stored = self._put_args(config, checkpoint, metadata, new_versions)
        await self.store._executor.run(ops.put, *args)
        self._remember(stored)
        return self._next_config(config, checkpoint)

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await self.store._executor.run(ops.put_writes, *self._writes_args(config, writes, task_id, task_path))

    async def adelete_thread(self, thread_id: str) -> None:
        with self._deleting([thread_id]):
            await self.store._executor.run(ops.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self.store._executor.run(ops.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self.store._executor.run(ops.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        with self._deleting(thread_ids) as ids:
            await self.store._executor.run_job(ops.prune, self.serde, ids, strategy)

    async def aget_delta_channel_history(self, *, config: RunnableConfig,
                                         channels: Sequence[str]) -> Mapping[str, DeltaChannelHistory]:
        """LangGraph's DeltaChannel walk (beta there) in a few queries: see ops.delta_channel_history."""
        thread_id, checkpoint_ns, checkpoint_id = self._get_args(config)
        found = await self.store._executor.run(ops.delta_channel_history, self.serde, thread_id, checkpoint_ns,
                                               checkpoint_id, list(channels))
        return self._histories(found)

    async def adelete_expired_threads(self, older_than_days: int, *, batch_size: int = 1000) -> int:
        """Time-based retention: see `adelete_expired_threads`."""
        try:
            return await adelete_expired_threads(self.store, older_than_days, batch_size=batch_size)
        finally:
            self._lists.clear()  # which threads went is not known here

    # -- the sync methods, from another thread -----------------------------------------------------

    def _wait(self, coro: Any) -> Any:
        try:
            if asyncio.get_running_loop() is self.loop:
                coro.close()
                raise asyncio.InvalidStateError(
                    "AsyncAsmSaver's sync methods would block its own event loop: call the a* methods "
                    "there (graph.ainvoke), or use AsmSaver")
        except RuntimeError:
            pass  # no loop in this thread
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        result: CheckpointTuple | None = self._wait(self.aget_tuple(config))
        return result

    def list(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
             before: RunnableConfig | None = None, limit: int | None = None) -> Iterator[CheckpointTuple]:
        async def collect() -> list[CheckpointTuple]:
            return [t async for t in self.alist(config, filter=filter, before=before, limit=limit)]

        yield from self._wait(collect())

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        result: RunnableConfig = self._wait(self.aput(config, checkpoint, metadata, new_versions))
        return result

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        self._wait(self.aput_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self._wait(self.adelete_thread(thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._wait(self.adelete_for_runs(run_ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._wait(self.acopy_thread(source_thread_id, target_thread_id))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self._wait(self.aprune(thread_ids, strategy=strategy))

    def get_delta_channel_history(self, *, config: RunnableConfig,
                                  channels: Sequence[str]) -> Mapping[str, DeltaChannelHistory]:
        result: Mapping[str, DeltaChannelHistory] = self._wait(
            self.aget_delta_channel_history(config=config, channels=channels))
        return result


def delete_expired_threads(store: SessionStore, older_than_days: int, *, batch_size: int = 1000) -> int:
    """Time-based retention of LangGraph threads: delete every thread (checkpoints, blobs, writes)
    whose latest checkpoint was saved more than `older_than_days` days ago, `batch_size` threads per
    transaction. Returns how many threads went. Safe to run again after a crash. A thread that
    resumes between its batch's look-up and delete (one transaction) may lose that step."""
    result: int = store._executor.run_job(ops.delete_expired_threads, older_than_days, batch_size)
    return result


async def adelete_expired_threads(store: AsyncSessionStore, older_than_days: int, *, batch_size: int = 1000) -> int:
    """`delete_expired_threads` on an AsyncSessionStore."""
    result: int = await store._executor.run_job(ops.delete_expired_threads, older_than_days, batch_size)
    return result
