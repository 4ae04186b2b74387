"""Runs operations on pooled async connections: executor.py with `await`.

Tasks started inside `store.transaction()` inherit it (contextvars are copied into new
tasks) until its block exits (see executor_base.OpenTransaction).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiosql.types import SQLOperationType

from asm.db import driver_errors, plan
from asm.db.async_drivers import ASYNC_DRIVERS
from asm.db.async_listener import AsyncListener, AsyncWatch
from asm.db.executor_base import ExecutorBase, OpenTransaction, orphaned_savepoint
from asm.db.operation import Call, spec_of
from asm.db.sync_drivers import probe_timeout
from asm.db.urls import DatabaseURL
from asm.errors import AsmError

_SELECT = SQLOperationType.SELECT
_MANY = SQLOperationType.INSERT_UPDATE_DELETE_MANY


class AsyncExecutor(ExecutorBase):
    def __init__(self, url: DatabaseURL):
        self._driver = ASYNC_DRIVERS[url.dialect]
        super().__init__(url, self._driver.aiosql_adapter)
        self._transaction: ContextVar[OpenTransaction | None] = ContextVar(f"asm_atransaction_{id(self)}", default=None)
        self._pool: Any = None
        self._listener: AsyncListener | None = None

    async def open(self, **pool_options: Any) -> None:
        try:
            self._pool = await self._driver.open_pool(self.url, **pool_options)
        except Exception as exc:
            raise self._translate(exc, write=False, what="connecting") from exc
        if self.dialect.notifies_appends:
            # Opened by the first long poll.
            self._listener = AsyncListener(self.url.conninfo(), probe_timeout(pool_options.get("timeout", 30.0)))

    def watch(self) -> AsyncWatch:
        """A long poll's way to wait for appends (see async_listener.py)."""
        return AsyncWatch(self._listener)

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run the operation `fn(*args, **kwargs)`; retry-marked ones run again after a race."""
        spec = spec_of(fn)
        self._check_open()
        for number in itertools.count(1):
            steps = fn(*args, **kwargs)
            try:
                first = next(steps)
            except StopIteration as stop:
                return stop.value
            try:
                tx = self._transaction.get()
                if tx is not None:
                    async with tx.lock:
                        if tx.open:
                            return await self._perform(tx.conn, plan.attempt(self.dialect, spec, steps, first, in_transaction=True), spec.write)
                    # The block ended while this task (started inside it) went on: run on our own.
                async with self._connection() as conn:
                    return await self._perform(conn, plan.attempt(self.dialect, spec, steps, first, in_transaction=False), spec.write)
            except AsmError as error:
                if plan.give_up(spec, number, error, fn.__name__):
                    raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self._check_open()
        tx = self._transaction.get()
        if tx is not None:
            mark, release, undo = plan.savepoint()
            async with tx.lock:
                nested = tx.open
                if nested:
                    await self._statement(tx.conn, mark)
            if nested:
                try:
                    yield
                except BaseException:
                    async with tx.lock:
                        if tx.open:
                            await self._quietly(tx.conn, undo, release)
                    raise
                async with tx.lock:
                    if not tx.open:
                        raise orphaned_savepoint()
                    await self._statement(tx.conn, release)
                return
        async with self._connection() as conn:
            await self._statement(conn, plan.begin(self.dialect, write=True))
            tx = OpenTransaction(conn, asyncio.Lock())
            token = self._transaction.set(tx)
            try:
                yield
            except BaseException:
                tx.open = False
                async with tx.lock:
                    await self._quietly(conn, plan.ROLLBACK)
                raise
            finally:
                self._transaction.reset(token)
            tx.open = False
            async with tx.lock:
                await self._statement(conn, plan.COMMIT)

    async def execute_statements(self, statements: list[str]) -> None:
        """Run raw SQL statements in order (the migrations of an in-memory SQLite store)."""
        async with self._connection() as conn:
            for sql in statements:
                await self._statement(conn, plan.Statement(sql))

    async def close(self) -> None:
        self.closed = True
        if self._listener is not None:
            await self._listener.close()
        if self._pool is not None:
            await self._pool.close()

    # -- performing a plan -------------------------------------------------------------------

    async def _perform(self, conn: Any, steps: plan.Plan, write: bool) -> Any:
        return await plan.adrive(steps, lambda step: self._call(conn, step, write) if isinstance(step, Call)
                                 else self._statement(conn, step))

    async def _call(self, conn: Any, call: Call, write: bool) -> Any:
        fn = self._query(call.query)
        try:
            if fn.operation is _MANY:
                return await fn(conn, call.params)
            if fn.operation is _SELECT:
                return [row async for row in fn(conn, **call.params)]
            return await fn(conn, **call.params)
        except Exception as exc:
            raise self._translate(exc, write=write, what=call.query) from exc

    async def _statement(self, conn: Any, statement: plan.Statement) -> None:
        try:
            await self._driver.execute(conn, statement.sql)
        except Exception as exc:
            raise self._translate(exc, write=True, what=statement.sql.split()[0].lower()) from exc

    async def _quietly(self, conn: Any, *statements: plan.Statement) -> None:
        try:
            for statement in statements:
                await self._statement(conn, statement)
        except Exception:  # noqa: BLE001 - the caller's own error is the one to report
            pass

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        try:
            async with self._pool.connection() as conn:
                yield conn
        except Exception as exc:
            if driver_errors.classify(exc) is None:
                raise
            self._check_open()
            raise self._translate(exc, write=True, what="connecting") from exc
