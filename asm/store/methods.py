"""Turning operations into store methods: the sync and async stores list the same operations."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


def _public_signature(op: Callable[..., Any]) -> inspect.Signature:
    # The operation's first parameter is the dialect, which the store supplies.
    params = list(inspect.signature(op).parameters.values())
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return inspect.signature(op).replace(parameters=[self, *params[1:]])


def sync_method(op: Callable[..., Any]) -> Callable[..., Any]:
    """A SessionStore method running `op` on the store's executor."""

    @functools.wraps(op)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._executor.run(op, self._executor.dialect, *args, **kwargs)

    method.__signature__ = _public_signature(op)  # type: ignore[attr-defined]
    return method
