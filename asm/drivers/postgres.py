"""PostgreSQL through psycopg 3: the settings and options of asm's connections, their
liveness, and the classification of psycopg's errors. The pool and driver are in
async_postgres_pool.py and its generated sync twin, postgres_pool.py.

Every connection runs in autocommit mode: a single statement is one round trip, and a
transaction is an explicit BEGIN ... COMMIT that asm issues itself (asm/core/transactions.py).
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Any

from asm.convert.json_text import loads
from asm.drivers import kinds
from asm.drivers.dialects import BinaryArray
from asm.drivers.liveness import readable
from asm.drivers.urls import DatabaseURL

# psycopg is imported when the first pool is configured, not with this module: the executors
# import it for `probe_timeout`, and `import asm` should not pay for a driver it may never use.
if TYPE_CHECKING:
    from psycopg.adapt import AdaptersMap

    ADAPTERS: AdaptersMap
else:
    def __getattr__(name: str) -> Any:
        if name == "ADAPTERS":
            return adapters()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def adapters() -> AdaptersMap:
    """psycopg's adapters, for asm's connections only (also `ADAPTERS`, made once): json and
    jsonb parsed by asm.convert.json_text (msgspec, the standard library where msgspec refuses a
    text), and BinaryArray parameters (asm.drivers.dialects) sent as binary arrays."""
    import psycopg
    from psycopg.adapt import AdaptersMap
    from psycopg.types.array import ListBinaryDumper
    from psycopg.types.json import set_json_loads

    made = AdaptersMap(psycopg.adapters)
    set_json_loads(loads, made)
    made.register_dumper(BinaryArray, ListBinaryDumper)
    return made


def probe_timeout(timeout: float) -> int:
    """libpq's connect_timeout: whole seconds, at least 1."""
    return max(1, int(min(timeout, 30)))


def pool_options(url: DatabaseURL, min_size: int, max_size: int, timeout: float,
                 prepare_threshold: int | None = None) -> dict[str, Any]:
    """psycopg_pool options (the async pool takes the same ones, and its own `configure`).

    No server-side prepared statements unless asked for (`prepare_threshold`): through a
    transaction-pooling PgBouncer one server connection serves many clients, and psycopg's
    `_pg3_N` names would run another client's statement. No startup `options` either (poolers
    such as PgBouncer refuse them): the time zone and jit are set by `configure`."""
    from psycopg.rows import dict_row

    return {
        "conninfo": url.conninfo(),
        "min_size": min_size,
        "max_size": max_size,
        "timeout": timeout,
        # Autocommit: one statement is one round trip; asm sends BEGIN itself when it needs one.
        "kwargs": {"autocommit": True, "row_factory": dict_row, "context": adapters(),
                   "prepare_threshold": prepare_threshold, "connect_timeout": probe_timeout(timeout)},
        "open": False,
        "name": "asm",
    }


# Once per new connection, not per call. Reads do not depend on it (timestamps are converted
# to UTC in Python), but psycopg decodes `timestamptz` about twice as fast in UTC.
# PgBouncer tracks TimeZone per client, so it holds through a transaction pooler too.
SET_UTC = "SET TIME ZONE 'UTC'"

# Where a setting came from when nobody chose it for this connection: the server's defaults
# and files. Any other source (the URL's `options`, PGOPTIONS, ALTER ROLE/DATABASE ... SET) is
# the user's choice and wins over asm's.
_SERVER_SOURCES = "('default', 'configuration file', 'command line', 'environment variable', 'override')"


def _set_unless_chosen(settings: dict[str, str]) -> str:
    pairs = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in settings.items())
    names = ", ".join(f"'{name}'" for name in settings)
    # set_config on pg_settings' rows: a setting this server lacks (jit before 11) is no error.
    return (f"SELECT set_config(name, CASE name {pairs} END, false) FROM pg_settings "
            f"WHERE name IN ({names}) AND source IN {_SERVER_SOURCES}")


# JIT compiles a query's expressions when its estimated cost is high; asm's queries are short
# OLTP statements, and over 1M events JIT added 503 ms of 539 ms to `usage_by_provider`.
SETTINGS = SET_UTC + "; " + _set_unless_chosen({"jit": "off"})
# With prepared statements (`prepare_threshold` not None) PostgreSQL switches a statement to a
# generic plan after 5 executions: over 1M events `get_events` on a hot session with a type
# filter went from 0.39 ms to 56.6 ms. A custom plan per execution keeps the saved parsing.
SETTINGS_PREPARED = SET_UTC + "; " + _set_unless_chosen({"jit": "off", "plan_cache_mode": "force_custom_plan"})


def settings(prepare_threshold: int | None, pooler: str | None = None) -> str:
    """The statements a new connection runs once: parameterless, so psycopg sends them in one
    simple-protocol message (one round trip). Through a pooler only the time zone, which
    PgBouncer keeps per client: any other session setting would stay on a server connection
    that other clients then use (set jit and plan_cache_mode with ALTER ROLE there)."""
    if pooler is not None:
        return SET_UTC
    return SETTINGS if prepare_threshold is None else SETTINGS_PREPARED


def suspect(conn: Any) -> bool:
    """True when an idle connection must pass a round trip before it is handed out (liveness.py)."""
    return bool(conn.closed or conn.broken or readable(conn.pgconn.socket))


def classify(exc: BaseException) -> str | None:
    """The kind (asm.drivers.kinds) of a psycopg or psycopg_pool error; None for any other."""
    # Either not imported: none of its errors exists (and classifying must not load the driver).
    psycopg_pool = sys.modules.get("psycopg_pool")
    if psycopg_pool is not None and isinstance(exc, (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)):
        return kinds.CONNECTION
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    # Two processes creating the same table race on the catalog: the loser runs again.
    if isinstance(exc, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable,
                        psycopg.errors.DuplicateObject)):
        return kinds.CONFLICT
    if isinstance(exc, (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure,
                        psycopg.errors.LockNotAvailable)):
        return kinds.TRANSIENT
    # QueryCanceled covers statement_timeout (and IdleSessionTimeout, its subclass); both are
    # OperationalErrors that would otherwise read as a lost connection.
    if isinstance(exc, (psycopg.errors.QueryCanceled, psycopg.errors.IdleInTransactionSessionTimeout)):
        return kinds.TIMEOUT
    if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn,
                        psycopg.errors.UndefinedFunction)):
        return kinds.SCHEMA
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return kinds.CONNECTION
    return kinds.OTHER
