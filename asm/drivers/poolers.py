"""A PostgreSQL URL that points at a connection pooler (PgBouncer, Supavisor, RDS Proxy):
what asm refuses, and what it does differently. The URL says so with `?pooler=transaction`
(or the connect call with `pooler="transaction"`); docs/behaviour.md, "Connection poolers",
has the user's side of it.

A transaction-mode pooler hands the server connection to another client after each
transaction. asm's statements and transactions work through it (it prepares nothing and
sends no startup options), but three things do not:
- session state: LISTEN (notifications never arrive), session-level SET (it would stay on a
  server connection other clients then use), and migrations, which hold a lock and settings
  across transactions and build indexes CONCURRENTLY outside them;
- so long polls need a direct connection for LISTEN (`listen_url=`) or poll;
- and migrations must run on a direct URL.
A statement-mode pooler runs no transaction at all, and every asm store needs them (batches,
`transaction()`, graph writes, maintenance): it is refused at connect.
"""

from __future__ import annotations

import logging

from asm.drivers.urls import DatabaseURL, parse_url
from asm.errors import ValidationError

log = logging.getLogger("asm")

# What PgBouncer answers a BEGIN with in statement mode (undeclared: the error is explained).
STATEMENT_MODE_MESSAGE = "statement pooling mode"

STATEMENT_MODE_REFUSED = (
    "a statement-mode pooler runs every statement on its own and allows no transaction, and asm needs "
    "transactions (batches, store.transaction(), graph writes, maintenance): point asm at a pooler in "
    "transaction mode (PgBouncer: pool_mode = transaction, per database or per user) or at the server")


def check_connectable(url: DatabaseURL) -> None:
    """Refuse a statement-mode pooler up front, before any connection is made."""
    if url.pooler == "statement":
        raise ValidationError(f"{url}: {STATEMENT_MODE_REFUSED}", details={"field": "pooler", "value": "statement"})


def listen_target(url: DatabaseURL, listen_url: str | DatabaseURL | None) -> DatabaseURL | None:
    """Where a store's LISTEN connection goes: `listen_url` if given (a direct connection to the
    same server), else the store's own URL unless it is a pooler (None: long polls poll)."""
    if listen_url is None:
        return None if url.pooler else url
    target = parse_url(listen_url)
    if url.dialect != "postgres" or target.dialect != "postgres":
        raise ValidationError("listen_url= is for PostgreSQL: LISTEN/NOTIFY wakes its long polls",
                              details={"field": "listen_url"})
    if target.pooler:
        raise ValidationError(
            f"listen_url {target} is a pooler itself: LISTEN needs a connection of its own to the server, "
            "so give a direct URL", details={"field": "listen_url"})
    return target


def warn_polling(url: DatabaseURL) -> None:
    """Said once per store, at its first long poll, when there is no LISTEN connection."""
    log.warning(
        "asm: %s is a %s-mode pooler and no listen_url= was given, so long polls (wait_timeout_ms) poll the "
        "database instead of being woken: LISTEN through a pooler seems to work but never receives a "
        "notification. Pass listen_url= a direct URL to the server to wake them at once.", url, url.pooler)


def refuse_migrations(url: DatabaseURL) -> None:
    """Migrations through a pooler are refused before anything runs."""
    if url.pooler:
        raise ValidationError(
            f"{url} is a connection pooler ({url.pooler} mode), and migrations cannot run through one: they "
            "hold a lock and settings across transactions and build indexes CONCURRENTLY outside any, which "
            "a pooler hands to other clients half-way. Migrate with a direct URL to the server (the same "
            "database on PostgreSQL's own host and port, without pooler=), then connect through the pooler",
            details={"field": "pooler", "fix": "migrate with a direct URL"})


# What PostgreSQL says when a transaction pooler gave a transaction's statements to different
# server connections (yoyo's SAVEPOINT after its BEGIN went elsewhere).
_OUTSIDE_TRANSACTION = "can only be used in transaction blocks"


def pooler_hint(text: str) -> str:
    """For a migration's error: the likely cause when the URL was a pooler nobody declared."""
    if _OUTSIDE_TRANSACTION not in text:
        return ""
    return (". This is what a transaction pooler (PgBouncer) answers: migrate with a direct URL to the "
            "server, and check `asm migrate --status` (a half-applied migration runs again safely)")
