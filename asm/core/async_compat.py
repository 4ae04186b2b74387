"""The few async primitives whose sync form is not the same code without `await`; their sync
counterparts, by the same names, are in compat.py (see tools/async_to_sync.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # annotations only: a SQLite or MySQL store never imports psycopg
    import psycopg

R = TypeVar("R")

Lock = asyncio.Lock
# How a pool opens and closes its connections.
Connector = Callable[[], Awaitable[Any]]
Closer = Callable[[Any], Awaitable[None]]
Condition = asyncio.Condition
# What a task cancelled mid-call raises.
Cancelled = asyncio.CancelledError


async def wait_for(condition: asyncio.Condition, predicate: Callable[[], bool], timeout: float) -> bool:
    """Wait (holding `condition`) until `predicate()` is true; False if `timeout` seconds pass first."""
    try:
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation.
        async with asyncio.timeout(timeout):
            await condition.wait_for(predicate)
    except TimeoutError:
        return False
    return True


async def run_blocking(fn: Callable[..., R], *args: object) -> R:
    """Run blocking work (yoyo's migrations) without holding up the event loop."""
    return await asyncio.to_thread(fn, *args)


Event = asyncio.Event
sleep = asyncio.sleep


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until `event` is set; False if `timeout` seconds pass first."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


class Background:
    """Work running beside the callers until `stop()`: a task, which stopping cancels."""

    def __init__(self, name: str):
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self, work: Callable[[Background], Coroutine[Any, Any, None]]) -> None:
        """Run `work(self)`: it sleeps and waits through this object, so stopping ends it."""
        self._task = asyncio.create_task(work(self), name=self._name)

    async def stop(self, timeout: float) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def sleep(self, seconds: float) -> None:
        """Sleep; stopping cancels it with the task."""
        await asyncio.sleep(seconds)

    def notifies(self, conn: psycopg.AsyncConnection[Any]) -> AsyncIterator[psycopg.Notify]:
        """The connection's notifications as they come; stopping cancels the wait."""
        return conn.notifies()
