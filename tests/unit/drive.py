"""Running sans-I/O steps against a script, with no database.

An operation (or a job, or a transaction plan) is a generator: it yields steps and is sent
back each one's result. `play` runs one against a script of `Step`s: every yielded step must
equal the next expected one, in order, and gets that step's canned result sent back (or its
error thrown in); the generator must end exactly when the script does. Given a dialect, each
`Call` is also checked against that dialect's SQL files: the query exists, every parameter it
names is sent, and the canned result has the shape its aiosql suffix gives (rows, one row or
None, a value, a row count).

`ANY` (from unittest.mock) stands for a value a test cannot know, such as an `utc_now()`
timestamp; `Like` for a string matching a pattern, such as a savepoint name; `JsonOf` for a
JSON text holding a given value, such as a batch sent as one document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterable
from typing import Any
from unittest.mock import ANY

import attrs
from aiosql.types import SQLOperationType

# The asm internals this helper relies on, in one place (asm/db/* may move).
from asm.core.database import DEFAULT_MAX_EVENT_BYTES, Database
from asm.drivers.dialects import DIALECTS, Dialect
from asm.core.operation import Call, Rows
from asm.sql.files import load_queries

__all__ = ["ANY", "JsonOf", "Like", "Step", "answer", "call", "fresh_dialect", "play", "run", "step", "throw"]

# The aiosql adapter each dialect's queries are loaded with (their parameter style differs,
# their names and parameters do not).
_ADAPTERS = {"postgres": "psycopg", "sqlite": "sqlite3", "mysql": "pymysql"}
_ROW_COUNT = (SQLOperationType.INSERT_UPDATE_DELETE, SQLOperationType.INSERT_UPDATE_DELETE_MANY)


class StoreDatabase(Database):
    """A store's Database that also answers for its dialect (`lite.encode_ts(...)`), so a test
    builds the parameters it expects from the object it runs operations with."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.dialect, name)

    def with_settings(self, *, max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES,
                      cursor_secret: bytes | None = None) -> StoreDatabase:
        return StoreDatabase(self.dialect, max_event_bytes=max_event_bytes, cursor_secret=cursor_secret)


def fresh_dialect(name: str) -> StoreDatabase:
    """What a store of this dialect runs its operations with, new: state an operation keeps on
    it (the packet size read once) stays with the test."""
    return StoreDatabase(DIALECTS[name])


@attrs.frozen
class Step:
    """One expected step: what the generator must yield, and what is sent back (or thrown in)."""

    expected: Any
    result: Any = None
    error: BaseException | None = None


def call(query: str, params: Any = None, result: Any = None) -> Step:
    """A `Call` of `query` with exactly `params` (default: none), answered with `result`."""
    return Step(Call(query, {} if params is None else params), result)


def step(expected: Any, result: Any = None) -> Step:
    """Any other step (a Statement, RunOperation, Listen, Pause, a page request), answered with `result`."""
    return Step(expected, result)


def throw(expected: Any, error: BaseException) -> Step:
    """A step that fails: `error` is thrown into the generator where it yielded `expected`."""
    return Step(expected, error=error)


class Like:
    """Equal to any string that matches `pattern` in full."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.pattern.fullmatch(other) is not None

    __hash__ = None  # type: ignore[assignment]  # equal to many strings: no hash

    def __repr__(self) -> str:
        return f"Like({self.pattern.pattern!r})"


class JsonOf:
    """Equal to any JSON text that decodes to `value`."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return False
        try:
            return bool(json.loads(other) == self.value)
        except ValueError:
            return False

    __hash__ = None  # type: ignore[assignment]  # equal to many texts: no hash

    def __repr__(self) -> str:
        return f"JsonOf({self.value!r})"


def run(fn: Callable[..., Generator[Any, Any, Any]], dialect: Dialect | Database, *args: Any,
        script: Iterable[Step], **kwargs: Any) -> Any:
    """Play the operation or job `fn(database, *args, **kwargs)` against `script`; its result."""
    db = dialect if isinstance(dialect, Database) else StoreDatabase(dialect)
    return play(fn(db, *args, **kwargs), script, dialect=db.dialect)


def play(steps: Generator[Any, Any, Any], script: Iterable[Step], *, dialect: Dialect | None = None,
         transcript: list[Any] | None = None) -> Any:
    """Drive `steps` through `script` and return what the generator returns. An error the
    generator raises passes through once every step of the script has happened. Each
    yielded step is appended to `transcript` when one is given. With `dialect`, every `Call` is
    checked against that dialect's queries."""
    expected = list(script)
    done = 0
    result: Any = None
    error: BaseException | None = None
    while True:
        try:
            got = steps.throw(error) if error is not None else steps.send(result)
        except StopIteration as stop:
            _require_all_done(expected, done, "returned")
            return stop.value
        except BaseException as exc:
            _require_all_done(expected, done, f"raised {type(exc).__name__}: {exc}", exc)
            raise
        if transcript is not None:
            transcript.append(got)
        if done == len(expected):
            steps.close()
            raise AssertionError(f"step {done + 1}: the script has ended, but the generator yielded {got!r}")
        want = expected[done]
        _compare(done + 1, want.expected, got)
        if dialect is not None and isinstance(got, Call):
            _check_against_sql(done + 1, dialect, got, want)
        done += 1
        result, error = as_sent(got, want.result), want.error


def answer(steps: Generator[Any, Any, Any], responder: Callable[[Any], Any], *,
           dialect: Dialect | None = None) -> tuple[Any, list[Any]]:
    """Drive `steps` answering each step with `responder(step)`, for steps too many or too
    data-dependent to script one by one (a batch cut into pieces): (what the generator
    returns, every step it yielded). With `dialect`, every `Call` is checked as in `play`."""
    transcript: list[Any] = []
    result: Any = None
    while True:
        try:
            got = steps.send(result)
        except StopIteration as stop:
            return stop.value, transcript
        transcript.append(got)
        result = responder(got)
        if dialect is not None and isinstance(got, Call):
            _check_against_sql(len(transcript), dialect, got, Step(got, result))
        result = as_sent(got, result)


def as_sent(got: Any, result: Any) -> Any:
    """A canned result as the executor would send it back: scripts give rows as dicts (or one
    dict or None), and a `Call(..., tuples=True)` gets them as `Rows` (columns in the dict's order)."""
    if not (isinstance(got, Call) and got.tuples) or isinstance(result, Rows):
        return result
    rows = [] if result is None else [result] if isinstance(result, dict) else result
    columns = tuple(rows[0]) if rows else ()
    return Rows(columns, [tuple(row[column] for column in columns) for row in rows])


def _require_all_done(expected: list[Step], done: int, ending: str, cause: BaseException | None = None) -> None:
    if done < len(expected):
        missing = "\n  ".join(repr(s.expected) for s in expected[done:])
        raise AssertionError(f"the generator {ending} after {done} step(s); still expected:\n  {missing}") from cause


def _compare(number: int, want: Any, got: Any) -> None:
    if isinstance(want, Call) and isinstance(got, Call):
        assert got.query == want.query, f"step {number}: expected query {want.query!r}, got {got.query!r}"
        assert got.params == want.params, f"step {number}: the parameters of {got.query!r} differ"
        return
    assert got == want, f"step {number}: expected {want!r}, got {got!r}"


def _check_against_sql(number: int, dialect: Dialect, got: Call, want: Step) -> None:
    queries = load_queries(dialect.name, _ADAPTERS[dialect.name])
    assert got.query in queries.available_queries, f"step {number}: {dialect.name} has no query {got.query!r}"
    fn = getattr(queries, got.query)
    names = set(fn.parameters or ())
    many = fn.operation is SQLOperationType.INSERT_UPDATE_DELETE_MANY
    sets = got.params if many else [got.params]
    assert isinstance(sets, list) and all(isinstance(p, dict) for p in sets), \
        f"step {number}: {got.query} takes {'a list of parameter dicts' if many else 'a parameter dict'}"
    for params in sets:
        missing = names - params.keys()
        assert not missing, f"step {number}: {dialect.name}'s {got.query} needs {sorted(missing)}, not sent"
    if want.error is None:
        _check_result_shape(number, got.query, fn.operation, want.result)


def _check_result_shape(number: int, query: str, operation: SQLOperationType, result: Any) -> None:
    """The canned result must look like what the executor would send back."""
    if operation is SQLOperationType.SELECT:
        ok = isinstance(result, list) and all(isinstance(row, dict) for row in result)
        shape = "a list of dict rows"
    elif operation is SQLOperationType.SELECT_ONE:
        ok, shape = result is None or isinstance(result, dict), "one dict row or None"
    elif operation in _ROW_COUNT:
        ok, shape = result is None or type(result) is int, "a row count"
    else:
        ok, shape = not isinstance(result, (list, dict)), "one value or None"
    assert ok, f"step {number}: {query} answers with {shape}, and the script gave {result!r}"
