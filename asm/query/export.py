"""Export one session with everything stored about it, and import it back (docs/behaviour.md#export-and-import).

The JSON document holds every field of every record with sorted keys, so one stored session
exports to the same text on every dialect. Import writes the same ids and sequence numbers
and keeps what is stored already, so importing twice changes nothing. Here the whole document
is one object in memory; export_stream.py writes and reads the same document through a file,
a page at a time, with the import steps below.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any, TypeAlias, TypeVar

import attrs

from asm.arguments import require_id, require_record
from asm.convert import field_kinds, json_converter
from asm.core.operation import Call, Steps, operation
from asm.convert.rows import from_row, to_params
from asm.core.database import Database
from asm.errors import ConflictError, ValidationError
from asm.ids import utc_now
from asm.records import Artifact, Event, Run, Session
from asm.store.chunks import insert_rows, rows_by_ids
from asm.store.events import check_event_size, read_events
from asm.store.runs import list_runs
from asm.store.sessions import get_session

__all__ = ["SessionExport", "export_session", "import_session"]

FORMAT = "asm.session_export"
VERSION = 1
ARTIFACTS = "asm_artifacts"
# A record of an export's lists.
ListRecord: TypeAlias = Run | Event | Artifact
# The record lists of an export, in document order.
LISTS: dict[str, type[Run] | type[Event] | type[Artifact]] = {"runs": Run, "events": Event, "artifacts": Artifact}
# The keys of the document's top-level object.
KEYS = {"format", "version", "session", *LISTS}

dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True
).encode


def invalid(field: str, problem: str) -> ValidationError:
    return ValidationError(f"{field} {problem}", details={"field": field})


R = TypeVar("R")


def _record_list(cls: type[R]) -> list[R]:
    # An attrs field, typed as the value it holds (as attrs.field itself is).
    def convert(value: Any, field: attrs.Attribute[Any]) -> list[R]:
        if not isinstance(value, (list, tuple)):
            raise invalid(field.name, f"must be a list of asm.{cls.__name__}, not {type(value).__name__}")
        return [require_record(item, cls, f"{field.name}[{i}]") for i, item in enumerate(value)]

    return attrs.field(factory=list, converter=attrs.Converter(convert, takes_field=True))


def _session(value: Any) -> Session:
    return require_record(value, Session, "session")


@attrs.frozen
class SessionExport:
    """A session with its runs (by start), events (by number) and artifact rows (by creation)."""

    session: Session = attrs.field(converter=_session)
    runs: list[Run] = _record_list(Run)
    events: list[Event] = _record_list(Event)
    artifacts: list[Artifact] = _record_list(Artifact)

    def __attrs_post_init__(self) -> None:
        # Import writes the records as they are: they must all describe this one session.
        for name in LISTS:
            for i, record in enumerate(getattr(self, name)):
                if record.session_id != self.session.id:
                    raise invalid(f"{name}[{i}].session_id",
                                  f"must be the session's id {self.session.id!r}, not {record.session_id!r}")
        for i, event in enumerate(self.events):
            if event.sequence_number is None:
                raise invalid(f"events[{i}].sequence_number", "is missing: exported events are numbered")
        for name, attribute in (("runs", "id"), ("events", "id"), ("events", "sequence_number"),
                                ("artifacts", "id"), ("artifacts", "key")):
            _require_unique(getattr(self, name), name, attribute)

    def to_json(self) -> str:
        """The stable JSON document of this export (compact, sorted keys, non-ASCII kept)."""
        document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "session": to_document(self.session)}
        for name in LISTS:
            document[name] = [to_document(record) for record in getattr(self, name)]
        return dumps(document)

    @classmethod
    def from_json(cls, text: str | bytes) -> SessionExport:
        """The export a `to_json` document describes; ValidationError for anything else."""
        document = _parse(text)
        if not isinstance(document, dict):
            raise invalid("document", f"must be a JSON object, not {type(document).__name__}")
        check_format(document.get("format"))
        check_version(document.get("version"))
        require_keys(document.keys(), KEYS, "document")
        session = from_document(Session, document["session"], "session")
        return cls(session, _from_list(document, "runs", Run), _from_list(document, "events", Event),
                   _from_list(document, "artifacts", Artifact))


def _from_list(document: dict[str, Any], name: str, cls: type[R]) -> list[R]:
    items = document[name]
    if not isinstance(items, list):
        raise invalid(name, f"must be a JSON array, not {type(items).__name__}")
    return [from_document(cls, item, f"{name}[{i}]") for i, item in enumerate(items)]


def _require_unique(records: Sequence[ListRecord], name: str, attribute: str) -> None:
    seen: set[Any] = set()
    for i, record in enumerate(records):
        value = getattr(record, attribute)
        if value in seen:
            raise invalid(f"{name}[{i}].{attribute}", f"repeats {value!r}")
        seen.add(value)


def check_format(value: Any) -> None:
    if value != FORMAT:
        raise invalid("format", f"must be {FORMAT!r}, not {value!r}")


def check_version(value: Any) -> None:
    if type(value) is not int or value != VERSION:  # `true == 1` in Python
        raise invalid("version", f"must be {VERSION}, not {value!r}")


def require_keys(keys: AbstractSet[str], expected: set[str], where: str) -> None:
    # Every field is written on export; a missing one would otherwise take a default (a new id, now).
    missing, unknown = sorted(expected - keys), sorted(keys - expected)
    if missing or unknown:
        raise invalid(where, f"must have exactly the keys {sorted(expected)}; missing {missing}, unknown {unknown}")


def to_document(record: Session | ListRecord) -> dict[str, Any]:
    """A record's JSON object in the document (asm.convert's JSON converter)."""
    document: dict[str, Any] = json_converter.unstructure(record)
    return document


def from_document(cls: type[R], values: Any, where: str, *, check_payloads: bool = True) -> R:
    """The record a document's JSON object describes (every field present, and unless
    check_payloads=False, payload rules met: encoding it checks them too)."""
    if not isinstance(values, dict):
        raise invalid(where, f"must be a JSON object, not {type(values).__name__}")
    require_keys(values.keys(), {name for name, _kind, _required in field_kinds(cls)}, where)
    try:
        record = json_converter.structure(values, cls)
        if check_payloads:
            json_converter.unstructure(record)  # the payload rules (64-bit ints, nesting), checked now, not at import
    except ValidationError as exc:
        raise located(exc, where) from None
    return record


def located(exc: ValidationError, where: str) -> ValidationError:
    """The same error, naming the record of the document it is about."""
    return type(exc)(f"{where}: {exc.message}", details={**exc.details, "record": where})


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parse(text: str | bytes) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (TypeError, ValueError, RecursionError) as exc:
        raise invalid("document", f"is not a JSON document: {exc}") from None


# -- operations ----------------------------------------------------------------------------


def require_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, f"must be a bool, not {type(value).__name__}")
    return value


@operation()
def export_session(db: Database, session_id: str, *, include_artifacts: bool = False) -> Steps[SessionExport]:
    """Everything stored about one session, as a SessionExport; SessionNotFound if absent."""
    require_id(session_id, "session_id")
    require_bool(include_artifacts, "include_artifacts")
    session = yield from get_session(db, session_id)
    runs = yield from list_runs(db, session_id)
    events = yield from read_events(db, session_id)
    artifacts: list[Artifact] = (yield from export_artifacts(db, session_id)) if include_artifacts else []
    return SessionExport(session, runs, events, artifacts)


@operation()
def export_artifacts(db: Database, session_id: str) -> Steps[list[Artifact]]:
    """Every artifact row of a session, soft-deleted ones included, in creation order."""
    rows = yield Call("export_session_artifacts", {"session_id": require_id(session_id, "session_id")})
    return [from_row(db.dialect, Artifact, ARTIFACTS, row) for row in rows]


# retry: a deadlock with concurrent appends runs the (idempotent) import again.
@operation(write=True, retry=True)
def import_session(db: Database, export: SessionExport) -> Steps[None]:
    """Write an export back with the same ids and sequence numbers (idempotent).

    The session and runs are upserted; events and artifact rows are inserted when their id
    is absent. An event whose number (or artifact whose key) is held by another id raises
    ConflictError and nothing is written.
    """
    require_record(export, SessionExport, "export")
    # Every record encoded (payload rules included) before anything is written.
    session = to_params(db.dialect, export.session)
    runs = [to_params(db.dialect, run) for run in export.runs]
    # Imported events obey the store's max_event_bytes like appended ones: no stored event exceeds it.
    events = [check_event_size(db, to_params(db.dialect, event), f"events[{i}].")
              for i, event in enumerate(export.events)]
    artifacts = [to_params(db.dialect, artifact) for artifact in export.artifacts]

    # First, because it locks the counter: no append takes a number while the events go in.
    yield from _raise_sequence(db, events)
    yield Call("upsert_session", session)
    yield from _upsert_runs(runs)
    yield from _insert_events(db, events)
    yield from _insert_artifacts(db, artifacts)


# The steps of an import, on encoded records; import_session runs them all in one operation,
# the streamed import (export_stream.py) batch by batch in one transaction.


@operation(write=True)
def import_session_row(db: Database, session: dict[str, Any]) -> Steps[None]:
    yield Call("upsert_session", session)


@operation(write=True)
def import_run_batch(db: Database, runs: list[dict[str, Any]]) -> Steps[None]:
    yield from _upsert_runs(runs)


@operation(write=True)
def import_event_batch(db: Database, events: list[dict[str, Any]]) -> Steps[None]:
    """Events of one session; the first batch locks its counter until the transaction ends."""
    yield from _raise_sequence(db, events)
    yield from _insert_events(db, events)


@operation(write=True)
def import_artifact_batch(db: Database, artifacts: list[dict[str, Any]]) -> Steps[None]:
    yield from _insert_artifacts(db, artifacts)


def _upsert_runs(runs: list[dict[str, Any]]) -> Steps[None]:
    for run in runs:
        yield Call("upsert_run", run)


def _raise_sequence(db: Database, events: list[dict[str, Any]]) -> Steps[None]:
    if events:
        yield Call("import_raise_sequence", {
            "session_id": events[0]["session_id"],
            "sequence_number": max(e["sequence_number"] for e in events),
            "now": db.dialect.encode_ts(utc_now()),
        })


def _insert_events(db: Database, events: list[dict[str, Any]]) -> Steps[None]:
    if not events:
        return
    # In statements that fit the server's size limit (MySQL's max_allowed_packet).
    yield from insert_rows(db, "import_events", events)
    rows = yield from rows_by_ids(db, "get_events_by_ids", [e["id"] for e in events])
    lost = _not_stored(rows, events)
    if lost is not None:
        raise ConflictError(
            f"sequence number {lost['sequence_number']} of session {lost['session_id']!r} belongs to "
            f"another event than {lost['id']!r}; nothing was imported",
            details={"session_id": lost["session_id"], "sequence_number": lost["sequence_number"],
                     "event_id": lost["id"]},
        )


def _insert_artifacts(db: Database, artifacts: list[dict[str, Any]]) -> Steps[None]:
    if not artifacts:
        return
    yield from insert_rows(db, "import_artifacts", artifacts)
    rows = yield from rows_by_ids(db, "import_artifact_ids", [a["id"] for a in artifacts])
    lost = _not_stored(rows, artifacts)
    if lost is not None:
        raise ConflictError(
            f"artifact key {lost['key']!r} belongs to another artifact than {lost['id']!r}; nothing was imported",
            details={"key": lost["key"], "artifact_id": lost["id"]},
        )


def _not_stored(rows: list[dict[str, Any]], params: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first record neither stored before nor inserted: the insert skipped it for a taken key."""
    stored = {row["id"] for row in rows}
    return next((p for p in params if p["id"] not in stored), None)
