"""Driver exceptions -> asm errors, with every password scrubbed from the message."""

from __future__ import annotations

from asm.db import driver_errors
from asm.db.urls import DatabaseURL, redact
from asm.errors import (
    AsmError,
    SchemaError,
    StorageConnectionFailed,
    StorageReadFailed,
    StorageWriteFailed,
)


class RetryableFailure(Exception):
    """A conflict or transient failure: an operation marked retry may run again."""

    def __init__(self, error: AsmError):
        super().__init__(str(error))
        self.error = error


def translate(exc: BaseException, *, url: DatabaseURL, write: bool, what: str) -> BaseException:
    """The asm error for `exc` (raised `from exc` by the caller); asm errors pass through."""
    if isinstance(exc, (AsmError, RetryableFailure)):
        return exc
    kind = driver_errors.classify(exc)
    if kind is None:
        return exc
    text = redact(str(exc).strip() or type(exc).__name__, url.password)
    details = {"dialect": url.dialect, "database": str(url), "operation": what, "kind": kind}
    if kind == driver_errors.CONNECTION:
        return StorageConnectionFailed(f"cannot reach {url}: {text}", details=details)
    if kind == driver_errors.SCHEMA:
        return SchemaError(
            f"the asm schema is missing or out of date ({text}); run `asm migrate --database {url}`",
            details=details,
        )
    failure = StorageWriteFailed if write else StorageReadFailed
    if kind in (driver_errors.CONFLICT, driver_errors.TRANSIENT):
        return RetryableFailure(failure(f"{what} failed: {text}", details=details, retryable=True))
    return failure(f"{what} failed: {text}", details=details)
