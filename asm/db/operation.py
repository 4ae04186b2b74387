"""The sans-I/O protocol between store logic and the database.

An operation is a generator function: it validates its arguments, yields `Call`s naming
queries of `queries/<dialect>/`, receives each result, and returns the answer. It never
touches a connection, so one operation serves the sync and the async executor alike.

Results arrive shaped by the query's aiosql suffix: no suffix -> list of dict rows,
`^` -> one dict row or None, `$` -> one value or None, `!` and `*!` -> affected row count.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

import attrs

T = TypeVar("T")
Steps = Generator["Call", Any, T]


@attrs.frozen(slots=True)
class Call:
    query: str
    # A dict of named parameters, or for a `*!` query a list of them.
    params: Any = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class OperationSpec:
    # Writes: SQLite takes the write lock up front; failures read as write failures.
    write: bool
    # Runs in one transaction (joins the caller's `store.transaction()` if there is one). A
    # function of the dialect when that differs: one statement needs no BEGIN ... COMMIT.
    atomic: bool | Callable[[Any], bool]
    # A unique-key race or deadlock rolls back and runs the whole operation again.
    retry: bool

    def atomic_on(self, dialect: Any) -> bool:
        return self.atomic(dialect) if callable(self.atomic) else self.atomic


def operation(*, write: bool = False, atomic: bool | Callable[[Any], bool] | None = None,
              retry: bool = False) -> Callable[[T], T]:
    """Mark a generator function as a store operation. A retried operation is atomic unless
    `atomic` says otherwise for a dialect."""
    spec = OperationSpec(write=write, atomic=retry if atomic is None else atomic, retry=retry)

    def mark(fn: T) -> T:
        fn.asm_operation = spec  # type: ignore[attr-defined]
        return fn

    return mark


def spec_of(fn: Callable[..., Any]) -> OperationSpec:
    return fn.asm_operation  # type: ignore[attr-defined]


@attrs.frozen(slots=True)
class RunOperation:
    """What a procedure yields: run this operation (in its own transaction) and send back its result."""

    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = attrs.field(factory=dict)


def procedure(fn: T) -> T:
    """Mark a generator function as a procedure: work of several operations, each its own
    transaction (maintenance batches). An operation's asm error is thrown back into it, so a
    procedure can report it and go on. A `dry_run=True` keyword runs the whole procedure in one
    transaction that is rolled back."""
    fn.asm_procedure = True  # type: ignore[attr-defined]
    return fn


@attrs.frozen(slots=True)
class Listen:
    """What a long poll yields before its first read: from now on, an append to this session
    ends its pauses early. Sends back whether the database notifies appends (PostgreSQL,
    while its listening connection is up); without notifications, pauses just sleep."""

    session_id: str


@attrs.frozen(slots=True)
class Pause:
    """What a procedure yields to wait without holding a connection: up to `seconds`, or less
    when a session it listens to gets events. Sends back whether notifications are still up."""

    seconds: float
