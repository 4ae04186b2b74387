"""The named queries of a dialect, read from its `queries/<dialect>/*.sql` files (`-- name:`
lines, aiosql suffixes) with the SQL aiosql hands to the driver."""

from __future__ import annotations

import re
from functools import cache

import aiosql
import attrs

from asm.drivers import SYNC_DRIVERS
from asm.sql.codegen.sqltext import FUNCTION_CALL
from asm.sql.files import queries_dir

_NAME_LINE = re.compile(r"^--[ \t]*name:[ \t]*([A-Za-z_]\w*)[ \t]*(?:\(([^)\n]*)\))?[ \t]*(\S*)", re.M)
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|ANALYZE|PRAGMA|VACUUM)\b", re.I)
_COMMENT = re.compile(r"--[^\n]*")
_ALIAS = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+AS)?\s+(\w+)", re.I)


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
        sql = _COMMENT.sub("", self.sql)
        # asm's functions (PostgreSQL's migration 0007) are its writes.
        return "!" in self.suffix or _WRITES.search(sql) is not None or FUNCTION_CALL.search(sql) is not None


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


@cache
def queries_by_name(dialect: str) -> dict[str, NamedQuery]:
    """named_queries, read once per process (for the samples' many small reads)."""
    return {q.name: q for q in named_queries(dialect)}


def table_aliases(sql: str) -> dict[str, str]:
    """alias -> table of a statement's FROM and JOIN clauses: plans name tables by their alias."""
    return {alias: table for table, alias in _ALIAS.findall(sql) if alias.upper() not in
            ("WHERE", "ON", "ORDER", "GROUP", "LIMIT", "LEFT", "JOIN", "INNER", "SET", "USING", "CROSS")}
