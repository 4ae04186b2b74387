"""Driver exceptions -> asm errors, with every password scrubbed from the message.

Each driver module sorts its own exceptions into the kinds of kinds.py (`classify`). The
error of a lost race (a unique key taken meanwhile, a deadlock, a busy database) is an
ordinary asm error with `retryable=True` and `details["kind"]` saying which: an executor runs
a retry-marked operation again when `lost_race(error)`; anywhere else it reaches the caller
as it is.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

from asm.drivers import kinds
from asm.drivers.poolers import STATEMENT_MODE_MESSAGE, STATEMENT_MODE_REFUSED
from asm.drivers.urls import DatabaseURL, redact
from asm.errors import (
    AsmError,
    SchemaError,
    StorageConnectionFailed,
    StorageReadFailed,
    StorageTimeout,
    StorageWriteFailed,
)

# Each driver module's `classify`, asked only once its library is loaded: no exception of a
# library never imported can exist, and classifying must not import one (nor its driver).
_CLASSIFIERS = (("psycopg", "asm.drivers.postgres"), ("sqlite3", "asm.drivers.sqlite"),
                ("pymysql", "asm.drivers.mysql"))


def classify(exc: BaseException) -> str | None:
    """The kind of a driver's exception; None when it is not one (a bug, left to propagate)."""
    for library, module in _CLASSIFIERS:
        if library not in sys.modules:
            continue
        kind: str | None = importlib.import_module(module).classify(exc)
        if kind is not None:
            return kind
    if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
        return kinds.CONNECTION
    return None


def lost_race(error: BaseException) -> bool:
    """Whether `error` is a lost race or transient failure after which an operation marked
    retry may run again."""
    return isinstance(error, AsmError) and error.details.get("kind") in kinds.LOST_RACE


def translate(exc: BaseException, *, url: DatabaseURL, write: bool, what: str) -> BaseException:
    """The asm error for `exc` (raised `from exc` by the caller); asm errors pass through."""
    if isinstance(exc, AsmError):
        return exc
    kind = classify(exc)
    if kind is None:
        return exc
    text = redact(str(exc).strip() or type(exc).__name__, url.password)
    details = {"dialect": url.dialect, "database": str(url), "operation": what, "kind": kind}
    if kind == kinds.CONNECTION:
        if STATEMENT_MODE_MESSAGE in text:
            # Not an outage: trying again meets the same pooler.
            return StorageConnectionFailed(f"{url} refused a transaction ({text}): {STATEMENT_MODE_REFUSED}",
                                           details={**details, "pooler": "statement"}, retryable=False)
        if refusal := _refusal(text):
            # The server answered: not an outage, and trying again meets the same answer.
            reason, message = refusal
            return StorageConnectionFailed(f"{message} on {url}: {text}", details={**details, "reason": reason},
                                           retryable=False)
        if url.dialect == "sqlite" and (missing := _missing_directory(url)) is not None:
            return StorageConnectionFailed(f"cannot reach {url}: the directory {missing} does not exist ({text})",
                                           details=details)
        return StorageConnectionFailed(f"cannot reach {url}: {text}", details=details)
    if kind == kinds.SCHEMA:
        return SchemaError(
            f"the asm schema is missing or out of date ({text}); run `asm migrate --database {url}`",
            details=details,
        )
    if kind == kinds.TIMEOUT:
        return StorageTimeout(_timeout_message(exc, what, text), details=details)
    failure = StorageWriteFailed if write else StorageReadFailed
    retryable = kind in kinds.LOST_RACE
    return failure(f"{what} failed: {text}", details=details, retryable=retryable)


# A server's refusal at connect time, in PostgreSQL's and MySQL's words: the pattern (its
# group names the user or database), the reason (details["reason"]) and what asm says.
_REFUSALS = (
    (re.compile(r'password authentication failed for user "([^"]*)"'), "access_denied", 'access denied for user "{}"'),
    (re.compile(r'role "([^"]*)" does not exist'), "access_denied", 'access denied for user "{}" (no such role)'),
    (re.compile(r'database "([^"]*)" does not exist'), "unknown_database", 'database "{}" does not exist'),
    (re.compile(r"Access denied for user ('[^']*'@'[^']*')"), "access_denied", "access denied for user {}"),
    (re.compile(r"Unknown database '([^']*)'"), "unknown_database", "database '{}' does not exist"),
)


def _refusal(text: str) -> tuple[str, str] | None:
    """(reason, message) when the server refused the user or does not have the database."""
    for pattern, reason, message in _REFUSALS:
        if found := pattern.search(text):
            return reason, message.format(found.group(1))
    return None


def _missing_directory(url: DatabaseURL) -> str | None:
    """The directory of a SQLite file when it does not exist (SQLite says only that it cannot open the file)."""
    if url.is_memory or not url.database:
        return None
    directory = Path(url.database).parent.absolute()
    return None if directory.is_dir() else str(directory)


def _timeout_message(exc: BaseException, what: str, text: str) -> str:
    if "idle-in-transaction" in text:
        return (f"{what} failed: the server ended the transaction because it was left idle longer than "
                f"idle_in_transaction_session_timeout, and rolled it back ({text})")
    return f"{what} timed out: the server cancelled it after its statement time limit ({text})"
