"""Runs operations and jobs on pooled async connections: asm's thin I/O layer.

What to run, in which transaction, and when to retry is decided in asm/core/transactions.py;
this module only performs it. Its sync twin is generated from it by tools/async_to_sync.py. Tasks started inside `store.transaction()` inherit it (contextvars are
copied into new tasks) until its block exits (see executor_base.OpenTransaction).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, TypeVar

from aiosql.types import SQLOperationType

from asm.core import transactions
from asm.core.async_compat import Lock
from asm.core.async_steps import drive
from asm.core.executor_base import ExecutorBase, OpenTransaction, orphaned_savepoint
from asm.core.operation import Call, Listen, Pause, Steps, spec_of
from asm.core.database import Database
from asm.drivers import ASYNC_DRIVERS
from asm.drivers.base import AsyncDriver
from asm.drivers.errors import classify
from asm.drivers.postgres import probe_timeout
from asm.drivers.urls import DatabaseURL
from asm.notify.async_listener import AsyncListener, AsyncWatch
from asm.errors import AsmError

_SELECT = SQLOperationType.SELECT
_MANY = SQLOperationType.INSERT_UPDATE_DELETE_MANY

P = ParamSpec("P")
R = TypeVar("R")
# What a job yields: RunOperation, Listen or Pause (asm/core/operation.py).
JobSteps = Generator[Any, Any, R]


class _DryRun(Exception):
    """Carries a dry run's result out of the transaction it rolls back."""

    def __init__(self, result: Any):
        self.result = result


class AsyncExecutor(ExecutorBase):
    def __init__(self, url: DatabaseURL):
        self._driver: AsyncDriver = ASYNC_DRIVERS[url.dialect]
        super().__init__(url, self._driver.aiosql_adapter)
        # The caller's open store.transaction(); a thread does not inherit it unless given its context.
        self._transaction: ContextVar[OpenTransaction | None] = ContextVar(f"asm_transaction_{id(self)}",
                                                                          default=None)
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

    async def run(self, fn: Callable[Concatenate[Database, P], Steps[R]], /,
                  *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the operation `fn(database, *args, **kwargs)`; retry-marked ones run again after a race."""
        spec = spec_of(fn)
        self._check_open()
        for number in itertools.count(1):
            # Arguments are checked up to the first query before a connection is taken.
            steps = fn(self.database, *args, **kwargs)
            try:
                first = next(steps)
            except StopIteration as stop:
                result: R = stop.value
                return result
            try:
                tx = self._transaction.get()
                if tx is not None:
                    async with tx.lock:
                        if tx.open:
                            result = await self._perform(
                                tx.conn, transactions.attempt(self.dialect, spec, steps, first, in_transaction=True),
                                spec.write)
                            return result
                    # The block ended while this task (or thread) went on: run on our own connection.
                async with self._connection() as conn:
                    if not spec.atomic_on(self.dialect):
                        result = await self._perform_bare(conn, steps, first, spec.write)
                    else:
                        result = await self._perform(
                            conn, transactions.attempt(self.dialect, spec, steps, first, in_transaction=False),
                            spec.write)
                    return result
            except AsmError as error:
                if transactions.give_up(spec, number, error, fn.__name__):
                    raise
        raise AssertionError("unreachable")

    async def run_job(self, proc: Callable[Concatenate[Database, P], JobSteps[R]], /,
                            *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the job `proc(database, *args, **kwargs)`: each operation it yields in a
        transaction of its own, its waits without a connection. With `dry_run=True` among its
        arguments, all of it runs in one transaction that is rolled back."""

        async def whole_job() -> R:
            watch = self.watch()

            async def perform(step: Any) -> Any:
                if isinstance(step, Listen):
                    return await watch.listen(step.session_id)
                if isinstance(step, Pause):
                    return await watch.pause(step.seconds)
                return await self.run(step.fn, *step.args, **step.kwargs)

            try:
                result: R = await drive(proc(self.database, *args, **kwargs), perform, catch=AsmError)
                return result
            finally:
                watch.close()

        if not kwargs.get("dry_run"):
            return await whole_job()
        try:
            async with self.transaction():
                raise _DryRun(await whole_job())
        except _DryRun as done:
            dry_result: R = done.result
            return dry_result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self._check_open()
        tx = self._transaction.get()
        if tx is not None:
            mark, release, undo = transactions.savepoint()
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
            await self._statement(conn, transactions.begin(self.dialect, write=True))
            tx = OpenTransaction(conn, Lock())
            token = self._transaction.set(tx)
            try:
                yield
            except BaseException:
                tx.open = False
                async with tx.lock:
                    await self._quietly(conn, transactions.ROLLBACK)
                raise
            finally:
                self._transaction.reset(token)
            tx.open = False
            async with tx.lock:
                await self._statement(conn, transactions.COMMIT)

    async def execute_statements(self, statements: list[str]) -> None:
        """Run raw SQL statements in order (the migrations of an in-memory SQLite store)."""
        async with self._connection() as conn:
            for sql in statements:
                await self._statement(conn, transactions.Statement(sql))

    def watch(self) -> AsyncWatch:
        """A long poll's way to wait for appends (see async_listener.py)."""
        return AsyncWatch(self._listener)

    async def close(self) -> None:
        self.closed = True
        if self._listener is not None:
            await self._listener.close()
        if self._pool is not None:
            await self._pool.close()

    # -- performing a plan -------------------------------------------------------------------

    async def _perform(self, conn: Any, steps: transactions.Plan, write: bool) -> Any:
        async def perform(step: Call | transactions.Statement) -> Any:
            if isinstance(step, Call):
                return await self._call(conn, step, write)
            return await self._statement(conn, step)

        return await drive(steps, perform)

    async def _perform_bare(self, conn: Any, steps: Steps[Any], step: Any, write: bool) -> Any:
        """An operation that needs no transaction of its own, outside any: its steps performed
        one by one (what transactions.attempt would plan for it, without the generators
        around it: the hot reads' fixed cost). An error ends it, as there."""
        while True:
            result = None
            if isinstance(step, Call):
                result = await self._call(conn, step, write)
            else:
                await self._statement(conn, step)
            try:
                step = steps.send(result)
            except StopIteration as stop:
                return stop.value

    async def _call(self, conn: Any, call: Call, write: bool) -> Any:
        fn = self._query(call.query)
        try:
            if call.tuples:
                return await self._driver.fetch_rows(conn, fn.sql, call.params)
            if fn.operation is _MANY:
                return await fn(conn, call.params)
            if fn.operation is _SELECT:
                return [row async for row in fn(conn, **call.params)]
            return await fn(conn, **call.params)
        except Exception as exc:
            raise self._translate(exc, write=write, what=call.query) from exc

    async def _statement(self, conn: Any, statement: transactions.Statement) -> None:
        try:
            await self._driver.execute(conn, statement.sql)
        except Exception as exc:
            raise self._translate(exc, write=True, what=statement.sql.split()[0].lower()) from exc

    async def _quietly(self, conn: Any, *statements: transactions.Statement) -> None:
        try:
            for statement in statements:
                await self._statement(conn, statement)
        except Exception:  # noqa: BLE001 - the caller's own error is the one to report
            pass

    def _connection(self) -> _PooledConnection:
        return _PooledConnection(self)

    def _connecting_failed(self, exc: Exception) -> BaseException | None:
        """The asm error for a driver's error while taking or giving back a connection; None
        for any other error (already asm's, or not the database's)."""
        if classify(exc) is None:
            return None
        self._check_open()
        return self._translate(exc, write=True, what="connecting")


class _PooledConnection:
    """`async with executor._connection() as conn:` a pooled connection for the block, the
    driver's errors in taking or returning it raised as asm errors. A class, not a generator:
    it is on every call's path."""

    __slots__ = ("_executor", "_lease")

    def __init__(self, executor: AsyncExecutor):
        self._executor = executor
        self._lease: Any = None

    async def __aenter__(self) -> Any:
        self._lease = self._executor._pool.connection()
        try:
            return await self._lease.__aenter__()
        except Exception as exc:
            failure = self._executor._connecting_failed(exc)
            if failure is None:
                raise
            raise failure from exc

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> None:
        try:
            await self._lease.__aexit__(kind, error, tb)
        except Exception as exc:
            failure = self._executor._connecting_failed(exc)
            if failure is None:
                raise
            raise failure from exc
        if isinstance(error, Exception):
            failure = self._executor._connecting_failed(error)
            if failure is not None:
                raise failure from error
