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

from collections.abc import Callable
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
        self._waiting = 0  # callers waiting for a slot: without any, a release notifies no one
        self.closed = False

    def connection(self) -> Lease:
        """`with pool.connection() as conn:` a connection for the block, returned to the
        pool after it (dropped if the block broke it, rolled back if it failed)."""
        return Lease(self)

    def _acquire(self) -> Any:
        conn = self._take_slot()
        try:
            if conn is None or not self._looks_alive(conn):
                self._discard(conn)
                conn = self._take_idle()
            return conn if conn is not None else self._connect()
        except BaseException:
            self._release(None, None)
            raise

    def _release(self, conn: Any, error: BaseException | None) -> None:
        if conn is not None and error is not None:
            # Cancelled mid-statement, the connection may be half-way through a reply, and a
            # connection failure leaves nothing to reuse: drop it (the server rolls back what
            # was not committed). Whatever else failed may have left a transaction open: end
            # it, or drop the connection.
            if isinstance(error, (StorageConnectionFailed, Cancelled)) or not _rolled_back(conn):
                self._discard(conn)
                conn = None
        keep = False
        with self._changed:
            if conn is not None and not self.closed:
                self._idle.append(conn)
                keep = True
            self._in_use -= 1
            if self._waiting:
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

    def _take_slot(self) -> Any:
        """Take a slot, and with it the last idle connection if there is one (not yet checked)."""
        with self._changed:
            if self.closed or self._in_use >= self._max_size:  # else a slot is free: no wait to set up
                self._waiting += 1
                try:
                    free = wait_for(self._changed, lambda: self.closed or self._in_use < self._max_size,
                                    self._timeout)
                finally:
                    self._waiting -= 1
                if not free:
                    raise StorageConnectionFailed(f"no free database connection after {self._timeout:g} s")
                if self.closed:
                    raise StorageConnectionFailed("the store is closed", retryable=False)
            self._in_use += 1
            return self._idle.pop() if self._idle else None

    def _take_idle(self) -> Any:
        """An idle connection that still looks alive (closing those that do not), or None."""
        while True:
            with self._changed:
                conn = self._idle.pop() if self._idle else None
            if conn is None or self._looks_alive(conn):
                return conn
            self._discard(conn)

    def _looks_alive(self, conn: Any) -> bool:
        return self._alive is None or self._alive(conn)

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


class Lease:
    """One use of a pooled connection (a class, not a generator: it is on every call's path)."""

    __slots__ = ("_pool", "_conn")

    def __init__(self, pool: SimplePool):
        self._pool = pool
        self._conn: Any = None

    def __enter__(self) -> Any:
        self._conn = self._pool._acquire()
        return self._conn

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> None:
        self._pool._release(self._conn, error)
