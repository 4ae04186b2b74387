"""The sans-I/O protocol between store logic and the database.

An operation is a generator function taking the store's `Database` (asm/core/database.py: the
dialect and the store's settings) and its caller's arguments: it validates the arguments,
yields `Call`s naming queries of `queries/<dialect>/` (or, for DDL, a `Statement` of
asm/core/transactions.py run as is), receives each result, and returns the answer. It never
touches a connection, so one operation serves the sync and the async executor alike.

Results arrive shaped by the query's aiosql suffix: no suffix -> list of dict rows,
`^` -> one dict row or None, `$` -> one value or None, `!` and `*!` -> affected row count.
A `Call(..., tuples=True)` of a query without suffix (or `^`) gets `Rows` instead: the
driver's tuples and the names of their columns, which hot reads turn into records with a
cached row plan (asm.convert.rows.records_from) without building a dict per row.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

import attrs

if TYPE_CHECKING:
    from asm.drivers.dialects import Dialect
    from asm.core.transactions import Statement

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
# What an operation's generator is: it yields `Call`s (or `Statement`s) and is sent back their
# results (driver rows, values or counts, whose shape depends on the query).
Steps: TypeAlias = Generator["Call | Statement", Any, T]
# What a job's generator is: it yields `RunOperation`, `Listen` and `Pause` and is sent
# back the operation's result or the notification state.
JobSteps: TypeAlias = Generator["RunOperation | Listen | Pause", Any, T]


@attrs.frozen(slots=True)
class Call:
    query: str
    # A dict of named parameters, or for a `*!` query a list of them.
    params: Any = attrs.field(factory=dict)
    # Rows as tuples (`Rows`), not dicts. How rows travel, not what is asked: not compared.
    tuples: bool = attrs.field(default=False, eq=False)


class Rows(NamedTuple):
    """A query's rows as the driver's tuples, with the names of their columns."""

    columns: tuple[str, ...]
    data: Sequence[tuple[Any, ...]]


@attrs.frozen(slots=True)
class OperationSpec:
    # Writes: SQLite takes the write lock up front; failures read as write failures.
    write: bool
    # Runs in one transaction (joins the caller's `store.transaction()` if there is one). A
    # function of the dialect when that differs: one statement needs no BEGIN ... COMMIT.
    atomic: bool | Callable[[Dialect], bool]
    # A unique-key race or deadlock rolls back and runs the whole operation again.
    retry: bool

    def atomic_on(self, dialect: Dialect) -> bool:
        return self.atomic(dialect) if callable(self.atomic) else self.atomic


def unless_one_statement(dialect: Dialect) -> bool:
    """`atomic=` of a write that is one statement where the dialect appends in one (PostgreSQL:
    atomic by itself, no BEGIN ... COMMIT) and several in a transaction elsewhere."""
    return not dialect.appends_in_one_statement


def operation(*, write: bool = False, atomic: bool | Callable[[Dialect], bool] | None = None,
              retry: bool = False) -> Callable[[F], F]:
    """Mark a generator function as a store operation. A retried operation is atomic unless
    `atomic` says otherwise for a dialect."""
    spec = OperationSpec(write=write, atomic=retry if atomic is None else atomic, retry=retry)

    def mark(fn: F) -> F:
        fn.asm_operation = spec  # type: ignore[attr-defined]  # a marker attribute on a plain function
        return fn

    return mark


def spec_of(fn: Callable[..., Any]) -> OperationSpec:
    spec: OperationSpec = fn.asm_operation  # type: ignore[attr-defined]  # set by `operation`
    return spec


@attrs.frozen(slots=True)
class RunOperation:
    """What a job yields: run this operation (in its own transaction) and send back its result."""

    fn: Callable[..., Steps[Any]]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)


def job(fn: F) -> F:
    """Mark a generator function as a job: work of several operations, each its own
    transaction (maintenance batches). An operation's asm error is thrown back into it, so a
    job can report it and go on. A `dry_run=True` keyword runs the whole job in one
    transaction that is rolled back."""
    fn.asm_job = True  # type: ignore[attr-defined]  # a marker attribute on a plain function
    return fn


@attrs.frozen(slots=True)
class Listen:
    """What a long poll yields before each read it may wait after: from now on, an append to
    this session within `seconds` ends its pauses early. Sends back whether the database
    notifies appends (PostgreSQL, while its listening connection is up); without
    notifications, pauses just sleep."""

    session_id: str
    seconds: float


@attrs.frozen(slots=True)
class Pause:
    """What a job yields to wait without holding a connection: up to `seconds`, or less
    when a session it listens to gets events. Sends back whether notifications are still up."""

    seconds: float
