"""The catalog: cases for every named query (hot and cold session, rare and common filters, a
cursor in the middle of the hot session, id lists of 1 and 1,000) built from the samples of a
database, used by `asm explain` and `python -m bench scale`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from asm.drivers.dialects import DIALECTS
from asm.drivers.dialects import BinaryArray
from asm.explain.cases import ANALYTICS, Case
from asm.explain.samples import Samples


def _event(s: Samples, i: int, session: str, sequence: int | None = None) -> dict[str, Any]:
    return {"id": f"evt_scale{i:027d}", "type": s.common_type, "timestamp": s.now, "session_id": session,
            "run_id": None, "sequence_number": sequence, "data": {"role": "user", "content": "hello " * 20},
            "metadata": {}, "schema_version": 1, "provider": s.common_event_provider, "correlation_id": None,
            "now": s.now}


def _event_columns(events: list[dict[str, Any]]) -> dict[str, BinaryArray]:
    """Events as PostgreSQL's insert_events takes them: one array per column (JSON payloads as
    text), passed to the driver as they are (asm.explain.parameters.encode)."""
    text = DIALECTS["postgres"].encode_json
    return {name: BinaryArray([text(e[name]) if name in ("data", "metadata") else e[name] for e in events])
            for name in ("id", "type", "timestamp", "session_id", "run_id", "sequence_number", "data", "metadata",
                         "schema_version", "provider", "correlation_id")}


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
    session_row: dict[str, Any] = {
        "agent_id": s.common_agent, "status": "active", "parent_session_id": None, "metadata": {},
        "context": {"step": 1}, "tags": [], "created_at": s.now, "updated_at": s.now, "deleted_at": None}
    run_row = {"session_id": cold, "status": "completed", "input": {"q": "x"}, "output": {"a": 1}, "error": None,
               "metadata": {}, "turn_count": 1, "token_usage": {"input_tokens": 10, "total_tokens": 12},
               "started_at": s.now, "ended_at": s.now, "provider": s.common_run_provider, "provider_metadata": {}}
    graph_row = {"graph_id": s.graph["graph_id"], "current_task_id": "t2", "status_message": None,
                 "context": {"chat_history": {"messages": [], "max_messages": 50}}, "now": s.now}

    def session_filters(**p: Any) -> dict[str, Any]:
        return {"limit": 50, **p}

    def sessions_cases(order_at: str) -> list[Case]:
        return [
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

    def runs_filters(**p: Any) -> dict[str, Any]:
        return {"limit": 50, "session_id": None, **p}

    def runs_cases(cursor: dict[str, Any]) -> list[Case]:
        return [
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

    def events_by_time(cursor: dict[str, Any]) -> list[Case]:
        return events_common + [
            Case("no filter, page at the hot middle", cursor),
            Case("one hour", {"since": mid["timestamp"], "until": mid["timestamp"] + timedelta(hours=1)},
                 reason=FEWER_THAN_A_PAGE),
        ]

    time_cursor = {"after_at": mid["timestamp"], "after_id": mid["id"]}

    # Per-session top-N (a session list): MySQL's take one session_id, asm loops over the list.
    def listed(ids: list[str], **p: Any) -> dict[str, Any]:
        return {"session_ids": ids, "session_id": ids[0], **p}

    def per_session(cursor: dict[str, Any]) -> list[Case]:
        return [
            Case("1 hot session", listed(one_hot)), Case("1 cold session", listed([cold])),
            Case("10 cold sessions, common type", listed(ten_cold, types=[s.common_type])),
            Case("1,000 sessions", listed(thousand_sessions)),
            Case("hot session, run filter", listed(one_hot, run_ids=[s.hot_run]), reason=RUN_LIST_FILTER),
            Case("1 hot session, page at its middle", listed(one_hot, **cursor))]

    prune_types = {"protected_types": ["session_created", "run_started"], "first_types": [s.common_type],
                   "skip_types": ["session_created", "run_started"], "only_types": None, "offset": 0}

    def bump(session: str) -> dict[str, Any]:
        return {"id": None, "session_id": session, "count": 1, "now": s.now}

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
        "append_event": [Case("hot session", _event(s, 1, hot, s.hot_length + 1),
                              before=(("advance_sequence", bump(hot)),)),
                         Case("cold session", _event(s, 2, cold, s.cold_length + 1),
                              before=(("advance_sequence", bump(cold)),))],
        # adk.sql (asm.integrations.adk): PostgreSQL's whole append; elsewhere its counter step.
        "adk_append_event": [Case("hot session", {**_event(s, 3, hot), "seen": s.hot_length,
                                                  "state_delta": '{"step": 2}', "last_update": "1765100000.25",
                                                  "updated_at": s.now})],
        "adk_save_session_state": [Case("hot session", {"session_id": hot, "context": {"state": {"step": 2}},
                                                        "updated_at": s.now})],
        "get_event_by_id": [Case("by id", {"id": mid["id"]})],
        "get_events_by_ids": [Case("1 id", {"ids": [mid["id"]]}), Case("1,000 ids", {"ids": list(s.event_ids)})],
        "advance_sequence": [Case("hot session", {"id": None, "session_id": hot, "count": 100, "now": s.now}),
                             Case("hot session, one new event (its id looked up)",
                                  {"id": "evt_scale_new", "session_id": hot, "count": 1, "now": s.now})],
        "insert_events": [Case("100 events into the hot session", _event_columns(new_events),
                               many=tuple(new_events))],
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
        "get_latest_events": [
            Case("hot session, last 100", {"session_id": hot, "limit": 100}),
            Case("hot session, common type, last 20", {"session_id": hot, "types": [s.common_type], "limit": 20}),
            Case("hot session, its last run, last 20", {"session_id": hot, "run_id": s.hot_last_run, "limit": 20}),
            Case("hot session, last 100 before its middle", {"session_id": hot, "before": mid["sequence_number"],
                                                              "limit": 100}),
            Case("cold session, last 20", {"session_id": cold, "limit": 20})],
        "get_latest_sequence": [Case("hot session", {"session_id": hot})],
        "watch_session_appends": [Case("hot session", {"session_id": hot, "mark_seconds": 90.0, "min_seconds": 35.0})],
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
        # replication.sql (read replicas; PostgreSQL's, the others' never run)
        "current_wal_lsn": [Case("the primary's WAL position", {})],
        "replica_replay_lsn": [Case("a standby's replay position", {})],
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
        **_langgraph_cases(s),
    }


def _langgraph_cases(s: Samples) -> dict[str, list[Case]]:
    """langgraph.sql (asm.integrations.langgraph): the seed has no checkpoints, so these show the
    plans of a thread's steps (PostgreSQL takes arrays where the others take rows)."""
    thread = {"thread_id": "lg-thread", "checkpoint_ns": ""}
    one = {**thread, "checkpoint_id": "1f0a-0001"}
    blob = {**thread, "channel": "messages", "version": "1.0", "type": "msgpack", "payload": b"\x90"}
    blobs = {**thread, "channels": BinaryArray(["messages"]), "versions": BinaryArray(["1.0"]),
             "types": BinaryArray(["msgpack"]), "payloads": BinaryArray([b"\x90"])}
    write = {**one, "task_id": "task-1", "task_path": "", "idx": 0, "channel": "messages", "type": "msgpack",
             "payload": b"\x90"}
    writes = {**write, "idx": BinaryArray([0]), "channel": BinaryArray(["messages"]),
              "type": BinaryArray(["msgpack"]), "payload": BinaryArray([b"\x90"])}
    checkpoint = {**one, "parent_checkpoint_id": None, "run_id": "run-1", "type": "msgpack", "checkpoint": b"\x80",
                  "metadata": {"step": 1}, "created_at": s.now}
    copy = {"source": "lg-thread", "target": "lg-copy"}
    return {
        "langgraph_put": [Case("one step", {**checkpoint, **blobs})],
        "langgraph_insert_blobs": [Case("one blob", blobs, many=(blob,))],
        "langgraph_insert_writes": [Case("one write", writes, many=(write,))],
        "langgraph_upsert_writes": [Case("one write", writes, many=(write,))],
        "langgraph_get_checkpoint": [Case("by id", one)],
        "langgraph_get_latest_checkpoint": [Case("latest", thread)],
        "langgraph_get_blobs": [Case("one pair", {**thread, "keys": '[["messages", "1.0"]]'})],
        "langgraph_get_writes": [Case("one checkpoint", one)],
        "langgraph_ancestor_page": [Case("one page", {**thread, "before": "1f0a-0200", "limit": 200})],
        "langgraph_get_writes_between": [Case("a chain's range", {**thread, "first_id": "1f0a-0001",
                                                                  "last_id": "1f0a-0200"})],
        "langgraph_list_checkpoints": [
            Case("one thread", {**thread, "checkpoint_id": None, "filter": None, "before": None, "limit": 10}),
            Case("every thread, by metadata", {"thread_id": None, "checkpoint_ns": None, "checkpoint_id": None,
                                               "filter": '{"source": "input"}', "before": None, "limit": 10},
                 ANALYTICS, note="LangGraph's list(None, filter=...) reads every thread")],
        "langgraph_delete_thread_checkpoints": [Case("one thread", {"thread_id": "lg-thread"})],
        "langgraph_delete_thread_blobs": [Case("one thread", {"thread_id": "lg-thread"})],
        "langgraph_delete_thread_writes": [Case("one thread", {"thread_id": "lg-thread"})],
        "langgraph_run_checkpoints": [Case("one run", {"run_id": "run-1"})],
        "langgraph_delete_checkpoint": [Case("by id", one)],
        "langgraph_delete_checkpoint_writes": [Case("by id", one)],
        "langgraph_thread_heads": [Case("one thread", {"thread_id": "lg-thread"})],
        "langgraph_thread_blob_keys": [Case("one thread", {"thread_id": "lg-thread"})],
        "langgraph_delete_writes_before": [Case("older than one", one)],
        "langgraph_delete_checkpoints_before": [Case("older than one", one)],
        "langgraph_clear_parent": [Case("by id", one)],
        "langgraph_delete_blob": [Case("one blob", blob, many=(blob,))],
        "langgraph_copy_checkpoints": [Case("one thread", {**copy, "now": s.now})],
        "langgraph_copy_blobs": [Case("one thread", copy)],
        "langgraph_copy_writes": [Case("one thread", copy)],
        "langgraph_expired_threads": [Case("older than a month", {"created_before": s.now - timedelta(days=30),
                                                                   "limit": 1000}, ANALYTICS,
                                           note="reads the checkpoints older than the cutoff")],
    }
