"""The few kinds of driver failure asm reacts to differently; each driver module sorts its
exceptions into them (`classify`), and errors.py turns them into asm errors.

CONNECTION: the connection or server is gone (the connection is discarded; retryable).
CONFLICT:   a unique key was taken meanwhile (an operation marked retry runs again).
TRANSIENT:  deadlock, lock timeout, busy database (retry-marked operations run again).
TIMEOUT:    the server cancelled a statement or ended a transaction for taking too long
            (statement_timeout, idle_in_transaction_session_timeout, max_statement_time).
SCHEMA:     a table, column or function is missing (the database is not migrated).
OTHER:      anything else the driver raised.
"""

from __future__ import annotations

CONNECTION, CONFLICT, TRANSIENT, TIMEOUT, SCHEMA, OTHER = (
    "connection", "conflict", "transient", "timeout", "schema", "other")
# The kinds after which an operation marked retry runs again.
LOST_RACE = (CONFLICT, TRANSIENT)
