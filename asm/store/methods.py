"""The store API, listed once: each store class turns these operations into its methods."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from asm.db.operation import spec_of
from asm.db.urls import DatabaseURL
from asm.store import events, runs, sessions


class StoreOperations:
    """The operations of CONTRACT §4. A subclass names how to run them:
    `class SessionStore(StoreOperations, wrap=sync_method)`."""

    save_session = sessions.save_session
    get_session = sessions.get_session
    list_sessions = sessions.list_sessions
    delete_session = sessions.delete_session
    restore_session = sessions.restore_session

    save_run = runs.save_run
    get_run = runs.get_run
    list_runs = runs.list_runs
    get_active_run = runs.get_active_run

    append_event = events.append_event
    append_event_with_sequence = events.append_event_with_sequence
    append_events = events.append_events
    flush = events.flush
    get_events = events.get_events
    get_latest_sequence = events.get_latest_sequence

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

    def __init_subclass__(cls, wrap: Callable[[Callable[..., Any]], Callable[..., Any]], **kwargs: Any):
        super().__init_subclass__(**kwargs)
        for name, op in vars(StoreOperations).items():
            if callable(op) and hasattr(op, "asm_operation"):
                setattr(cls, name, wrap(op))


def _public_signature(op: Callable[..., Any]) -> inspect.Signature:
    # The operation's first parameter is the dialect, which the store supplies.
    signature = inspect.signature(op)
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return signature.replace(parameters=[self, *list(signature.parameters.values())[1:]])


def sync_method(op: Callable[..., Any]) -> Callable[..., Any]:
    """A method running `op` on the store's sync executor."""
    spec_of(op)

    @functools.wraps(op)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._executor.run(op, self._executor.dialect, *args, **kwargs)

    method.__signature__ = _public_signature(op)  # type: ignore[attr-defined]
    return method


def async_method(op: Callable[..., Any]) -> Callable[..., Any]:
    """A coroutine method running `op` on the store's async executor."""
    spec_of(op)

    @functools.wraps(op)
    async def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._executor.run(op, self._executor.dialect, *args, **kwargs)

    method.__signature__ = _public_signature(op)  # type: ignore[attr-defined]
    return method
