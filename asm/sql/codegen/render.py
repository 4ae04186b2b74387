"""The text of one `asm.sql.typed.<dialect>` module.

One TypedDict per row shape (named after its table when the shape is that table's stored
columns, after its columns when they are one or two table columns, else after its first query), one per
`*!` query's parameter dict, and two Protocols (sync and async) whose methods are the queries,
returning what aiosql 15 and asm's adapters return for each suffix.
"""

from __future__ import annotations

import keyword
import re
import textwrap

import attrs
from aiosql.types import SQLOperationType as Op

from asm.sql.codegen.describe import Described, QueryFacts
from asm.sql.codegen.types import Typer, union

LINE = 110

TITLES = {"postgres": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL"}
PROTOCOLS = {"postgres": "PostgresQueries", "sqlite": "SQLiteQueries", "mysql": "MySQLQueries"}
TABLE_ROWS = {"asm_sessions": "SessionRow", "asm_runs": "RunRow", "asm_events": "EventRow",
              "asm_artifacts": "ArtifactRow", "asm_session_sequences": "SessionSequenceRow",
              "sessions": "GraphSessionRow"}

# The connection each API's functions take.
CONNECTIONS = {
    "postgres": ("psycopg.Connection[DictRow]", "psycopg.AsyncConnection[DictRow]"),
    "sqlite": ("sqlite3.Connection", "aiosqlite.Connection"),
    "mysql": ("pymysql.connections.Connection[pymysql.cursors.DictCursor]", "aiomysql.Connection"),
}
PROTOCOL_DOCS = {
    "postgres": ("PostgreSQL queries on a psycopg connection made with row_factory=psycopg.rows.dict_row.",
                 "PostgreSQL queries on a psycopg AsyncConnection made with row_factory=dict_row."),
    "sqlite": ("SQLite queries on a sqlite3 connection whose row_factory is asm.sql.dict_row_factory.",
               "SQLite queries on an aiosqlite connection whose row_factory is asm.sql.dict_row_factory."),
    "mysql": ("MySQL queries on a PyMySQL connection made with cursorclass=pymysql.cursors.DictCursor.",
              "MySQL queries on an aiomysql connection made with cursorclass=aiomysql.DictCursor."),
}
DRIVER_IMPORTS = {
    "postgres": ["import psycopg", "from psycopg.rows import DictRow"],
    # Neither ships type information (types-PyMySQL does, for PyMySQL): the annotations still
    # say which driver's connection a function takes.
    "mysql": ["import aiomysql  # type: ignore[import-untyped, unused-ignore]",
              "import pymysql.connections  # type: ignore[import-untyped, unused-ignore]",
              "import pymysql.cursors  # type: ignore[import-untyped, unused-ignore]"],
    "sqlite": ["import aiosqlite"],
}
STDLIB_DRIVERS = {"sqlite": ["import sqlite3"]}
VALUES = {
    "postgres": "Timestamps are aware datetimes; jsonb columns come back parsed (JsonValue) and take JSON text.",
    "sqlite": ("Timestamps are fixed-width UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ); JSON columns, and the "
               "lists parameters take, are JSON text."),
    "mysql": ("DATETIME(6) columns come back as naive datetimes holding UTC; JSON columns, and the lists "
              "parameters take, are JSON text."),
}
# Names an annotation may use, and where each comes from.
IMPORTED_NAMES = {
    "AsyncGenerator": "collections.abc", "Generator": "collections.abc", "Sequence": "collections.abc",
    "date": "datetime", "datetime": "datetime", "time": "datetime", "timedelta": "datetime",
    "Decimal": "decimal", "UUID": "uuid", "Json": "psycopg.types.json", "Jsonb": "psycopg.types.json",
}


class RenderError(Exception):
    """A query whose suffix asm cannot type on dict rows."""


@attrs.frozen
class Field:
    name: str
    annotation: str


@attrs.frozen
class Shape:
    fields: tuple[Field, ...]


@attrs.frozen
class Method:
    facts: QueryFacts
    params: tuple[Field, ...]
    row: Shape | None  # the rows of a select (`^` or none)
    value: str | None  # the `$` value


def render(described: Described) -> tuple[str, list[str]]:
    """The module text, and the parameters and columns typed only as object / any value."""
    typer = Typer(described)
    dialect = described.dialect
    methods = [_method(typer, facts) for facts in described.queries]
    names = _shape_names(described, methods)
    annotations: list[str] = []
    body: list[str] = []
    if dialect == "postgres":
        body += ['JsonValue: TypeAlias = "None | bool | int | float | str | list[JsonValue] | dict[str, JsonValue]"']
    sync_conn, async_conn = CONNECTIONS[dialect]
    body += [f'Connection: TypeAlias = "{sync_conn}"', f'AsyncConnection: TypeAlias = "{async_conn}"', "", ""]
    for shape, name in sorted(names.items(), key=lambda item: item[1]):
        body += _typed_dict(name, shape, _shape_doc(described, name, shape, methods)) + ["", ""]
        annotations += [f.annotation for f in shape.fields]
    for method in methods:
        if method.facts.query.operation is Op.INSERT_UPDATE_DELETE_MANY:
            doc = f"One row's parameters of {method.facts.query.name}."
            body += _typed_dict(_params_name(method), Shape(method.params), doc) + ["", ""]
            annotations += [p.annotation for p in method.params]
    for asynchronous in (False, True):
        body += [f"class {'Async' if asynchronous else ''}{PROTOCOLS[dialect]}(Protocol):",
                 *_docstring(PROTOCOL_DOCS[dialect][asynchronous], "    "), ""]
        for method in methods:
            lines, used = _method_lines(dialect, method, names, asynchronous=asynchronous)
            body += [*lines, ""]
            annotations += used
        body += [""]
    text = "\n".join(body).rstrip() + "\n"
    return _header(dialect, annotations) + text, sorted(set(typer.unexplained))


def _header(dialect: str, annotations: list[str]) -> str:
    title = TITLES[dialect]
    used = {name for name in IMPORTED_NAMES if any(re.search(rf"(?<![\w.]){name}\b", a) for a in annotations)}
    by_module: dict[str, list[str]] = {}
    for name in sorted(used, key=str.lower):
        by_module.setdefault(IMPORTED_NAMES[name], []).append(name)
    stdlib = STDLIB_DRIVERS.get(dialect, []) + [f"from {module} import {', '.join(names)}"
                                                for module, names in sorted(by_module.items())
                                                if not module.startswith("psycopg")]
    third_party = DRIVER_IMPORTS[dialect] + [f"from {module} import {', '.join(names)}"
                                            for module, names in sorted(by_module.items())
                                            if module.startswith("psycopg")]
    summary = (f'`asm.sql.queries("{dialect}")` is a {PROTOCOLS[dialect]} and `asm.sql.queries("{dialect}", '
               f'asynchronous=True)` an Async{PROTOCOLS[dialect]}: each method runs one named query of '
               f"queries/{dialect}/ on a dict-row connection, with the query's parameters as keywords. "
               f"{VALUES[dialect]}")
    lines = [
        f"# Generated by `python -m asm.sql.generate` from queries/{dialect}/*.sql and a freshly migrated",
        f"# {title} database. Do not edit: change the SQL, then run the command again.",
        f'"""Typed query functions of asm\'s {title} SQL.',
        "",
        *textwrap.wrap(summary, LINE - 10, break_on_hyphens=False),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import TYPE_CHECKING, Protocol, TypeAlias, TypedDict",
        "",
        "if TYPE_CHECKING:",
        *[f"    {line}" for line in stdlib],
        *([""] if stdlib else []),
        *[f"    {line}" for line in third_party],
        "",
        "",
    ]
    return "\n".join(lines)


def _method(typer: Typer, facts: QueryFacts) -> Method:
    operation = facts.query.operation
    if operation is Op.INSERT_RETURNING:
        raise RenderError(f"{facts.query.name}: the `<!` suffix returns row[0] of a dict row on psycopg and "
                          f"PyMySQL; write it as `^` with RETURNING")
    params = tuple(Field(name, typer.param(facts, name)) for name in facts.query.params)
    columns = tuple(Field(c.name, typer.result(facts, c)) for c in facts.columns)
    if operation in (Op.SELECT, Op.SELECT_ONE):
        return Method(facts, params, Shape(columns), None)
    if operation is Op.SELECT_VALUE:
        # No columns: a `$` write on MySQL, answered with its LAST_INSERT_ID (asm.sql.adapters).
        return Method(facts, params, None, columns[0].annotation if columns else "int")
    return Method(facts, params, None, None)


def _shape_names(described: Described, methods: list[Method]) -> dict[Shape, str]:
    users: dict[Shape, list[str]] = {}
    for method in methods:
        if method.row is not None:
            users.setdefault(method.row, []).append(method.facts.query.name)
    stored = {table: tuple(c.name for c in columns if not c.generated) for table, columns in described.tables.items()}
    names: dict[Shape, str] = {}
    taken: set[str] = set()
    for shape, queries in sorted(users.items(), key=lambda item: item[1]):
        field_names = tuple(f.name for f in shape.fields)
        table = next((t for t, columns in sorted(stored.items()) if columns == field_names), None)
        name = None if table is None else TABLE_ROWS.get(table, _camel(table) + "Row")
        if name is None or name in taken:
            # One or two table columns say what the row is (and name it alike on every dialect).
            if len(field_names) <= 2 and all(any(n in columns for columns in stored.values()) for n in field_names):
                name = "".join(_camel(n) for n in field_names) + "Row"
            else:
                name = _camel(queries[0]) + "Row"
        names[shape] = name
        taken.add(name)
    return names


def _shape_doc(described: Described, name: str, shape: Shape, methods: list[Method]) -> str:
    users = [m.facts.query.name for m in methods if m.row == shape]
    table = next((t for t, row in TABLE_ROWS.items() if row == name and t in described.tables), None)
    if table is not None:
        return f"A row of {table}, every stored column."
    return f"A row of {', '.join(users)}."


def _typed_dict(name: str, shape: Shape, doc: str) -> list[str]:
    if all(_identifier(f.name) for f in shape.fields):
        return [f"class {name}(TypedDict):", *_docstring(doc, "    "), "",
                *[f"    {f.name}: {f.annotation}" for f in shape.fields]]
    items = ", ".join(f'"{f.name}": {f.annotation}' for f in shape.fields)
    return [f"# {doc}", f'{name} = TypedDict("{name}", {{{items}}})']


def _params_name(method: Method) -> str:
    return _camel(method.facts.query.name) + "Params"


def _identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _docstring(text: str, indent: str) -> list[str]:
    one = f'{indent}"""{text}"""'
    if len(one) <= LINE:
        return [one]
    wrapped = textwrap.wrap(text, LINE - len(indent), break_on_hyphens=False)
    return [f'{indent}"""{wrapped[0]}', *[f"{indent}{line}" for line in wrapped[1:]], f'{indent}"""']


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    match = re.search(r"(?<=[.!?])\s", text)
    return text[:match.start()] if match else text


def _returns(dialect: str, method: Method, names: dict[Shape, str], asynchronous: bool) -> tuple[str, bool]:
    """The return annotation, and whether the method is `async def`."""
    operation = method.facts.query.operation
    row = names[method.row] if method.row is not None else "object"
    if operation is Op.SELECT:
        # A sync select is a generator that closes its cursor when done; an async one an async generator.
        return (f"AsyncGenerator[{row}, None]", False) if asynchronous else (f"Generator[{row}, None, None]", False)
    if operation is Op.SELECT_ONE:
        return union(row, "None"), asynchronous
    if operation is Op.SELECT_VALUE:
        return union(method.value or "object", "None"), asynchronous
    if operation is Op.INSERT_UPDATE_DELETE:
        return "int", asynchronous
    if operation is Op.INSERT_UPDATE_DELETE_MANY:
        if not asynchronous:
            return "int", False
        # aiosql's async psycopg and aiosqlite adapters return executemany's None; asm's aiomysql one the count.
        return ("int | None" if dialect == "mysql" else "None"), True
    return "str", asynchronous  # `#`: a script's status


def _method_lines(dialect: str, method: Method, names: dict[Shape, str], *,
                  asynchronous: bool) -> tuple[list[str], list[str]]:
    """The method's lines, and the annotations they use."""
    query = method.facts.query
    returns, is_async = _returns(dialect, method, names, asynchronous)
    conn = "AsyncConnection" if asynchronous else "Connection"
    if query.operation is Op.INSERT_UPDATE_DELETE_MANY:
        args = [f"conn: {conn}", f"parameters: Sequence[{_params_name(method)}]", "/"]
    elif method.params:
        args = [f"conn: {conn}", "/", "*", *[f"{p.name}: {p.annotation}" for p in method.params]]
    else:
        args = [f"conn: {conn}", "/"]
    head = f"    {'async ' if is_async else ''}def {query.name}("
    one_line = f"{head}self, {', '.join(args)}) -> {returns}:"
    if len(one_line) <= LINE:
        lines = [one_line]
    else:
        lines = [head, "        self,", *[f"        {a}," for a in args], f"    ) -> {returns}:"]
    doc = _first_sentence(query.doc)
    lines += _docstring(doc, "        ") if doc else ["        ..."]
    return lines, [returns, *args]
