# Generated from asm/notify/async_listener.py by tools/async_to_sync.py: edit that file, then run
# `python -m tools.async_to_sync`.
"""A store's LISTEN connection (PostgreSQL), run in the background, and the per-call `Watch`
through which a long poll waits on it; waiters.py has the rules they follow. The async
listener runs as a task, the sync one in a thread (asm.core's `Background`).
Generated from its async twin by tools/async_to_sync.py.
"""

from __future__ import annotations

import logging


from asm.core.compat import Background, Event, Lock, sleep, wait_event
from asm.drivers.poolers import warn_polling
from asm.drivers.urls import DatabaseURL
from asm.errors import AsmError
from asm.notify.waiters import APPLICATION_NAME, LISTEN_SQL, RECONNECT_FIRST_S, Waiters, next_reconnect_pause

log = logging.getLogger("asm")


class Listener:
    """`url`: where to LISTEN; None when the store's own URL is a pooler and no listen_url was
    given (`pooled`: that URL): then nothing listens, and the first long poll says so once."""

    def __init__(self, url: DatabaseURL | None, connect_timeout: int, *, pooled: DatabaseURL):
        self._conninfo = url.conninfo() if url is not None else None
        self._pooled = pooled
        self._connect_timeout = connect_timeout
        self.waiters = Waiters()
        self._lock = Lock()
        self._background: Background | None = None
        self._first_attempt_done = Event()
        self._closed = False
        # Whether a failed mark (Watch.unmarked) was logged.
        self.said_unmarked = False

    def start(self) -> None:
        """Start listening if not yet; returns once the first LISTEN has succeeded or failed."""
        with self._lock:
            if self._conninfo is None:
                if not self._first_attempt_done.is_set():
                    self._first_attempt_done.set()
                    warn_polling(self._pooled)
                return
            if self._background is None and not self._closed:
                self._background = Background("asm-listener")
                self._background.start(self._run)
        wait_event(self._first_attempt_done, self._connect_timeout + 1)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            background, self._background = self._background, None
        if background is not None:
            background.stop(self._connect_timeout + 1)

    def _run(self, background: Background) -> None:
        assert self._conninfo is not None  # started only with somewhere to listen
        pause = RECONNECT_FIRST_S
        while not self._closed:
            try:
                import psycopg  # here: a store that never listens (SQLite, MySQL) never loads it

                # It runs only LISTEN; never prepared, as every asm connection (sync_drivers.py).
                conn = psycopg.Connection.connect(
                    self._conninfo, autocommit=True, connect_timeout=self._connect_timeout,
                    application_name=APPLICATION_NAME, prepare_threshold=None)
                with conn:
                    conn.execute(LISTEN_SQL)
                    self.waiters.set_live(True)
                    self._first_attempt_done.set()
                    pause = RECONNECT_FIRST_S
                    for notify in background.notifies(conn):
                        self.waiters.wake(notify.payload)
            except Exception:
                # The driver's message may quote the connection string: say nothing of it.
                log.warning("asm: the PostgreSQL LISTEN connection failed; long polls poll until it is back")
            self.waiters.set_live(False)
            self._first_attempt_done.set()
            background.sleep(pause)
            pause = next_reconnect_pause(pause)


class Watch:
    """One long poll's registrations: `listen` before the first read, `pause` between reads,
    `close` at the end. Without a listener (SQLite, MySQL) pauses just sleep."""

    def __init__(self, listener: Listener | None):
        self._listener = listener
        self._flag = Event()
        self._sessions: list[str] = []
        # Whether to mark sessions (waiters.py); False once a mark failed.
        self.marks = True

    def listen(self, session_id: str) -> bool:
        if self._listener is None:
            return False
        if session_id not in self._sessions:
            self._listener.waiters.add(session_id, self._flag)
            self._sessions.append(session_id)
        self._listener.start()
        return self._listener.waiters.live

    def unmarked(self, error: AsmError) -> None:
        """The session could not be marked (waiters.py): this long poll polls, without trying
        again; said once per store."""
        self.marks = False
        if self._listener is not None and not self._listener.said_unmarked:
            self._listener.said_unmarked = True
            log.warning("asm: a long poll could not mark its session for notifications (%s: %s); "
                        "long polls poll instead", error.code, error.message)

    def pause(self, seconds: float) -> bool:
        if self._listener is None or not self._sessions:
            sleep(seconds)
            return False
        wait_event(self._flag, seconds)
        # Cleared before the next read: whatever notified us is committed and will be read.
        self._flag.clear()
        return self._listener.waiters.live

    def close(self) -> None:
        if self._listener is not None:
            for session_id in self._sessions:
                self._listener.waiters.remove(session_id, self._flag)
