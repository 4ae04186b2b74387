"""Where the SQL files are: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import aiosql


@functools.cache
def sql_root() -> Path:
    # A wheel carries queries/ and migrations/ as asm/_sql/; an editable install reads the checkout.
    packaged = Path(str(resources.files("asm"))) / "_sql"
    if (packaged / "queries").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


def queries_dir(dialect: str) -> Path:
    return sql_root() / "queries" / dialect


def migrations_dir(dialect: str) -> Path:
    return sql_root() / "migrations" / dialect


@functools.cache
def load_queries(dialect: str, adapter: str) -> aiosql.queries.Queries:
    """Every named query of one dialect folder, for one aiosql driver adapter, loaded once: the
    executors and `asm.sql.queries` share these objects."""
    import asm.sql.adapters  # noqa: F401 - registers asm's async adapters with aiosql

    loaded: aiosql.queries.Queries = aiosql.from_path(queries_dir(dialect), adapter)
    return loaded
