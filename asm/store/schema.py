"""Checking that a database carries the asm schema this package needs."""

from __future__ import annotations

from asm.core.database import Database
from asm.core.operation import Call, Steps, operation


@operation()
def check_schema(db: Database) -> Steps[None]:
    """Raises SchemaError (via the executor) unless every table has its newest column."""
    yield Call("schema_probe")
