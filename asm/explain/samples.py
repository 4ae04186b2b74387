"""Values read from a user's database for realistic parameters: the busiest recent session and
its middle, a typical session, the rarest and commonest values among the latest rows. A few
bounded reads through the named queries, placeholders where the database is empty."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from asm.drivers.dialects import DIALECTS
from asm.explain.statements import fetch

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


def _rarest(counts: Counter[str], default: str) -> str:
    return min(counts.items(), key=lambda kv: (kv[1], kv[0]))[0] if counts else default


def _commonest(counts: Counter[str], default: str) -> str:
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
    def q(name: str, **p: Any) -> list[dict[str, Any]]:
        return fetch(conn, dialect, name, **p)

    now = datetime.now(timezone.utc).replace(microsecond=0)
    events = q("search_events_timestamp_desc", limit=SAMPLE_EVENTS)
    by_session = Counter(e["session_id"] for e in events)
    lengths = {s: _length(conn, dialect, s) for s, _n in by_session.most_common(3)}
    hot = max(lengths, key=lambda s: (lengths[s], s)) if lengths else PLACEHOLDER_SESSION
    hot_length = lengths.get(hot, 0)
    hot_sessions = tuple(sorted(lengths, key=lambda s: -lengths[s])) or (hot,)
    middle_rows = q("get_events", session_id=hot, after=hot_length // 2, limit=1) if hot_length else []
    middle: dict[str, Any] = ({"id": middle_rows[0]["id"], "timestamp": _ts(dialect, middle_rows[0]["timestamp"]),
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
    times = [t for e in events if (t := _ts(dialect, e["timestamp"])) is not None]
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
