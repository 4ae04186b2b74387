"""The asm error classes (docs/behaviour.md#errors): every error a public method raises is one of these."""

from __future__ import annotations

from functools import partial
from typing import Any

__all__ = [
    "AsmError",
    "ValidationError",
    "InvalidStatus",
    "InvalidEventType",
    "InvalidCursor",
    "NotFound",
    "SessionNotFound",
    "RunNotFound",
    "AlreadyExists",
    "ConflictError",
    "SchemaError",
    "StorageError",
    "StorageConnectionFailed",
    "StorageWriteFailed",
    "StorageReadFailed",
    "StorageTimeout",
]


class AsmError(Exception):
    """Base of all asm errors: a stable `code`, a `message`, `details` and `retryable`."""

    code = "asm_error"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details) if details else {}
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[partial[AsmError], tuple[str], dict[str, Any]]:
        # Keyword-only arguments are not in `args`: without this, pickling (multiprocessing)
        # would lose details and retryable.
        rebuild = partial(type(self), details=self.details, retryable=self.retryable)
        return (rebuild, (self.message,), self.__dict__)


class ValidationError(AsmError, ValueError):
    """A bad argument or value, refused before any SQL runs. Also a ValueError, so code that
    catches the standard exception for a bad value catches asm's too."""

    code = "validation_error"


class InvalidStatus(ValidationError):
    code = "invalid_status"


class InvalidEventType(ValidationError):
    code = "invalid_event_type"


class InvalidCursor(ValidationError):
    code = "invalid_cursor"


class NotFound(AsmError):
    code = "not_found"


class SessionNotFound(NotFound):
    code = "session_not_found"


class RunNotFound(NotFound):
    code = "run_not_found"


class AlreadyExists(AsmError):
    code = "already_exists"


class ConflictError(AsmError):
    code = "conflict"


class SchemaError(AsmError):
    code = "schema_error"


class StorageError(AsmError):
    code = "storage_error"


class StorageConnectionFailed(StorageError):
    code = "storage_connection_failed"
    retryable = True


class StorageWriteFailed(StorageError):
    code = "storage_write_failed"


class StorageReadFailed(StorageError):
    code = "storage_read_failed"


class StorageTimeout(StorageError):
    """The server is reachable but ended the work for taking too long (a statement timeout, or
    a transaction left idle too long); what it was doing was rolled back, so trying again is safe."""

    code = "storage_timeout"
    retryable = True
