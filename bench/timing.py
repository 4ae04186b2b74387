"""Side-by-side timing: asm and the floor take turns call by call, so noise from the shared
machine (other processes, the server's background work) hits both alike."""

from __future__ import annotations

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
            iterations: int, warmup: int) -> Timings:
    """Call each side `warmup + iterations` times, alternating which goes first (ABBA), and keep
    the timings after the warmup. Each call gets its index, to pick its own input."""
    timings = Timings()
    sides = ((asm_call, timings.asm), (floor_call, timings.floor))
    # The garbage collector stays on: the objects a side allocates are part of its cost.
    for i in range(warmup + iterations):
        for call, out in (sides if i % 2 == 0 else sides[::-1]):
            start = time.perf_counter()
            call(i)
            elapsed = time.perf_counter() - start
            if i >= warmup:
                out.append(elapsed)
    return timings


async def measure_async(asm_call: Callable[[int], Awaitable[object]], floor_call: Callable[[int], Awaitable[object]],
                        iterations: int, warmup: int) -> Timings:
    """`measure` for the async API, inside the running event loop: each call is timed around its
    await, so the time includes the loop's scheduling (and a driver's thread hop) as a caller sees it."""
    timings = Timings()
    sides = ((asm_call, timings.asm), (floor_call, timings.floor))
    for i in range(warmup + iterations):
        for call, out in (sides if i % 2 == 0 else sides[::-1]):
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
