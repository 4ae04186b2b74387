"""Side-by-side timing: asm and the floor take turns, call by call or in short runs of calls, so
noise from the shared machine (other processes, the server's background work) hits both alike."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Timings:
    """Seconds per call of each side."""

    asm: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)


def measure(asm_call: Callable[[int], object], floor_call: Callable[[int], object],
            iterations: int, warmup: int, block: int = 1, pause: float = 0.0) -> Timings:
    """Call each side `warmup + iterations` times, alternating which goes first (ABBA), and keep
    the timings after the warmup. Each call gets its index, to pick its own input.

    `block`: calls a side makes in a row before the other takes its turn. With 1 (call by call)
    each side's server connection idles for the other side's call; when the two differ several
    times over, the faster side's connection idles longest and pays the most for waking up
    (see `blocks`). `pause`: seconds each call waits, untimed, before it starts, so that
    both sides' connections idle alike (what a call meets after an agent's model call)."""
    timings = Timings()
    sides = ((asm_call, timings.asm), (floor_call, timings.floor))
    # The garbage collector stays on: the objects a side allocates are part of its cost.
    for indexes, turn in blocks(warmup + iterations, block):
        for call, out in (sides if turn % 2 == 0 else sides[::-1]):
            for i in indexes:
                if pause:
                    time.sleep(pause)
                start = time.perf_counter()
                call(i)
                elapsed = time.perf_counter() - start
                if i >= warmup:
                    out.append(elapsed)
    return timings


def blocks(calls: int, block: int) -> list[tuple[range, int]]:
    """The call indexes 0..calls-1 in runs of `block`, each with its turn number (ABBA order).

    Runs of several calls keep each side's connection as busy as the other's: a server process
    that slept for the other side's turn wakes slower (on a 2-core virtual machine here, a bare
    psycopg append after 10 ms idle took 1.2 ms against 0.6 ms back to back), and only a
    side's first call of a run pays that, which the median leaves out."""
    return [(range(start, min(calls, start + block)), turn)
            for turn, start in enumerate(range(0, calls, max(1, block)))]


async def measure_async(asm_call: Callable[[int], Awaitable[object]], floor_call: Callable[[int], Awaitable[object]],
                        iterations: int, warmup: int, block: int = 1, pause: float = 0.0) -> Timings:
    """`measure` for the async API, inside the running event loop: each call is timed around its
    await, so the time includes the loop's scheduling (and a driver's thread hop) as a caller sees it."""
    timings = Timings()
    sides = ((asm_call, timings.asm), (floor_call, timings.floor))
    for indexes, turn in blocks(warmup + iterations, block):
        for call, out in (sides if turn % 2 == 0 else sides[::-1]):
            for i in indexes:
                if pause:
                    await asyncio.sleep(pause)
                start = time.perf_counter()
                await call(i)
                elapsed = time.perf_counter() - start
                if i >= warmup:
                    out.append(elapsed)
    return timings


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
