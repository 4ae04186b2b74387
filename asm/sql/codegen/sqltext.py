"""What a named query's SQL text tells about its parameters and tables.

The SQL is asm's own, written in a plain style (explicit column lists, `alias.column`
references), so a scan of its text is enough: no SQL parser. Comments and string literals are
blanked first, so neither is read as SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

_QUOTED_OR_COMMENT = re.compile(r"'(?:''|[^'])*'|--[^\n]*|/\*.*?\*/", re.S)
_OPERATOR = r"(?:=|<>|!=|<=|>=|<|>)"
_COLUMN = r"(?:`?(\w+)`?\.)?`?([A-Za-z_]\w*)`?"
# Calls a parameter may sit in and still be compared with the column as itself.
_WRAPPERS = r"(?:(?:CAST|COALESCE|IFNULL|DATETIME)\s*\(\s*)*"
_TABLE_NAME = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+`?([A-Za-z_]\w*)`?", re.I)
_OUTER_JOIN = re.compile(r"\b(?:LEFT|RIGHT|FULL)\s+(?:OUTER\s+)?JOIN\b", re.I)
_INSERT = re.compile(r"\bINSERT\s+INTO\s+`?(\w+)`?(?:\s+AS\s+\w+)?\s*\(", re.I)
_UPDATE_SET = re.compile(r"\bUPDATE\s+`?(\w+)`?(?:\s+AS\s+\w+)?\s+SET\b", re.I)
_ROW_COMPARISON = re.compile(rf"\(\s*({_COLUMN}(?:\s*,\s*{_COLUMN})+)\s*\)\s*{_OPERATOR}\s*\(", re.I)
_END_OF_LIST = re.compile(r"\b(?:FROM|WHERE|ON|RETURNING)\b|;", re.I)


def scrub(sql: str) -> str:
    """`sql` with comments removed and string literals emptied (`''`)."""
    return _QUOTED_OR_COMMENT.sub(lambda m: "''" if m.group(0).startswith("'") else " ", sql)


# A call of one of asm's PL/pgSQL functions (PostgreSQL's migration 0007); group 1: its name.
FUNCTION_CALL = re.compile(r"\b(asm_\w+)\s*\(")
_BODY_STATEMENT = re.compile(r"\bBEGIN\b(.*?);", re.S)
_ARGUMENT = re.compile(r"\bp_(\w+)\b")


def function_statement(body: str) -> str | None:
    """The statement a PL/pgSQL function of asm runs (PostgreSQL's migration 0007: one, between
    BEGIN and its `;`), its arguments `p_name` written as the query parameters `:name` they are
    passed from; None for a body that runs no statement of its own (a trigger's PERFORM)."""
    found = _BODY_STATEMENT.search(body)
    if found is None or not re.match(r"\s*(?:WITH|INSERT|UPDATE|DELETE|SELECT)\b", found.group(1), re.I):
        return None
    return _ARGUMENT.sub(r":\1", re.sub(r"\s+INTO\s+\w+\s*$", "", found.group(1).strip()))


def called_statement(sql: str, statements: dict[str, str]) -> str:
    """`sql`, or if it calls one of `statements`' functions (name -> function_statement) the
    statement inside: what a query that calls a function does is read from there."""
    called = FUNCTION_CALL.search(scrub(sql))
    return statements.get(called.group(1), sql) if called else sql


def param_pattern(name: str) -> str:
    # Not part of a `::type` cast, not a longer name.
    return rf"(?<![:\w]):{re.escape(name)}\b(?!:)"


@attrs.frozen
class Target:
    """A column a parameter is written to or compared with."""

    table: str | None  # None: named by an alias or not at all; look it up in the query's tables
    column: str
    # The parameter is the whole value written to the column (perhaps CAST): a NULL there is
    # written as NULL, so a NOT NULL column makes the parameter required.
    written: bool = False


@attrs.frozen
class ParamUse:
    """How one parameter appears in a query's text."""

    targets: tuple[Target, ...]
    limit: bool  # a LIMIT or OFFSET count
    json_list: bool  # a JSON array expanded by json_each / JSON_TABLE / jsonb functions
    json_document: bool  # parsed as one JSON document (json(), JSON_EXTRACT, ...)
    int_literal: bool  # compared with an integer literal (`:flag = 1`)


@attrs.frozen
class QueryText:
    sql: str  # scrubbed
    tables: tuple[str, ...]  # tables named after FROM / JOIN / INTO / UPDATE, in order
    outer_join: bool

    @classmethod
    def read(cls, sql: str, known_tables: set[str]) -> QueryText:
        text = scrub(sql)
        tables = tuple(dict.fromkeys(t for t in _TABLE_NAME.findall(text) if t in known_tables))
        return cls(text, tables, bool(_OUTER_JOIN.search(text)))

    def use(self, name: str) -> ParamUse:
        p = param_pattern(name)
        text = self.sql
        targets = [*self._written(name), *self._compared(p)]
        limit = re.search(rf"\b(?:LIMIT|OFFSET)\s+{p}", text, re.I) is not None
        json_list = re.search(rf"\b(?:json_each|JSON_TABLE|jsonb_array_elements_text|JSON_OVERLAPS|"
                              rf"JSON_CONTAINS)\s*\(\s*(?:[^()]*,\s*)?{p}", text, re.I) is not None
        json_document = re.search(rf"\b(?:json|JSON_EXTRACT|jsonb_build_array|JSON_ARRAY_APPEND)\s*\(\s*"
                                  rf"(?:CAST\s*\(\s*)?{p}", text, re.I) is not None
        int_literal = re.search(rf"{p}\s*{_OPERATOR}\s*\d+\b|\b\d+\s*{_OPERATOR}\s*{p}", text) is not None
        return ParamUse(tuple(dict.fromkeys(targets)), limit, json_list, json_document, int_literal)

    def _compared(self, p: str) -> Iterator[Target]:
        text = self.sql
        for m in re.finditer(rf"{_COLUMN}\s*{_OPERATOR}\s*{_WRAPPERS}{p}", text, re.I):
            yield Target(m.group(1), m.group(2))
        for m in re.finditer(rf"{p}(?:\s+AS\s+[\w\[\]() ]+?\))?\s*{_OPERATOR}\s*{_COLUMN}(?!\s*\()", text, re.I):
            yield Target(m.group(1), m.group(2))
        # (a.x, a.y) < (:p, CAST(:q AS text)): position by position.
        for m in _ROW_COMPARISON.finditer(text):
            columns = [_split_column(c) for c in m.group(1).split(",")]
            values = _items(text, m.end())
            for (table, column), value in zip(columns, values, strict=False):
                if re.search(p, value):
                    yield Target(table, column)

    def _written(self, name: str) -> Iterator[Target]:
        """INSERT INTO t (a, b) VALUES (:a, :b) / SELECT :a, :b ..., and UPDATE t SET a = :a."""
        text = self.sql
        whole = re.compile(rf"\s*(?:CAST\s*\(\s*)?{param_pattern(name)}(?:\s+AS\s+[\w\[\]() ]+?\))?\s*", re.I)
        anywhere = re.compile(param_pattern(name))
        for m in _INSERT.finditer(text):
            columns = [c.strip().strip("`") for c in _items(text, m.end())]
            rest = text[_close(text, m.end()):]
            values_at = re.match(r"\)\s*(VALUES\s*\(|SELECT\s+)", rest, re.I)
            if values_at is None:
                continue
            start = _close(text, m.end()) + values_at.end()
            values_list = values_at.group(1).upper().startswith("VALUES")
            values = _items(text, start) if values_list else _select_list(text, start)
            if len(values) != len(columns):
                continue
            for column, value in zip(columns, values, strict=True):
                if anywhere.search(value):
                    yield Target(m.group(1), column, written=whole.fullmatch(value) is not None)
        for m in _UPDATE_SET.finditer(text):
            for assignment in _select_list(text, m.end()):
                column, _, value = assignment.partition("=")
                if anywhere.search(value):
                    _, col = _split_column(column)
                    yield Target(m.group(1), col, written=whole.fullmatch(value) is not None)


def _split_column(ref: str) -> tuple[str | None, str]:
    table, _, column = ref.strip().replace("`", "").rpartition(".")
    return table or None, column


def _close(text: str, start: int) -> int:
    """The index of the parenthesis closing the one opened just before `start`."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _items(text: str, start: int) -> list[str]:
    """The comma-separated items inside the parenthesis opened just before `start`."""
    return _split_top_level(text[start:_close(text, start)])


def _select_list(text: str, start: int) -> list[str]:
    """The comma-separated items from `start` up to FROM / WHERE / ON / RETURNING at depth 0."""
    depth = 0
    end = len(text)
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            if depth == 0:
                end = i
                break
            depth -= 1
        elif depth == 0 and _END_OF_LIST.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
            end = i
            break
    return _split_top_level(text[start:end])


def _split_top_level(text: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]
