"""Helpers for the connection-loss tests: find a store's server connections, hold a lock
so a call stays in flight, and run a call in a thread."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from databases import RawDatabase


def occupy(store: Any, count: int) -> None:
    """Make the store open `count` pooled connections (each thread holds one at once)."""
    start = threading.Barrier(count)

    def hold() -> None:
        with store.transaction():
            start.wait(10)
            store.get_latest_sequence("warm-up")

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: hold(), range(count)))


def in_background(fn: Any, *args: Any) -> Future:
    pool = ThreadPoolExecutor(1)
    future = pool.submit(fn, *args)
    pool.shutdown(wait=False)
    return future


def lock_counter(raw: RawDatabase, session_id: str) -> None:
    """Lock a session's counter row in raw's transaction: an append to it waits."""
    raw.execute("BEGIN")
    raw.execute("SELECT last_sequence FROM asm_session_sequences WHERE session_id = ? FOR UPDATE", session_id)


def wait_until(condition: Any, what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
