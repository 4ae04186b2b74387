"""Reading query plans and judging them, for `asm explain` and `python -m bench scale`.

Three parts, all on a plain driver connection (psycopg, sqlite3 or PyMySQL, autocommit):

- the named queries of a dialect, found in its `queries/<dialect>/*.sql` files (`-- name:`
  lines, aiosql suffixes) with the SQL aiosql hands to the driver;
- realistic parameters: `read_samples` reads a few bounded pages of the database (the busiest
  recent session, the rarest values among the latest events, runs and sessions) and `catalog`
  turns them into cases per query (hot and cold session, rare and common filters, a cursor in
  the middle of the hot session, id lists of 1 and 1,000), each classed "keyed" (by session,
  id or cursor: its cost must not grow with the tables) or "analytics" (reads what it
  summarizes);
- `explain`: the plan of one statement with its parameters (PostgreSQL custom or generic plan,
  MariaDB/MySQL EXPLAIN or ANALYZE FORMAT=JSON, SQLite EXPLAIN QUERY PLAN), read into accesses
  per table (index range, index walk, full scan), sorts, and rows read where the dialect counts
  them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import aiosql
import attrs

from asm.db.dialects import DIALECTS
from asm.db.resources import queries_dir
from asm.db.sync_drivers import SYNC_DRIVERS

KEYED, ANALYTICS = "keyed", "analytics"

# --- the named queries -------------------------------------------------------------------

_NAME_LINE = re.compile(r"^--[ \t]*name:[ \t]*([A-Za-z_]\w*)[ \t]*(?:\(([^)\n]*)\))?[ \t]*(\S*)", re.M)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|ANALYZE|PRAGMA|VACUUM)\b", re.I)
_COMMENT = re.compile(r"--[^\n]*")


@attrs.frozen
class NamedQuery:
    name: str
    file: str
    params: tuple[str, ...]
    suffix: str  # aiosql's: "" rows, "^" one row, "$" one value, "!" / "*!" writes (many: "*!")
    sql: str  # as the driver takes it (aiosql's translation of :name)

    @property
    def many(self) -> bool:
        return self.suffix.startswith("*")

    @property
    def writes(self) -> bool:
        """Changes something (or locks rows): run only inside a transaction that is rolled back."""
        return "!" in self.suffix or _WRITES.search(_COMMENT.sub("", self.sql)) is not None


def named_queries(dialect: str) -> list[NamedQuery]:
    """Every `-- name:` query of the dialect's files as they are now, in file order."""
    loaded = aiosql.from_path(queries_dir(dialect), SYNC_DRIVERS[dialect].aiosql_adapter)
    found = []
    for path in sorted(queries_dir(dialect).glob("*.sql")):
        for match in _NAME_LINE.finditer(path.read_text(encoding="utf-8")):
            name, params, suffix = match.group(1), match.group(2) or "", match.group(3)
            found.append(NamedQuery(
                name=name, file=path.name, suffix=suffix, sql=getattr(loaded, name).sql,
                params=tuple(p.strip() for p in params.split(",") if p.strip())))
    return found


# --- parameters --------------------------------------------------------------------------

# How a logical value becomes the driver's, by parameter name (as the store's operations encode).
LIST_PARAMS = frozenset({"ids", "session_ids", "run_ids", "types", "providers", "statuses", "protected_types",
                         "first_types", "terminal_statuses", "exempt_statuses", "exempt_tags", "only_types",
                         "skip_types"})
JSON_PARAMS = frozenset({"tags", "data", "metadata", "context", "token_usage", "input", "output", "error",
                         "provider_metadata", "message", "rows"})


def encode(dialect: str, params: dict[str, Any]) -> dict[str, Any]:
    d = DIALECTS[dialect]
    out = {}
    for name, value in params.items():
        if value is None:
            out[name] = None
        elif name in LIST_PARAMS:
            out[name] = d.encode_list([str(v) for v in (value if isinstance(value, (list, tuple)) else [value])])
        elif name in JSON_PARAMS:
            out[name] = d.encode_json(value)
        elif isinstance(value, datetime):
            out[name] = d.encode_ts(value)
        else:
            out[name] = value
    return out


def parse_value(name: str, text: str, like: Any = None) -> Any:
    """A `--param k=v` value: JSON when it reads as JSON (numbers, lists, null), else the text;
    a timestamp where the default is one (or the name says so), a list for list parameters."""
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if isinstance(value, str) and (isinstance(like, datetime) or name in TIME_PARAMS):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if name in LIST_PARAMS and isinstance(value, str):
        value = [v for v in value.split(",") if v]
    return value


TIME_PARAMS = frozenset({"since", "until", "created_after", "created_before", "started_after", "started_before",
                         "after_at", "after_created_at", "now", "timestamp", "created_at", "updated_at", "deleted_at",
                         "deleted_before", "completed_before", "expected_updated_at", "started_at", "ended_at"})


def _rows(conn: Any, sql: str, params: Any = None) -> tuple[list[str], list[tuple]]:
    cur = conn.cursor()
    try:
        # No parameters, no placeholder parsing (a literal % stays one on every driver).
        cur.execute(sql, params) if params else cur.execute(sql)
        if cur.description is None:
            return [], []
        return [c[0] for c in cur.description], [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def fetch(conn: Any, dialect: str, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run a named read query (parameters not given are NULL) and return its rows as dicts."""
    query = _queries(dialect)[name]
    given = {p: params.get(p) for p in query.params}
    columns, rows = _rows(conn, query.sql, encode(dialect, given))
    return [dict(zip(columns, row, strict=True)) for row in rows]


@cache
def _queries(dialect: str) -> dict[str, NamedQuery]:
    return {q.name: q for q in named_queries(dialect)}


# --- samples of the database -------------------------------------------------------------

SAMPLE_EVENTS = 10_000
SAMPLE_ROWS = 1_000
PLACEHOLDER_SESSION = "ses_" + "0" * 32


@attrs.frozen
class Samples:
    """Values found in the database, for realistic parameters (placeholders where it is empty)."""

    now: datetime
    hot_session: str  # the busiest session among the latest events, the longest of the top 3
    hot_length: int
    hot_sessions: tuple[str, ...]
    hot_run: str
    hot_last_run: str  # the run started last: its events are at the end of the session
    hot_middle: dict[str, Any]  # id, timestamp, sequence_number of the hot session's middle event
    cold_session: str  # a session active at the middle of the hot session's life
    cold_length: int
    cold_run: str
    cold_sessions: tuple[str, ...]  # 10
    session_ids: tuple[str, ...]  # up to 1,000 recent sessions
    session_cursor: dict[str, Any]  # the cold session's id, created_at, updated_at
    run_cursor: dict[str, Any]  # the cold session's first run: id, started_at, total_tokens
    run_ids: tuple[str, ...]
    event_ids: tuple[str, ...]  # up to 1,000 recent events
    common_type: str
    rare_type: str
    types: tuple[str, ...]
    common_event_provider: str
    rare_event_provider: str
    correlation_id: str
    common_agent: str
    rare_agent: str
    rare_session_status: str
    rare_tag: str
    common_run_provider: str
    rare_run_provider: str
    rare_run_status: str
    artifact: dict[str, Any]  # id, key, session_id
    graph: dict[str, Any]  # id, graph_id, created_at, updated_at (the middle of the first 100)
    oldest: datetime
    newest: datetime


def _rarest(counts: Counter, default: str) -> str:
    return min(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else default


def _commonest(counts: Counter, default: str) -> str:
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else default


def _json(dialect: str, value: Any) -> Any:
    return DIALECTS[dialect].decode_json(value)


def _ts(dialect: str, value: Any) -> datetime | None:
    return DIALECTS[dialect].decode_ts(value)


def _tokens(usage: Any) -> int:
    value = usage.get("total_tokens") if isinstance(usage, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _length(conn: Any, dialect: str, session_id: str) -> int:
    rows = fetch(conn, dialect, "get_latest_sequence", session_id=session_id)
    return int(next(iter(rows[0].values())) or 0) if rows else 0


def read_samples(conn: Any, dialect: str) -> Samples:
    """A few bounded reads (pages of at most 10,000 rows through the named queries): the
    latest events, runs and sessions, and the hot session's middle."""
    q = lambda name, **p: fetch(conn, dialect, name, **p)  # noqa: E731
    now = datetime.now(timezone.utc).replace(microsecond=0)
    events = q("search_events_timestamp_desc", limit=SAMPLE_EVENTS)
    by_session = Counter(e["session_id"] for e in events)
    lengths = {s: _length(conn, dialect, s) for s, _n in by_session.most_common(3)}
    hot = max(lengths, key=lambda s: (lengths[s], s)) if lengths else PLACEHOLDER_SESSION
    hot_length = lengths.get(hot, 0)
    hot_sessions = tuple(sorted(lengths, key=lambda s: -lengths[s])) or (hot,)
    middle_rows = q("get_events", session_id=hot, after=hot_length // 2, limit=1) if hot_length else []
    middle = ({"id": middle_rows[0]["id"], "timestamp": _ts(dialect, middle_rows[0]["timestamp"]),
               "sequence_number": middle_rows[0]["sequence_number"]} if middle_rows
              else {"id": "evt_" + "0" * 32, "timestamp": now - timedelta(days=30), "sequence_number": 0})
    hot_runs = q("list_runs", session_id=hot, limit=100)
    # The session active around the hot session's middle: a typical one, mid-table in time.
    around = q("search_events_timestamp_asc", after_at=middle["timestamp"], after_id=middle["id"], limit=200)
    cold = next((e["session_id"] for e in around if e["session_id"] not in lengths),
                next((s for s in by_session if s not in lengths), hot))
    cold_rows = q("get_session", id=cold)
    cold_row = cold_rows[0] if cold_rows else {}
    cold_length = _length(conn, dialect, cold)
    cold_runs = q("list_runs", session_id=cold, limit=100)
    sessions = q("search_sessions_updated_desc", include_deleted=1, limit=SAMPLE_ROWS)
    runs = q("search_runs_started_desc", limit=SAMPLE_ROWS)
    tags = Counter(t for s in sessions for t in (_json(dialect, s["tags"]) or []) if isinstance(t, str))
    artifacts = q("export_session_artifacts", session_id=cold) or q("export_session_artifacts", session_id=hot)
    graphs = q("list_graph_sessions", limit=100)
    graph = graphs[len(graphs) // 2] if graphs else None
    first_run = cold_runs[0] if cold_runs else (hot_runs[0] if hot_runs else None)
    times = [_ts(dialect, e["timestamp"]) for e in events]
    return Samples(
        now=now, hot_session=hot, hot_length=hot_length, hot_sessions=hot_sessions,
        hot_run=hot_runs[0]["id"] if hot_runs else "run_" + "0" * 32,
        hot_last_run=hot_runs[-1]["id"] if hot_runs else "run_" + "0" * 32, hot_middle=middle,
        cold_session=cold, cold_length=cold_length,
        cold_run=first_run["id"] if first_run else "run_" + "0" * 32,
        cold_sessions=tuple([s["id"] for s in sessions if s["id"] not in lengths][:10]) or (cold,),
        session_ids=tuple(s["id"] for s in sessions) or (cold,),
        session_cursor={"id": cold,
                        "created_at": _ts(dialect, cold_row.get("created_at")) or middle["timestamp"],
                        "updated_at": _ts(dialect, cold_row.get("updated_at")) or middle["timestamp"]},
        run_cursor={"id": first_run["id"] if first_run else "run_" + "0" * 32,
                    "started_at": _ts(dialect, first_run["started_at"]) if first_run else middle["timestamp"],
                    "total_tokens": _tokens(_json(dialect, first_run["token_usage"])) if first_run else 0},
        run_ids=tuple(r["id"] for r in runs) or ("run_" + "0" * 32,),
        event_ids=tuple(e["id"] for e in events[:SAMPLE_ROWS]) or (middle["id"],),
        common_type=_commonest(Counter(e["type"] for e in events), "message_sent"),
        rare_type=_rarest(Counter(e["type"] for e in events), "error_occurred"),
        types=tuple(sorted({e["type"] for e in events})) or ("message_sent",),
        common_event_provider=_commonest(Counter(e["provider"] for e in events if e["provider"]), "openai"),
        rare_event_provider=_rarest(Counter(e["provider"] for e in events if e["provider"]), "openai"),
        correlation_id=next((e["correlation_id"] for e in events if e["correlation_id"]), "cor_0"),
        common_agent=_commonest(Counter(s["agent_id"] for s in sessions), "agent"),
        rare_agent=_rarest(Counter(s["agent_id"] for s in sessions), "agent"),
        rare_session_status=_rarest(Counter(s["status"] for s in sessions), "failed"),
        rare_tag=_rarest(tags, "vip"),
        common_run_provider=_commonest(Counter(r["provider"] for r in runs if r["provider"]), "openai"),
        rare_run_provider=_rarest(Counter(r["provider"] for r in runs if r["provider"]), "openai"),
        rare_run_status=_rarest(Counter(r["status"] for r in runs), "failed"),
        artifact=({"id": artifacts[0]["id"], "key": artifacts[0]["key"], "session_id": artifacts[0]["session_id"]}
                  if artifacts else {"id": "art_0", "key": "k/0", "session_id": cold}),
        graph=({"id": str(graph["id"]), "graph_id": graph["graph_id"],
                "created_at": _ts(dialect, graph["created_at"]), "updated_at": _ts(dialect, graph["updated_at"])}
               if graph else {"id": "00000000-0000-7000-8000-000000000000", "graph_id": "graph",
                              "created_at": middle["timestamp"], "updated_at": middle["timestamp"]}),
        oldest=min(times) if times else now - timedelta(days=180),
        newest=max(times) if times else now,
    )


# --- the catalog: cases per query -------------------------------------------------------


@attrs.frozen
class Case:
    label: str
    params: dict[str, Any]
    klass: str = KEYED
    many: tuple[dict[str, Any], ...] = ()  # rows of a `*!` query (params is then the first)
    note: str = ""
    # Statements run first in the same (rolled-back) transaction, untimed: (query name, params).
    before: tuple[tuple[str, dict[str, Any]], ...] = ()
    # Why a keyed case cannot meet the growth target (its cost follows something else that grows
    # with the seed): the report lists such a miss with it, apart from the unexplained ones.
    reason: str = ""


# Parameters every query may leave out of its cases: filters (NULL = none) and paging.
DEFAULTS: dict[str, Any] = {
    **dict.fromkeys((
        "agent_id", "statuses", "provider", "tags", "created_after", "created_before", "after_at", "after_id",
        "started_after", "started_before", "min_tokens", "after_tokens", "session_ids", "run_ids", "types",
        "providers", "since", "until", "correlation_id", "after_session_id", "after_sequence", "run_id", "after",
        "before", "status", "graph_id", "after_created_at", "protected_types", "first_types", "exempt_statuses",
        "exempt_tags", "completed_before", "parent_session_id", "deleted_at", "status_message", "input", "output",
        "error", "content_type", "checksum_sha256", "storage_backend", "storage_ref", "ended_at")),
    "include_deleted": 0, "limit": 100, "offset": 0, "schema_version": 1, "metadata": {},
}


def _event(s: Samples, i: int, session: str, sequence: int | None = None) -> dict[str, Any]:
    return {"id": f"evt_scale{i:027d}", "type": s.common_type, "timestamp": s.now, "session_id": session,
            "run_id": None, "sequence_number": sequence, "data": {"role": "user", "content": "hello " * 20},
            "metadata": {}, "schema_version": 1, "provider": s.common_event_provider, "correlation_id": None,
            "now": s.now}


def _event_row(event: dict[str, Any]) -> dict[str, Any]:
    """An event as one object of PostgreSQL's insert_events `rows` array (JSON payloads as text)."""
    return {**{k: event[k] for k in ("id", "type", "session_id", "run_id", "sequence_number", "schema_version",
                                     "provider", "correlation_id")},
            "timestamp": event["timestamp"].isoformat(), "data": json.dumps(event["data"]),
            "metadata": json.dumps(event["metadata"])}


def _artifact(s: Samples, i: int) -> dict[str, Any]:
    return {"id": f"art_scale{i}", "key": f"scale/new/{i}", "session_id": s.cold_session, "run_id": None,
            "type": "file", "content_type": "text/plain", "size_bytes": 10, "checksum_sha256": None,
            "storage_backend": "s3", "storage_ref": f"s3://b/scale/{i}", "metadata": {}, "created_at": s.now,
            "deleted_at": None}


SINCE_IN_NUMBER_ORDER = (
    "the page is in number order and the filter is on time: no index serves both, so the page reads the "
    "session's events from the cursor until it fills, here the events between the cursor (the session's "
    "middle) and a month ago, a share of the session that grows with it; a time window in time order is "
    "search_session_events_timestamp_*, which reads it from its start")
RUN_LIST_FILTER = (
    "reads the listed run's events of the session (asm_events_session_run_sequence_idx) and sorts them: its "
    "cost is the run's size, a third of the hot session here (PostgreSQL 15 returns an = ANY(list) range "
    "unordered; MariaDB and SQLite sort the IN list's ranges)")
MARIADB_UNTIL = (
    "MariaDB reads a descending page under `until` from the session's newest event backwards (a ref on "
    "session_id instead of the (session_id, timestamp) range it uses for the same statement without the "
    "optional filters), so it reads the events after `until`; PostgreSQL and SQLite read from `until`")
TYPE_IN_NUMBER_ORDER = (
    "reads the session's events of the type (asm_events_session_type_idx) and sorts them for the page: the "
    "cost is the type's count in the session, which grows with the session here")
DELETED_SWEEP = (
    "a sweep of the soft-deleted sessions in id order: it reads sessions until `limit` deleted ones are "
    "found (or all the deleted ones through asm_sessions_deleted_at_idx and a sort, whichever the planner "
    "expects cheaper), so its cost follows the sessions per deleted one and the deleted ones, not events")
ID_LIST = (
    "1,000 ids against a table of 20,000 rows (at 1M events): PostgreSQL reads the whole table, which it "
    "expects to cost less than 1,000 index probes; over a larger table it probes (at 10M events it reads "
    "1,000 rows by primary key)")
FEWER_THAN_A_PAGE = (
    "at the smaller size the filter matches fewer rows than a page and returns them all, at the larger a "
    "full page (the seed spreads every size over the same 180 days and graphs): the time follows the rows "
    "returned, and rows read stay within them")
RETENTION_SWEEP = (
    "a retention sweep in id order: with no session due it reads every live session's row once (SQLite "
    "plans blind to the values, so neither age bound can pick an index), once per maintenance run")
SWEEP = ("a maintenance sweep: reads every session's counter (one narrow row each) once per run, and probes "
         "the events of those above the limit")


def catalog(s: Samples) -> dict[str, list[Case]]:
    """Cases for every named query asm has (all dialects have the same names). A query the
    catalog does not know has no entry: the scale benchmark's test names it."""
    hot, cold, mid = s.hot_session, s.cold_session, s.hot_middle
    one_hot, ten_cold = [hot], list(s.cold_sessions[:10])
    thousand_sessions = list(s.session_ids[:1000])
    sc, rc = s.session_cursor, s.run_cursor
    month = s.newest - timedelta(days=30)
    after_hot_tail = max(s.hot_length - 100, 0)
    session_row = {"agent_id": s.common_agent, "status": "active", "parent_session_id": None, "metadata": {},
                   "context": {"step": 1}, "tags": [], "created_at": s.now, "updated_at": s.now, "deleted_at": None}
    run_row = {"session_id": cold, "status": "completed", "input": {"q": "x"}, "output": {"a": 1}, "error": None,
               "metadata": {}, "turn_count": 1, "token_usage": {"input_tokens": 10, "total_tokens": 12},
               "started_at": s.now, "ended_at": s.now, "provider": s.common_run_provider, "provider_metadata": {}}
    graph_row = {"graph_id": s.graph["graph_id"], "current_task_id": "t2", "status_message": None,
                 "context": {"chat_history": {"messages": [], "max_messages": 50}}, "now": s.now}
    session_filters = lambda **p: {"limit": 50, **p}  # noqa: E731
    sessions_cases = lambda order_at: [  # noqa: E731
        Case("first page", session_filters()),
        Case("page at a mid-table cursor", session_filters(after_at=sc[order_at], after_id=sc["id"])),
        Case("common agent", session_filters(agent_id=s.common_agent)),
        Case("rare status", session_filters(statuses=[s.rare_session_status]), ANALYTICS,
             note="a status has no index in the order: the page walks the order until it fills"),
        Case("provider", session_filters(provider=s.common_run_provider)),
        Case("rare provider", session_filters(provider=s.rare_run_provider), ANALYTICS,
             note="each session's runs are probed in the order: the page walks the order until it fills"),
        Case("rare tag", session_filters(tags=[s.rare_tag]), ANALYTICS,
             note="tags have no index: the page walks the order until it fills"),
    ]
    runs_filters = lambda **p: {"limit": 50, "session_id": None, **p}  # noqa: E731
    runs_cases = lambda cursor: [  # noqa: E731
        Case("first page", runs_filters()),
        Case("page at a mid-table cursor", runs_filters(**cursor)),
        Case("hot session", runs_filters(session_id=hot)),
        Case("common provider", runs_filters(provider=s.common_run_provider)),
        Case("rare status", runs_filters(statuses=[s.rare_run_status]), ANALYTICS,
             note="a rare status walks the order until the page fills"),
    ]
    at_cursor = {"after_at": rc["started_at"], "after_id": rc["id"]}
    # The general searches and counts never get a session list: with one, asm/query/events.py runs
    # search_session_events_* / count_session_events (their cases below), so none is measured here.
    events_common = [
        Case("no filter, first page", {}),
        Case("correlation id", {"correlation_id": s.correlation_id}),
        Case("rare type, no session", {"types": [s.rare_type]}, ANALYTICS,
             note="no index leads with type: the order is walked until the page fills"),
    ]
    events_by_time = lambda cursor: events_common + [  # noqa: E731
        Case("no filter, page at the hot middle", cursor),
        Case("one hour", {"since": mid["timestamp"], "until": mid["timestamp"] + timedelta(hours=1)},
             reason=FEWER_THAN_A_PAGE),
    ]
    time_cursor = {"after_at": mid["timestamp"], "after_id": mid["id"]}
    # Per-session top-N (a session list): MySQL's take one session_id, asm loops over the list.
    listed = lambda ids, **p: {"session_ids": ids, "session_id": ids[0], **p}  # noqa: E731
    per_session = lambda cursor: [  # noqa: E731
        Case("1 hot session", listed(one_hot)), Case("1 cold session", listed([cold])),
        Case("10 cold sessions, common type", listed(ten_cold, types=[s.common_type])),
        Case("1,000 sessions", listed(thousand_sessions)),
        Case("hot session, run filter", listed(one_hot, run_ids=[s.hot_run]), reason=RUN_LIST_FILTER),
        Case("1 hot session, page at its middle", listed(one_hot, **cursor))]
    prune_types = {"protected_types": ["session_created", "run_started"], "first_types": [s.common_type],
                   "skip_types": ["session_created", "run_started"], "only_types": None, "offset": 0}
    bump = lambda session: {"session_id": session, "count": 1, "now": s.now}  # noqa: E731
    new_events = [_event(s, 10 + i, hot, s.hot_length + 1 + i) for i in range(100)]
    return {
        # sessions.sql
        "upsert_session": [Case("update the cold session", {"id": cold, **session_row}),
                           Case("insert a new session", {"id": "ses_scale_new", **session_row})],
        "get_session": [Case("hot session", {"id": hot}), Case("cold session", {"id": cold})],
        "list_sessions": [
            Case("first page", {}), Case("common agent", {"agent_id": s.common_agent}, reason=FEWER_THAN_A_PAGE),
            Case("rare status", {"status": s.rare_session_status}, ANALYTICS,
                 note="a status has no index in creation order: walks until the page fills"),
            Case("offset 1,000", {"offset": 1000}, ANALYTICS, note="OFFSET reads the rows it skips")],
        "restore_session": [Case("cold session", {"id": cold})],
        "delete_session_row": [Case("cold session", {"id": cold})],
        "delete_session_runs": [Case("cold session", {"session_id": cold})],
        "delete_session_events": [
            Case("cold session", {"session_id": cold}),
            Case("hot session", {"session_id": hot}, ANALYTICS, note="deletes 10% of the table")],
        "delete_session_sequence": [Case("cold session", {"session_id": cold})],
        "delete_session_artifacts": [Case("cold session", {"session_id": cold})],
        # runs.sql
        "upsert_run": [Case("update a run", {"id": s.cold_run, **run_row}),
                       Case("insert a new run", {"id": "run_scale_new", **run_row})],
        "get_run": [Case("by id", {"id": s.cold_run})],
        "list_runs": [Case("hot session", {"session_id": hot}), Case("cold session", {"session_id": cold}),
                      Case("hot session, rare status", {"session_id": hot, "status": s.rare_run_status})],
        "get_active_run": [Case("hot session", {"session_id": hot})],
        # events.sql
        # SQLite and MySQL insert at the number advance_sequence reserved just before.
        "append_event": [Case("hot session", _event(s, 1, hot), before=(("advance_sequence", bump(hot)),)),
                         Case("cold session", _event(s, 2, cold), before=(("advance_sequence", bump(cold)),))],
        "get_event_by_id": [Case("by id", {"id": mid["id"]})],
        "get_events_by_ids": [Case("1 id", {"ids": [mid["id"]]}), Case("1,000 ids", {"ids": list(s.event_ids)})],
        "advance_sequence": [Case("hot session", {"session_id": hot, "count": 100, "now": s.now})],
        "insert_events": [Case("100 events into the hot session", {**new_events[0], "rows": [
            _event_row(e) for e in new_events]}, many=tuple(new_events))],
        "get_events": [
            Case("hot session tail", {"session_id": hot, "after": after_hot_tail}),
            Case("hot session, page at its middle", {"session_id": hot, "after": mid["sequence_number"]}),
            Case("hot session, common type", {"session_id": hot, "types": [s.common_type]}),
            Case("hot session, rare type, 10", {"session_id": hot, "types": [s.rare_type], "limit": 10},
                 reason=TYPE_IN_NUMBER_ORDER),
            Case("hot session, run", {"session_id": hot, "run_id": s.hot_run}),
            Case("hot session, its last run", {"session_id": hot, "run_id": s.hot_last_run}),
            Case("hot session, since a month ago", {"session_id": hot, "since": month,
                                                    "after": mid["sequence_number"]},
                 reason=SINCE_IN_NUMBER_ORDER),
            Case("cold session", {"session_id": cold})],
        "get_latest_sequence": [Case("hot session", {"session_id": hot})],
        "get_max_packet": [Case("server setting", {})],
        # export.sql
        "export_session_artifacts": [Case("cold session", {"session_id": cold})],
        "import_raise_sequence": [Case("hot session", {"session_id": hot, "sequence_number": s.hot_length,
                                                       "now": s.now})],
        "import_events": [Case("100 events of a new session", _event(s, 200, "ses_scale_import", 1),
                               many=tuple(_event(s, 200 + i, "ses_scale_import", 1 + i) for i in range(100)))],
        "import_artifacts": [Case("10 artifacts", _artifact(s, 0), many=tuple(_artifact(s, i) for i in range(10)))],
        "import_artifact_ids": [Case("1 id", {"ids": [s.artifact["id"]]}),
                                Case("1,000 ids", {"ids": [s.artifact["id"]] + [f"art_{i}" for i in range(999)]},
                                     reason=ID_LIST)],
        # graph.sql
        "upsert_graph_session": [Case("update", {"id": s.graph["id"], **graph_row})],
        "insert_graph_session_if_absent": [
            Case("new id", {"id": "00000000-0000-7000-8000-00000000beef", **graph_row})],
        "update_graph_session_if_unchanged": [
            Case("current version", {"id": s.graph["id"], "expected_updated_at": s.graph["updated_at"], **graph_row})],
        "get_graph_session_version": [Case("by id", {"id": s.graph["id"]})],
        "get_graph_session": [Case("by id", {"id": s.graph["id"]})],
        "delete_graph_session": [Case("by id", {"id": s.graph["id"]})],
        "append_graph_message": [Case("one message", {"id": s.graph["id"], "now": s.now, "message": {
            "role": "User", "content": "hi", "timestamp": "2025-01-01T00:00:00Z"}})],
        "list_graph_sessions": [
            Case("first page", {"limit": 50}), Case("one graph", {"graph_id": s.graph["graph_id"], "limit": 50},
                                           reason=FEWER_THAN_A_PAGE),
            Case("page at a cursor", {"after_created_at": s.graph["created_at"], "after_id": s.graph["id"],
                                      "limit": 50})],
        "graph_sessions_schema": [Case("catalog", {})],
        # artifacts.sql
        "purge_deleted_artifact": [Case("by key", {"key": s.artifact["key"]})],
        "insert_artifact": [Case("new key", _artifact(s, 1))],
        "get_live_artifact": [Case("by key", {"key": s.artifact["key"]})],
        "list_live_artifacts": [Case("cold session", {"session_id": s.artifact["session_id"]})],
        "live_artifact_stats": [Case("cold session", {"session_id": s.artifact["session_id"]})],
        "soft_delete_artifact": [Case("by key", {"key": s.artifact["key"], "now": s.now})],
        # schema.sql
        "schema_probe": [Case("reads no rows", {})],
        # maintenance.sql
        "expired_session_ids": [
            Case("terminal, older than a month", {
                "completed_before": month, "terminal_statuses": ["completed", "failed"], "exempt_statuses": ["paused"],
                "exempt_tags": [s.rare_tag], "after_id": ""}),
            Case("created before the oldest (none due)", {"created_before": s.oldest - timedelta(days=365),
                                                          "terminal_statuses": None, "after_id": ""},
                 reason=RETENTION_SWEEP)],
        "soft_delete_sessions": [Case("1 id", {"ids": [cold], "now": s.now}),
                                 Case("1,000 ids", {"ids": thousand_sessions, "now": s.now}, reason=ID_LIST)],
        "hard_delete_session_ids": [Case("deleted before now", {"deleted_before": s.now, "after_id": ""},
                                         reason=DELETED_SWEEP)],
        "delete_events_of_sessions": [
            Case("1 cold session", {"ids": [cold]}), Case("10 cold sessions", {"ids": ten_cold}),
            Case("1 hot session", {"ids": one_hot}, ANALYTICS, note="deletes 10% of the table")],
        "delete_runs_of_sessions": [Case("10 cold sessions", {"ids": ten_cold})],
        "delete_artifacts_of_sessions": [Case("10 cold sessions", {"ids": ten_cold})],
        "delete_sequences_of_sessions": [Case("10 cold sessions", {"ids": ten_cold})],
        "delete_sessions_by_ids": [Case("10 cold sessions", {"ids": ten_cold})],
        "delete_events_by_ids": [Case("1 id", {"ids": [mid["id"]]}), Case("1,000 ids", {"ids": list(s.event_ids)})],
        "delete_artifacts_by_ids": [Case("1 id", {"ids": [s.artifact["id"]]})],
        "sessions_over_event_limit": [
            Case("hot sessions over 1,000", {"max_events": 1000, "after_session_id": "", "limit": 100}, ANALYTICS,
                 note=SWEEP),
            Case("none over the limit", {"max_events": s.hot_length, "after_session_id": "", "limit": 100}, ANALYTICS,
                 note=SWEEP)],
        "session_counter": [Case("hot session", {"session_id": hot})],
        "session_event_span": [
            Case("cold session", {"session_id": cold}),
            Case("hot session", {"session_id": hot}, ANALYTICS, note="counts the session's events")],
        "count_session_events": [
            Case("cold session", {"session_id": cold, "session_ids": [cold]}),
            Case("hot session", {"session_id": hot, "session_ids": one_hot}, ANALYTICS, note="counts 10% of the table"),
            Case("10 cold sessions, common type", {"session_id": cold, "session_ids": ten_cold,
                                                   "types": [s.common_type]})],
        "session_events_page": [
            Case("hot session, batch of 100 from its middle", {
                "session_id": hot, "after_sequence": mid["sequence_number"], "through_sequence": s.hot_length})],
        "nth_prunable_session_event": [
            Case("hot session, 100th from its middle", {
                **prune_types, "session_id": hot, "after_sequence": mid["sequence_number"],
                "through_sequence": s.hot_length, "offset": 100})],
        "events_page": [
            Case("oldest batch of 100", {"after_at": s.oldest - timedelta(seconds=1), "after_id": "",
                                         "through_at": mid["timestamp"], "through_id": mid["id"]}),
            Case("batch from the middle", {"after_at": mid["timestamp"], "after_id": mid["id"],
                                           "through_at": s.newest, "through_id": "~"})],
        "nth_prunable_event": [
            Case("100th from the oldest", {**prune_types, "after_at": s.oldest - timedelta(seconds=1), "after_id": "",
                                           "through_at": mid["timestamp"], "through_id": mid["id"], "offset": 100})],
        "counted_events_bound": [Case("sum of the counters", {}, ANALYTICS, note="reads every counter")],
        "count_all_events": [Case("whole table", {}, ANALYTICS, note="a count of every event")],
        "orphaned_artifact_ids": [Case("none orphaned", {"after_id": ""}, ANALYTICS, note="a full anti-join check")],
        "lock_orphaned_sequences": [Case("none orphaned", {"after_session_id": ""}, ANALYTICS,
                                         note="a full anti-join check")],
        "delete_orphaned_sequences": [Case("10 in use", {"ids": ten_cold})],
        "runs_without_session": [Case("health check", {}, ANALYTICS, note="a full anti-join check")],
        "session_health": [Case("health check", {}, ANALYTICS, note="one index lookup per session")],
        "statistics_sample_limit": [Case("setting", {})],
        "refresh_statistics": [Case("statistics", {}, ANALYTICS, note="ANALYZE on SQLite, a no-op elsewhere")],
        # query.sql
        "search_sessions_updated_desc": sessions_cases("updated_at"),
        "search_sessions_created_desc": sessions_cases("created_at") + [
            Case("created before a month ago", session_filters(created_before=month))],
        "search_sessions_created_asc": sessions_cases("created_at") + [
            Case("created since a month ago", session_filters(created_after=month))],
        "count_sessions": [
            Case("no filter", {}, ANALYTICS, note="counts every live session"),
            Case("common agent", {"agent_id": s.common_agent}, ANALYTICS, note="counts the agent's sessions"),
            Case("provider", {"provider": s.common_run_provider}, ANALYTICS, note="counts sessions with such a run")],
        "search_runs_started_desc": runs_cases(at_cursor) + [
            Case("started before a month ago", runs_filters(started_before=month))],
        "search_runs_started_asc": runs_cases(at_cursor) + [
            Case("started since a month ago", runs_filters(started_after=month))],
        "search_runs_tokens_desc": runs_cases({"after_tokens": rc["total_tokens"], "after_id": rc["id"]}) + [
            Case("min tokens", runs_filters(min_tokens=rc["total_tokens"]))],
        "search_events_sequence_asc": events_common + [
            Case("no filter, page at the hot middle", {"after_session_id": hot,
                                                      "after_sequence": mid["sequence_number"]})],
        "search_session_events_sequence_asc": per_session({"after_session_id": hot,
                                                           "after_sequence": mid["sequence_number"]}),
        "search_session_events_timestamp_asc": per_session(time_cursor) + [
            Case("hot session, since a month ago", listed(one_hot, since=month))],
        "search_session_events_timestamp_desc": per_session(time_cursor) + [
            Case("hot session, until a month ago", listed(one_hot, until=month), reason=MARIADB_UNTIL)],
        "search_events_timestamp_asc": events_by_time(time_cursor),
        "search_events_timestamp_desc": events_by_time(time_cursor),
        "count_events": [
            Case("rare type", {"types": [s.rare_type]}, ANALYTICS, note="no index leads with type"),
            Case("no filter", {}, ANALYTICS, note="counts every event")],
        "session_event_stats": [
            Case("cold session", {"session_id": cold}),
            Case("hot session", {"session_id": hot}, ANALYTICS, note="reads the session's events")],
        "session_run_groups": [Case("hot session", {"session_id": hot})],
        "usage_by_provider": [
            Case("one session", {"session_id": hot}),
            Case("common agent", {"agent_id": s.common_agent, "session_id": None}, ANALYTICS,
                 note="sums the agent's runs"),
            Case("everything", {"session_id": None}, ANALYTICS, note="sums every run"),
            Case("last month", {"since": month, "session_id": None}, ANALYTICS, note="sums a month of runs")],
    }


class MissingParameter(KeyError):
    pass


def case_params(query: NamedQuery, case: Case) -> dict[str, Any] | list[dict[str, Any]]:
    """The case's logical parameters for exactly the query's parameters (defaults filled in);
    a list of them for a `*!` query."""

    def one(given: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name in query.params:
            if name in given:
                out[name] = given[name]
            elif name in DEFAULTS:
                out[name] = DEFAULTS[name]
            else:
                raise MissingParameter(f"{query.name}: no value for parameter {name!r} in case {case.label!r}")
        return out

    return [one(row) for row in case.many] if query.many and case.many else one(case.params)


# --- plans ---------------------------------------------------------------------------------

FULL_SCAN, INDEX_WALK, INDEX_RANGE = "full scan", "index walk", "index range"


@attrs.frozen
class Access:
    table: str
    kind: str  # FULL_SCAN, INDEX_WALK (a whole index in its order, stopping at a LIMIT), INDEX_RANGE
    index: str | None = None
    index_only: bool = False
    rows: float | None = None  # rows read from the table (actual when analyzed, else the planner's guess)

    def __str__(self) -> str:
        kind = ("index-only " + self.kind.removeprefix("index ")) if self.index_only else self.kind
        return f"{kind} {self.table}" + (f" ({self.index})" if self.index else "")


@attrs.frozen
class Plan:
    accesses: tuple[Access, ...]
    sorts: tuple[float | None, ...]  # rows sorted (None: not reported)
    rows_read: float | None  # total over the table accesses; None where the dialect does not count
    analyzed: bool  # rows are actual (EXPLAIN ANALYZE), else estimates
    lines: tuple[str, ...]  # the plan for people
    generic: bool = False
    note: str = ""

    @property
    def verdict(self) -> str:
        parts = [str(a) for a in self.accesses]
        for rows in self.sorts:
            parts.append("sort" + ("" if rows is None else f" {rows:,.0f} rows"))
        return "; ".join(parts) or "no table read"

    def scans(self, min_rows: float = 1_000) -> list[Access]:
        """Accesses whose cost grows with their table: full scans, and index walks that read
        more than min_rows (a walk under a LIMIT that fills its page at once reads few)."""
        return [a for a in self.accesses
                if a.kind == FULL_SCAN or (a.kind == INDEX_WALK and (a.rows is None or a.rows > min_rows))]


def explain(conn: Any, dialect: str, query: NamedQuery, params: dict[str, Any], *, analyze: bool = False,
            generic: bool = False, server: str = "",
            before: Iterable[tuple[NamedQuery, dict[str, Any]]] = ()) -> Plan:
    """The plan of one named query with logical parameters. Writes are explained as such; with
    analyze=True they run inside a transaction that is rolled back, after `before` (statements
    a write depends on, such as advance_sequence before SQLite's append_event). generic:
    PostgreSQL's generic plan (the one a prepared statement may switch to, blind to the values)."""
    encoded = encode(dialect, params)
    setup = [(q.sql, encode(dialect, p)) for q, p in before]
    if dialect == "postgres":
        return _postgres(conn, query, encoded, analyze=analyze, generic=generic, setup=setup)
    if generic:
        raise ValueError("generic plans are PostgreSQL's")
    if dialect == "mysql":
        return _mysql(conn, query, encoded, analyze=analyze, mariadb="mariadb" in server.lower(), setup=setup)
    return _sqlite(conn, query, encoded, analyze=analyze)


def run_before(conn: Any, setup: Iterable[tuple[str, dict[str, Any]]]) -> None:
    cur = conn.cursor()
    try:
        for sql, params in setup:
            cur.execute(sql, params) if params else cur.execute(sql)
            if cur.description:
                cur.fetchall()
    finally:
        cur.close()


def _in_rollback(conn: Any, run: Callable[[], Any], begin: str = "BEGIN",
                 setup: Iterable[tuple[str, dict[str, Any]]] = ()) -> Any:
    cur = conn.cursor()
    try:
        cur.execute(begin)
        try:
            run_before(conn, setup)
            return run()
        finally:
            cur.execute("ROLLBACK")
    finally:
        cur.close()


# PostgreSQL


_PYFORMAT = re.compile(r"%\((\w+)\)s")


def postgres_positional(sql: str) -> tuple[str, list[str]]:
    """psycopg's %(name)s SQL as PREPARE takes it: $1, $2, ... in order of first use."""
    order: list[str] = []

    def number(match: re.Match) -> str:
        if match.group(1) not in order:
            order.append(match.group(1))
        return f"${order.index(match.group(1)) + 1}"

    return _PYFORMAT.sub(number, sql).replace("%%", "%"), order


GENERIC_NAME = "asm_explain_generic"


def postgres_generic(conn: Any, sql: str, params: dict[str, Any]) -> Any:
    """Prepare the statement under plan_cache_mode = force_generic_plan (SET LOCAL: inside the
    caller's transaction) and return the EXECUTE statement to run (prefix it with EXPLAIN).
    EXECUTE takes no bound parameters (it is a utility statement), so the values go in as
    literals quoted by psycopg, cast to the types PREPARE inferred. `postgres_deallocate`
    drops the statement."""
    from psycopg import sql as pgsql

    text, order = postgres_positional(sql)
    cur = conn.cursor()
    cur.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    postgres_deallocate(conn)
    cur.execute(pgsql.SQL("PREPARE {} AS {}").format(pgsql.Identifier(GENERIC_NAME), pgsql.SQL(text)))
    (types,) = cur.execute("SELECT CAST(parameter_types AS text[]) FROM pg_prepared_statements WHERE name = %s",
                           [GENERIC_NAME]).fetchone()
    args = pgsql.SQL(", ").join(pgsql.SQL("CAST({} AS {})").format(pgsql.Literal(params[name]), pgsql.SQL(t))
                                for name, t in zip(order, types or [], strict=True))
    statement = pgsql.SQL("EXECUTE {}").format(pgsql.Identifier(GENERIC_NAME))
    return statement + pgsql.SQL("({})").format(args) if order else statement


def postgres_deallocate(conn: Any) -> None:
    cur = conn.cursor()
    if cur.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [GENERIC_NAME]).fetchone():
        cur.execute(f"DEALLOCATE {GENERIC_NAME}")


def _postgres(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool, generic: bool,
              setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"

    def run() -> Any:
        if generic:
            from psycopg import sql as pgsql

            statement = postgres_generic(conn, query.sql, params)
            (document,) = conn.execute(pgsql.SQL(f"EXPLAIN ({options}) ") + statement).fetchone()
            postgres_deallocate(conn)
            return document
        cur = conn.cursor()
        if params:
            cur.execute(f"EXPLAIN ({options}) " + query.sql, params)
        else:
            cur.execute(f"EXPLAIN ({options}) " + query.sql)
        return cur.fetchone()[0]

    # A generic plan needs a transaction for SET LOCAL; writes one that is rolled back.
    document = (_in_rollback(conn, run, setup=setup if analyze else ()) if (generic or (analyze and query.writes))
                else run())
    document = json.loads(document) if isinstance(document, str) else document
    sizes = {} if analyze else dict(_rows(conn, "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
                                            "AND relnamespace = CAST(current_schema() AS regnamespace)")[1])
    return read_postgres_plan(document[0], analyzed=analyze, generic=generic, table_rows=sizes)


_PG_SKIP = ("Function Scan", "CTE Scan", "Subquery Scan", "Values Scan", "Result", "WorkTable Scan")


def read_postgres_plan(document: dict[str, Any], *, analyzed: bool, generic: bool = False,
                       table_rows: dict[str, float] | None = None) -> Plan:
    """EXPLAIN (FORMAT JSON)'s plan. Estimated rows read: a sequential scan reads its table
    (`table_rows`, the planner's reltuples) up to where a LIMIT above it stops; other scans
    the rows they return, scaled down the same way."""
    table_rows = table_rows or {}
    accesses: list[Access] = []
    sorts: list[float | None] = []
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int, fraction: float) -> None:
        kind = node["Node Type"]
        loops = node.get("Actual Loops", 1) if analyzed else 1
        if analyzed:
            read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                    + node.get("Rows Removed by Index Recheck", 0)) * loops
        else:
            read = node.get("Plan Rows", 0) * fraction
        relation = node.get("Relation Name")
        if not analyzed and kind == "Seq Scan" and table_rows.get(relation, -1) >= 0:
            read = max(float(table_rows[relation]) * fraction, read)
        if relation and kind not in _PG_SKIP:
            if kind == "Seq Scan":
                accesses.append(Access(relation, FULL_SCAN, rows=read))
            elif kind in ("Index Scan", "Index Only Scan"):
                accesses.append(Access(relation, INDEX_RANGE if "Index Cond" in node else INDEX_WALK,
                                       node.get("Index Name"), kind == "Index Only Scan", read))
            elif kind == "Bitmap Heap Scan":
                names = [c.get("Index Name") for c in _descendants(node) if c.get("Index Name")]
                accesses.append(Access(relation, INDEX_RANGE, ", ".join(names) or None, rows=read))
            elif kind == "Tid Scan":
                accesses.append(Access(relation, INDEX_RANGE, rows=read))
        if kind in ("Sort", "Incremental Sort"):
            child = node["Plans"][0]
            sorts.append(child.get("Actual Rows", 0) * child.get("Actual Loops", 1) if analyzed
                         else child.get("Plan Rows"))
        lines.append("  " * depth + _postgres_line(node, analyzed))
        children = node.get("Plans", [])
        for child in children:
            # Under a LIMIT a plan that streams stops early: the planner's row guesses scale down.
            # A sort or aggregate reads all of its input however few rows it returns.
            share = fraction
            if kind == "Limit" and child.get("Plan Rows"):
                share = fraction * min(1.0, node.get("Plan Rows", 0) / child["Plan Rows"])
            if kind in ("Sort", "Incremental Sort", "Aggregate", "Hash", "HashAggregate", "GroupAggregate"):
                share = 1.0
            walk(child, depth + 1, share)

    walk(document["Plan"], 0, 1.0)
    if analyzed and "Execution Time" in document:
        lines.append(f"Execution Time: {document['Execution Time']:.3f} ms")
    read = sum(a.rows or 0 for a in accesses) if accesses else 0.0
    return Plan(tuple(accesses), tuple(sorts), read, analyzed, tuple(lines), generic)


def _descendants(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for child in node.get("Plans", []):
        yield child
        yield from _descendants(child)


def _postgres_line(node: dict[str, Any], analyzed: bool) -> str:
    text = node["Node Type"]
    if node.get("Index Name"):
        text += f" using {node['Index Name']}"
    if node.get("Relation Name"):
        text += f" on {node['Relation Name']}" + (f" {node['Alias']}" if node.get("Alias") not in
                                                   (None, node["Relation Name"]) else "")
    if analyzed:
        text += f" (actual rows={node.get('Actual Rows', 0):,.0f} loops={node.get('Actual Loops', 1):,}"
        removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        text += (f" removed={removed:,.0f}" if removed else "") + ")"
    else:
        text += f" (rows={node.get('Plan Rows', 0):,.0f} cost={node.get('Total Cost', 0):,.2f})"
    for key in ("Index Cond", "Filter", "Sort Key", "Group Key", "One-Time Filter"):
        if key in node:
            value = node[key] if isinstance(node[key], str) else ", ".join(node[key])
            text += f" [{key}: {value}]"
    return text


# MySQL / MariaDB


_MYSQL_ACCESS = {"ALL": FULL_SCAN, "index": INDEX_WALK}


def _mysql(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool, mariadb: bool,
           setup: list[tuple[str, dict[str, Any]]]) -> Plan:
    params = params or None  # PyMySQL: no parameters, no % interpolation
    if analyze and not mariadb:  # MySQL 8: EXPLAIN ANALYZE (a tree of text), SELECT only
        def run_tree() -> list[str]:
            return [line for row in _rows(conn, "EXPLAIN ANALYZE " + query.sql, params)[1]
                    for line in str(row[0]).splitlines()]
        lines = _in_rollback(conn, run_tree, setup=setup) if query.writes else run_tree()
        return read_mysql_tree(lines)
    statement = ("ANALYZE FORMAT=JSON " if analyze else "EXPLAIN FORMAT=JSON ") + query.sql

    def run() -> str:
        return _rows(conn, statement, params)[1][0][0]

    document = _in_rollback(conn, run, setup=setup) if (analyze and query.writes) else run()
    return read_mysql_plan(_mysql_json(document), analyzed=analyze, sql=query.sql)


_JSON_STRING_LINE = re.compile(r'^(\s*"\w+": ")(.*)("(?:,)?)$')


def _mysql_json(text: str) -> Any:
    """MariaDB's FORMAT=JSON does not escape the quotes of string literals inside conditions
    (`"attached_condition": "json_contains(s.tags,'["vip"]')"`): escape them, line by line."""
    try:
        return json.loads(text)
    except ValueError:
        fixed = []
        for line in text.splitlines():
            found = _JSON_STRING_LINE.match(line)
            if found:
                inner = re.sub(r'(?<!\\)"', r'\\"', found.group(2))
                line = found.group(1) + inner + found.group(3)
            fixed.append(line)
        return json.loads("\n".join(fixed))


def read_mysql_plan(document: dict[str, Any], *, analyzed: bool, sql: str = "") -> Plan:
    """MariaDB's EXPLAIN/ANALYZE FORMAT=JSON (and MySQL 8's EXPLAIN FORMAT=JSON); tables are
    named by their alias in it, shown as the table's name."""
    aliases = _aliases(sql)
    accesses: list[Access] = []
    sorts: list[float | None] = []
    lines: list[str] = []

    def table(t: dict[str, Any], depth: int, dependent: bool) -> None:
        name, access = t.get("table_name", "?"), t.get("access_type")
        rows = _mysql_rows(t, analyzed)
        line = f"{name}: {access or '-'}" + (f" key={t['key']}" if t.get("key") else "")
        line += f" rows={rows:,.0f}" if rows is not None else ""
        line += f" loops={t['r_loops']}" if analyzed and "r_loops" in t else ""
        line += " using_index" if t.get("using_index") else ""
        line += f" [{t['attached_condition']}]" if t.get("attached_condition") else ""
        lines.append("  " * depth + line + (" (dependent subquery)" if dependent else ""))
        if access and not name.startswith("<") and "table_function" not in t:
            accesses.append(Access(aliases.get(name, name), _MYSQL_ACCESS.get(access, INDEX_RANGE), t.get("key"),
                                   bool(t.get("using_index")), rows))

    def walk(node: Any, depth: int, dependent: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, depth, dependent)
            return
        if not isinstance(node, dict):
            return
        if "table_name" in node:
            table(node, depth, dependent)
        if "filesort" in node or node.get("using_filesort"):
            sort = node.get("filesort", {})
            rows = sort.get("r_output_rows") if isinstance(sort, dict) else None
            sorts.append(rows)
            lines.append("  " * depth + "filesort" + (f" rows={rows:,}" if rows is not None else ""))
        for key, value in node.items():
            if isinstance(value, (dict, list)):
                deeper = dependent or key == "expression_cache" or (
                    isinstance(value, dict) and bool(value.get("dependent")))
                walk(value, depth + (1 if key in ("materialized", "subqueries", "query_block") else 0), deeper)

    walk(document, 0, False)
    read = sum(a.rows or 0 for a in accesses) if all(a.rows is not None for a in accesses) else None
    return Plan(tuple(accesses), tuple(sorts), read, analyzed, tuple(lines))


def _mysql_rows(t: dict[str, Any], analyzed: bool) -> float | None:
    if t.get("access_type") in ("const", "system"):  # read once while optimizing: no r_ counts
        return float(t.get("rows", 1))
    if analyzed and "r_rows" in t:
        return float(t["r_rows"] or 0) * float(t.get("r_loops", 1) or 0)
    for key in ("rows", "rows_examined_per_scan"):
        if key in t:
            return float(t[key])
    return None


_TREE_ROWS = re.compile(r"\(actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+) loops=(\d+)\)")
_TREE_TABLE = re.compile(r"(Table scan|Index range scan|Index lookup|Index scan|Single-row index lookup|"
                         r"Covering index \w+(?: \w+)*?) on (\w+)(?: using (\w+))?")


def read_mysql_tree(lines: list[str]) -> Plan:
    """MySQL 8's EXPLAIN ANALYZE text tree (not run here: no MySQL 8 server in the test setup)."""
    accesses, sorts = [], []
    for line in lines:
        rows = _TREE_ROWS.search(line)
        actual = float(rows.group(1)) * int(rows.group(2)) if rows else None
        found = _TREE_TABLE.search(line)
        if found:
            what = found.group(1)
            kind = FULL_SCAN if what == "Table scan" else INDEX_WALK if what.endswith("Index scan") else INDEX_RANGE
            accesses.append(Access(found.group(2), kind, found.group(3), what.startswith("Covering"), actual))
        if "Sort" in line.split("(")[0]:
            sorts.append(actual)
    read = sum(a.rows or 0 for a in accesses) if accesses else 0.0
    return Plan(tuple(accesses), tuple(sorts), read, True, tuple(lines))


# SQLite


_ALIAS = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+AS)?\s+(\w+)", re.I)
_SQLITE_DETAIL = re.compile(r"^(SCAN|SEARCH) (\w+)(?: USING (COVERING INDEX|INDEX|INTEGER PRIMARY KEY|PRIMARY KEY)"
                            r"(?: (\w+))?)?(?: \((.*)\))?")
_NOT_TABLES = frozenset({"json_each", "json_tree", "CONSTANT", "SUBQUERY", "CO"})


def _sqlite(conn: Any, query: NamedQuery, params: dict[str, Any], *, analyze: bool) -> Plan:
    _columns, rows = _rows(conn, "EXPLAIN QUERY PLAN " + query.sql, params)
    plan = read_sqlite_plan(rows, query.sql)
    note = "SQLite reports no row counts; --analyze times the statement instead" if analyze else ""
    return attrs.evolve(plan, note=note)


def _aliases(sql: str) -> dict[str, str]:
    return {alias: table for table, alias in _ALIAS.findall(sql) if alias.upper() not in
            ("WHERE", "ON", "ORDER", "GROUP", "LIMIT", "LEFT", "JOIN", "INNER", "SET", "USING", "CROSS")}


def read_sqlite_plan(rows: list[tuple], sql: str) -> Plan:
    aliases = _aliases(sql)
    accesses, sorts, lines = [], [], []
    depth: dict[int, int] = {0: -1}
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
        found = _SQLITE_DETAIL.match(detail)
        if found and found.group(2) not in _NOT_TABLES and "VIRTUAL TABLE" not in detail:
            verb, name, using, index, cond = found.groups()
            table = aliases.get(name, name)
            if verb == "SEARCH":
                kind = INDEX_RANGE
            else:
                kind = INDEX_WALK if using in ("INDEX", "COVERING INDEX") else FULL_SCAN
            accesses.append(Access(table, kind, index or (using if using and "PRIMARY" in using else None),
                                   using == "COVERING INDEX"))
        if detail.startswith("USE TEMP B-TREE"):
            sorts.append(None)
    return Plan(tuple(accesses), tuple(sorts), None, False, tuple(lines))
