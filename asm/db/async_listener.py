"""The async store's LISTEN connection (PostgreSQL), as a task of its own, and the per-call
`Watch` through which a long poll waits on it. listener.py is the same with threads;
notifications.py has what they share."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from asm.db.notifications import APPLICATION_NAME, LISTEN_SQL, RECONNECT_FIRST_S, Waiters, next_reconnect_pause

log = logging.getLogger("asm")


class AsyncListener:
    def __init__(self, conninfo: str, connect_timeout: int):
        self._conninfo = conninfo
        self._connect_timeout = connect_timeout
        self.waiters = Waiters()
        self._task: asyncio.Task | None = None
        self._first_attempt_done: asyncio.Event | None = None
        self._closed = False

    async def start(self) -> None:
        """Start listening if not yet; returns once the first LISTEN has succeeded or failed."""
        if self._task is None and not self._closed:
            self._first_attempt_done = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="asm-listener")
        if self._first_attempt_done is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._connect_timeout + 1):
                    await self._first_attempt_done.wait()

    async def close(self) -> None:
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self._first_attempt_done is not None
        pause = RECONNECT_FIRST_S
        while True:
            try:
                # It runs only LISTEN; never prepared, as every asm connection (sync_drivers.py).
                conn = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True, connect_timeout=self._connect_timeout,
                    application_name=APPLICATION_NAME, prepare_threshold=None)
                async with conn:
                    await conn.execute(LISTEN_SQL)
                    self.waiters.set_live(True)
                    self._first_attempt_done.set()
                    pause = RECONNECT_FIRST_S
                    async for notify in conn.notifies():
                        self.waiters.wake(notify.payload)
            except Exception:
                # The driver's message may quote the connection string: say nothing of it.
                log.warning("asm: the PostgreSQL LISTEN connection failed; long polls poll until it is back")
            self.waiters.set_live(False)
            self._first_attempt_done.set()
            await asyncio.sleep(pause)
            pause = next_reconnect_pause(pause)


class AsyncWatch:
    """One long poll's registrations: `listen` before the first read, `pause` between reads,
    `close` at the end. Without a listener (SQLite, MySQL) pauses just sleep."""

    def __init__(self, listener: AsyncListener | None):
        self._listener = listener
        self._flag = asyncio.Event()
        self._sessions: list[str] = []

    async def listen(self, session_id: str) -> bool:
        if self._listener is None:
            return False
        self._listener.waiters.add(session_id, self._flag)
        self._sessions.append(session_id)
        await self._listener.start()
        return self._listener.waiters.live

    async def pause(self, seconds: float) -> bool:
        if self._listener is None or not self._sessions:
            await asyncio.sleep(seconds)
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._flag.wait()
        # Cleared before the next read: whatever notified us is committed and will be read.
        self._flag.clear()
        return self._listener.waiters.live

    def close(self) -> None:
        if self._listener is not None:
            for session_id in self._sessions:
                self._listener.waiters.remove(session_id, self._flag)
