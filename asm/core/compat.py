"""The sync counterparts of async_compat.py, by the same names."""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # annotations only: a SQLite or MySQL store never imports psycopg
    import psycopg

R = TypeVar("R")

Lock = threading.Lock
Connector = Callable[[], Any]
Closer = Callable[[Any], None]
Condition = threading.Condition


class Cancelled(BaseException):
    """Never raised: a sync call is not cancelled from outside (it is interrupted, and then
    treated like any other failure)."""


def wait_for(condition: threading.Condition, predicate: Callable[[], bool], timeout: float) -> bool:
    """Wait (holding `condition`) until `predicate()` is true; False if `timeout` seconds pass first."""
    return condition.wait_for(predicate, timeout)


def run_blocking(fn: Callable[..., R], *args: object) -> R:
    """Run blocking work in the calling thread."""
    return fn(*args)


Event = threading.Event
sleep = time.sleep


def wait_event(event: threading.Event, timeout: float) -> bool:
    """Wait until `event` is set; False if `timeout` seconds pass first."""
    return event.wait(timeout)


class Background:
    """Work running beside the callers until `stop()`: a daemon thread. Stopping writes to a
    pipe that its sleeps and waits for notifications also watch, so they end at once."""

    def __init__(self, name: str):
        self._name = name
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = os.pipe()

    def start(self, work: Callable[[Background], None]) -> None:
        """Run `work(self)`: it sleeps and waits through this object, so stopping ends it."""
        self._thread = threading.Thread(target=work, args=(self,), name=self._name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def sleep(self, seconds: float) -> None:
        """Sleep; stopping ends it at once."""
        select.select([self._wake_r], [], [], seconds)

    def notifies(self, conn: psycopg.Connection[Any]) -> Iterator[psycopg.Notify]:
        """The connection's notifications as they come, until stopped."""
        while True:
            ready = select.select([conn.fileno(), self._wake_r], [], [])[0]
            if self._wake_r in ready:
                return
            yield from conn.notifies(timeout=0)
