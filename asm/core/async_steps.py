"""Running a generator of steps (an operation's transaction, a job): each step it yields is
performed and the answer sent back, an error of the given type thrown back in where it
happened. Its sync twin is generated from it by tools/async_to_sync.py."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any


async def drive(steps: Generator[Any, Any, Any], perform: Callable[[Any], Any],
                catch: type[BaseException] = Exception) -> Any:
    """Run `steps`: `perform(step)` answers each; an error it raises of type `catch` is thrown
    back in at that step, and the generator decides. Returns the generator's result."""
    result: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            return stop.value
        result, error = None, None
        try:
            result = await perform(step)
        except catch as exc:  # handed back to the generator, which decides
            error = exc
