"""Where a value went wrong, read from cattrs' structured errors.

Hooks refuse a value by raising `Invalid`, whose text is the problem (`must be a list, got 5`).
On the way out, cattrs' error groups note where each error happened: a `ClassValidationError`
carries an `AttributeValidationNote` per failed attribute, an `IterableValidationError` an
`IterableValidationNote` per failed list index or dict key. cattrs' generated structure
functions add them when built with detailed validation; the unstructure hooks that can fail
add them with `in_field` and `in_item`. `locate` reads the path back (`data.items[3].when`).

cattrs' `transform_error` walks the same groups into text (`$.data['items'][3]`); asm's errors
need the dotted form and the first error itself (its class and details), hence `locate`.
"""

from __future__ import annotations

from typing import Any

from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from asm.errors import AsmError, ValidationError

__all__ = [
    "Invalid",
    "NotJson",
    "HOOK_ERRORS",
    "in_field",
    "in_item",
    "locate",
    "render",
    "describe",
    "record_error",
]


class Invalid(ValueError):
    """A value a hook refuses; the text says what is wrong with it."""


class NotJson(Invalid):
    """A payload value the JSON payload rules refuse (its errors read `path: problem`)."""


# What hooks raise on purpose; anything else is a bug and travels as it is.
HOOK_ERRORS = (Invalid, BaseValidationError)

# A step of a path: an attribute name or a dict key (str), or a list index (int).
Step = str | int


def in_field(exc: Exception, name: str, cls: type) -> ClassValidationError:
    """`exc`, raised for attribute `name` of a `cls`, in the group cattrs raises for a class."""
    exc.add_note(AttributeValidationNote(f"{cls.__qualname__} @ attribute {name}", name, Any))
    return ClassValidationError(f"While converting {cls.__qualname__}", [exc], cls)


def in_item(exc: Exception, index: Step, container: type) -> IterableValidationError:
    """`exc`, raised for item `index` of a list (an int) or dict (its str key)."""
    exc.add_note(IterableValidationNote(f"{container.__name__} @ index {index!r}", index, Any))
    return IterableValidationError(f"While converting a {container.__name__}", [exc], container)


def locate(exc: BaseException) -> tuple[list[Step], BaseException]:
    """The path to the first error inside `exc` (cattrs groups unwrapped), and that error."""
    steps: list[Step] = []
    while isinstance(exc, BaseValidationError):
        inner = exc.exceptions[0]
        # No note: an error of the object itself (its class refused the values), at this path.
        if isinstance(exc, ClassValidationError):
            names = [note.name for error, note in exc.group_exceptions()[0] if error is inner]
            steps.extend(names[:1])
        elif isinstance(exc, IterableValidationError):
            indexes = [note.index for error, note in exc.group_exceptions()[0] if error is inner]
            steps.extend(indexes[:1])
        exc = inner
    return steps, exc


def render(root: str, steps: list[Step]) -> str:
    """`root` followed by the steps: `.name` for a name or key, `[3]` for an index."""
    path = root + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps)
    return path[1:] if not root and path.startswith(".") else path


def describe(error: BaseException) -> str:
    """The problem as it follows a path in a message (`created_at is missing`)."""
    return "is missing" if isinstance(error, KeyError) else str(error)


def record_error(exc: BaseException, root: str = "") -> AsmError:
    """The asm error for what a converter refused in a record (root "") or a payload (root:
    its name). An asm error raised by the record class itself (its validators name the field)
    is that error."""
    steps, error = locate(exc)
    if isinstance(error, AsmError):
        return error
    where = render(root, steps)
    if isinstance(error, NotJson):
        field = root or str(steps[0])
        return ValidationError(f"{where}: {error}", details={"field": field, "path": where})
    return ValidationError(f"{where} {describe(error)}", details={"field": where})
