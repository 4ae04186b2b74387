"""The measured operations: for each, the asm call and the floor call doing the same work.

One list of cases serves both APIs: a case's calls are `store.get_events(...)` and the like, which
the sync store and floor run and the async ones return as awaitables (timed by bench/timing.py's
`measure` or `measure_async`). What each side saves or reads before timing is `prepare` (sync)
or `prepare_async`. Inputs are built before timing, one per call, so building records is not
timed on either side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asm import Session
from asm.graph import GraphSession

from bench import workload

SEARCH_AGENT = "agent-3"
SEARCH_STATUSES = ["active", "paused"]
PAGE = 50
READ = 100              # the get_events page
TAILS = (20, 100)       # get_events(last=N)
BATCHES = (100, 1000)   # append_events


@dataclass
class Case:
    key: str        # stable name, used by the targets and the test
    label: str      # what the table shows
    events: int     # events written or read per call (0: not an event operation)
    iterations: int
    asm: Callable[[int], Any]     # call i -> result (sync) or awaitable (async)
    floor: Callable[[int], Any]


@dataclass
class Setup:
    """What the cases work on, prepared by run.py; store, graph and floor are all sync or all async."""

    dialect: str
    api: str                           # "sync" or "async"
    store: Any
    graph: Any
    floor: Any
    history_sessions: dict[int, str]   # history size -> session id
    messages: int
    iterations: int

    @property
    def batch_session(self) -> str:
        # Batches go to a session of their own: the history sessions keep their size for the other API.
        return f"ses_bench_batch_{self.api}"


@dataclass
class Prepared:
    """What each side saved or read before timing."""

    page_after: dict[int, int]   # history -> the `after` whose page of READ events is the session's last
    session: Session             # asm's session (save_session, get_session)
    floor_session: dict          # the floor's own
    graph: GraphSession
    floor_graph: dict


def history_label(n: int) -> str:
    return f"{n:,}" if n < 1000 or n % 1000 else f"{n // 1000:,}k"


def prepare(s: Setup) -> Prepared:
    page_after = {}
    for history, sid in s.history_sessions.items():
        page_after[history] = max(0, s.store.get_latest_sequence(sid) - READ)
        for n in TAILS:
            check_same_tail(s, sid, n, s.store.get_events(sid, last=n), s.floor.tail(sid, n))
    p = _inputs(s, page_after)
    s.store.save_session(p.session)
    s.floor.save_session(p.floor_session)
    s.graph.save(p.graph)
    s.floor.graph_save(p.floor_graph)
    return p


async def prepare_async(s: Setup) -> Prepared:
    page_after = {}
    for history, sid in s.history_sessions.items():
        page_after[history] = max(0, await s.store.get_latest_sequence(sid) - READ)
        for n in TAILS:
            check_same_tail(s, sid, n, await s.store.get_events(sid, last=n), await s.floor.tail(sid, n))
    p = _inputs(s, page_after)
    await s.store.save_session(p.session)
    await s.floor.save_session(p.floor_session)
    await s.graph.save(p.graph)
    await s.floor.graph_save(p.floor_graph)
    return p


def _inputs(s: Setup, page_after: dict[int, int]) -> Prepared:
    mine = workload.asm_session(0)
    return Prepared(page_after, mine, workload.floor_session("ses_floor_" + mine.id[4:], 0),
                    workload.asm_graph_session(s.messages), workload.floor_graph_session(s.messages))


def check_same_tail(s: Setup, sid: str, n: int, events: list, rows: list) -> None:
    """asm's tail is the floor's: the same events in the same order (checked once, untimed)."""
    mine, theirs = [e.id for e in events], [row[0] for row in rows]
    if mine != theirs or not mine:
        raise RuntimeError(f"{s.dialect} {s.api}: get_events({sid!r}, last={n}) read {mine[:3]}... "
                           f"({len(mine)} events), the floor {theirs[:3]}... ({len(theirs)})")


def warmup(iterations: int) -> int:
    return max(2, iterations // 10)


def calls(n: int) -> int:
    return n + warmup(n) + 1  # one extra input for the round-trip count


def build_cases(s: Setup, p: Prepared) -> list[Case]:
    cheap, heavy = s.iterations, max(3, s.iterations // 5)
    cases = []
    for history in sorted(s.history_sessions):
        sid, tag = s.history_sessions[history], history_label(history)
        cases.append(_append_one(s, history, sid, cheap))
        cases += [_tail(s, history, sid, n, cheap) for n in TAILS]
        cases.append(_page(s, history, sid, p.page_after[history], cheap))
    # A batch of 1,000 costs ten of 100: a quarter as many calls (at least 3).
    cases += [_append_batch(s, size, heavy if size <= 100 else max(3, s.iterations // 20)) for size in BATCHES]
    cases.append(Case("search_sessions", f"search_sessions page of {PAGE} (+ total count)", 0, cheap,
                      lambda i: s.store.query.search_sessions(agent_id=SEARCH_AGENT, status=SEARCH_STATUSES,
                                                              order_by="updated_at_desc", limit=PAGE,
                                                              with_total=True),
                      lambda i: s.floor.search_page(SEARCH_AGENT, SEARCH_STATUSES, PAGE)))
    cases += _sessions(s, p, cheap)
    cases += _graph(s, p, heavy)
    return cases


def _append_one(s: Setup, history: int, sid: str, n: int) -> Case:
    asm_inputs = [workload.asm_event(sid) for _ in range(calls(n))]
    floor_inputs = [workload.floor_event(sid) for _ in range(calls(n))]
    tag = history_label(history)
    return Case(f"append_one@{tag}", f"append 1 event (history {tag})", 1, n,
                lambda i: s.store.append_event_with_sequence(asm_inputs[i]),
                lambda i: s.floor.append_one(floor_inputs[i]))


def _tail(s: Setup, history: int, sid: str, last: int, n: int) -> Case:
    # The latest `last` events as of each call: ORDER BY sequence_number DESC LIMIT n, reversed.
    tag = history_label(history)
    return Case(f"tail_{last}@{tag}", f"tail: get_events(last={last}) (history {tag})", last, n,
                lambda i: s.store.get_events(sid, last=last), lambda i: s.floor.tail(sid, last))


def _page(s: Setup, history: int, sid: str, after: int, n: int) -> Case:
    # A page of the log: the READ events after `after` (the session's last page when prepared).
    tag = history_label(history)
    return Case(f"events_page_{READ}@{tag}", f"get_events page of {READ} (after, limit; history {tag})", READ, n,
                lambda i: s.store.get_events(sid, after=after, limit=READ),
                lambda i: s.floor.read_after(sid, after, READ))


def _append_batch(s: Setup, size: int, n: int) -> Case:
    sid = s.batch_session
    asm_inputs = [[workload.asm_event(sid) for _ in range(size)] for _ in range(calls(n))]
    floor_inputs = [[workload.floor_event(sid) for _ in range(size)] for _ in range(calls(n))]
    return Case(f"append_batch_{size}", f"append a batch of {size:,} events", size, n,
                lambda i: s.store.append_events(asm_inputs[i]), lambda i: s.floor.append_batch(floor_inputs[i]))


def _sessions(s: Setup, p: Prepared, n: int) -> list[Case]:
    # Each side updates its own session (the common save: a new status, touched metadata).
    asm_inputs = [workload.asm_session_update(p.session, i) for i in range(calls(n))]
    floor_inputs = [workload.floor_session_update(p.floor_session, i) for i in range(calls(n))]
    return [
        Case("save_session", "save_session (update)", 0, n, lambda i: s.store.save_session(asm_inputs[i]),
             lambda i: s.floor.save_session(floor_inputs[i])),
        # Both sides read asm's session: the same row.
        Case("get_session", "get_session", 0, n, lambda i: s.store.get_session(p.session.id),
             lambda i: s.floor.get_session(p.session.id)),
    ]


def _graph(s: Setup, p: Prepared, n: int) -> list[Case]:
    # Each side saves its own graph session; both read asm's (the same row).
    return [
        Case("graph_save", f"graph save ({s.messages} messages)", 0, n, lambda i: s.graph.save(p.graph),
             lambda i: s.floor.graph_save(p.floor_graph)),
        Case("graph_get", f"graph get ({s.messages} messages)", 0, n, lambda i: s.graph.get(p.graph.id),
             lambda i: s.floor.graph_get(p.graph.id)),
    ]
