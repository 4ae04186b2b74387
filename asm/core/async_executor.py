"""Runs operations and jobs on pooled async connections: asm's thin I/O layer.

What to run, in which transaction, and when to retry is decided in asm/core/transactions.py;
this module only performs it. Its sync twin is generated from it by tools/async_to_sync.py. Tasks started inside `store.transaction()` inherit it (contextvars are
copied into new tasks) until its block exits (see executor_base.OpenTransaction).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Concatenate, ParamSpec, TypeVar

from aiosql.types import SQLOperationType

from asm.core import replicas, transactions
from asm.core.async_compat import Lock, sleep
from asm.core.async_steps import drive
from asm.core.executor_base import ExecutorBase, OpenTransaction, orphaned_savepoint
from asm.core.operation import Call, Listen, OperationSpec, Pause, Steps, spec_of
from asm.core.database import Database
from asm.drivers import ASYNC_DRIVERS
from asm.drivers.base import AsyncDriver
from asm.drivers import kinds
from asm.drivers.errors import classify, translate
from asm.drivers.poolers import check_connectable, listen_target
from asm.drivers.postgres import probe_timeout
from asm.drivers.urls import DatabaseURL
from asm.notify.async_listener import AsyncListener, AsyncWatch
from asm.notify.waiters import watch_appends
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
    def __init__(self, url: DatabaseURL, listen_url: str | DatabaseURL | None = None,
                 replica_urls: Sequence[str | DatabaseURL] = (), max_replica_lag: float = 5.0):
        check_connectable(url)
        # Where long polls LISTEN (PostgreSQL): None behind a pooler with no listen_url given.
        self._listen_url = listen_target(url, listen_url)
        # Read replicas (asm/core/replicas.py has the routing rules): None without any.
        replica_list = replicas.check_replicas(url, replica_urls, max_replica_lag)
        self.routes = replicas.Routes(replica_list, max_replica_lag) if replica_list else None
        self._replica_pools: dict[str, Any] = {}
        self._pool_options: dict[str, Any] = {}
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
        self._pool_options = pool_options
        if self.routes is not None:
            for replica in self.routes.replicas:
                await self._replica_pool(replica)  # one that cannot be reached is skipped, not fatal
        if self.dialect.notifies_appends:
            # Opened by the first long poll.
            self._listener = AsyncListener(self._listen_url, probe_timeout(pool_options.get("timeout", 30.0)),
                                           pooled=self.url)

    async def run(self, fn: Callable[Concatenate[Database, P], Steps[R]], /,
                  *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the operation `fn(database, *args, **kwargs)`; retry-marked ones run again after a race."""
        result: R = await self._run(fn, args, kwargs, long_poll=False)
        return result

    async def _run(self, fn: Callable[..., Steps[Any]], args: tuple[Any, ...], kwargs: dict[str, Any], *,
                   long_poll: bool) -> Any:
        spec = spec_of(fn)
        self._check_open()
        routes = self.routes
        for number in itertools.count(1):
            # Arguments are checked up to the first query before a connection is taken.
            steps = fn(self.database, *args, **kwargs)
            try:
                first = next(steps)
            except StopIteration as stop:
                return stop.value
            try:
                tx = self._transaction.get()
                if tx is not None:
                    async with tx.lock:
                        if tx.open:
                            if routes is not None and not spec.write:
                                routes.serving(replicas.PRIMARY)
                            return await self._perform(
                                tx.conn, transactions.attempt(self.dialect, spec, steps, first, in_transaction=True),
                                spec.write)
                    # The block ended while this task (or thread) went on: run on our own connection.
                if routes is not None and not spec.write:
                    if number == 1 and routes.routable(spec, in_transaction=tx is not None, long_poll=long_poll):
                        served, result = await self._read_on_replica(spec, steps, first)
                        if served:
                            return result
                        steps = fn(self.database, *args, **kwargs)  # the replica may have used it
                        first = next(steps)
                    routes.serving(replicas.PRIMARY)
                async with self._connection() as conn:
                    return await self._run_on(conn, spec, steps, first)
            except AsmError as error:
                if transactions.give_up(spec, number, error, fn.__name__):
                    raise
                if delay := transactions.retry_delay(number, error):
                    await sleep(delay)
            finally:
                if routes is not None and spec.write:
                    routes.wrote()  # before the caller hears of it: its next read needs a new target
        raise AssertionError("unreachable")

    async def run_job(self, proc: Callable[Concatenate[Database, P], JobSteps[R]], /,
                            *args: P.args, **kwargs: P.kwargs) -> R:
        """Run the job `proc(database, *args, **kwargs)`: each operation it yields in a
        transaction of its own, its waits without a connection. With `dry_run=True` among its
        arguments, all of it runs in one transaction that is rolled back."""

        async def whole_job() -> R:
            watch = self.watch()
            # After a Listen, reads go to the primary (replicas.py says why).
            long_poll = False

            async def perform(step: Any) -> Any:
                nonlocal long_poll
                if isinstance(step, Listen):
                    long_poll = True
                    return await self._listen(watch, step)
                if isinstance(step, Pause):
                    return await watch.pause(step.seconds)
                return await self._run(step.fn, step.args, step.kwargs, long_poll=long_poll)

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
        try:
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
        finally:
            if self.routes is not None:
                self.routes.wrote()  # the block's reads after it need a new target

    async def execute_statements(self, statements: list[str]) -> None:
        """Run raw SQL statements in order (the migrations of an in-memory SQLite store)."""
        async with self._connection() as conn:
            for sql in statements:
                await self._statement(conn, transactions.Statement(sql))

    def watch(self) -> AsyncWatch:
        """A long poll's way to wait for appends (see async_listener.py)."""
        return AsyncWatch(self._listener)

    async def _listen(self, watch: AsyncWatch, step: Listen) -> bool:
        """Whether appends to the session wake the long poll: it listens, and the session is
        marked so that they notify (asm/notify/waiters.py), on a connection of its own. In a
        store.transaction() it polls instead: the mark would lock the session's counter row,
        and so its appends, until the block ends. A mark refused (a read-only role) polls too."""
        if not await watch.listen(step.session_id) or not watch.marks or self._transaction.get() is not None:
            return False
        steps = watch_appends(self.database, step.session_id, step.seconds)
        try:
            async with self._connection() as conn:
                await self._run_on(conn, spec_of(watch_appends), steps, next(steps))
        except AsmError as error:
            watch.unmarked(error)
            return False
        return True

    async def close(self) -> None:
        self.closed = True
        if self._listener is not None:
            await self._listener.close()
        if self._pool is not None:
            await self._pool.close()
        while self._replica_pools:
            await self._replica_pools.popitem()[1].close()

    # -- read replicas (asm/core/replicas.py decides; this performs) -----------------------

    async def _read_on_replica(self, spec: OperationSpec, steps: Steps[Any], first: Any) -> tuple[bool, Any]:
        """(True, result) when a replica that has replayed past the target served the read;
        (False, None) when the primary must. The operation's own errors (not found, ...) pass."""
        routes = self.routes
        assert routes is not None
        target = await self._replica_target()
        unused: Steps[Any] | None = steps  # an operation runs once: a second replica starts none
        checkout = min(replicas.CHECKOUT_S, self._pool_options.get("timeout", 30.0))
        for replica in routes.candidates():
            pool = await self._replica_pool(replica)
            if pool is None:
                continue
            try:
                async with pool.connection(timeout=checkout) as conn:
                    if not routes.caught_up(replica, target):
                        routes.saw_replay(replica, await self._run_on(conn, *self._begun(replicas.replayed_position)))
                        if not routes.caught_up(replica, target):
                            continue
                    if unused is None:
                        return False, None
                    started, unused = unused, None
                    result = await self._run_on(conn, spec, started, first)
            except Exception as exc:
                cause = exc.__cause__ if isinstance(exc, AsmError) else exc
                if not isinstance(cause, Exception) or (kind := classify(cause)) is None:
                    raise  # the operation's own answer (not found, ...), or a bug
                if kind != kinds.CONNECTION:
                    return False, None  # e.g. a query cancelled by a recovery conflict: the primary answers
                await self._replica_down(replica, cause)
                if unused is None:
                    return False, None
                continue
            routes.serving(replica)
            return True, result
        return False, None

    def _begun(self, fn: Callable[[Database], Steps[Any]]) -> tuple[OperationSpec, Steps[Any], Any]:
        steps = fn(self.database)
        return spec_of(fn), steps, next(steps)

    async def _replica_target(self) -> int:
        """The WAL position a replica must have replayed to serve a read now (replicas.py)."""
        routes = self.routes
        assert routes is not None
        request = routes.target_request()
        if request is None:
            return routes.target
        async with self._connection() as conn:
            position = await self._run_on(conn, *self._begun(replicas.primary_wal_position))
        return routes.set_target(request, position)

    async def _replica_pool(self, replica: replicas.Replica) -> Any:
        """The replica's pool, opened if it has none (at connect, or after its backoff); None
        when it cannot be opened now (it is then down) or another call is opening it."""
        pool = self._replica_pools.get(replica.name)
        if pool is not None or not self.routes or not self.routes.claim_opening(replica):
            return pool
        try:
            pool = await self._driver.open_pool(replica.url, **self._pool_options)
        except Exception as exc:
            if classify(exc) is None:
                raise
            self.routes.failed(replica, str(translate(exc, url=replica.url, write=False, what="connecting")))
            return None
        finally:
            self.routes.opened(replica)
        if self.closed:
            await pool.close()
            return None
        self._replica_pools[replica.name] = pool
        return pool

    async def _replica_down(self, replica: replicas.Replica, exc: BaseException) -> None:
        """Skip the replica for its backoff; its pool is closed (a new one is opened after)."""
        assert self.routes is not None
        if not self.routes.failed(replica, str(translate(exc, url=replica.url, write=False, what="reading"))):
            return
        pool = self._replica_pools.pop(replica.name, None)
        if pool is not None:
            try:
                await pool.close(timeout=1.0)
            except Exception:  # noqa: BLE001 - it is dropped either way
                pass

    # -- performing a plan -------------------------------------------------------------------

    async def _run_on(self, conn: Any, spec: OperationSpec, steps: Steps[Any], first: Any) -> Any:
        """An operation outside any store.transaction(), on `conn`."""
        if not spec.atomic_on(self.dialect):
            return await self._perform_bare(conn, steps, first, spec.write)
        return await self._perform(conn, transactions.attempt(self.dialect, spec, steps, first, in_transaction=False),
                                   spec.write)

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
