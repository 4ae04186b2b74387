"""From what the database and the SQL text say to Python annotations, per dialect.

Result columns:
- PostgreSQL: the server's type; NULL-able unless read from a NOT NULL column (and not across
  an outer join), or an expression of RESULT_HINTS known never to be NULL.
- MySQL: the server's type and nullability flag.
- SQLite: the declared type of the column of that name in the query's tables (SQLite's type
  affinity rules), else RESULT_HINTS, else any SQLite value.

Parameters (keyword arguments; a NULL always binds, so None is accepted unless the parameter
is the whole value written to a NOT NULL column, or on SQLite and MySQL a LIMIT/OFFSET count):
- PostgreSQL: the type the server infers for it.
- MySQL and SQLite: a JSON array or document where a JSON function reads it; else the type of
  the column it is written to or compared with; an int for a LIMIT/OFFSET count or where it is
  compared with an integer; else the column it is named after; else PARAM_KINDS; else object.
"""

from __future__ import annotations

import re

from asm.sql.codegen.describe import Described, QueryFacts, ResultColumn, TableColumn

ANY_SQLITE = "int | float | str | bytes"

# Expression columns (not read from a table column as they are): kind, and whether NULL is possible.
RESULT_HINTS: dict[str, tuple[str, bool]] = {
    "COALESCE(SUM(last_sequence), 0)": ("int", False),
    "artifact_count": ("int", False),
    "block_size": ("int", True),
    "counter": ("int", True),
    "event_count": ("int", False),
    "example": ("text", True),
    "first_event_at": ("timestamp", True),
    "has_indexes": ("bool", False),
    "has_table": ("bool", False),
    "highest": ("int", True),
    "input_tokens": ("number", False),
    "last_event_at": ("timestamp", True),
    "lowest": ("int", True),
    "lsn": ("text", True),
    "newest_at": ("timestamp", False),
    "newest_id": ("text", False),
    "of_types": ("int", False),
    "oldest_at": ("timestamp", True),
    "orphaned_events": ("int", True),
    "output_tokens": ("number", False),
    "problems": ("int", False),
    "provider": ("text", False),
    "run_count": ("int", False),
    "segment_size": ("int", True),
    "session_id": ("text", False),
    "sequence_number": ("int", False),
    "sort_tokens": ("number", False),
    "tail_head": ("bytes", True),
    "total": ("int", False),
    "total_bytes": ("int", False),
    "total_tokens": ("number", False),
}

# Parameter names no column explains (bounds of keyset pages, clocks, counts, batches).
PARAM_KINDS: dict[str, str] = {
    "after_at": "timestamp",
    "after_created_at": "timestamp",
    "after_id": "text",
    "after_session_id": "text",
    "after_sequence": "int",
    "after_tokens": "number",
    "count": "int",
    "limit": "int",
    "mark_seconds": "number",
    "max_events": "int",
    "message": "json",
    "min_seconds": "number",
    "min_tokens": "number",
    "now": "timestamp",
    "offset": "int",
    "rows": "json",
    "since": "timestamp",
    "through_at": "timestamp",
    "through_id": "text",
    "through_sequence": "int",
    "until": "timestamp",
}

_SQLITE_KINDS = {"bytes": "bytes", "text": "str", "int": "int", "number": "int | float", "timestamp": "str", "json": "str",
                 "json_list": "str", "bool": "int", "uuid": "str"}
_MYSQL_PARAM_KINDS = {"text": "str", "int": "int", "number": "int | float | Decimal", "timestamp": "datetime | str",
                      "json": "str", "json_list": "str", "bool": "int", "uuid": "str"}
_POSTGRES_RESULTS = {
    16: "bool", 17: "bytes", 18: "str", 19: "str", 20: "int", 21: "int", 23: "int", 25: "str", 26: "int",
    114: "JsonValue", 700: "float", 701: "float", 1042: "str", 1043: "str", 1082: "date", 1083: "time",
    1114: "datetime", 1184: "datetime", 1186: "timedelta", 1700: "Decimal", 2950: "UUID", 3802: "JsonValue",
    1000: "list[bool | None]", 1005: "list[int | None]", 1007: "list[int | None]", 1009: "list[str | None]",
    1015: "list[str | None]", 1016: "list[int | None]", 1001: "list[bytes | None]",
}
_POSTGRES_PARAMS = {
    **_POSTGRES_RESULTS,
    114: "str | Json", 1700: "int | float | Decimal", 2950: "UUID | str", 3802: "str | Jsonb",
    1000: "list[bool]", 1005: "list[int]", 1007: "list[int]", 1009: "list[str]", 1015: "list[str]",
    1016: "list[int]", 1185: "list[datetime]", 1001: "list[bytes]",
}

_MYSQL_RESULTS = {0: "Decimal", 1: "int", 2: "int", 3: "int", 4: "float", 5: "float", 6: "None", 7: "datetime",
                  8: "int", 9: "int", 10: "date", 11: "timedelta", 12: "datetime", 13: "int", 14: "date",
                  16: "bytes", 245: "str", 246: "Decimal", 255: "bytes"}
_MYSQL_STRINGS = {15, 247, 248, 249, 250, 251, 252, 253, 254}
_MYSQL_COLUMN_PARAMS = {
    "bigint": "int", "int": "int", "integer": "int", "mediumint": "int", "smallint": "int", "tinyint": "int",
    "decimal": "int | float | Decimal", "double": "float", "float": "float",
    "char": "str", "varchar": "str", "text": "str", "tinytext": "str", "mediumtext": "str", "longtext": "str",
    "json": "str", "datetime": "datetime | str", "timestamp": "datetime | str", "date": "date | str",
    "blob": "bytes", "longblob": "bytes", "varbinary": "bytes", "binary": "bytes",
}


def union(*annotations: str) -> str:
    """`a | b` of annotations, each member once, None last."""
    members = dict.fromkeys(m.strip() for a in annotations for m in _top_level_members(a))
    ordered = [m for m in members if m != "None"] + (["None"] if "None" in members else [])
    return " | ".join(ordered)


def _top_level_members(annotation: str) -> list[str]:
    members, depth, current = [], 0, ""
    for ch in annotation:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            members.append(current)
            current = ""
        else:
            current += ch
    return [*members, current]


def _short(name: str) -> str:
    flat = " ".join(name.split())
    return flat if len(flat) <= 40 else flat[:37] + "..."


def sqlite_affinity(declared: str) -> str | None:
    """The Python type SQLite's type affinity gives a declared type (None: any value)."""
    d = declared.upper()
    if "INT" in d:
        return "int"
    if any(s in d for s in ("CHAR", "CLOB", "TEXT")):
        return "str"
    if "BLOB" in d:
        return "bytes"  # asm writes only bytes to its BLOB columns (the LangGraph tables')
    if not d:
        return None
    if any(s in d for s in ("REAL", "FLOA", "DOUB")):
        return "float"
    return "int | float"


class Typer:
    """Annotations for the parameters and result columns of one described dialect."""

    def __init__(self, described: Described):
        self.described = described
        self.dialect = described.dialect
        self.unexplained: list[str] = []  # "query.name" typed as object or any value

    # --- results ----------------------------------------------------------------------------

    def result(self, facts: QueryFacts, column: ResultColumn) -> str:
        base, nullable = {"postgres": self._postgres_result, "mysql": self._mysql_result,
                          "sqlite": self._sqlite_result}[self.dialect](facts, column)
        return union(base, "None") if nullable else base

    def _postgres_result(self, facts: QueryFacts, column: ResultColumn) -> tuple[str, bool]:
        base = _POSTGRES_RESULTS.get(column.type_code)
        if base is None:
            self.unexplained.append(f"{facts.query.name}.{column.name}")
            base = "object"
        origin = None if column.origin is None else self._table_column(*column.origin)
        if origin is not None and not facts.text.outer_join:
            return base, not origin.notnull
        hint = RESULT_HINTS.get(column.name)
        return base, True if hint is None else hint[1]

    def _mysql_result(self, facts: QueryFacts, column: ResultColumn) -> tuple[str, bool]:
        if column.type_code in _MYSQL_STRINGS:
            return ("bytes" if column.binary else "str"), bool(column.nullable)
        base = _MYSQL_RESULTS.get(column.type_code)
        if base is None:
            self.unexplained.append(f"{facts.query.name}.{column.name}")
            base = "object"
        return base, bool(column.nullable)

    def _sqlite_result(self, facts: QueryFacts, column: ResultColumn) -> tuple[str, bool]:
        found = self._columns_named(facts, column.name)
        typed = {c: t for c in found if not c.generated and (t := sqlite_affinity(c.sql_type)) is not None}
        if typed:
            return union(*typed.values()), facts.text.outer_join or any(not c.notnull for c in typed)
        hint = RESULT_HINTS.get(column.name)
        if hint is not None:
            return _SQLITE_KINDS[hint[0]], hint[1]
        if re.fullmatch(r"-?\d+", column.name):
            return "int", False
        # An unnamed count, or a sum of counted subqueries: `(SELECT COUNT(*) ...) + (...)`.
        if re.match(r"\(?\s*(?:SELECT\s+)?COUNT\s*\(", column.name, re.I):
            return "int", False
        if not found:
            self.unexplained.append(f"{facts.query.name}.{_short(column.name)}")
        return ANY_SQLITE, True

    # --- parameters -------------------------------------------------------------------------

    def param(self, facts: QueryFacts, name: str) -> str:
        use = facts.text.use(name)
        written = [self._target_column(facts, t.table, t.column) for t in use.targets if t.written]
        required = any(c is not None and c.notnull for c in written) or (use.limit and self.dialect != "postgres")
        if self.dialect == "postgres":
            base = _POSTGRES_PARAMS.get(facts.param_types.get(name, 0))
            if base is None:
                self.unexplained.append(f"{facts.query.name}(:{name})")
                base = "object"
        else:
            base = self._param_base(facts, name)
        return base if required else union(base, "None")

    def _param_base(self, facts: QueryFacts, name: str) -> str:
        use = facts.text.use(name)
        if use.json_list:
            return self._kind("json_list")
        if use.json_document:
            return self._kind("json")
        columns = [self._target_column(facts, t.table, t.column) for t in use.targets]
        # A column of no declared type (SQLite's generated ones) says nothing of the parameter.
        typed = [t for t in (self._column_param(c) for c in columns if c is not None) if t is not None]
        if typed:
            return union(*typed)
        if use.limit or use.int_literal:
            return "int"
        named = self._columns_named(facts, name) or self._columns_named(facts, name, everywhere=True)
        named_type = self._column_param(named[0]) if named else None
        if named_type is not None:
            return named_type
        if name in PARAM_KINDS:
            return self._kind(PARAM_KINDS[name])
        self.unexplained.append(f"{facts.query.name}(:{name})")
        return "object"

    def _kind(self, kind: str) -> str:
        return (_SQLITE_KINDS if self.dialect == "sqlite" else _MYSQL_PARAM_KINDS)[kind]

    def _column_param(self, column: TableColumn) -> str | None:
        if self.dialect == "sqlite":
            return sqlite_affinity(column.sql_type)
        return _MYSQL_COLUMN_PARAMS.get(column.sql_type)

    # --- columns ------------------------------------------------------------------------------

    def _table_column(self, table: str, name: str) -> TableColumn | None:
        return next((c for c in self.described.tables.get(table, ()) if c.name == name), None)

    def _columns_named(self, facts: QueryFacts, name: str, *, everywhere: bool = False) -> list[TableColumn]:
        tables = self.described.tables if everywhere else facts.text.tables
        return [c for t in tables for c in self.described.tables[t] if c.name == name]

    def _target_column(self, facts: QueryFacts, table: str | None, name: str) -> TableColumn | None:
        if table in self.described.tables:
            return next((c for c in self.described.tables[table] if c.name == name), None)
        found = self._columns_named(facts, name)
        return found[0] if found else None
