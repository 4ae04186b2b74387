"""How one store call runs, written once for the sync and the async executor.

`attempt` wraps an operation (see operation.py) in its transaction handling and yields
what must be done: a `Call` (a named query) or a `Statement` (BEGIN, COMMIT, savepoints).
An executor performs each and sends the result back; an I/O error is thrown in where it
happened, so the rollback below runs whatever the executor is.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections.abc import Generator
from typing import Any

import attrs

from asm.drivers.dialects import Dialect
from asm.core.operation import Call, OperationSpec, Steps
from asm.drivers import kinds
from asm.drivers.errors import lost_race
from asm.errors import AsmError

MAX_ATTEMPTS = 8
# Before running again after a deadlock or a busy database: a random wait of up to BACKOFF_S,
# doubled per attempt up to MAX_BACKOFF_S. Rivals that retried at once would meet again; on a
# Galera cluster, writers on different nodes then lost the same hot row 8 times in a row.
BACKOFF_S = 0.005
MAX_BACKOFF_S = 0.2
log = logging.getLogger("asm")
_savepoint_numbers = itertools.count()  # next() on a count is atomic across threads


@attrs.frozen(slots=True)
class Statement:
    """Transaction control SQL, run as is."""

    sql: str


COMMIT = Statement("COMMIT")
ROLLBACK = Statement("ROLLBACK")

Plan = Generator["Call | Statement", Any, Any]


def begin(dialect: Dialect, write: bool) -> Statement:
    return Statement(dialect.begin_write if write else "BEGIN")


def savepoint() -> tuple[Statement, Statement, Statement]:
    """(SAVEPOINT, RELEASE, ROLLBACK TO) for a fresh savepoint name."""
    name = f"asm_sp_{next(_savepoint_numbers)}"
    return (Statement(f"SAVEPOINT {name}"), Statement(f"RELEASE SAVEPOINT {name}"),
            Statement(f"ROLLBACK TO SAVEPOINT {name}"))


def attempt(dialect: Dialect, spec: OperationSpec, steps: Steps[Any], first: Call | Statement, *,
            in_transaction: bool) -> Plan:
    """One attempt at an operation whose first query is `first`."""
    if in_transaction and spec.retry:
        # A retry must undo its own attempt, not the caller's earlier work.
        mark, release, undo = savepoint()
        return (yield from _guarded(steps, first, mark, release, (undo, release)))
    if in_transaction or not spec.atomic_on(dialect):
        return (yield from _drive(steps, first))
    return (yield from _guarded(steps, first, begin(dialect, spec.write), COMMIT, (ROLLBACK,)))


def give_up(spec: OperationSpec, number: int, error: AsmError, name: str) -> bool:
    """After attempt `number` failed with `error`: False to run the operation again."""
    if not spec.retry or number >= MAX_ATTEMPTS or not lost_race(error):
        return True
    log.debug("%s: attempt %d lost a race (%s); running it again", name, number, error)
    return False


def retry_delay(number: int, error: AsmError) -> float:
    """Seconds to wait before running an operation again after attempt `number` lost a race:
    none after a unique key taken meanwhile (the next attempt finds its row), a jittered,
    growing wait after a deadlock, lock timeout or busy database."""
    if error.details.get("kind") != kinds.TRANSIENT:
        return 0.0
    return random.uniform(0.0, min(MAX_BACKOFF_S, BACKOFF_S * 2 ** (number - 1)))


def _guarded(steps: Steps[Any], first: Call | Statement, opening: Statement, closing: Statement,
             on_error: tuple[Statement, ...]) -> Plan:
    yield opening
    try:
        result = yield from _drive(steps, first)
    except GeneratorExit:
        # Abandoned by its executor (cancelled, interrupted): the pool ends the transaction.
        raise
    except BaseException:
        for statement in on_error:
            try:
                yield statement
            except Exception:  # noqa: BLE001 - a dead connection has nothing to undo
                break
        raise
    yield closing
    return result


def _drive(steps: Steps[Any], call: Call | Statement) -> Plan:
    try:
        while True:
            call = steps.send((yield call))
    except StopIteration as stop:
        return stop.value
