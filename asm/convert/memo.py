"""`memo`: a function's results kept per arguments, as functools.cache keeps them.

functools.cache's typing asks for Hashable arguments, which mypy does not see classes as;
this one keeps the decorated function's signature (generic ones included).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["memo"]

P = ParamSpec("P")
V = TypeVar("V")


def memo(build: Callable[P, V]) -> Callable[P, V]:
    """`build`, called once per arguments (results are kept for the process)."""
    results: dict[Any, V] = {}

    @functools.wraps(build)
    def get(*args: P.args, **kwargs: P.kwargs) -> V:
        key = (args, tuple(kwargs.items())) if kwargs else args
        try:
            return results[key]
        except KeyError:
            # Two threads may build at once: the same value, one of them kept.
            result = results[key] = build(*args, **kwargs)
            return result

    return get
