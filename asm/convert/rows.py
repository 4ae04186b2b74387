"""Records <-> query parameters and result rows, for any dialect, through cattrs.

Column names are the record field names, so one mapping serves every table. Each dialect has
a row converter (`row_converter`) whose hooks cattrs generates per record class:

- record -> parameters: enums as their value, payloads checked by the JSON payload rules and
  encoded as the dialect's JSON, timestamps in its wire form (`Dialect.encode_*`);
- row -> record: payloads and timestamps decoded (`Dialect.decode_*`), enums parsed, then the
  record built by its stored form (`stored_form`), which checks the payloads' shape but does
  not run the fields' text and range checks again: the column types hold what those checked
  at write time (README, "Reading rows back"). The hook is generated without cattrs'
  detailed validation, the cost of a read: when a row fails, the detailed twin of the hook
  reads it again to name the column. A row without every column (a narrower SELECT) is read
  by the record class itself, the missing fields taking their defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import attrs
from cattrs import Converter
from cattrs.errors import BaseValidationError
from cattrs.fns import identity

from asm.convert.errors import Invalid, describe, locate, record_error
from asm.convert.memo import memo
from asm.core.operation import Rows
from asm.convert.records import (
    RECORDS,
    StructureHook,
    kind_hooks,
    make_record_structure_fn,
    make_record_unstructure_fn,
)
from asm.drivers.dialects import DIALECTS, Dialect
from asm.enums import parse_enum
from asm.errors import AsmError, StorageReadFailed
from asm.records import KIND

__all__ = ["to_params", "from_row", "records_from", "row_converter", "stored_form"]

T = TypeVar("T")

# What reading a broken row raises: a decoder's ValueError (JSON, timestamps) or TypeError,
# a record's converter or payload check (AsmError), a missing column (KeyError).
_UNREADABLE = (AsmError, ValueError, TypeError, KeyError)


def to_params(dialect: Dialect, record: Any) -> dict[str, Any]:
    """Query parameters for a record: payloads checked and encoded, timestamps in wire form."""
    write = _PARAMS.get((dialect.name, type(record)))
    if write is None:
        write = _PARAMS[dialect.name, type(record)] = _params_fn(dialect.name, type(record))
    try:
        return write(record)
    except BaseValidationError as exc:
        raise record_error(exc) from None


def from_row(dialect: Dialect, cls: type[T], table: str, row: Mapping[str, Any]) -> T:
    """The record stored in `row`; a value that no longer decodes names its table, id and column."""
    read = _ROWS.get((dialect.name, cls))
    if read is None:
        read = _ROWS[dialect.name, cls] = _row_fn(dialect.name, cls, False)
    try:
        record: T = read(row)
    except _UNREADABLE as exc:
        if not row.keys() >= _columns(cls):
            return _from_partial_row(dialect, cls, table, row)
        failure: BaseException = exc
        try:
            _row_fn(dialect.name, cls, True)(row)
        except Exception as detailed:  # noqa: BLE001 - it only describes the failure
            failure = detailed
        raise _unreadable(table, row, failure) from exc
    return record


# The generated functions per (dialect name, record class), looked up without a call.
_PARAMS: dict[tuple[str, type], Callable[[Any], dict[str, Any]]] = {}
_ROWS: dict[tuple[str, type], Callable[[Mapping[str, Any]], Any]] = {}


@memo
def row_converter(dialect_name: str) -> Converter:
    """The cattrs converter of one dialect's rows: `unstructure(record)` gives its query
    parameters, `structure(row, cls)` the record in a row holding every column."""
    conv = Converter(detailed_validation=False, prefer_attrib_converters=True,
                     forbid_extra_keys=False)
    for cls in RECORDS:
        conv.register_unstructure_hook(cls, _params_fn(dialect_name, cls))
        # cattrs' generated structure functions take (row, type): they are the hooks.
        conv.register_structure_hook(cls, cast(StructureHook, _row_fn(dialect_name, cls, False)))
    return conv


# The converter the hooks are generated against: every hook they call is given to them.
_GENERATOR = Converter(prefer_attrib_converters=True, forbid_extra_keys=False)


@memo
def _params_fn(dialect_name: str, cls: type) -> Callable[[Any], dict[str, Any]]:
    dialect = DIALECTS[dialect_name]
    # Where timestamps cross the driver as datetimes, cattrs copies them without a call.
    encode_ts: Callable[[Any], Any] = (
        identity if type(dialect).encode_ts is Dialect.encode_ts else dialect.encode_ts
    )
    return make_record_unstructure_fn(cls, _GENERATOR, encode_ts, dialect.encode_json)


@memo
def _row_fn(dialect_name: str, cls: type[T], detailed: bool) -> Callable[[Mapping[str, Any]], T]:
    """The structure function of rows holding every column (the fast one, or with cattrs'
    detailed validation)."""
    return make_record_structure_fn(attrs.fields(_stored_class(cls)), stored_form(cls),
                                    _GENERATOR, _column_hooks(dialect_name, cls).get, detailed=detailed)


@memo
def _column_hooks(dialect_name: str, cls: type) -> dict[attrs.Attribute[Any], StructureHook]:
    """How each column of a record's table is decoded, by the field it fills (fields taken as
    the driver gives them have none)."""
    dialect = DIALECTS[dialect_name]
    hooks: dict[attrs.Attribute[Any], StructureHook] = {}
    for field in attrs.fields(_stored_class(cls)):
        kind = field.metadata.get(KIND)
        if kind == "enum":
            hooks[field] = _enum_hook(field.type, field.name)
        elif kind == "datetime":
            optional = attrs.fields_dict(cls)[field.name].default is None
            hooks[field] = dialect.decode_ts if optional else _required(dialect.decode_ts)
        elif kind == "json":
            hooks[field] = dialect.decode_json
    return hooks


def records_from(dialect: Dialect, cls: type[T], table: str, rows: Rows) -> list[T]:
    """The records stored in `rows` (what a `Call(..., tuples=True)` gets), read by the row
    plan of their columns: the same decoding as `from_row`, by column position. A row that
    fails is read again by `from_row`, whose error names its table, id and column."""
    if not rows.data:
        return []
    key = (dialect.name, cls, rows.columns)
    try:
        read = _ROW_PLANS[key]
    except KeyError:
        read = _ROW_PLANS[key] = _row_plan(dialect.name, cls, rows.columns)
    if read is not None:
        try:
            return read(rows.data)
        except _UNREADABLE:
            pass
    # A narrower (or wider) SELECT, or a row that failed: read by name, errors naming the column.
    return [from_row(dialect, cls, table, dict(zip(rows.columns, row))) for row in rows.data]


# The row plan of each (dialect name, record class, columns): generated once, then looked up.
# None for columns that are not exactly the record's fields: `from_row` reads those by name.
_ROW_PLANS: dict[tuple[str, type, tuple[str, ...]], Callable[[Sequence[tuple[Any, ...]]], list[Any]] | None] = {}


def _row_plan(dialect_name: str, cls: type[T],
              columns: tuple[str, ...]) -> Callable[[Sequence[tuple[Any, ...]]], list[T]] | None:
    """A function turning rows of `columns` into `cls` records, generated once per query: per
    column its hook (`_column_hooks`), then the stored twin's converters and validators
    (`_stored_class`: the payloads' shape checks), as the twin's __init__ would run them, with
    no dict per row and no keyword call."""
    fields = attrs.fields_dict(_stored_class(cls))
    if set(columns) != fields.keys():
        return None
    hooks = _column_hooks(dialect_name, cls)
    names: dict[str, Any] = {"new": object.__new__, "cls": cls, "setattr": object.__setattr__}
    body, checks = [], []
    for i, column in enumerate(columns):
        field = fields[column]
        value = f"row[{i}]"
        if field in hooks:
            names[f"hook_{i}"] = hooks[field]
            value = f"hook_{i}({value}, None)"
        convert = field.converter
        if isinstance(convert, attrs.Converter):
            # attrs passes these the instance and/or the field as it builds one (attrs' stubs
            # do not describe a Converter's attributes).
            wrapped: Any = convert
            names[f"convert_{i}"], names[f"field_{i}"] = wrapped.converter, field
            extra = ("record, " if wrapped.takes_self else "") + (f"field_{i}, " if wrapped.takes_field else "")
            value = f"convert_{i}({value}, {extra})"
        elif convert is not None:
            names[f"convert_{i}"] = convert
            value = f"convert_{i}({value})"
        body.append(f"        setattr(record, {column!r}, {value})")
        if field.validator is not None:
            names[f"check_{i}"], names[f"field_{i}"] = field.validator, field
            checks.append(f"        check_{i}(record, field_{i}, record.{column})")
    source = "\n".join([
        "def read_rows(data):",
        "    records = []",
        "    for row in data:",
        "        record = new(cls)",
        *body, *checks,
        "        records.append(record)",
        "    return records",
    ])
    exec(compile(source, f"<asm row plan {cls.__name__} {dialect_name}>", "exec"), names)  # noqa: S102 - source built above from field names
    read: Callable[[Sequence[tuple[Any, ...]]], list[T]] = names["read_rows"]
    return read


def _enum_hook(enum_cls: Any, name: str) -> Callable[[Any, Any], Any]:
    """The hook of an enum column: a dict lookup for a stored value, parse_enum (and its
    InvalidStatus or InvalidEventType naming the field) for anything else."""
    members = {member.value: member for member in enum_cls}

    def structure(value: Any, _type: Any) -> Any:
        member = members.get(value) if type(value) is str else None
        return member if member is not None else parse_enum(enum_cls, value, name)

    return structure


def _required(decode: StructureHook) -> StructureHook:
    """`decode` for a column that must not be NULL (a NULL timestamp is no time at all)."""

    def structure(value: Any, _type: Any) -> Any:
        if value is None:
            raise Invalid("must be a timezone-aware datetime, got None")
        return decode(value, _type)

    return structure


@memo
def _columns(cls: type) -> frozenset[str]:
    return frozenset(field.name for field in attrs.fields(cls))


@memo
def _stored_class(cls: type) -> type:
    """A twin of record class `cls` whose attrs-generated __init__ does what reading a row
    needs: every field is required (a row holds every column), the payloads keep their shape
    checks (and the tags list its converter), nothing else is converted or checked: enums
    and timestamps come parsed from their hooks, and the text and range validators are not
    run again."""
    fields = {}
    for field in attrs.fields(attrs.resolve_types(cls)):  # field.type: the enum class
        payload = field.metadata.get(KIND) == "json"
        fields[field.name] = attrs.field(
            converter=field.converter if payload else None,
            validator=field.validator if payload else None,
            kw_only=True,
            type=field.type,
            metadata=field.metadata,
        )
    return attrs.make_class(f"Stored{cls.__name__}", fields, frozen=True, slots=True)


@memo
def stored_form(cls: type[T]) -> Callable[..., T]:
    """Build a `cls` from the field values of a row, with the __init__ of its stored twin
    (`_stored_class`) run on a new `cls` instance."""
    init = vars(_stored_class(cls))["__init__"]  # the function, run on a `cls` instance
    new = object.__new__

    def build(**values: Any) -> T:
        record: T = new(cls)
        init(record, **values)
        return record

    # cattrs names its generated function (and its error notes) after the class.
    build.__name__, build.__qualname__ = cls.__name__, cls.__qualname__
    build.__module__ = cls.__module__
    return build


@memo
def _partial_row_fn(dialect_name: str, cls: type[T]) -> Callable[[Mapping[str, Any]], T]:
    dialect = DIALECTS[dialect_name]
    hooks = kind_hooks({"json": dialect.decode_json, "datetime": dialect.decode_ts})
    fields = attrs.fields(cast("type[attrs.AttrsInstance]", cls))
    return make_record_structure_fn(fields, cls, _GENERATOR, hooks, detailed=True)


def _from_partial_row(dialect: Dialect, cls: type[T], table: str, row: Mapping[str, Any]) -> T:
    """A row without every column of the record: the record class builds it (its checks all
    run) and the missing fields take their defaults."""
    try:
        record: T = _partial_row_fn(dialect.name, cls)(row)
    except (BaseValidationError, *_UNREADABLE) as exc:  # cattrs' group of what failed
        raise _unreadable(table, row, exc) from exc
    return record


def _unreadable(table: str, row: Mapping[str, Any], exc: BaseException) -> StorageReadFailed:
    """The error for a row that failed to read: cattrs' notes (or the error's own details)
    name the column."""
    steps, error = locate(exc)
    column = steps[0] if steps else None
    if column is None and isinstance(error, AsmError):
        column = error.details.get("field")
    return StorageReadFailed(
        f"stored {table} row {row.get('id')!r} has an unreadable {column or 'value'}: {describe(error)}",
        details={"table": table, "id": row.get("id"), "column": column},
    )
