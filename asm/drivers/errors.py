"""Driver exceptions -> asm errors, with every password scrubbed from the message.

Each driver module sorts its own exceptions into the kinds of kinds.py (`classify`). The
error of a lost race (a unique key taken meanwhile, a deadlock, a busy database) is an
ordinary asm error with `retryable=True` and `details["kind"]` saying which: an executor runs
a retry-marked operation again when `lost_race(error)`; anywhere else it reaches the caller
as it is.
"""

from __future__ import annotations

from asm.drivers import kinds, mysql, postgres, sqlite
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

_CLASSIFIERS = (postgres.classify, sqlite.classify, mysql.classify)


def classify(exc: BaseException) -> str | None:
    """The kind of a driver's exception; None when it is not one (a bug, left to propagate)."""
    for classify_driver in _CLASSIFIERS:
        kind = classify_driver(exc)
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


def _timeout_message(exc: BaseException, what: str, text: str) -> str:
    if "idle-in-transaction" in text:
        return (f"{what} failed: the server ended the transaction because it was left idle longer than "
                f"idle_in_transaction_session_timeout, and rolled it back ({text})")
    return f"{what} timed out: the server cancelled it after its statement time limit ({text})"
