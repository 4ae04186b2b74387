"""Public APIs built from tables of operations: each table is listed once, and each store
class turns it into sync or async methods."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from asm.db import plan
from asm.db.operation import Listen, Pause, spec_of
from asm.db.urls import DatabaseURL
from asm.errors import AsmError


class OperationTable:
    """Base of the API tables. A table lists operations as class attributes; a store class
    derives from it naming how to run them: `class SessionStore(StoreOperations, wrap=sync_method)`."""

    def __init__(self, executor: Any):
        self._executor = executor

    @property
    def url(self) -> DatabaseURL:
        """The database URL (its password shows as ***)."""
        return self._executor.url

    @property
    def dialect(self) -> str:
        """"postgres", "sqlite" or "mysql"."""
        return self._executor.dialect.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"

    def __init_subclass__(cls, wrap: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
                          **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if wrap is None:
            return  # a table, not a store
        for name in dir(cls):
            op = inspect.getattr_static(cls, name)
            if callable(op) and (hasattr(op, "asm_operation") or hasattr(op, "asm_procedure")):
                setattr(cls, name, wrap(op))


class SyncStore:
    """close() and `with` for a store on a sync executor."""

    _executor: Any

    def close(self) -> None:
        self._executor.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class AsyncStore:
    """await close() and `async with` for a store on an async executor."""

    _executor: Any

    async def close(self) -> None:
        await self._executor.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()


def _public_signature(op: Callable[..., Any]) -> inspect.Signature:
    # The operation's first parameter is the dialect, which the store supplies.
    signature = inspect.signature(op)
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return signature.replace(parameters=[self, *list(signature.parameters.values())[1:]])


class _DryRun(Exception):
    """Carries a dry run's result out of the transaction it rolls back."""

    def __init__(self, result: Any):
        self.result = result


def sync_method(op: Callable[..., Any]) -> Callable[..., Any]:
    """A method running `op` (an operation or a procedure) on the store's sync executor."""
    if hasattr(op, "asm_procedure"):
        return _sync_procedure(op)
    spec_of(op)

    @functools.wraps(op)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._executor.run(op, self._executor.dialect, *args, **kwargs)

    method.__signature__ = _public_signature(op)  # type: ignore[attr-defined]
    return method


def async_method(op: Callable[..., Any]) -> Callable[..., Any]:
    """A coroutine method running `op` (an operation or a procedure) on the store's async executor."""
    if hasattr(op, "asm_procedure"):
        return _async_procedure(op)
    spec_of(op)

    @functools.wraps(op)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._executor.run(op, self._executor.dialect, *args, **kwargs)

    method.__signature__ = _public_signature(op)  # type: ignore[attr-defined]
    return method


def _sync_procedure(proc: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(proc)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        executor = self._executor

        def drive() -> Any:
            watch = executor.watch()

            def perform(step: Any) -> Any:
                if isinstance(step, Listen):
                    return watch.listen(step.session_id)
                if isinstance(step, Pause):
                    return watch.pause(step.seconds)
                return executor.run(step.fn, executor.dialect, *step.args, **step.kwargs)

            try:
                return plan.drive(proc(executor.dialect, *args, **kwargs), perform, catch=AsmError)
            finally:
                watch.close()

        if not kwargs.get("dry_run"):
            return drive()
        try:
            with executor.transaction():
                raise _DryRun(drive())
        except _DryRun as done:
            return done.result

    method.__signature__ = _public_signature(proc)  # type: ignore[attr-defined]
    return method


def _async_procedure(proc: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(proc)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        executor = self._executor

        async def drive() -> Any:
            watch = executor.watch()

            async def perform(step: Any) -> Any:
                if isinstance(step, Listen):
                    return await watch.listen(step.session_id)
                if isinstance(step, Pause):
                    return await watch.pause(step.seconds)
                return await executor.run(step.fn, executor.dialect, *step.args, **step.kwargs)

            try:
                return await plan.adrive(proc(executor.dialect, *args, **kwargs), perform, catch=AsmError)
            finally:
                watch.close()

        if not kwargs.get("dry_run"):
            return await drive()
        try:
            async with executor.transaction():
                raise _DryRun(await drive())
        except _DryRun as done:
            return done.result

    method.__signature__ = _public_signature(proc)  # type: ignore[attr-defined]
    return method
