"""Runs operations on pooled sync connections: the sync half of asm's thin I/O layer.

What to run, in which transaction, and when to retry is decided in plan.py; this module
only performs it. async_executor.py is the same with `await`.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiosql.types import SQLOperationType

from asm.db import driver_errors, plan
from asm.db.executor_base import ExecutorBase, OpenTransaction, orphaned_savepoint
from asm.db.listener import Listener, Watch
from asm.db.operation import Call, spec_of
from asm.db.sync_drivers import SYNC_DRIVERS, probe_timeout
from asm.db.urls import DatabaseURL
from asm.errors import AsmError

_SELECT = SQLOperationType.SELECT
_MANY = SQLOperationType.INSERT_UPDATE_DELETE_MANY


class SyncExecutor(ExecutorBase):
    def __init__(self, url: DatabaseURL, **pool_options: Any):
        self._driver = SYNC_DRIVERS[url.dialect]
        super().__init__(url, self._driver.aiosql_adapter)
        # The caller's open store.transaction(); threads do not inherit it unless given its context.
        self._transaction: ContextVar[OpenTransaction | None] = ContextVar(f"asm_transaction_{id(self)}", default=None)
        try:
            self._pool = self._driver.open_pool(url, **pool_options)
        except Exception as exc:
            raise self._translate(exc, write=False, what="connecting") from exc
        # Opened by the first long poll; PostgreSQL only.
        self._listener = (Listener(url.conninfo(), probe_timeout(pool_options.get("timeout", 30.0)))
                          if self.dialect.notifies_appends else None)

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run the operation `fn(*args, **kwargs)`; retry-marked ones run again after a race."""
        spec = spec_of(fn)
        self._check_open()
        for number in itertools.count(1):
            # Arguments are checked up to the first query before a connection is taken.
            steps = fn(*args, **kwargs)
            try:
                first = next(steps)
            except StopIteration as stop:
                return stop.value
            try:
                tx = self._transaction.get()
                if tx is not None:
                    with tx.lock:
                        if tx.open:
                            return self._perform(tx.conn, plan.attempt(self.dialect, spec, steps, first, in_transaction=True), spec.write)
                    # The block ended while this thread (given its context) went on: run on our own.
                with self._connection() as conn:
                    return self._perform(conn, plan.attempt(self.dialect, spec, steps, first, in_transaction=False), spec.write)
            except AsmError as error:
                if plan.give_up(spec, number, error, fn.__name__):
                    raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._check_open()
        tx = self._transaction.get()
        if tx is not None:
            mark, release, undo = plan.savepoint()
            with tx.lock:
                nested = tx.open
                if nested:
                    self._statement(tx.conn, mark)
            if nested:
                try:
                    yield
                except BaseException:
                    with tx.lock:
                        if tx.open:
                            self._quietly(tx.conn, undo, release)
                    raise
                with tx.lock:
                    if not tx.open:
                        raise orphaned_savepoint()
                    self._statement(tx.conn, release)
                return
        with self._connection() as conn:
            self._statement(conn, plan.begin(self.dialect, write=True))
            tx = OpenTransaction(conn, threading.Lock())
            token = self._transaction.set(tx)
            try:
                yield
            except BaseException:
                tx.open = False
                with tx.lock:
                    self._quietly(conn, plan.ROLLBACK)
                raise
            finally:
                self._transaction.reset(token)
            tx.open = False
            with tx.lock:
                self._statement(conn, plan.COMMIT)

    def execute_statements(self, statements: list[str]) -> None:
        """Run raw SQL statements in order (the migrations of an in-memory SQLite store)."""
        with self._connection() as conn:
            for sql in statements:
                self._statement(conn, plan.Statement(sql))

    def watch(self) -> Watch:
        """A long poll's way to wait for appends (see listener.py)."""
        return Watch(self._listener)

    def close(self) -> None:
        self.closed = True
        if self._listener is not None:
            self._listener.close()
        self._pool.close()

    # -- performing a plan -------------------------------------------------------------------

    def _perform(self, conn: Any, steps: plan.Plan, write: bool) -> Any:
        return plan.drive(steps, lambda step: self._call(conn, step, write) if isinstance(step, Call)
                          else self._statement(conn, step))

    def _call(self, conn: Any, call: Call, write: bool) -> Any:
        fn = self._query(call.query)
        try:
            if fn.operation is _MANY:
                return fn(conn, call.params)
            result = fn(conn, **call.params)
            return list(result) if fn.operation is _SELECT else result
        except Exception as exc:
            raise self._translate(exc, write=write, what=call.query) from exc

    def _statement(self, conn: Any, statement: plan.Statement) -> None:
        try:
            self._driver.execute(conn, statement.sql)
        except Exception as exc:
            raise self._translate(exc, write=True, what=statement.sql.split()[0].lower()) from exc

    def _quietly(self, conn: Any, *statements: plan.Statement) -> None:
        try:
            for statement in statements:
                self._statement(conn, statement)
        except Exception:  # noqa: BLE001 - the caller's own error is the one to report
            pass

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except Exception as exc:
            if driver_errors.classify(exc) is None:
                raise
            self._check_open()
            raise self._translate(exc, write=True, what="connecting") from exc
