# Generated from asm/drivers/async_pool.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""A small connection pool for the drivers that ship none fit for asm (sqlite3, aiosqlite,
PyMySQL, aiomysql). Generated from its async twin by tools/async_to_sync.py.

PostgreSQL uses psycopg_pool. aiomysql's own pool is not used: it has no acquire timeout, and
closing it leaves tasks that wait for a connection waiting forever. General DB-API pool
libraries reconnect and re-run statements behind the caller's back, which would break asm's
transaction and retry rules. Here a broken connection is simply dropped (the caller's error
says so), and a waiter fails with StorageConnectionFailed on timeout or when the store closes.
"""

from __future__ import annotations

from collections.abc import Iterator, Callable
from contextlib import contextmanager
from typing import Any

from asm.core.compat import Cancelled, Closer, Condition, Connector, wait_for
from asm.errors import StorageConnectionFailed


class SimplePool:
    def __init__(self, connect: Connector, close: Closer, *, max_size: int, timeout: float = 30.0,
                 alive: Callable[[Any], bool] | None = None):
        self._connect = connect
        self._close = close
        self._alive = alive  # see liveness.py: idle connections the server hung up on are dropped
        self._max_size = max_size
        self._timeout = timeout
        self._idle: list[Any] = []
        self._in_use = 0
        self._changed = Condition()
        self.closed = False

    @contextmanager
    def connection(self) -> Iterator[Any]:
        self._take_slot()
        conn = None
        try:
            conn = self._take_idle()
            if conn is None:
                conn = self._connect()
            yield conn
        except StorageConnectionFailed:
            self._discard(conn)
            conn = None
            raise
        except Cancelled:
            # Cancelled mid-statement, the connection may be half-way through a reply: drop it
            # (the server rolls back what was not committed).
            self._discard(conn)
            conn = None
            raise
        except BaseException:
            # Whatever failed may have left a transaction open: end it, or drop the connection.
            if conn is not None and not _rolled_back(conn):
                self._discard(conn)
                conn = None
            raise
        finally:
            keep = False
            with self._changed:
                if conn is not None and not self.closed:
                    self._idle.append(conn)
                    keep = True
                self._in_use -= 1
                self._changed.notify()
            if not keep:
                self._discard(conn)

    def close(self) -> None:
        with self._changed:
            self.closed = True
            idle, self._idle = self._idle, []
            self._changed.notify_all()
        for conn in idle:
            self._discard(conn)

    def _take_slot(self) -> None:
        with self._changed:
            if not wait_for(self._changed, lambda: self.closed or self._in_use < self._max_size,
                            self._timeout):
                raise StorageConnectionFailed(f"no free database connection after {self._timeout:g} s")
            if self.closed:
                raise StorageConnectionFailed("the store is closed", retryable=False)
            self._in_use += 1

    def _take_idle(self) -> Any:
        """An idle connection that still looks alive (closing those that do not), or None."""
        while True:
            with self._changed:
                conn = self._idle.pop() if self._idle else None
            if conn is None or self._alive is None or self._alive(conn):
                return conn
            self._discard(conn)

    def _discard(self, conn: Any) -> None:
        if conn is None:
            return
        try:
            self._close(conn)
        except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
            pass


def _rolled_back(conn: Any) -> bool:
    try:
        conn.rollback()
        return True
    except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
        return False
