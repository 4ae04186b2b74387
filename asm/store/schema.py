"""Checking that a database carries the asm schema this package needs."""

from __future__ import annotations

from asm.db.operation import Call, operation


@operation()
def check_schema(dialect) -> None:
    """Raises SchemaError (via the executor) unless every table has its newest column."""
    yield Call("schema_probe")
