"""The targets of issue 9 (and the bounded-memory claim of issue 8), checked on one dialect's results."""

from __future__ import annotations

from dataclasses import dataclass

from bench.cases import READ, history_label
from bench.timing import median

APPEND_RATIO = 1.3      # PostgreSQL single append vs the floor
BATCH_SPEEDUP = 10.0    # events/s of a batch vs single appends
READ_RATIO = 1.5        # reads vs the floor, conversion included
GROWTH_RATIO = 1.2      # cost at the large history vs the small one
READ_KEYS = ("get_session", "graph_get", "search_sessions")


@dataclass
class Check:
    dialect: str
    target: str
    value: str
    met: bool


def ratio(case) -> float:
    return median(case.timings.asm) / median(case.timings.floor)


def check(result, history: tuple[int, int]) -> list[Check]:
    d = result.dialect
    small, large = (history_label(n) for n in history)
    checks = []
    if d == "postgres":
        append = result.case(f"append_one@{small}")
        r = ratio(append)
        checks.append(Check(d, f"single append within {APPEND_RATIO}x of the floor", f"{r:.2f}x", r <= APPEND_RATIO))
        trips = append.round_trips[0]
        checks.append(Check(d, "one round trip per append", f"{trips}", trips == 1))
    single = median(result.case(f"append_one@{small}").timings.asm)
    batch_case = next(c for c in result.cases if c.key.startswith("append_batch_"))
    speedup = (batch_case.events / median(batch_case.timings.asm)) / (1 / single)
    checks.append(Check(d, f"batch events/s >= {BATCH_SPEEDUP:g}x single appends", f"{speedup:.1f}x",
                        speedup >= BATCH_SPEEDUP))
    for key in (f"read_last_{READ}@{small}", f"read_last_{READ}@{large}", *READ_KEYS):
        case = result.case(key)
        r = ratio(case)
        checks.append(Check(d, f"{case.label} within {READ_RATIO}x of the floor", f"{r:.2f}x", r <= READ_RATIO))
    for op in ("append_one", f"read_last_{READ}"):
        growth = median(result.case(f"{op}@{large}").timings.asm) / median(result.case(f"{op}@{small}").timings.asm)
        checks.append(Check(d, f"{op}: cost at {large} events within {GROWTH_RATIO}x of {small}",
                            f"{growth:.2f}x", growth <= GROWTH_RATIO))
    if len(result.memory) >= 2:
        first, last = result.memory[0], result.memory[-1]
        growth = last.traced_peak_bytes / max(1, first.traced_peak_bytes)
        checks.append(Check(d, f"iter_events peak memory at {last.session_events:,} events within "
                               f"{GROWTH_RATIO}x of {first.session_events:,}", f"{growth:.2f}x", growth <= GROWTH_RATIO))
    return checks
