"""A small asyncio connection pool for aiosqlite and aiomysql (see pool.py for the sync one).

PostgreSQL uses psycopg_pool. aiomysql's own pool is not used: it has no acquire timeout,
and closing it leaves tasks that wait for a connection waiting forever. Here a waiter
fails with StorageConnectionFailed on timeout or when the store closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from asm.errors import StorageConnectionFailed


class AsyncSimplePool:
    def __init__(self, connect: Callable[[], Awaitable[Any]], close: Callable[[Any], Awaitable[None]],
                 *, max_size: int, timeout: float = 30.0, alive: Callable[[Any], bool] | None = None):
        self._connect = connect
        self._alive = alive  # see liveness.py: idle connections the server hung up on are dropped
        self._close = close
        self._max_size = max_size
        self._timeout = timeout
        self._idle: list[Any] = []
        self._in_use = 0
        self._changed = asyncio.Condition()
        self.closed = False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        await self._take_slot()
        conn = None
        try:
            conn = await self._take_idle()
            if conn is None:
                conn = await self._connect()
            yield conn
        except StorageConnectionFailed:
            await self._discard(conn)
            conn = None
            raise
        except asyncio.CancelledError:
            # Cancelled mid-statement, the connection may be half-way through a reply: drop it
            # (the server rolls back what was not committed).
            await self._discard(conn)
            conn = None
            raise
        except BaseException:
            # Whatever failed may have left a transaction open.
            if conn is not None and not await _rolled_back(conn):
                await self._discard(conn)
                conn = None
            raise
        finally:
            if conn is not None:
                if self.closed:
                    await self._discard(conn)
                else:
                    self._idle.append(conn)
            async with self._changed:
                self._in_use -= 1
                self._changed.notify()

    async def _take_idle(self) -> Any:
        """An idle connection that still looks alive (closing those that do not), or None."""
        while self._idle:
            conn = self._idle.pop()
            if self._alive is None or self._alive(conn):
                return conn
            await self._discard(conn)
        return None

    async def close(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)
        async with self._changed:
            self._changed.notify_all()

    async def _take_slot(self) -> None:
        async with self._changed:
            try:
                # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation.
                async with asyncio.timeout(self._timeout):
                    await self._changed.wait_for(lambda: self.closed or self._in_use < self._max_size)
            except TimeoutError:
                raise StorageConnectionFailed(f"no free database connection after {self._timeout:g} s") from None
            if self.closed:
                raise StorageConnectionFailed("the store is closed", retryable=False)
            self._in_use += 1

    async def _discard(self, conn: Any) -> None:
        if conn is None:
            return
        try:
            await self._close(conn)
        except Exception:  # noqa: BLE001 - a broken connection is gone either way
            pass


async def _rolled_back(conn: Any) -> bool:
    try:
        await conn.rollback()
        return True
    except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
        return False
