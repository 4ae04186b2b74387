"""Sort driver exceptions into the few kinds asm reacts to differently.

CONNECTION: the connection or server is gone (the connection is discarded; retryable).
CONFLICT:   a unique key was taken meanwhile (an operation marked retry runs again).
TRANSIENT:  deadlock, lock timeout, busy database (retry-marked operations run again).
TIMEOUT:    the server cancelled a statement or ended a transaction for taking too long
            (statement_timeout, idle_in_transaction_session_timeout, max_statement_time).
SCHEMA:     a table, column or function is missing (the database is not migrated).
OTHER:      anything else the driver raised.
None means "not a driver exception": a bug, left to propagate.
"""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg_pool
import pymysql

CONNECTION, CONFLICT, TRANSIENT, TIMEOUT, SCHEMA, OTHER = (
    "connection", "conflict", "transient", "timeout", "schema", "other")
# The kinds after which an operation marked retry runs again.
LOST_RACE = (CONFLICT, TRANSIENT)

# 1044, 1045, 1698: access denied (to the database, for the user, without a password).
_MYSQL_CONNECTION = {1040, 1044, 1045, 1049, 1053, 1152, 1158, 1159, 1160, 1161, 1698, 1927, 2002, 2003, 2005, 2006, 2013, 2055}
_MYSQL_TRANSIENT = {1205, 1213}
# MariaDB's max_statement_time, MySQL's max_execution_time.
_MYSQL_TIMEOUT = {1969, 3024}
_MYSQL_SCHEMA = {1054, 1146}


def classify(exc: BaseException) -> str | None:
    if isinstance(exc, (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)):
        return _classify_postgres(exc)
    if isinstance(exc, sqlite3.Error):
        return _classify_sqlite(exc)
    if isinstance(exc, pymysql.err.MySQLError):
        return _classify_mysql(exc)
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return CONNECTION
    return None


def _classify_postgres(exc: BaseException) -> str:
    if isinstance(exc, (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed)):
        return CONNECTION
    # Two processes creating the same table race on the catalog: the loser runs again.
    if isinstance(exc, (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable,
                        psycopg.errors.DuplicateObject)):
        return CONFLICT
    if isinstance(exc, (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure,
                        psycopg.errors.LockNotAvailable)):
        return TRANSIENT
    # QueryCanceled covers statement_timeout (and IdleSessionTimeout, its subclass); both are
    # OperationalErrors that would otherwise read as a lost connection.
    if isinstance(exc, (psycopg.errors.QueryCanceled, psycopg.errors.IdleInTransactionSessionTimeout)):
        return TIMEOUT
    if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn,
                        psycopg.errors.UndefinedFunction)):
        return SCHEMA
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return CONNECTION
    return OTHER


def _classify_sqlite(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return CONFLICT
    if "no such table" in text or "no such column" in text or "has no column" in text:
        return SCHEMA
    if "locked" in text or "busy" in text:
        return TRANSIENT
    if "unable to open" in text or "closed database" in text or "disk i/o" in text:
        return CONNECTION
    return OTHER


def _classify_mysql(exc: pymysql.err.MySQLError) -> str:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if isinstance(exc, pymysql.err.IntegrityError) and code == 1062:
        return CONFLICT
    if code in _MYSQL_TRANSIENT:
        return TRANSIENT
    if code in _MYSQL_TIMEOUT:
        return TIMEOUT
    if code in _MYSQL_SCHEMA:
        return SCHEMA
    if code in _MYSQL_CONNECTION or isinstance(exc, pymysql.err.InterfaceError):
        return CONNECTION
    return OTHER
