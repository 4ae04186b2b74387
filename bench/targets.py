"""The targets of issue 17 ("Hot paths at the floor"), with issue 9's history growth and issue 8's
bounded iter_events memory, checked on one dialect's results for the sync and the async API."""

from __future__ import annotations

from dataclasses import dataclass

from bench.cases import READ, TAILS, history_label
from bench.timing import median

APIS = ("sync", "async")
READ_RATIO = {"postgres": 1.3, "mysql": 1.3, "sqlite": 1.5}   # reads vs the floor, conversion included
SAVE_RATIO = 1.5            # graph save vs the floor, every dialect
APPEND_RATIO = 1.2          # PostgreSQL single append vs the floor, in one round trip
BATCH = 1000                # the batch the events/s targets are about
BATCH_RATE = {"postgres": 50_000, "sqlite": 40_000, "mysql": 25_000}   # events/s of that batch
BATCH_SPEEDUP = 10.0        # events/s of that batch vs single appends
GROWTH_RATIO = 1.2          # cost at the large history vs the small one
GROWTH_OPS = ("append_one", *(f"tail_{n}" for n in TAILS), f"events_page_{READ}")


@dataclass
class Check:
    dialect: str
    api: str
    target: str
    value: str
    met: bool


def ratio(case) -> float:
    return median(case.timings.asm) / median(case.timings.floor)


def read_keys(history: tuple[int, int]) -> list[str]:
    """The reads of the 1.3x / 1.5x target, in table order."""
    keys = []
    for tag in (history_label(n) for n in history):
        keys += [*(f"tail_{n}@{tag}" for n in TAILS), f"events_page_{READ}@{tag}"]
    return [*keys, "get_session", "search_sessions", "graph_get"]


def ratio_target(dialect: str, key: str, history: tuple[int, int]) -> float | None:
    """The asm/floor ratio a case must stay within, if it has one (the plot draws it)."""
    if key in read_keys(history):
        return READ_RATIO[dialect]
    if key == "graph_save":
        return SAVE_RATIO
    if dialect == "postgres" and key.startswith("append_one@"):
        return APPEND_RATIO
    return None


def check(result, history: tuple[int, int]) -> list[Check]:
    return [c for api in APIS if result.cases_of(api) for c in check_api(result, api, history)] + _memory(result)


def check_api(result, api: str, history: tuple[int, int]) -> list[Check]:
    d = result.dialect
    small, large = (history_label(n) for n in history)
    case = lambda key: result.case(key, api)  # noqa: E731
    checks = []

    def within(key: str, limit: float) -> None:
        r = ratio(case(key))
        checks.append(Check(d, api, f"{case(key).label} within {limit}x of the floor", f"{r:.2f}x", r <= limit))

    for key in read_keys(history):
        within(key, READ_RATIO[d])
    within("graph_save", SAVE_RATIO)
    single = case(f"append_one@{small}")
    if d == "postgres":
        within(f"append_one@{small}", APPEND_RATIO)
        within(f"append_one@{large}", APPEND_RATIO)
        trips = single.round_trips[0]
        checks.append(Check(d, api, "single append in one round trip", f"{trips}", trips == 1))
    if d == "mysql":
        mine, floor = single.round_trips
        checks.append(Check(d, api, "single append in no more round trips than the floor", f"{mine} / {floor}",
                            mine is not None and floor is not None and mine <= floor))
    batch = case(f"append_batch_{BATCH}")
    rate = BATCH / median(batch.timings.asm)
    checks.append(Check(d, api, f"batch of {BATCH:,}: >= {BATCH_RATE[d]:,} events/s", f"{rate:,.0f}",
                        rate >= BATCH_RATE[d]))
    speedup = rate * median(single.timings.asm)
    checks.append(Check(d, api, f"batch of {BATCH:,}: events/s >= {BATCH_SPEEDUP:g}x single appends",
                        f"{speedup:.1f}x", speedup >= BATCH_SPEEDUP))
    for op in GROWTH_OPS:
        growth = median(case(f"{op}@{large}").timings.asm) / median(case(f"{op}@{small}").timings.asm)
        checks.append(Check(d, api, f"{op}: cost at {large} events within {GROWTH_RATIO}x of {small}",
                            f"{growth:.2f}x", growth <= GROWTH_RATIO))
    return checks


def _memory(result) -> list[Check]:
    """iter_events walks on the sync API only: its memory does not depend on the API."""
    if len(result.memory) < 2:
        return []
    first, last = result.memory[0], result.memory[-1]
    growth = last.traced_peak_bytes / max(1, first.traced_peak_bytes)
    return [Check(result.dialect, "sync", f"iter_events peak memory at {last.session_events:,} events within "
                                          f"{GROWTH_RATIO}x of {first.session_events:,}",
                  f"{growth:.2f}x", growth <= GROWTH_RATIO)]
