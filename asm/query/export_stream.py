"""Export and import through a file, in bounded memory, whatever the number of events.

`export_session_to` writes the very text of `export_session(...).to_json()` as it reads:
the session, its runs and artifact rows, then the events in keyset pages. `import_session_from`
reads the document a record at a time (json_reader.py) and writes it in batches; the store
method runs it in one transaction (asm/store/async_parts.py), so an import is all or nothing like
`import_session`, and keeps its rules: the same checks, max_event_bytes, idempotency.
Both are jobs (asm/core/operation.py): written once for the sync and the async store.
The file is read and written on the calling thread (the event loop's, for the async store).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs

from asm.arguments import require_id
from asm.core.operation import Call, JobSteps, RunOperation, Steps, job, operation
from asm.convert.rows import from_row, records_from, to_params
from asm.core.database import Database
from asm.errors import ConflictError, ValidationError
from asm.query import export as ex
from asm.query.json_reader import JsonReader
from asm.query.repeats import RepeatFinder
from asm.records import Artifact, Event, Run, Session
from asm.store.chunks import rows_by_ids
from asm.store.events import check_event_size, read_events
from asm.store.runs import list_runs
from asm.store.sessions import get_session

if TYPE_CHECKING:
    from _typeshed import SupportsRead, SupportsWrite

# Where an export is written: a path, or a text or binary file object.
ExportTarget: TypeAlias = "str | os.PathLike[str] | SupportsWrite[str] | SupportsWrite[bytes]"
# Where an export is read from: a path, or a binary or text file object.
ExportSource: TypeAlias = "str | os.PathLike[str] | SupportsRead[bytes] | SupportsRead[str]"

# Records read (export) or written (import) per statement: memory holds about one page.
PAGE_SIZE = 500
# Told the number of events written so far after each page (a progress bar's feed).
OnEvents: TypeAlias = "Callable[[int], None] | None"


@attrs.frozen
class Changes:
    """What an import did to the records of one kind it read. The session row and runs are
    replaced by the file's (`updated` when they differed); events and artifacts are append-only:
    one already stored under the same id is kept as stored (`kept`), and `differing` counts
    those among them whose stored version differs from the file's."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    differing: int = 0


@attrs.frozen
class ExportSummary:
    """What an export written or imported held. After an import, `changes` says what it did
    per kind ("session", "runs", "events", "artifacts"); it takes no part in equality."""

    session_id: str
    runs: int
    events: int
    artifacts: int
    changes: dict[str, Changes] | None = attrs.field(default=None, eq=False)


# -- export --------------------------------------------------------------------------------


@job
def export_session_to(db: Database, session_id: str, file: ExportTarget, *,
                      include_artifacts: bool = False, on_events: OnEvents = None) -> JobSteps[ExportSummary]:
    """Write the export of a session to `file` (a path, or a text or binary file object), the
    same JSON text as `export_session(...).to_json()`, reading events page by page. Nothing is
    written for an unknown session (SessionNotFound); a path is created at the first write and
    removed if the export fails. Events appended meanwhile may be included."""
    require_id(session_id, "session_id")
    ex.require_bool(include_artifacts, "include_artifacts")
    output = _Output(file)
    session: Session = yield RunOperation(get_session, (session_id,))
    runs: list[Run] = yield RunOperation(list_runs, (session_id,))
    artifacts: list[Artifact] = (yield RunOperation(ex.export_artifacts, (session_id,))) if include_artifacts else []
    page: list[Event] = yield RunOperation(read_events, (session_id,), {"limit": PAGE_SIZE})
    events = 0
    parts: dict[str, Any] = {"format": ex.FORMAT, "version": ex.VERSION, "session": session,
                             "runs": runs, "events": None, "artifacts": artifacts}
    try:
        # The keys in to_json's (sorted) order; each value as the encoder writes it nested.
        for i, key in enumerate(sorted(parts)):
            output.write(("{" if i == 0 else ",") + ex.dumps(key) + ":")
            if key == "events":
                output.write("[")
                while page:
                    output.write(("," if events else "") + _records_text(page))
                    events += len(page)
                    if on_events is not None:
                        on_events(events)
                    if len(page) < PAGE_SIZE:
                        break
                    page = yield RunOperation(read_events, (session_id,),
                                              {"after": page[-1].sequence_number, "limit": PAGE_SIZE})
                output.write("]")
            elif key in ex.LISTS:
                output.write("[" + _records_text(parts[key]) + "]")
            elif key == "session":
                output.write(ex.dumps(ex.to_document(session)))
            else:
                output.write(ex.dumps(parts[key]))
        output.write("}")
        output.finish()
    except BaseException:
        output.abort()
        raise
    return ExportSummary(session.id, len(runs), events, len(artifacts))


def _records_text(records: Sequence[ex.ListRecord]) -> str:
    return ",".join(ex.dumps(ex.to_document(record)) for record in records)


class _Output:
    """Where an export goes: a text or binary file object, or a path opened at the first write."""

    def __init__(self, file: ExportTarget) -> None:
        self._path: str | None = None
        self._file: Any = None
        self._text: bool | None = None
        if isinstance(file, (str, os.PathLike)):
            self._path = os.fspath(file)
        elif callable(getattr(file, "write", None)):
            self._file = file
            self._text = True if isinstance(file, io.TextIOBase) else None
        else:
            raise ex.invalid("file", f"must be a path or a file object with write(), not {type(file).__name__}")

    def write(self, text: str) -> None:
        try:
            if self._file is None:
                assert self._path is not None  # no file object was given: a path was
                self._file, self._text = open(self._path, "w", encoding="utf-8"), True  # noqa: SIM115
            if self._text is None:  # not a TextIOBase: bytes, unless it refuses them
                try:
                    self._file.write(text.encode())
                    self._text = False
                    return
                except TypeError:
                    self._text = True
            self._file.write(text if self._text else text.encode())
        except OSError as exc:
            raise _write_failed(exc) from exc

    def finish(self) -> None:
        try:
            if self._path is not None:
                self._file.close()
            elif callable(getattr(self._file, "flush", None)):
                self._file.flush()
        except OSError as exc:
            raise _write_failed(exc) from exc

    def abort(self) -> None:
        """A failed export leaves no file of its own making."""
        if self._path is not None and self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            try:
                os.unlink(self._path)
            except OSError:
                pass


def _write_failed(exc: OSError) -> ValidationError:
    return ValidationError(f"cannot write the export: {exc.strerror or exc}", details={"field": "file"})


# -- import --------------------------------------------------------------------------------


@job
def import_session_from(db: Database, file: ExportSource, on_events: OnEvents = None) -> JobSteps[ExportSummary]:
    """Import the export document in `file` (a path, or a binary or text file object), reading
    one record at a time and writing PAGE_SIZE at a time. The store method runs it in one
    transaction: any error (a malformed document, ConflictError) writes nothing. Beyond
    SessionExport's rules, events must come in increasing sequence order, as exports write them."""
    if isinstance(file, (str, os.PathLike)):
        try:
            handle = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ValidationError(f"cannot read {os.fspath(file)}: {exc.strerror or exc}",
                                  details={"field": "file"}) from exc
        try:
            return (yield from _import(db, JsonReader(handle.read), on_events))
        finally:
            handle.close()
    if not callable(getattr(file, "read", None)):
        raise ex.invalid("file", f"must be a path or a file object with read(), not {type(file).__name__}")
    return (yield from _import(db, JsonReader(file.read), on_events))


def _import(db: Database, reader: JsonReader, on_events: OnEvents = None) -> JobSteps[ExportSummary]:
    state = _Import(db, on_events)
    if reader.peek() not in ("{", None):
        value = reader.value()
        raise ex.invalid("document", f"must be a JSON object, not {type(value).__name__}")
    reader.take("{", "a JSON object")
    keys: set[str] = set()
    if reader.peek() == "}":
        reader.take("}", "'}'")
    else:
        while True:
            if reader.peek() != '"':
                reader.take('"', "a key in double quotes")  # raises: it is something else
            key = reader.value()
            reader.take(":", "':'")
            if key in keys:
                raise ex.invalid("document", f"repeats the key {key!r}")
            if key not in ex.KEYS:
                raise ex.invalid("document", f"must have exactly the keys {sorted(ex.KEYS)}; unknown [{key!r}]")
            keys.add(key)
            if key in ex.LISTS:
                yield from state.read_list(key, reader)
            elif key == "session":
                yield from state.read_session(reader.value())
            elif key == "format":
                ex.check_format(reader.value())
            else:
                ex.check_version(reader.value())
            if reader.take(",}", "',' or '}' after a value of the document") == "}":
                break
    reader.end()
    ex.require_keys(keys, ex.KEYS, "document")
    return state.finish()


class _Import:
    """What the streamed import checks on the way: one session, numbered events in order,
    unique ids and keys."""

    def __init__(self, db: Database, on_events: OnEvents = None) -> None:
        self.db = db
        self.on_events = on_events
        self.session: Session | None = None
        # The first record read before the session, which every later record must agree with.
        self.first: tuple[str, str | None] | None = None
        self.counts = dict.fromkeys(ex.LISTS, 0)
        self.changes = {name: Changes() for name in ("session", *ex.LISTS)}
        self.last_sequence: tuple[str, int] | None = None
        self.unique = {("runs", "id"): RepeatFinder(), ("events", "id"): RepeatFinder(),
                       ("artifacts", "id"): RepeatFinder(), ("artifacts", "key"): RepeatFinder()}

    def read_session(self, value: Any) -> JobSteps[None]:
        session = ex.from_document(Session, value, "session")
        if self.first is not None and self.first[1] != session.id:
            where, session_id = self.first
            raise ex.invalid(f"{where}.session_id", f"must be the session's id {session.id!r}, not {session_id!r}")
        self.session = session
        before: Session | None = yield RunOperation(_stored_session, (session.id,))
        yield RunOperation(ex.import_session_row, (to_params(self.db.dialect, session),))
        after: Session | None = yield RunOperation(_stored_session, (session.id,))
        # Compared as stored: the upsert keeps created_at and a soft delete.
        kind = "created" if before is None else "unchanged" if before == after else "updated"
        self.changes["session"] = Changes(**{kind: 1})

    def read_list(self, name: str, reader: JsonReader) -> JobSteps[None]:
        if reader.peek() != "[":
            value = reader.value()
            raise ex.invalid(name, f"must be a JSON array, not {type(value).__name__}")
        batch: list[dict[str, Any]] = []
        records: list[ex.ListRecord] = []
        for i, item in enumerate(reader.items(name)):
            where = f"{name}[{i}]"
            # Its payloads are checked once, while encoding it.
            record = ex.from_document(ex.LISTS[name], item, where, check_payloads=False)
            self._check(name, where, record)
            try:
                params = to_params(self.db.dialect, record)
            except ValidationError as exc:
                raise ex.located(exc, where) from None
            batch.append(check_event_size(self.db, params, f"{where}.") if name == "events" else params)
            records.append(record)
            if len(batch) == PAGE_SIZE:
                yield from self._write(name, batch, records)
                batch, records = [], []
        yield from self._write(name, batch, records)

    def _check(self, name: str, where: str, record: ex.ListRecord) -> None:
        if self.session is not None:
            if record.session_id != self.session.id:
                raise ex.invalid(f"{where}.session_id",
                                 f"must be the session's id {self.session.id!r}, not {record.session_id!r}")
        elif self.first is None:
            self.first = (where, record.session_id)
        elif record.session_id != self.first[1]:
            raise ex.invalid(f"{where}.session_id", f"is {record.session_id!r} but {self.first[0]}.session_id "
                                                    f"is {self.first[1]!r}: an export holds one session")
        if isinstance(record, Event):
            self._check_number(where, record.sequence_number)
        for (list_name, attribute), finder in self.unique.items():
            if list_name == name:
                finder.add(getattr(record, attribute))
        self.counts[name] += 1

    def _check_number(self, where: str, number: int | None) -> None:
        # Increasing numbers are unique numbers: no set of millions of them to keep.
        if number is None:
            raise ex.invalid(f"{where}.sequence_number", "is missing: exported events are numbered")
        if self.last_sequence is not None and number <= self.last_sequence[1]:
            earlier, last = self.last_sequence
            problem = (f"repeats {number!r}" if number == last else
                       f"is {number}, below {earlier}'s {last}: events come in sequence order, as exports write them")
            raise ex.invalid(f"{where}.sequence_number", problem)
        self.last_sequence = (where, number)

    def _write(self, name: str, batch: list[dict[str, Any]], records: list[ex.ListRecord]) -> JobSteps[None]:
        if batch:
            stored: dict[str, ex.ListRecord | None] = yield RunOperation(_stored_records, (name, [r.id for r in records]))
            self._count(name, records, stored)
            step = {"runs": ex.import_run_batch, "events": ex.import_event_batch,
                    "artifacts": ex.import_artifact_batch}[name]
            try:
                yield RunOperation(step, (batch,))
            except ConflictError:
                self._refuse_repeats()  # a key the document itself repeats is its own fault
                raise
            if name == "events" and self.on_events is not None:
                self.on_events(self.counts["events"])

    def _count(self, name: str, records: list[ex.ListRecord], stored: dict[str, ex.ListRecord | None]) -> None:
        counts = attrs.asdict(self.changes[name])
        for record in records:
            if record.id not in stored:
                counts["created"] += 1
            elif name == "runs":  # replaced by the file's
                counts["unchanged" if stored[record.id] == record else "updated"] += 1
            else:  # append-only: kept as stored
                counts["kept"] += 1
                # Artifacts are not read back (None): only their presence is known.
                counts["differing"] += stored[record.id] not in (None, record)
        self.changes[name] = Changes(**counts)

    def _refuse_repeats(self) -> None:
        for (name, attribute), finder in self.unique.items():
            if (repeat := finder.first_repeat()) is not None:
                earlier, later = repeat
                raise ex.invalid(f"{name}[{later}].{attribute}", f"repeats the {attribute} of {name}[{earlier}]")

    def finish(self) -> ExportSummary:
        self._refuse_repeats()
        assert self.session is not None  # a document without one failed require_keys
        return ExportSummary(self.session.id, self.counts["runs"], self.counts["events"], self.counts["artifacts"],
                             changes=dict(self.changes))


@operation()
def _stored_session(db: Database, session_id: str) -> Steps[Session | None]:
    rows = yield Call("get_session", {"id": session_id}, tuples=True)
    found = records_from(db.dialect, Session, "asm_sessions", rows)
    return found[0] if found else None


@operation()
def _stored_records(db: Database, name: str, ids: list[str]) -> Steps[dict[str, Any]]:
    """The records of these ids stored already, by id (artifacts: None, only their presence)."""
    if name == "runs":
        runs: dict[str, Any] = {}
        for run_id in ids:
            row = yield Call("get_run", {"id": run_id})
            if row is not None:
                runs[run_id] = from_row(db.dialect, Run, "asm_runs", row)
        return runs
    if name == "events":
        rows = yield from rows_by_ids(db, "get_events_by_ids", ids)
        return {row["id"]: from_row(db.dialect, Event, "asm_events", row) for row in rows}
    rows = yield from rows_by_ids(db, "import_artifact_ids", ids)
    return dict.fromkeys((row["id"] for row in rows), None)
