"""The sync store's LISTEN connection (PostgreSQL), in a thread of its own, and the
per-call `Watch` through which a long poll waits on it. async_listener.py is the same with
`await`; notifications.py has what they share."""

from __future__ import annotations

import logging
import os
import select
import threading
import time

import psycopg

from asm.db.notifications import APPLICATION_NAME, LISTEN_SQL, RECONNECT_FIRST_S, Waiters, next_reconnect_pause

log = logging.getLogger("asm")


class Listener:
    def __init__(self, conninfo: str, connect_timeout: int):
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self.waiters = Waiters()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._first_attempt_done = threading.Event()
        # close() writes to this pipe to interrupt the thread's select().
        self._wake_r = self._wake_w = -1
        self._closed = False

    def start(self) -> None:
        """Start listening if not yet; returns once the first LISTEN has succeeded or failed."""
        with self._lock:
            if self._thread is None and not self._closed:
                self._wake_r, self._wake_w = os.pipe()
                self._thread = threading.Thread(target=self._run, name="asm-listener", daemon=True)
                self._thread.start()
        self._first_attempt_done.wait(self._connect_timeout + 1)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            os.write(self._wake_w, b"x")
            thread.join(self._connect_timeout + 1)
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _run(self) -> None:
        pause = RECONNECT_FIRST_S
        while not self._closed:
            try:
                # It runs only LISTEN; never prepared, as every asm connection (sync_drivers.py).
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=self._connect_timeout,
                                     application_name=APPLICATION_NAME, prepare_threshold=None) as conn:
                    conn.execute(LISTEN_SQL)
                    self.waiters.set_live(True)
                    self._first_attempt_done.set()
                    pause = RECONNECT_FIRST_S
                    self._receive(conn)
            except Exception:
                # The driver's message may quote the connection string: say nothing of it.
                log.warning("asm: the PostgreSQL LISTEN connection failed; long polls poll until it is back")
            self.waiters.set_live(False)
            self._first_attempt_done.set()
            if select.select([self._wake_r], [], [], pause)[0]:
                return
            pause = next_reconnect_pause(pause)

    def _receive(self, conn: psycopg.Connection) -> None:
        while True:
            ready = select.select([conn.fileno(), self._wake_r], [], [])[0]
            if self._wake_r in ready:
                return
            for notify in conn.notifies(timeout=0):
                self.waiters.wake(notify.payload)


class Watch:
    """One long poll's registrations: `listen` before the first read, `pause` between reads,
    `close` at the end. Without a listener (SQLite, MySQL) pauses just sleep."""

    def __init__(self, listener: Listener | None):
        self._listener = listener
        self._flag = threading.Event()
        self._sessions: list[str] = []

    def listen(self, session_id: str) -> bool:
        if self._listener is None:
            return False
        self._listener.waiters.add(session_id, self._flag)
        self._sessions.append(session_id)
        self._listener.start()
        return self._listener.waiters.live

    def pause(self, seconds: float) -> bool:
        if self._listener is None or not self._sessions:
            time.sleep(seconds)
            return False
        self._flag.wait(seconds)
        # Cleared before the next read: whatever notified us is committed and will be read.
        self._flag.clear()
        return self._listener.waiters.live

    def close(self) -> None:
        if self._listener is not None:
            for session_id in self._sessions:
                self._listener.waiters.remove(session_id, self._flag)
