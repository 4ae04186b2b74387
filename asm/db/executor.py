"""Runs operations (see operation.py) on pooled sync connections.

This is the whole of asm's sync I/O: connections, transactions, retries and the
translation of driver exceptions into asm errors. The async executor mirrors it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiosql.types import SQLOperationType

from asm.db import driver_errors
from asm.db.dialects import DIALECTS
from asm.db.operation import Call, spec_of
from asm.db.resources import load_queries
from asm.db.sync_drivers import SYNC_DRIVERS
from asm.db.sync_drivers import execute as _execute_raw
from asm.db.translate import RetryableFailure, translate
from asm.db.urls import DatabaseURL
from asm.errors import StorageConnectionFailed

MAX_ATTEMPTS = 8
log = logging.getLogger("asm")
_SELECT = SQLOperationType.SELECT
_MANY = SQLOperationType.INSERT_UPDATE_DELETE_MANY
_savepoint_numbers = itertools.count()  # next() on a count is atomic across threads


class SyncExecutor:
    def __init__(self, url: DatabaseURL, **pool_options: Any):
        self.url = url
        self.dialect = DIALECTS[url.dialect]
        self._driver = SYNC_DRIVERS[url.dialect]
        self._queries = load_queries(url.dialect, self._driver.aiosql_adapter)
        # The connection of the caller's open store.transaction(), per thread and per task.
        self._transaction: ContextVar[Any] = ContextVar(f"asm_transaction_{id(self)}", default=None)
        self.closed = False
        try:
            self._pool = self._driver.open_pool(url, **pool_options)
        except Exception as exc:
            raise self._translate(exc, write=False, what="connecting") from exc

    # -- public surface used by the stores ---------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run the operation `fn(*args, **kwargs)`; retry-marked ones run again after a race."""
        spec = spec_of(fn)
        if self.closed:
            raise StorageConnectionFailed("the store is closed", retryable=False)
        for attempt in itertools.count(1):
            # Arguments are checked up to the first query before a connection is taken.
            steps = fn(*args, **kwargs)
            try:
                first = next(steps)
            except StopIteration as stop:
                return stop.value
            try:
                outer = self._transaction.get()
                if outer is not None:
                    return self._run_inside(outer, spec, steps, first)
                with self._connection(spec.write) as conn:
                    return self._run_alone(conn, spec, steps, first)
            except RetryableFailure as failure:
                if not spec.retry or attempt >= MAX_ATTEMPTS:
                    raise failure.error from failure.__cause__
                log.debug("%s: attempt %d lost a race (%s); running it again", fn.__name__, attempt, failure)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.closed:
            raise StorageConnectionFailed("the store is closed", retryable=False)
        outer = self._transaction.get()
        if outer is not None:
            with self._savepoint(outer):
                yield
            return
        with self._connection(write=True) as conn:
            self._raw(conn, self._driver.begin, True)
            token = self._transaction.set(conn)
            try:
                yield
            except BaseException:
                self._rollback_quietly(conn)
                raise
            finally:
                self._transaction.reset(token)
            self._raw(conn, self._driver.commit)

    def execute_statements(self, statements: list[str]) -> None:
        """Run raw SQL statements in order (the migrations of an in-memory SQLite store)."""
        with self._connection(write=True) as conn:
            for statement in statements:
                self._raw(conn, _execute_raw, statement)

    def close(self) -> None:
        self.closed = True
        self._pool.close()

    # -- running one operation ---------------------------------------------------------------

    def _run_alone(self, conn: Any, spec: Any, steps: Any, first: Call) -> Any:
        if not spec.atomic:
            return self._drive(conn, steps, first, spec.write)
        self._raw(conn, self._driver.begin, spec.write)
        try:
            result = self._drive(conn, steps, first, spec.write)
        except BaseException:
            self._rollback_quietly(conn)
            raise
        self._raw(conn, self._driver.commit)
        return result

    def _run_inside(self, conn: Any, spec: Any, steps: Any, first: Call) -> Any:
        # Only a retry needs its own savepoint: it must undo its attempt, not the caller's work.
        if not spec.retry:
            return self._drive(conn, steps, first, spec.write)
        with self._savepoint(conn):
            return self._drive(conn, steps, first, spec.write)

    def _drive(self, conn: Any, steps: Any, call: Call, write: bool) -> Any:
        try:
            while True:
                call = steps.send(self._call(conn, call, write))
        except StopIteration as stop:
            return stop.value

    def _call(self, conn: Any, call: Call, write: bool) -> Any:
        fn = getattr(self._queries, call.query)
        try:
            if fn.operation is _MANY:
                return fn(conn, call.params)
            result = fn(conn, **call.params)
            return list(result) if fn.operation is _SELECT else result
        except Exception as exc:
            raise self._translate(exc, write=write, what=call.query) from exc

    # -- connections and transactions --------------------------------------------------------

    @contextmanager
    def _connection(self, write: bool) -> Iterator[Any]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except Exception as exc:
            if driver_errors.classify(exc) is None:
                raise
            raise self._translate(exc, write=write, what="connecting") from exc

    @contextmanager
    def _savepoint(self, conn: Any) -> Iterator[None]:
        name = f"asm_sp_{next(_savepoint_numbers)}"
        self._raw(conn, self._driver.savepoint, name)
        try:
            yield
        except BaseException:
            try:
                self._driver.rollback_to(conn, name)
                self._driver.release(conn, name)
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
            raise
        self._raw(conn, self._driver.release, name)

    def _raw(self, conn: Any, statement: Callable[..., None], *args: Any) -> None:
        """BEGIN, COMMIT and savepoint statements, with driver errors translated."""
        try:
            statement(conn, *args)
        except Exception as exc:
            raise self._translate(exc, write=True, what=statement.__name__) from exc

    def _rollback_quietly(self, conn: Any) -> None:
        try:
            self._driver.rollback(conn)
        except Exception:  # noqa: BLE001 - a dead connection has nothing to roll back
            pass

    def _translate(self, exc: BaseException, *, write: bool, what: str) -> BaseException:
        return translate(exc, url=self.url, write=write, what=what)
