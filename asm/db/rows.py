"""Records <-> query parameters and result rows, for any dialect.

Column names are the record field names, so one mapping serves every table.
"""

from __future__ import annotations

from functools import cache, partial
from typing import Any, TypeVar

from asm.convert import field_kinds, record_from_dict, record_to_dict, stored_field_steps
from asm.db.dialects import DIALECTS, Dialect
from asm.errors import AsmError, StorageReadFailed

T = TypeVar("T")


def to_params(dialect: Dialect, record: Any) -> dict[str, Any]:
    """Query parameters for a record: payloads checked and encoded, timestamps in wire form."""
    values = record_to_dict(record)
    for name, kind, _required in field_kinds(type(record)):
        if kind == "json":
            values[name] = dialect.encode_json(values[name])
        elif kind == "datetime":
            values[name] = dialect.encode_ts(values[name])
    return values


def from_row(dialect: Dialect, cls: type[T], table: str, row: dict[str, Any]) -> T:
    """The record stored in `row`; a value that no longer decodes names its table, id and column."""
    names, steps = _read_steps(dialect.name, cls)
    if not row.keys() >= names:
        return _from_partial_row(dialect, cls, table, row)
    record = object.__new__(cls)
    column = None
    try:
        for column, read in steps:
            value = row[column]
            # What the generated __init__ of a frozen class does too.
            object.__setattr__(record, column, value if read is None else read(value))
    except (AsmError, ValueError, TypeError) as exc:
        raise _unreadable(table, row, column, exc) from exc
    return record


@cache
def _read_steps(dialect_name: str, cls: type) -> tuple[frozenset[str], tuple[tuple[str, Any], ...]]:
    """The field names of `cls`, and per field the function from column value to field value
    (None where the value is the field's as it is): decode, convert, check."""
    dialect = DIALECTS[dialect_name]
    decoders = {"json": dialect.decode_json, "datetime": dialect.decode_ts}
    steps = tuple((name, _reader(decoders.get(kind), convert, check))
                  for name, kind, convert, check in stored_field_steps(cls))
    return frozenset(name for name, _ in steps), steps


def _reader(decode: Any, convert: Any, check: Any) -> Any:
    functions = [f for f in (decode, convert) if f is not None]
    if check is not None:
        functions.append(partial(_checked, check))
    if len(functions) <= 1:
        return functions[0] if functions else None

    def read(value: Any) -> Any:
        for function in functions:
            value = function(value)
        return value

    return read


def _checked(check: Any, value: Any) -> Any:
    check(value)
    return value


def _from_partial_row(dialect: Dialect, cls: type[T], table: str, row: dict[str, Any]) -> T:
    """A row without every column of the record: the missing fields take their defaults."""
    values = {}
    column = None
    try:
        for column, kind, _required in field_kinds(cls):
            if column not in row:
                continue
            value = row[column]
            if kind == "json":
                value = dialect.decode_json(value)
            elif kind == "datetime":
                value = dialect.decode_ts(value)
            values[column] = value
        column = None
        return record_from_dict(cls, values)
    except (AsmError, ValueError, TypeError) as exc:
        raise _unreadable(table, row, column, exc) from exc


def _unreadable(table: str, row: dict[str, Any], column: str | None, exc: Exception) -> StorageReadFailed:
    if column is None and isinstance(exc, AsmError):
        column = exc.details.get("field")
    return StorageReadFailed(
        f"stored {table} row {row.get('id')!r} has an unreadable {column or 'value'}: {exc}",
        details={"table": table, "id": row.get("id"), "column": column},
    )
