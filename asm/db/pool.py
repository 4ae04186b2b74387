"""A small blocking connection pool for the DB-API drivers that ship none (sqlite3, PyMySQL).

PostgreSQL uses psycopg_pool. We keep this one rather than a general DB-API pool library
because those reconnect and re-run statements behind the caller's back, which would break
asm's transaction and retry rules: here a broken connection is simply dropped, and the
caller's error says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from asm.errors import StorageConnectionFailed


class SimplePool:
    def __init__(self, connect: Callable[[], Any], *, max_size: int, timeout: float = 30.0,
                 alive: Callable[[Any], bool] | None = None):
        self._connect = connect
        self._alive = alive  # see liveness.py: idle connections the server hung up on are dropped
        self._timeout = timeout
        self._slots = threading.BoundedSemaphore(max_size)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self.closed = False

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self.closed:
            raise StorageConnectionFailed("the store is closed", retryable=False)
        if not self._slots.acquire(timeout=self._timeout):
            raise StorageConnectionFailed(f"no free database connection after {self._timeout:g} s")
        conn = None
        try:
            conn = self._take_idle()
            if conn is None:
                conn = self._connect()
            yield conn
        except StorageConnectionFailed:
            _close_quietly(conn)
            conn = None
            raise
        except BaseException:
            # Whatever failed may have left a transaction open: end it, or drop the connection.
            if conn is not None and not _rolled_back(conn):
                _close_quietly(conn)
                conn = None
            raise
        finally:
            if conn is not None:
                with self._lock:
                    keep = not self.closed
                    if keep:
                        self._idle.append(conn)
                if not keep:
                    _close_quietly(conn)
            self._slots.release()

    def _take_idle(self) -> Any:
        """An idle connection that still looks alive (closing those that do not), or None."""
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or self._alive is None or self._alive(conn):
                return conn
            _close_quietly(conn)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            _close_quietly(conn)


def _rolled_back(conn: Any) -> bool:
    try:
        conn.rollback()
        return True
    except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
        return False


def _close_quietly(conn: Any) -> None:
    if conn is None:
        return
    try:
        conn.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
        pass
