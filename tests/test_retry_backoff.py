"""After a deadlock (or a busy database) a retry-marked operation waits a random, growing time
before running again; after a unique key taken meanwhile it runs again at once. Without the
wait, writers on different Galera nodes retrying a hot row at once lost 8 times in a row
(tests/topologies/test_galera.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from asm.core import async_executor, sync_executor, transactions
from asm.core.operation import operation
from asm.drivers import kinds
from asm.drivers.urls import parse_url
from asm.errors import StorageWriteFailed


def lost(kind: str) -> StorageWriteFailed:
    return StorageWriteFailed("lost a race", details={"kind": kind}, retryable=True)


def losing(kind: str, times: int) -> Any:
    """A retry-marked operation whose first `times` attempts lose a race of `kind` after a query."""
    attempts: list[int] = []

    @operation(write=True, retry=True)
    def op(database: Any) -> Generator[Any, Any, int]:
        yield transactions.Statement("SELECT 1")
        attempts.append(1)
        if len(attempts) <= times:
            raise lost(kind)
        return len(attempts)

    return op


def test_a_deadlock_waits_a_random_growing_time_and_a_taken_key_does_not() -> None:
    assert transactions.retry_delay(1, lost(kinds.CONFLICT)) == 0.0
    for number in range(1, 12):
        cap = min(transactions.MAX_BACKOFF_S, transactions.BACKOFF_S * 2 ** (number - 1))
        delays = [transactions.retry_delay(number, lost(kinds.TRANSIENT)) for _ in range(200)]
        assert all(0.0 <= d <= cap for d in delays)
        assert len(set(delays)) > 100, "jittered, so rivals do not retry in step"
    assert transactions.MAX_BACKOFF_S * transactions.MAX_ATTEMPTS < 2.0, "a call's waits stay short"


@pytest.mark.parametrize(("kind", "waits"), [(kinds.TRANSIENT, 3), (kinds.CONFLICT, 0)])
def test_the_sync_executor_waits_between_attempts_after_a_deadlock(
        kind: str, waits: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(sync_executor, "sleep", slept.append)
    executor = sync_executor.SyncExecutor(parse_url(f"sqlite:///{tmp_path / 'a.db'}"))
    executor.open(max_size=1)
    try:
        assert executor.run(losing(kind, 3)) == 4
    finally:
        executor.close()
    assert len(slept) == waits and all(d >= 0 for d in slept)


@pytest.mark.parametrize(("kind", "waits"), [(kinds.TRANSIENT, 3), (kinds.CONFLICT, 0)])
def test_the_async_executor_waits_between_attempts_after_a_deadlock(
        kind: str, waits: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(async_executor, "sleep", sleep)

    async def main() -> int:
        executor = async_executor.AsyncExecutor(parse_url(f"sqlite:///{tmp_path / 'a.db'}"))
        await executor.open(max_size=1)
        try:
            result: int = await executor.run(losing(kind, 3))
            return result
        finally:
            await executor.close()

    assert asyncio.run(main()) == 4
    assert len(slept) == waits


def test_a_call_that_keeps_losing_still_stops_after_max_attempts(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(sync_executor, "sleep", slept.append)
    executor = sync_executor.SyncExecutor(parse_url(f"sqlite:///{tmp_path / 'a.db'}"))
    executor.open(max_size=1)
    try:
        with pytest.raises(StorageWriteFailed) as raised:
            executor.run(losing(kinds.TRANSIENT, 100))
    finally:
        executor.close()
    assert raised.value.retryable and raised.value.details["kind"] == kinds.TRANSIENT
    assert len(slept) == transactions.MAX_ATTEMPTS - 1
