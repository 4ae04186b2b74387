"""Drive an AsyncSessionStore from the synchronous contract tests.

Each calling thread gets its own task on one background event loop, so a transaction a
thread opens covers that thread's later calls (as it would a task's), and calls from
several threads run as concurrent tasks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asm.core.async_api import AsyncAPI


class EventLoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="asm-test-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


class AsyncStoreAsSync:
    """Any async asm store (session or graph) behind plain method calls."""

    def __init__(self, loop: EventLoopThread, store: Any, parent: AsyncStoreAsSync | None = None):
        self._loop = loop
        self._store = store
        # A nested API (store.query) shares its parent's per-thread tasks, hence its transactions.
        self._queues: dict[int, asyncio.Queue] = parent._queues if parent else {}
        # The loop keeps only weak references to tasks: without these, a waiting one is collected.
        self._tasks: set[asyncio.Task] = parent._tasks if parent else set()
        self._lock = parent._lock if parent else threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if isinstance(attr, AsyncAPI):
            return AsyncStoreAsSync(self._loop, attr, parent=self)
        if inspect.isasyncgenfunction(attr):
            return lambda *args, **kwargs: iter(self._submit(lambda: _collect(attr(*args, **kwargs))))
        if not asyncio.iscoroutinefunction(attr):
            return attr
        return lambda *args, **kwargs: self._submit(lambda: attr(*args, **kwargs))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        manager = self._store.transaction()
        self._submit(manager.__aenter__)
        try:
            yield
        except BaseException as exc:
            exc_info = (type(exc), exc, exc.__traceback__)
            if not self._submit(lambda: manager.__aexit__(*exc_info)):
                raise
        else:
            self._submit(lambda: manager.__aexit__(None, None, None))

    def close(self) -> None:
        self._loop.run(self._store.close())
        with self._lock:
            queues, self._queues = list(self._queues.values()), {}
        for queue in queues:
            self._loop.loop.call_soon_threadsafe(queue.put_nowait, None)

    def __enter__(self) -> AsyncStoreAsSync:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _submit(self, factory: Callable[[], Awaitable[Any]]) -> Any:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self._loop.loop.call_soon_threadsafe(self._queue().put_nowait, (factory, future))
        return future.result()

    def _queue(self) -> asyncio.Queue:
        thread = threading.get_ident()
        with self._lock:
            queue = self._queues.get(thread)
            if queue is None:
                queue = self._queues[thread] = self._loop.run(self._start_serving())
        return queue

    async def _start_serving(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        self._tasks.add(asyncio.create_task(_serve(queue)))
        return queue


async def _collect(items: Any) -> list[Any]:
    return [item async for item in items]


async def _serve(queue: asyncio.Queue) -> None:
    """One task per calling thread: runs that thread's calls in order, in one context."""
    while (item := await queue.get()) is not None:
        factory, future = item
        try:
            future.set_result(await factory())
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            future.set_exception(exc)
