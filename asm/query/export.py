"""Export one session with everything stored about it, and import it back (CONTRACT §5).

The JSON document holds every field of every record with sorted keys, so one stored session
exports to the same text on every dialect. Import writes the same ids and sequence numbers
and keeps what is stored already, so importing twice changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from asm.arguments import require_id, require_record
from asm.convert import field_kinds, format_timestamp, record_from_dict, record_to_dict
from asm.db.operation import Call, operation
from asm.db.rows import from_row, to_params
from asm.errors import ConflictError, ValidationError
from asm.ids import utc_now
from asm.records import Artifact, Event, Run, Session
from asm.store.events import check_event_size, get_events
from asm.store.runs import list_runs
from asm.store.sessions import get_session

__all__ = ["SessionExport", "export_session", "import_session"]

FORMAT = "asm.session_export"
VERSION = 1
ARTIFACTS = "asm_artifacts"
# The record lists of an export, in document order.
LISTS = {"runs": Run, "events": Event, "artifacts": Artifact}

_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=True
).encode


def _invalid(field: str, problem: str) -> ValidationError:
    return ValidationError(f"{field} {problem}", details={"field": field})


def _record_list(cls: type) -> Any:
    def convert(value: Any, field: attrs.Attribute) -> list:
        if not isinstance(value, (list, tuple)):
            raise _invalid(field.name, f"must be a list of asm.{cls.__name__}, not {type(value).__name__}")
        return [require_record(item, cls, f"{field.name}[{i}]") for i, item in enumerate(value)]

    return attrs.field(factory=list, converter=attrs.Converter(convert, takes_field=True))


@attrs.frozen
class SessionExport:
    """A session with its runs (by start), events (by number) and artifact rows (by creation)."""

    session: Session = attrs.field(converter=lambda value: require_record(value, Session, "session"))
    runs: list[Run] = _record_list(Run)
    events: list[Event] = _record_list(Event)
    artifacts: list[Artifact] = _record_list(Artifact)

    def __attrs_post_init__(self) -> None:
        # Import writes the records as they are: they must all describe this one session.
        for name in LISTS:
            for i, record in enumerate(getattr(self, name)):
                if record.session_id != self.session.id:
                    raise _invalid(f"{name}[{i}].session_id",
                                   f"must be the session's id {self.session.id!r}, not {record.session_id!r}")
        for i, event in enumerate(self.events):
            if event.sequence_number is None:
                raise _invalid(f"events[{i}].sequence_number", "is missing: exported events are numbered")
        for name, attribute in (("runs", "id"), ("events", "id"), ("events", "sequence_number"),
                                ("artifacts", "id"), ("artifacts", "key")):
            _require_unique(getattr(self, name), name, attribute)

    def to_json(self) -> str:
        """The stable JSON document of this export (compact, sorted keys, non-ASCII kept)."""
        document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "session": _to_document(self.session)}
        for name in LISTS:
            document[name] = [_to_document(record) for record in getattr(self, name)]
        return _dumps(document)

    @classmethod
    def from_json(cls, text: str | bytes) -> SessionExport:
        """The export a `to_json` document describes; ValidationError for anything else."""
        document = _parse(text)
        if not isinstance(document, dict):
            raise _invalid("document", f"must be a JSON object, not {type(document).__name__}")
        if document.get("format") != FORMAT:
            raise _invalid("format", f"must be {FORMAT!r}, not {document.get('format')!r}")
        version = document.get("version")
        if type(version) is not int or version != VERSION:  # `true == 1` in Python
            raise _invalid("version", f"must be {VERSION}, not {version!r}")
        _require_keys(document, {"format", "version", "session", *LISTS}, "document")
        session = _from_document(Session, document["session"], "session")
        lists = {}
        for name, record_cls in LISTS.items():
            items = document[name]
            if not isinstance(items, list):
                raise _invalid(name, f"must be a JSON array, not {type(items).__name__}")
            lists[name] = [_from_document(record_cls, item, f"{name}[{i}]") for i, item in enumerate(items)]
        return cls(session, **lists)


def _require_unique(records: list, name: str, attribute: str) -> None:
    seen = set()
    for i, record in enumerate(records):
        value = getattr(record, attribute)
        if value in seen:
            raise _invalid(f"{name}[{i}].{attribute}", f"repeats {value!r}")
        seen.add(value)


def _require_keys(values: dict, expected: set[str], where: str) -> None:
    # Every field is written on export; a missing one would otherwise take a default (a new id, now).
    missing, unknown = sorted(expected - values.keys()), sorted(values.keys() - expected)
    if missing or unknown:
        raise _invalid(where, f"must have exactly the keys {sorted(expected)}; missing {missing}, unknown {unknown}")


def _to_document(record: Any) -> dict[str, Any]:
    values = record_to_dict(record)
    for name, kind, _required in field_kinds(type(record)):
        if kind == "datetime" and values[name] is not None:
            values[name] = format_timestamp(values[name])
    return values


def _from_document(cls: type, values: Any, where: str) -> Any:
    if not isinstance(values, dict):
        raise _invalid(where, f"must be a JSON object, not {type(values).__name__}")
    _require_keys(values, {name for name, _kind, _required in field_kinds(cls)}, where)
    try:
        record = record_from_dict(cls, values)
        record_to_dict(record)  # the payload rules (64-bit ints, nesting), checked now, not at import
    except ValidationError as exc:
        raise type(exc)(f"{where}: {exc.message}", details={**exc.details, "record": where}) from None
    return record


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _parse(text: Any) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (TypeError, ValueError, RecursionError) as exc:
        raise _invalid("document", f"is not a JSON document: {exc}") from None


# -- operations ----------------------------------------------------------------------------


@operation()
def export_session(dialect, session_id: str, *, include_artifacts: bool = False) -> SessionExport:
    """Everything stored about one session, as a SessionExport; SessionNotFound if absent."""
    require_id(session_id, "session_id")
    if not isinstance(include_artifacts, bool):
        raise _invalid("include_artifacts", f"must be a bool, not {type(include_artifacts).__name__}")
    session = yield from get_session(dialect, session_id)
    runs = yield from list_runs(dialect, session_id)
    events = yield from get_events(dialect, session_id)
    artifacts = []
    if include_artifacts:
        rows = yield Call("export_session_artifacts", {"session_id": session_id})
        artifacts = [from_row(dialect, Artifact, ARTIFACTS, row) for row in rows]
    return SessionExport(session, runs, events, artifacts)


# retry: a deadlock with concurrent appends runs the (idempotent) import again.
@operation(write=True, retry=True)
def import_session(dialect, export: SessionExport) -> None:
    """Write an export back with the same ids and sequence numbers (idempotent).

    The session and runs are upserted; events and artifact rows are inserted when their id
    is absent. An event whose number (or artifact whose key) is held by another id raises
    ConflictError and nothing is written.
    """
    require_record(export, SessionExport, "export")
    # Every record encoded (payload rules included) before anything is written.
    session = to_params(dialect, export.session)
    runs = [to_params(dialect, run) for run in export.runs]
    # Imported events obey the store's max_event_bytes like appended ones: no stored event exceeds it.
    events = [check_event_size(dialect, to_params(dialect, event), f"events[{i}].")
              for i, event in enumerate(export.events)]
    artifacts = [to_params(dialect, artifact) for artifact in export.artifacts]

    if events:
        # First, because it locks the counter: no append takes a number while the events go in.
        yield Call("import_raise_sequence", {
            "session_id": session["id"],
            "sequence_number": max(e["sequence_number"] for e in events),
            "now": dialect.encode_ts(utc_now()),
        })
    yield Call("upsert_session", session)
    for run in runs:
        yield Call("upsert_run", run)
    if events:
        yield Call("import_events", events)
        rows = yield Call("get_events_by_ids", {"ids": dialect.encode_ids([e["id"] for e in events])})
        lost = _not_stored(rows, events)
        if lost is not None:
            raise ConflictError(
                f"sequence number {lost['sequence_number']} of session {lost['session_id']!r} belongs to "
                f"another event than {lost['id']!r}; nothing was imported",
                details={"session_id": lost["session_id"], "sequence_number": lost["sequence_number"],
                         "event_id": lost["id"]},
            )
    if artifacts:
        yield Call("import_artifacts", artifacts)
        rows = yield Call("import_artifact_ids", {"ids": dialect.encode_ids([a["id"] for a in artifacts])})
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
