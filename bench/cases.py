"""The measured operations: for each, the asm call and the floor call doing the same work.

Inputs are built before timing, one per call, so building records is not timed on either side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import workload

SEARCH_AGENT = "agent-3"
SEARCH_STATUSES = ["active", "paused"]
PAGE = 50
READ = 100


@dataclass
class Case:
    key: str        # stable name, used by the targets and the test
    label: str      # what the table shows
    events: int     # events written or read per call (0: not an event operation)
    iterations: int
    asm: Callable[[int], Any]
    floor: Callable[[int], Any]


@dataclass
class Setup:
    """What the cases work on, prepared by run.py."""

    dialect: str
    store: Any
    graph: Any
    floor: Any
    history_sessions: dict[int, str]   # history size -> session id
    batch: int
    messages: int
    iterations: int


def history_label(n: int) -> str:
    return f"{n:,}" if n < 1000 or n % 1000 else f"{n // 1000:,}k"


def build_cases(s: Setup) -> list[Case]:
    cheap, heavy = s.iterations, max(3, s.iterations // 5)
    calls = lambda n: n + warmup(n) + 1  # one extra input for the round-trip count
    small, large = min(s.history_sessions), max(s.history_sessions)
    cases = []
    for history in sorted({small, large}):
        sid = s.history_sessions[history]
        tag = history_label(history)
        cases.append(_append_one(s, f"append_one@{tag}", f"append 1 event (history {tag})", sid, cheap, calls(cheap)))
        cases.append(_read_tail(s, f"read_last_{READ}@{tag}", f"get last {READ} events (history {tag})", sid, cheap))
    cases.append(_append_batch(s, s.history_sessions[small], heavy, calls(heavy)))
    cases.append(Case("search_sessions", f"search_sessions page of {PAGE} (+ total count)", 0, cheap,
                      lambda i: s.store.query.search_sessions(agent_id=SEARCH_AGENT, status=SEARCH_STATUSES,
                                                              order_by="updated_at_desc", limit=PAGE),
                      lambda i: s.floor.search_page(SEARCH_AGENT, SEARCH_STATUSES, PAGE)))
    cases += _sessions(s, cheap, calls(cheap))
    cases += _graph(s, heavy)
    return cases


def warmup(iterations: int) -> int:
    return max(2, iterations // 10)


def _append_one(s: Setup, key: str, label: str, sid: str, n: int, total: int) -> Case:
    asm_inputs = [workload.asm_event(sid) for _ in range(total)]
    floor_inputs = [workload.floor_event(sid) for _ in range(total)]
    return Case(key, label, 1, n, lambda i: s.store.append_event_with_sequence(asm_inputs[i]),
                lambda i: s.floor.append_one(floor_inputs[i]))


def _read_tail(s: Setup, key: str, label: str, sid: str, n: int) -> Case:
    # The tail as of now; both sides read the same 100 events every time.
    after = max(0, s.store.get_latest_sequence(sid) - READ)
    return Case(key, label, READ, n, lambda i: s.store.get_events(sid, after=after, limit=READ),
                lambda i: s.floor.read_after(sid, after, READ))


def _append_batch(s: Setup, sid: str, n: int, total: int) -> Case:
    asm_inputs = [[workload.asm_event(sid) for _ in range(s.batch)] for _ in range(total)]
    floor_inputs = [[workload.floor_event(sid) for _ in range(s.batch)] for _ in range(total)]
    return Case(f"append_batch_{s.batch}", f"append a batch of {s.batch} events", s.batch, n,
                lambda i: s.store.append_events(asm_inputs[i]), lambda i: s.floor.append_batch(floor_inputs[i]))


def _sessions(s: Setup, n: int, total: int) -> list[Case]:
    # Each side updates its own session (the common save: a new status, touched metadata).
    mine = workload.asm_session(0)
    s.store.save_session(mine)
    theirs = workload.floor_session("ses_floor_" + mine.id[4:], 0)
    s.floor.save_session(theirs)
    asm_inputs = [workload.asm_session_update(mine, i) for i in range(total)]
    floor_inputs = [workload.floor_session_update(theirs, i) for i in range(total)]
    return [
        Case("save_session", "save_session (update)", 0, n, lambda i: s.store.save_session(asm_inputs[i]),
             lambda i: s.floor.save_session(floor_inputs[i])),
        Case("get_session", "get_session", 0, n, lambda i: s.store.get_session(mine.id),
             lambda i: s.floor.get_session(mine.id)),
    ]


def _graph(s: Setup, n: int) -> list[Case]:
    mine = workload.asm_graph_session(s.messages)
    s.graph.save(mine)
    theirs = workload.floor_graph_session(s.messages)
    s.floor.graph_save(theirs)
    return [
        Case("graph_save", f"graph save ({s.messages} messages)", 0, n, lambda i: s.graph.save(mine),
             lambda i: s.floor.graph_save(theirs)),
        Case("graph_get", f"graph get ({s.messages} messages)", 0, n, lambda i: s.graph.get(mine.id),
             lambda i: s.floor.graph_get(mine.id)),
    ]
