"""The side-by-side timing helpers (bench/timing.py): which calls each side makes, in which
order, and what is kept. The timings themselves are never checked."""

from __future__ import annotations

import asyncio

import pytest

from bench.timing import blocks, measure, measure_async


def test_blocks_cover_every_call_once_in_order() -> None:
    runs = blocks(25, 10)
    assert [(list(indexes), turn) for indexes, turn in runs] == [
        (list(range(0, 10)), 0), (list(range(10, 20)), 1), (list(range(20, 25)), 2)]
    assert [(list(indexes), turn) for indexes, turn in blocks(3, 1)] == [([0], 0), ([1], 1), ([2], 2)]
    assert blocks(0, 10) == []


def _recorder() -> tuple[list[tuple[str, int]], object, object]:
    calls: list[tuple[str, int]] = []
    return calls, lambda i: calls.append(("asm", i)), lambda i: calls.append(("floor", i))


def test_measure_call_by_call_alternates_who_goes_first() -> None:
    calls, asm_call, floor_call = _recorder()
    timings = measure(asm_call, floor_call, iterations=2, warmup=1)  # type: ignore[arg-type]
    assert calls == [("asm", 0), ("floor", 0), ("floor", 1), ("asm", 1), ("asm", 2), ("floor", 2)]
    assert len(timings.asm) == len(timings.floor) == 2  # the warmup call is not kept


def test_measure_in_runs_keeps_a_side_busy_for_a_whole_run() -> None:
    calls, asm_call, floor_call = _recorder()
    timings = measure(asm_call, floor_call, iterations=4, warmup=2, block=3)  # type: ignore[arg-type]
    assert calls == [("asm", 0), ("asm", 1), ("asm", 2), ("floor", 0), ("floor", 1), ("floor", 2),
                     ("floor", 3), ("floor", 4), ("floor", 5), ("asm", 3), ("asm", 4), ("asm", 5)]
    assert len(timings.asm) == len(timings.floor) == 4


@pytest.mark.parametrize("block", [1, 4])
def test_measure_async_calls_as_measure_does(block: int) -> None:
    calls: list[tuple[str, int]] = []
    sync_calls, sync_asm, sync_floor = _recorder()

    async def asm_call(i: int) -> None:
        calls.append(("asm", i))

    async def floor_call(i: int) -> None:
        calls.append(("floor", i))

    timings = asyncio.run(measure_async(asm_call, floor_call, iterations=7, warmup=2, block=block, pause=0.001))
    measure(sync_asm, sync_floor, iterations=7, warmup=2, block=block)  # type: ignore[arg-type]
    assert calls == sync_calls
    assert len(timings.asm) == len(timings.floor) == 7
