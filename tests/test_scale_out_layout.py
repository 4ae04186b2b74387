"""The sharded layout of docs/scale-out.md, checked against the schema snapshots and the named
queries so it cannot rot. No database: it reads schema/<dialect>.sql and queries/<dialect>/.

Tables. Every table of a snapshot is classified in TABLES (distributed by a column, reference
or local); an unclassified table, or a classified one that is gone, fails.

Unique keys. Every PRIMARY KEY and UNIQUE index or constraint of a distributed table must
include its distribution column (Citus, Vitess and Spider can only enforce uniqueness inside
one shard), and that column must be NOT NULL; the exceptions are UNIQUE_DEPARTURES and
NULLABLE_KEYS, each naming the doc section that explains it. A departure that no longer
happens fails too, so the list, the doc and the schema move together.

Queries. Every named query is classified once: SINGLE_SHARD (HOT_PATH among them) or FAN_OUT
(by group) or NO_TABLE. A single-shard query must route to one shard in every dialect, by this
rule applied to every table reference of every query block (each parenthesised subquery, CTE
body and UNION branch is a block of its own; string literals and comments are removed first):
- read, UPDATE or DELETE of a distributed table: the block's WHERE clause has, as a top-level
  AND term (not under an OR), `[alias.]key = <bound>` where <bound> is `:param` or
  `CAST(:param AS type)` (either side), or `alias.key = other.key` with the other reference
  bound (a co-located join). `key IN (...)` or `= ANY(...)` of a list is not single-shard.
- INSERT into a distributed table: the key column is in its column list (each row routes by
  its own key); an upsert's conflict target, when written, includes the key; and no
  ON CONFLICT / ON DUPLICATE KEY / UPDATE ... SET assigns the key (moving a row between shards),
  `key = key` aside.
What breaks the rule is a failure naming the query, dialect, table and rule, unless it is a
QUERY_DEPARTURES entry (which must still happen, and be named in its doc section). A FAN_OUT
query must break the rule in some dialect (else it belongs in SINGLE_SHARD), and the doc must
name every classified query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from asm.cli.explain import HOT_QUERIES
from asm.sql.codegen.sqltext import called_statement, function_statement

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scale-out.md"
DIALECTS = ("postgres", "mysql", "sqlite")


@dataclass(frozen=True)
class Distributed:
    key: str


REFERENCE = "reference"  # one copy on every node (none today)
LOCAL = "local"  # on the coordinator only (none today; yoyo's tables are not in the snapshots)

# Every table of the snapshots. asm_sessions.id and sessions.id are the session ids themselves.
TABLES: dict[str, Distributed | str] = {
    "asm_sessions": Distributed("id"),
    "asm_runs": Distributed("session_id"),
    "asm_events": Distributed("session_id"),
    "asm_session_sequences": Distributed("session_id"),
    "asm_artifacts": Distributed("session_id"),
    "sessions": Distributed("id"),  # graph sessions: their own distribution, by their UUID
    # LangGraph checkpoints: a co-location group of their own, by LangGraph's thread id.
    "asm_langgraph_checkpoints": Distributed("thread_id"),
    "asm_langgraph_blobs": Distributed("thread_id"),
    "asm_langgraph_writes": Distributed("thread_id"),
}

# Unique keys without the distribution column, as the snapshots have them today:
# (table, key name) -> (columns, the doc section explaining it and giving the Citus change).
# Inline primary keys are named <table>_pkey in every dialect.
UNIQUE_DEPARTURES: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("asm_events", "asm_events_pkey"): (("id",), "Event ids: global today, per session when sharded"),
    ("asm_runs", "asm_runs_pkey"): (("id",), "Run ids"),
    ("asm_artifacts", "asm_artifacts_pkey"): (("id",), "Artifacts: keys and ids"),
    ("asm_artifacts", "asm_artifacts_key_idx"): (("key",), "Artifacts: keys and ids"),
}

# Distributed tables whose distribution column may be NULL -> doc section.
NULLABLE_KEYS: dict[str, str] = {"asm_artifacts": "Artifacts: keys and ids"}

# The hot paths, each must be single-shard; why each is hot.
HOT_PATH: dict[str, str] = {
    "append_event": "append one event (PostgreSQL: the whole append; elsewhere its insert)",
    "adk_append_event": "the ADK service's append (PostgreSQL: the whole append; elsewhere its stale check)",
    "adk_save_session_state": "the ADK service's append elsewhere than PostgreSQL: the session's state",
    "advance_sequence": "reserve a session's numbers (MySQL, SQLite: with the single append's id probe)",
    "insert_events": "insert a batch's reserved events",
    "get_event_by_id": "the append answering a stored id; a batch of one id",
    "get_events_by_ids": "every batch append looks its ids up first",
    "get_events": "read a session's events (and the long poll)",
    "get_latest_events": "read a session's tail each turn",
    "get_latest_sequence": "a session's counter",
    "get_session": "load a session",
    "upsert_session": "flush saves the session",
    "upsert_run": "flush saves the run",
    "list_runs": "a session's runs",
    "get_active_run": "a session's running run",
    "get_graph_session": "graph get",
    "upsert_graph_session": "graph put",
    "insert_graph_session_if_absent": "graph put, expect_unchanged on a new session",
    "update_graph_session_if_unchanged": "graph put, expect_unchanged",
    "get_graph_session_version": "graph put on MySQL reads the version back",
    "append_graph_message": "graph append_message",
}

# Keyed by session too, not on the hot path (checked by the same rule).
SINGLE_SHARD_OTHER = frozenset({
    "restore_session", "delete_session_row", "delete_session_runs", "delete_session_events",
    "delete_session_sequence", "delete_session_artifacts", "delete_graph_session",
    "insert_artifact", "list_live_artifacts", "live_artifact_stats", "export_session_artifacts",
    "import_raise_sequence", "import_events", "import_artifacts", "session_event_stats",
    "session_run_groups", "session_counter", "session_event_span", "nth_prunable_session_event",
    "session_events_page", "watch_session_appends",
    # LangGraph savers, keyed by thread (docs/scale-out.md, "LangGraph checkpoints").
    "langgraph_put", "langgraph_insert_blobs", "langgraph_insert_writes", "langgraph_upsert_writes",
    "langgraph_get_checkpoint", "langgraph_get_latest_checkpoint", "langgraph_get_blobs", "langgraph_get_writes",
    "langgraph_ancestor_page", "langgraph_get_writes_between",
    "langgraph_delete_thread_checkpoints", "langgraph_delete_thread_blobs", "langgraph_delete_thread_writes",
    "langgraph_delete_checkpoint", "langgraph_delete_checkpoint_writes", "langgraph_thread_heads",
    "langgraph_thread_blob_keys", "langgraph_delete_writes_before", "langgraph_delete_checkpoints_before",
    "langgraph_clear_parent", "langgraph_delete_blob", "langgraph_copy_checkpoints", "langgraph_copy_blobs",
    "langgraph_copy_writes",
})
SINGLE_SHARD = frozenset(HOT_PATH) | SINGLE_SHARD_OTHER

# Queries that read or write many sessions' shards, by group (the doc lists them the same way).
FAN_OUT: dict[str, frozenset[str]] = {
    "cross-session search": frozenset({
        "search_sessions_updated_desc", "search_sessions_created_desc", "search_sessions_created_asc",
        "count_sessions", "list_sessions", "search_runs_started_desc", "search_runs_started_asc",
        "search_runs_tokens_desc", "search_events_sequence_asc", "search_events_timestamp_asc",
        "search_events_timestamp_desc", "search_session_events_sequence_asc",
        "search_session_events_timestamp_asc", "search_session_events_timestamp_desc",
        "count_events", "count_session_events", "list_graph_sessions",
    }),
    "usage": frozenset({"usage_by_provider"}),
    "lookups by a key other than the session": frozenset({
        "get_run", "get_live_artifact", "purge_deleted_artifact", "soft_delete_artifact",
        "import_artifact_ids",
    }),
    "maintenance sweeps": frozenset({
        "expired_session_ids", "soft_delete_sessions", "hard_delete_session_ids",
        "delete_events_of_sessions", "delete_runs_of_sessions", "delete_artifacts_of_sessions",
        "delete_sequences_of_sessions", "delete_sessions_by_ids", "delete_events_by_ids",
        "delete_artifacts_by_ids", "sessions_over_event_limit", "counted_events_bound",
        "count_all_events", "nth_prunable_event", "events_page", "orphaned_artifact_ids",
        "lock_orphaned_sequences", "delete_orphaned_sequences", "session_health",
        "runs_without_session",
    }),
    "schema probe": frozenset({"schema_probe"}),
    "langgraph checkpoints": frozenset({
        "langgraph_list_checkpoints", "langgraph_run_checkpoints", "langgraph_expired_threads",
    }),
}
# Read no asm table (settings, catalogs, no-ops).
NO_TABLE = frozenset({"get_max_packet", "graph_sessions_schema", "statistics_sample_limit", "refresh_statistics",
                      "current_wal_lsn", "replica_replay_lsn"})

# Single-shard queries that break the rule today: (query, table) -> (dialects, doc section).
QUERY_DEPARTURES: dict[tuple[str, str], tuple[frozenset[str], str]] = {
    ("append_event", "asm_events"): (frozenset({"postgres"}), "Event ids: global today, per session when sharded"),
    ("advance_sequence", "asm_events"): (frozenset({"mysql", "sqlite"}), "Event ids: global today, per session when sharded"),
    ("get_event_by_id", "asm_events"): (frozenset(DIALECTS), "Event ids: global today, per session when sharded"),
    ("get_events_by_ids", "asm_events"): (frozenset(DIALECTS), "Event ids: global today, per session when sharded"),
    ("insert_artifact", "asm_artifacts"): (frozenset({"mysql"}), "Artifacts: keys and ids"),
    ("upsert_run", "asm_runs"): (frozenset(DIALECTS), "Run ids"),
}


# -- reading the files ------------------------------------------------------------------------

# One left-to-right pass, so an apostrophe in a comment or `--` in a string is read right.
_LITERAL_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|--[^\n]*")


def _clean(sql: str) -> str:
    """Comments removed, string literals emptied, whitespace collapsed."""
    sql = _LITERAL_OR_COMMENT.sub(lambda m: "''" if m.group().startswith("'") else " ", sql)
    return re.sub(r"\s+", " ", sql).strip().rstrip(";").strip()


def _matching(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start`."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced parentheses in {text[start:start + 80]!r}")


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at depth-0 matches of the regex `sep`."""
    parts, depth, last = [], 0, 0
    pattern = re.compile(sep, re.I)
    i = 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and (m := pattern.match(text, i)) and m.end() > i:
            parts.append(text[last:i])
            last = i = m.end()
            continue
        i += 1
    parts.append(text[last:])
    return [p.strip() for p in parts]


def _columns(text: str) -> tuple[str, ...]:
    cols = []
    for part in _split_top(text, ","):
        word = re.sub(r"\s+(ASC|DESC)$", "", part.strip(), flags=re.I).strip("`\" ")
        cols.append(word.lower())
    return tuple(cols)


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, bool]  # column -> NOT NULL
    unique: dict[str, tuple[str, ...]]  # key name -> columns


def parse_schema(text: str) -> dict[str, Table]:
    """The tables of a schema snapshot, their columns' NOT NULL and their unique keys."""
    sql = _clean(text)
    tables: dict[str, Table] = {}
    for m in re.finditer(r"\bCREATE TABLE (?:IF NOT EXISTS )?[`\"]?(\w+)[`\"]? \(", sql, re.I):
        name = m.group(1).lower()
        open_at = m.end() - 1
        body = sql[open_at + 1:_matching(sql, open_at)]
        columns: dict[str, bool] = {}
        unique: dict[str, tuple[str, ...]] = {}
        for item in _split_top(body, ","):
            head = item.upper()
            if head.startswith(("INDEX ", "KEY ", "FULLTEXT ", "SPATIAL ")):
                continue
            key = re.match(r"(?:CONSTRAINT [`\"]?(\w+)[`\"]? )?(PRIMARY KEY|UNIQUE(?: INDEX| KEY)?)"
                           r"(?: [`\"]?(\w+)[`\"]?)? ?\(", item, re.I)
            if key:
                open_cols = key.end() - 1
                cols = _columns(item[open_cols + 1:_matching(item, open_cols)])
                primary = key.group(2).upper() == "PRIMARY KEY"
                kname = key.group(1) or key.group(3) or (f"{name}_pkey" if primary else f"{name}_{'_'.join(cols)}_key")
                unique[kname.lower()] = cols
                continue
            col = item.split(" ", 1)[0].strip("`\"").lower()
            primary = re.search(r"\bPRIMARY KEY\b", item, re.I) is not None
            columns[col] = primary or re.search(r"\bNOT NULL\b", item, re.I) is not None
            if primary:
                unique[f"{name}_pkey"] = (col,)
            elif re.search(r"\bUNIQUE\b", item, re.I):
                unique[f"{name}_{col}_key"] = (col,)
        for kname, cols in unique.items():  # a primary key's columns are NOT NULL
            if kname == f"{name}_pkey":
                for col in cols:
                    columns[col] = True
        tables[name] = Table(name, columns, unique)
    for m in re.finditer(r"\bCREATE UNIQUE INDEX (?:IF NOT EXISTS )?[`\"]?(\w+)[`\"]? ON [`\"]?(\w+)[`\"]? ?\(",
                         sql, re.I):
        open_cols = m.end() - 1
        table = tables[m.group(2).lower()]
        table.unique[m.group(1).lower()] = _columns(sql[open_cols + 1:_matching(sql, open_cols)])
    return tables


def parse_queries(dialect: str) -> dict[str, str]:
    """Every named query of queries/<dialect>/: name -> SQL (its comment lines included). A
    query that calls one of asm's functions is the statement inside it (PostgreSQL's 0007,
    read from the schema snapshot)."""
    out: dict[str, str] = {}
    snapshot = (ROOT / "schema" / f"{dialect}.sql").read_text(encoding="utf-8")
    bodies = re.findall(r"CREATE FUNCTION (asm_\w+)\(.*?\$\$(.*?)\$\$;", snapshot, re.S)
    inside = {name: statement for name, body in bodies if (statement := function_statement(body)) is not None}
    for path in sorted((ROOT / "queries" / dialect).glob("*.sql")):
        pieces = re.split(r"^--\s*name:\s*(\w+)[^\n]*\n", path.read_text(encoding="utf-8"), flags=re.M)
        for name, sql in zip(pieces[1::2], pieces[2::2]):
            out[name] = called_statement(sql, inside)
    return out


# -- query blocks and the single-shard rule ---------------------------------------------------

_SUBQUERY = "__subquery__"
_BOUND = r"(?:(?<!:):\w+|CAST\( ?(?<!:):\w+ AS [^()]*(?:\([^()]*\))?[^()]*\))"
_NOT_ALIAS = frozenset("""WHERE SET ON JOIN LEFT RIGHT INNER CROSS FULL OUTER ORDER GROUP LIMIT VALUES
    SELECT USING UNION RETURNING WITH DEFAULT FOR HAVING AND OR NATURAL NOT WINDOW INDEXED USE
    FORCE IGNORE OFFSET EXCEPT INTERSECT""".split())


def blocks(sql: str) -> list[str]:
    """The query blocks of a statement: each subquery (a parenthesis opening with SELECT, WITH,
    INSERT, UPDATE or DELETE) and each UNION/INTERSECT/EXCEPT branch on its own, with nested
    blocks replaced by a placeholder."""
    found: list[str] = []

    def flatten(text: str) -> str:
        out, i = [], 0
        while i < len(text):
            if text[i] == "(":
                end = _matching(text, i)
                inner = text[i + 1:end]
                if re.match(r"\s*(SELECT|WITH|INSERT|UPDATE|DELETE)\b", inner, re.I):
                    found.extend(_split_top(flatten(inner), r"\b(?:UNION(?: ALL)?|INTERSECT|EXCEPT)\b"))
                    out.append(_SUBQUERY)
                else:
                    out.append("(" + flatten(inner) + ")")
                i = end + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    top = flatten(_clean(sql))
    found.extend(_split_top(top, r"\b(?:UNION(?: ALL)?|INTERSECT|EXCEPT)\b"))
    return [b for b in found if b]


@dataclass(frozen=True)
class Ref:
    table: str
    alias: str
    verb: str  # FROM, JOIN, INTO or UPDATE
    end: int  # where the reference ends in its block


def references(block: str) -> list[Ref]:
    """The classified tables a block reads or writes."""
    refs = []
    # DO UPDATE and ON DUPLICATE KEY UPDATE are upserts, not UPDATE statements.
    pattern = r"(?<!DO )(?<!KEY )\b(FROM|JOIN|INTO|UPDATE) ([`\"]?(\w+)[`\"]?)(?: (?:AS )?(\w+))?"
    for m in re.finditer(pattern, block, re.I):
        table = m.group(3).lower()
        if table not in TABLES:
            continue
        alias, end = m.group(4), m.end()
        if alias is None or alias.upper() in _NOT_ALIAS:
            alias, end = table, m.end(2)
        refs.append(Ref(table, alias.lower(), m.group(1).upper(), end))
    return refs


def where_terms(block: str) -> list[str]:
    """The top-level AND terms of the block's WHERE clause ([] when it is an OR at the top)."""
    parts = _split_top(block, r"\bWHERE\b")
    if len(parts) < 2:
        return []
    clause = _split_top(parts[1], r"\b(?:ORDER BY|GROUP BY|LIMIT|RETURNING|ON CONFLICT|ON DUPLICATE"
                                  r"|FOR UPDATE|HAVING|WINDOW)\b")[0]
    if len(_split_top(clause, r"\bOR\b")) > 1:
        return []
    terms = []
    for term in _split_top(clause, r"\bAND\b"):
        while term.startswith("(") and _matching(term, 0) == len(term) - 1:
            term = term[1:-1].strip()
        terms.append(term)
    return terms


def _assignments(block: str, verb: str) -> list[str]:
    """The columns a block's SET list or upsert assigns, with what each is set to."""
    lists = []
    if verb == "UPDATE" and (m := re.search(r"\bSET\b", block, re.I)):
        lists.append(_split_top(block[m.end():], r"\b(?:WHERE|RETURNING)\b")[0])
    for m in re.finditer(r"\b(?:DO UPDATE SET|ON DUPLICATE KEY UPDATE)\b", block, re.I):
        lists.append(_split_top(block[m.end():], r"\b(?:WHERE|RETURNING)\b")[0])
    return [item for text in lists for item in _split_top(text, ",")]


def shard_problems(sql: str) -> list[tuple[str, str]]:
    """(table, rule broken) for every reference of the statement that does not route to one shard."""
    problems = []
    for block in blocks(sql):
        refs = references(block)
        terms = where_terms(block)
        bound: set[str] = set()
        for ref in refs:
            key = TABLES[ref.table]
            if not isinstance(key, Distributed) or ref.verb == "INTO":
                continue
            names = {ref.alias, ref.table}
            for term in terms:
                m = (re.fullmatch(rf"(?:(\w+)\.)?{key.key} ?= ?{_BOUND}", term, re.I)
                     or re.fullmatch(rf"{_BOUND} ?= ?(?:(\w+)\.)?{key.key}", term, re.I))
                if m and ((m.group(1) or "").lower() in names or (m.group(1) is None and len(refs) == 1)):
                    bound.add(ref.alias)
        # A co-located join: `a.key = b.key` binds one when the other is bound.
        for _ in refs:
            for term in terms:
                j = re.fullmatch(r"(\w+)\.(\w+) ?= ?(\w+)\.(\w+)", term)
                if not j:
                    continue
                left, right = j.group(1).lower(), j.group(3).lower()
                by_alias = {r.alias: r for r in refs}
                if left in by_alias and right in by_alias:
                    lk, rk = TABLES[by_alias[left].table], TABLES[by_alias[right].table]
                    if (isinstance(lk, Distributed) and isinstance(rk, Distributed)
                            and j.group(2).lower() == lk.key and j.group(4).lower() == rk.key
                            and (left in bound or right in bound)):
                        bound |= {left, right}
        for ref in refs:
            key = TABLES[ref.table]
            if not isinstance(key, Distributed):
                continue
            if ref.verb == "INTO":
                after = block[ref.end:].lstrip()
                cols = _columns(after[1:_matching(after, 0)]) if after.startswith("(") else ()
                if key.key not in cols:
                    problems.append((ref.table, f"INSERT does not name the distribution column {key.key}"))
                target = re.search(r"\bON CONFLICT \(([^()]*)\)", block, re.I)
                if target and key.key not in _columns(target.group(1)):
                    problems.append((ref.table, f"ON CONFLICT ({target.group(1)}) does not include {key.key}"))
            elif ref.alias not in bound:
                problems.append((ref.table, f"{ref.verb} {ref.table} has no top-level AND term "
                                            f"`{key.key} = <bound parameter>` in its WHERE clause"))
            if ref.verb in ("INTO", "UPDATE"):
                # `key = key` (or the stored row's own key) changes nothing; anything else may move the row.
                same = rf"(?:(?:{re.escape(ref.alias)}|{ref.table})\.)?{key.key}"
                for item in _assignments(block, ref.verb):
                    a = re.fullmatch(r"(?:\w+\.)?(\w+) ?= ?(.*)", item, re.S)
                    if a and a.group(1).lower() == key.key and not re.fullmatch(same, a.group(2).strip(), re.I):
                        problems.append((ref.table, f"assigns the distribution column {key.key} "
                                                    f"(`{item.strip()}`): a row would move between shards"))
    return problems


# -- the doc ----------------------------------------------------------------------------------


def doc_sections(text: str) -> dict[str, str]:
    """A markdown page's sections by heading text (any level)."""
    parts = re.split(r"^#+ +(.+)$", text, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


# -- checks (problem lists, so the unit tests below can feed them altered text) ------------------


def schema_problems(dialect: str, text: str) -> list[str]:
    tables = parse_schema(text)
    out = []
    for name in sorted(set(tables) - set(TABLES)):
        out.append(f"{dialect}: table {name} is not classified in TABLES (distributed by a column, "
                   "reference or local) nor placed in docs/scale-out.md")
    for name in sorted(set(TABLES) - set(tables)):
        out.append(f"{dialect}: TABLES classifies {name}, which schema/{dialect}.sql no longer has")
    for name, table in sorted(tables.items()):
        placement = TABLES.get(name)
        if not isinstance(placement, Distributed):
            continue
        key = placement.key
        if key not in table.columns:
            out.append(f"{dialect}: {name} has no distribution column {key}")
            continue
        if not table.columns[key] and name not in NULLABLE_KEYS:
            out.append(f"{dialect}: {name}.{key} may be NULL: a distribution column must be NOT NULL")
        if table.columns[key] and name in NULLABLE_KEYS:
            out.append(f"{dialect}: {name}.{key} is NOT NULL now: drop it from NULLABLE_KEYS and "
                       f"update docs/scale-out.md ({NULLABLE_KEYS[name]})")
        for kname, cols in sorted(table.unique.items()):
            departure = UNIQUE_DEPARTURES.get((name, kname))
            if key in cols:
                if departure:
                    out.append(f"{dialect}: {kname} on {name} {cols} includes {key} now: drop it from "
                               f"UNIQUE_DEPARTURES and update docs/scale-out.md ({departure[1]})")
            elif departure is None:
                out.append(f"{dialect}: unique key {kname} on {name} {cols} does not include the "
                           f"distribution column {key}: a sharded store cannot enforce it")
            elif departure[0] != cols:
                out.append(f"{dialect}: {kname} on {name} is {cols}, UNIQUE_DEPARTURES says {departure[0]}")
    for (name, kname), (cols, section) in sorted(UNIQUE_DEPARTURES.items()):
        if name in tables and kname not in tables[name].unique:
            out.append(f"{dialect}: the departure {kname} on {name} {cols} is gone: drop it from "
                       f"UNIQUE_DEPARTURES and update docs/scale-out.md ({section})")
    return out


def query_problems(dialect: str, queries: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(SINGLE_SHARD):
        if name not in queries:
            out.append(f"{dialect}: single-shard query {name} is not a named query any more")
            continue
        broken: dict[str, list[str]] = {}
        for table, rule in shard_problems(queries[name]):
            broken.setdefault(table, []).append(rule)
        for table, rules in sorted(broken.items()):
            departure = QUERY_DEPARTURES.get((name, table))
            if departure is None or dialect not in departure[0]:
                what = "hot-path" if name in HOT_PATH else "single-shard"
                out.append(f"{dialect}: {what} query {name} is not single-shard on {table}: " + "; ".join(rules))
        for (qname, table), (dialects, section) in sorted(QUERY_DEPARTURES.items()):
            if qname == name and dialect in dialects and table not in broken:
                out.append(f"{dialect}: {name} routes by session on {table} now: drop it from "
                           f"QUERY_DEPARTURES and update docs/scale-out.md ({section})")
    for name in sorted(NO_TABLE):
        if name in queries and references("\n".join(blocks(queries[name]))):
            out.append(f"{dialect}: {name} reads an asm table: classify it as single-shard or fan-out")
    return out


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_table_is_placed_and_every_unique_key_holds_its_distribution_column(dialect):
    text = (ROOT / "schema" / f"{dialect}.sql").read_text(encoding="utf-8")
    assert schema_problems(dialect, text) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_single_shard_query_filters_on_its_distribution_key(dialect):
    assert query_problems(dialect, parse_queries(dialect)) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_named_query_is_classified_once(dialect):
    classes = [SINGLE_SHARD, NO_TABLE, *FAN_OUT.values()]
    names = set(parse_queries(dialect))
    counted = {n: sum(n in c for c in classes) for n in names | set().union(*classes)}
    assert sorted(n for n, c in counted.items() if c == 0) == [], "named queries not classified"
    assert sorted(n for n, c in counted.items() if c > 1) == [], "classified more than once"
    assert sorted(set().union(*classes) - names) == [], "classified but not a named query"


def test_every_fan_out_query_fans_out_somewhere():
    # In some dialect at least: MySQL runs search_session_events_* once per listed session.
    queries = {d: parse_queries(d) for d in DIALECTS}
    routed = sorted(f"{name} ({group})" for group, names in FAN_OUT.items() for name in names
                    if all(not shard_problems(queries[d][name]) for d in DIALECTS if name in queries[d]))
    assert routed == [], "fan-out queries that route to one shard in every dialect: move them to SINGLE_SHARD"


def test_the_hot_paths_of_the_code_are_all_single_shard():
    # What asm/store/events.py calls (the append path and reads) and explain's hot queries.
    source = (ROOT / "asm" / "store" / "events.py").read_text(encoding="utf-8")
    called = set(re.findall(r"\bCall\(\"(\w+)\"", source))
    called |= set(re.findall(r"\b(?:insert_rows|insert_columns|rows_by_ids)\(db, \"(\w+)\"", source))
    assert called and sorted(called - set(HOT_PATH)) == []
    fan_out = set().union(*FAN_OUT.values())
    assert sorted(set(HOT_QUERIES) - set(HOT_PATH) - fan_out) == []


def doc_problems(text: str) -> list[str]:
    sections = doc_sections(text)
    named = set(re.findall(r"`(\w+)`", text))
    classified = SINGLE_SHARD | NO_TABLE | set().union(*FAN_OUT.values())
    out = [f"docs/scale-out.md does not name the query {name}" for name in sorted(classified - named)]
    wanted = [(f"`{kname}`", section) for (_, kname), (_, section) in UNIQUE_DEPARTURES.items()]
    wanted += [(f"`{table}.session_id`", section) for table, section in NULLABLE_KEYS.items()]
    wanted += [(f"`{name}`", section) for (name, _), (_, section) in QUERY_DEPARTURES.items()]
    for name, section in sorted(set(wanted)):
        if section not in sections:
            out.append(f"docs/scale-out.md has no section {section!r}")
        elif name not in sections[section]:
            out.append(f"docs/scale-out.md's section {section!r} does not name {name}")
    out += [f"docs/scale-out.md does not name the fan-out group {group!r}"
            for group in FAN_OUT if group not in text.lower()]
    return out


def test_the_doc_names_every_query_and_departure_in_its_section():
    assert doc_problems(DOC.read_text(encoding="utf-8")) == []


# -- the checks catch what they should: altered copies, never the real files ------------------------


def test_a_new_unique_key_without_the_distribution_column_fails():
    text = (ROOT / "schema" / "postgres.sql").read_text(encoding="utf-8")
    text += "\nCREATE UNIQUE INDEX asm_events_correlation_key ON asm_events (correlation_id);\n"
    assert schema_problems("postgres", text) == [
        "postgres: unique key asm_events_correlation_key on asm_events ('correlation_id',) does not "
        "include the distribution column session_id: a sharded store cannot enforce it"]


def test_an_inline_unique_column_and_a_table_constraint_are_found():
    text = (ROOT / "schema" / "mysql.sql").read_text(encoding="utf-8").replace(
        "    correlation_id  VARCHAR(255),\n    UNIQUE INDEX",
        "    correlation_id  VARCHAR(255) UNIQUE,\n    CONSTRAINT asm_events_type_key UNIQUE (type, id),\n    UNIQUE INDEX")
    problems = schema_problems("mysql", text)
    assert any("asm_events_correlation_id_key" in p for p in problems), problems
    assert any("asm_events_type_key on asm_events ('type', 'id')" in p for p in problems), problems
    assert len(problems) == 2, problems


def test_a_departure_that_disappears_fails():
    text = (ROOT / "schema" / "sqlite.sql").read_text(encoding="utf-8")
    text = text.replace("CREATE UNIQUE INDEX asm_artifacts_key_idx ON asm_artifacts (key);",
                        "CREATE UNIQUE INDEX asm_artifacts_key_idx ON asm_artifacts (session_id, key);")
    text = text.replace("    session_id      TEXT,\n    run_id          TEXT,\n    type            TEXT,\n"
                        "    content_type",
                        "    session_id      TEXT NOT NULL,\n    run_id          TEXT,\n    type            TEXT,\n"
                        "    content_type")
    problems = schema_problems("sqlite", text)
    assert [p.split(":")[1].strip() for p in problems] == [
        "asm_artifacts.session_id is NOT NULL now", "asm_artifacts_key_idx on asm_artifacts ('session_id', 'key') "
        "includes session_id now"], problems


def test_a_nullable_key_and_an_unclassified_table_fail():
    text = (ROOT / "schema" / "postgres.sql").read_text(encoding="utf-8")
    text = text.replace("    session_id    VARCHAR(255) COLLATE \"C\" PRIMARY KEY,",
                        "    session_id    VARCHAR(255) COLLATE \"C\",\n    id BIGINT PRIMARY KEY,")
    text += "\nCREATE TABLE asm_notes (id TEXT PRIMARY KEY, body TEXT);\n"
    problems = schema_problems("postgres", text)
    assert any("asm_notes is not classified" in p for p in problems), problems
    assert any("asm_session_sequences.session_id may be NULL" in p for p in problems), problems
    assert any("asm_session_sequences_pkey on asm_session_sequences ('id',)" in p for p in problems), problems


@pytest.mark.parametrize(("sql", "broken"), [
    ("SELECT * FROM asm_events WHERE session_id = :session_id AND type = :type", []),
    ("SELECT * FROM asm_events AS e WHERE e.session_id = CAST(:s AS varchar) ORDER BY e.id", []),
    ("SELECT * FROM asm_events WHERE (:s IS NULL OR session_id = :s)", ["asm_events"]),
    ("SELECT * FROM asm_events WHERE session_id = :s OR type = :t", ["asm_events"]),
    ("SELECT * FROM asm_events WHERE session_id = ANY(CAST(:ids AS text[]))", ["asm_events"]),
    ("SELECT * FROM asm_events WHERE id = :id", ["asm_events"]),
    ("SELECT * FROM asm_events WHERE session_id = 'x'", ["asm_events"]),
    # each block on its own: the probe by id breaks the rule though the outer block is keyed
    ("SELECT * FROM asm_session_sequences WHERE session_id = :s AND NOT EXISTS "
     "(SELECT 1 FROM asm_events AS e WHERE e.id = :id)", ["asm_events"]),
    ("SELECT * FROM asm_runs AS r JOIN asm_events AS e ON TRUE WHERE r.session_id = :s AND e.session_id = r.session_id", []),
    ("SELECT * FROM asm_runs AS r JOIN asm_events AS e ON TRUE WHERE r.session_id = :s", ["asm_events"]),
    ("SELECT * FROM (SELECT * FROM asm_events WHERE session_id = :s UNION ALL SELECT * FROM asm_events "
     "WHERE run_id = :r) AS x", ["asm_events"]),
    ("SELECT * FROM sessions WHERE id = CAST(:id AS uuid)", []),
    ("INSERT INTO asm_events (id, session_id) VALUES (:id, :session_id)", []),
    ("INSERT INTO asm_events (id, type) VALUES (:id, :type)", ["asm_events"]),
    ("INSERT INTO asm_runs (id, session_id) VALUES (:id, :s) ON CONFLICT (id) DO UPDATE SET status = excluded.status",
     ["asm_runs"]),
    ("INSERT INTO asm_runs (id, session_id) VALUES (:id, :s) ON CONFLICT (session_id, id) DO UPDATE SET "
     "session_id = excluded.session_id", ["asm_runs"]),
    ("INSERT INTO asm_runs (id, session_id) SELECT * FROM (SELECT :id AS id, :s AS session_id) AS incoming "
     "ON DUPLICATE KEY UPDATE session_id = incoming.session_id", ["asm_runs"]),
    ("INSERT INTO asm_events (id, session_id) VALUES (:id, :s) ON DUPLICATE KEY UPDATE id = id", []),
    ("UPDATE asm_sessions SET deleted_at = NULL WHERE id = :id", []),
    ("UPDATE asm_runs SET session_id = :t WHERE session_id = :s", ["asm_runs"]),
    ("DELETE FROM asm_artifacts WHERE key = :key AND deleted_at IS NOT NULL", ["asm_artifacts"]),
    ("SELECT '(SELECT 1 FROM asm_events)' AS text FROM sessions WHERE id = :id -- FROM asm_runs", []),
])
def test_the_single_shard_rule(sql, broken):
    assert sorted({table for table, _ in shard_problems(sql)}) == broken


def test_a_hot_path_query_that_stops_filtering_by_session_fails():
    queries = parse_queries("postgres")
    queries["get_events"] = queries["get_events"].replace(
        "WHERE session_id = :session_id", "WHERE (CAST(:session_id AS text) IS NULL OR session_id = :session_id)")
    problems = query_problems("postgres", queries)
    assert len(problems) == 1 and problems[0].startswith(
        "postgres: hot-path query get_events is not single-shard on asm_events: FROM asm_events has no "
        "top-level AND term `session_id = <bound parameter>`"), problems


def test_a_doc_that_drops_a_query_or_a_departure_fails():
    text = DOC.read_text(encoding="utf-8").replace("`usage_by_provider`", "usage_by_provider")
    text = text.replace("### Run ids", "### Runs")
    assert sorted(set(doc_problems(text))) == [
        "docs/scale-out.md does not name the query usage_by_provider",
        "docs/scale-out.md has no section 'Run ids'"]


def test_a_query_departure_that_disappears_fails():
    queries = parse_queries("sqlite")
    queries["get_event_by_id"] = queries["get_event_by_id"].replace(
        "WHERE id = :id", "WHERE session_id = :session_id AND id = :id")
    assert query_problems("sqlite", queries) == [
        "sqlite: get_event_by_id routes by session on asm_events now: drop it from QUERY_DEPARTURES and "
        "update docs/scale-out.md (Event ids: global today, per session when sharded)"]
