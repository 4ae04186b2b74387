"""docs/behaviour.md#export-and-import: a session with its runs, events and artifact rows as one
stable JSON document, written back with the same ids and sequence numbers on any dialect."""

import io
import json
from datetime import UTC, datetime, timedelta

import attrs
import pytest

import asm
from asm import Artifact, Event, Run, Session
from asm.drivers.dialects import DIALECTS as WIRE
from asm.query import export_stream
from asm.query.export import SessionExport
from asm.query.export_stream import ExportSummary
from databases import DIALECTS, RawDatabase, create_database, drop_database

BASE = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
PAYLOAD = {"text": "héllo ✓ 😀", "big": 2**62, "f": 0.1, "huge": 1e300, "tiny": -2.5e-10,
           "nested": {"list": [1, "two", None, True, {"empty": []}]}}


def populate(store, agent_id="agent"):
    """A session with two runs (saved out of start order) and four events; returns the session."""
    session = Session.new(agent_id=agent_id, status="active", parent_session_id="ses_parent",
                          metadata=PAYLOAD, context={"c": [1, 2]}, tags=["x", "ü"])
    store.save_session(session)
    late = Run.new(session_id=session.id, started_at=BASE + timedelta(minutes=5), provider="openai",
                   status="running", input={"q": "?"}, token_usage={"input_tokens": 3})
    early = Run.new(session_id=session.id, started_at=BASE, status="completed", output=PAYLOAD,
                    ended_at=BASE + timedelta(seconds=1), turn_count=2, provider_metadata={"model": "m"})
    store.save_run(late)
    store.save_run(early)
    store.append_events([
        Event.new(type=t, session_id=session.id, run_id=early.id, data={"i": i, **PAYLOAD},
                  provider="anthropic", correlation_id=f"c-{i}", metadata={"m": i}, schema_version=2)
        for i, t in enumerate(["session_started", "message_sent", "tool_call_started", "run_completed"])
    ])
    return session


def insert_artifact(raw, id, session_id, created_at, deleted_at=None, key=None):
    """An artifact row written with plain SQL (the artifact API is not what is tested here)."""
    encode_ts = WIRE[raw.dialect].encode_ts
    key_column = "`key`" if raw.dialect == "mysql" else "key"
    raw.execute(f"INSERT INTO asm_artifacts (id, {key_column}, session_id, run_id, type, content_type, size_bytes,"
                " checksum_sha256, storage_backend, storage_ref, created_at, deleted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                id, key or f"k-{id}", session_id, "run_x", "diff", "text/x-diff", 1234, "ab" * 32, "s3",
                f"s3://bucket/{id}", encode_ts(created_at), encode_ts(deleted_at))


def with_artifacts(raw, session):
    """Three artifact rows of `session`, one soft-deleted; their export order is b, c, a."""
    insert_artifact(raw, "art_a", session.id, BASE + timedelta(hours=2))
    insert_artifact(raw, "art_c", session.id, BASE)
    insert_artifact(raw, "art_b", session.id, BASE, deleted_at=BASE + timedelta(hours=3))
    return ["art_b", "art_c", "art_a"]


def sample_export():
    """A consistent export built in memory, no database involved."""
    session = Session.new(agent_id="a", metadata={"k": "ü"})
    return SessionExport(
        session,
        [Run.new(session_id=session.id, input={"x": 1})],
        [Event.new(type="message_sent", session_id=session.id, sequence_number=n, data={"n": n})
         for n in (1, 2, 5)],
        [Artifact.new(key="k1", size_bytes=3, session_id=session.id, metadata={"m": [1.5]})],
    )


def table_counts(raw):
    return {t: raw.scalar(f"SELECT COUNT(*) FROM {t}")
            for t in ("asm_sessions", "asm_runs", "asm_events", "asm_session_sequences", "asm_artifacts")}


# -- export --------------------------------------------------------------------------------


def test_export_holds_the_session_its_runs_by_start_and_its_events_by_number(store):
    session = populate(store)
    other = populate(store, agent_id="other")
    export = store.query.export_session(session.id)
    assert isinstance(export, SessionExport)
    assert export.session == store.get_session(session.id)
    assert export.runs == store.list_runs(session.id)
    assert [r.started_at for r in export.runs] == [BASE, BASE + timedelta(minutes=5)]
    assert export.events == store.get_events(session.id)
    assert [e.sequence_number for e in export.events] == [1, 2, 3, 4]
    assert export.artifacts == []
    assert store.query.export_session(other.id).session.agent_id == "other"


def test_include_artifacts_adds_every_artifact_row_of_the_session(store, raw):
    session = populate(store)
    order = with_artifacts(raw, session)
    insert_artifact(raw, "art_elsewhere", "ses_other", BASE)
    assert store.query.export_session(session.id).artifacts == []
    artifacts = store.query.export_session(session.id, include_artifacts=True).artifacts
    assert [a.id for a in artifacts] == order
    assert artifacts[0] == Artifact(
        id="art_b", key="k-art_b", session_id=session.id, run_id="run_x", type="diff", content_type="text/x-diff",
        size_bytes=1234, checksum_sha256="ab" * 32, storage_backend="s3", storage_ref="s3://bucket/art_b",
        metadata={}, created_at=BASE, deleted_at=BASE + timedelta(hours=3))


def test_unknown_session_and_bad_arguments(store):
    with pytest.raises(asm.SessionNotFound):
        store.query.export_session("ses_missing")
    with pytest.raises(asm.ValidationError):
        store.query.export_session("")
    with pytest.raises(asm.ValidationError):
        store.query.export_session("ses_1", include_artifacts="yes")
    for bad in (None, sample_export().to_json(), {"session": {}}):
        with pytest.raises(asm.ValidationError):
            store.query.import_session(bad)


# -- the JSON document ---------------------------------------------------------------------


def test_to_json_is_a_stable_document_that_round_trips(store, raw):
    session = populate(store)
    with_artifacts(raw, session)
    export = store.query.export_session(session.id, include_artifacts=True)
    text = export.to_json()
    document = json.loads(text)
    assert text == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "héllo ✓ 😀" in text
    assert (document["format"], document["version"]) == ("asm.session_export", 1)
    assert document["session"]["status"] == "active"
    assert document["runs"][0]["started_at"] == "2024-05-01T12:00:00.123456Z"
    assert document["events"][1]["type"] == "message_sent"
    assert SessionExport.from_json(text) == export
    assert SessionExport.from_json(text).to_json() == text
    assert store.query.export_session(session.id, include_artifacts=True).to_json() == text


def _set(path, value):
    """A change to a valid document: set (or with value=KeyError, remove) one key."""
    def change(document):
        *parents, last = path
        target = document
        for key in parents:
            target = target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
        return json.dumps(document)
    return change


MALFORMED = [
    lambda d: "{",
    lambda d: "[]",
    lambda d: json.dumps({**d, "events": [{**d["events"][0], "data": {"x": float("nan")}}]}),
    _set(["format"], "something.else"),
    _set(["version"], 2),
    _set(["version"], True),
    _set(["version"], "1"),
    _set(["events"], KeyError),
    _set(["extra"], 1),
    _set(["session"], "ses_1"),
    _set(["runs"], {}),
    _set(["session", "agent_id"], KeyError),
    _set(["session", "unknown"], 1),
    _set(["session", "status"], "sleeping"),
    _set(["session", "created_at"], "2024-05-01T12:00:00"),
    _set(["session", "updated_at"], "yesterday"),
    _set(["session", "tags"], "x"),
    _set(["runs", 0, "turn_count"], -1),
    _set(["runs", 0, "session_id"], "ses_other"),
    _set(["events", 0, "type"], "message_shouted"),
    _set(["events", 0, "sequence_number"], None),
    _set(["events", 0, "sequence_number"], 0),
    _set(["events", 1, "sequence_number"], 1),
    _set(["events", 0, "data"], [1]),
    _set(["events", 0, "data"], {"n": 2**64}),
    _set(["artifacts", 0, "size_bytes"], -1),
    _set(["artifacts", 0, "size_bytes"], 1.0),
]


@pytest.mark.parametrize("change", MALFORMED)
def test_from_json_refuses_malformed_documents(change):
    text = change(json.loads(sample_export().to_json()))
    with pytest.raises(asm.ValidationError):
        SessionExport.from_json(text)


def test_from_json_refuses_repeated_ids():
    document = json.loads(sample_export().to_json())
    document["events"][1]["id"] = document["events"][0]["id"]
    with pytest.raises(asm.ValidationError, match="repeats"):
        SessionExport.from_json(json.dumps(document))


def test_from_json_refuses_what_is_not_text():
    for bad in (None, 5, {"format": "asm.session_export"}):
        with pytest.raises(asm.ValidationError):
            SessionExport.from_json(bad)


def test_a_session_export_holds_one_consistent_session():
    export = sample_export()
    assert SessionExport.from_json(export.to_json()) == export
    with pytest.raises(asm.ValidationError):
        SessionExport(export.session, export.runs, [attrs.evolve(export.events[0], sequence_number=None)])
    with pytest.raises(asm.ValidationError):
        SessionExport(export.session, [Run.new(session_id="ses_other")])
    with pytest.raises(asm.ValidationError):
        SessionExport(export.session, export.runs, export.events, export.artifacts * 2)
    with pytest.raises(asm.ValidationError):
        SessionExport(export.session, export.events)
    with pytest.raises(asm.ValidationError):
        SessionExport("ses_1")


# -- import --------------------------------------------------------------------------------


def test_import_into_an_emptied_database_recreates_the_session(store, raw):
    session = populate(store)
    store.save_session(attrs.evolve(session, deleted_at=BASE))  # a soft delete travels too
    with_artifacts(raw, session)
    export = store.query.export_session(session.id, include_artifacts=True)
    raw.clean()
    assert store.query.import_session(export) is None
    assert store.query.export_session(session.id, include_artifacts=True) == export
    assert store.get_session(session.id).deleted_at == BASE
    assert store.get_latest_sequence(session.id) == 4
    appended = store.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
    assert appended.sequence_number == 5


def test_import_of_a_built_export_writes_what_it_holds(store):
    export = sample_export()
    store.query.import_session(export)
    assert store.query.export_session(export.session.id, include_artifacts=True) == export
    # The counter follows the highest number, gaps included.
    assert store.get_latest_sequence(export.session.id) == 5


def test_importing_twice_changes_nothing(store, raw):
    session = populate(store)
    with_artifacts(raw, session)
    export = store.query.export_session(session.id, include_artifacts=True)
    before = table_counts(raw)
    store.query.import_session(export)  # over the very rows it came from
    store.query.import_session(export)
    assert table_counts(raw) == before
    assert store.query.export_session(session.id, include_artifacts=True) == export
    raw.clean()
    store.query.import_session(export)
    store.query.import_session(export)
    assert table_counts(raw) == before
    assert store.get_latest_sequence(session.id) == 4


def test_import_never_lowers_the_counter(store, raw):
    session = populate(store)
    export = store.query.export_session(session.id)
    store.append_events([Event.new(type="message_sent", session_id=session.id) for _ in range(2)])
    store.query.import_session(export)
    assert store.get_latest_sequence(session.id) == 6
    assert [e.sequence_number for e in store.get_events(session.id)] == [1, 2, 3, 4, 5, 6]

    # A counter above every event (say the newer events were pruned) stays where it is.
    raw.clean()
    raw.execute("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (?, ?)", session.id, 10)
    store.query.import_session(export)
    assert store.get_latest_sequence(session.id) == 10
    assert store.get_events(session.id) == export.events
    assert store.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id)).sequence_number == 11


def test_a_sequence_number_held_by_another_event_fails_and_writes_nothing(store, raw):
    session = populate(store)
    with_artifacts(raw, session)
    export = store.query.export_session(session.id, include_artifacts=True)
    raw.clean()
    squatter = store.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id))
    with pytest.raises(asm.ConflictError) as caught:
        store.query.import_session(export)
    assert caught.value.code == "conflict"
    assert caught.value.details["sequence_number"] == 1
    with pytest.raises(asm.SessionNotFound):
        store.get_session(session.id)
    assert store.list_runs(session.id) == []
    assert store.get_events(session.id) == [squatter]
    assert store.get_latest_sequence(session.id) == 1
    assert raw.scalar("SELECT COUNT(*) FROM asm_artifacts") == 0


def test_an_artifact_key_held_by_another_artifact_fails_and_writes_nothing(store, raw):
    export = sample_export()
    insert_artifact(raw, "art_squatter", "ses_other", BASE, key=export.artifacts[0].key)
    with pytest.raises(asm.ConflictError):
        store.query.import_session(export)
    with pytest.raises(asm.SessionNotFound):
        store.get_session(export.session.id)
    assert store.get_events(export.session.id) == []
    assert store.get_latest_sequence(export.session.id) == 0
    assert raw.scalar("SELECT COUNT(*) FROM asm_artifacts") == 1


def test_import_joins_the_callers_transaction(store, raw):
    export = sample_export()
    with pytest.raises(RuntimeError), store.transaction():
        store.query.import_session(export)
        raise RuntimeError("undo")
    assert set(table_counts(raw).values()) == {0}


# -- across dialects -----------------------------------------------------------------------


def test_an_export_moves_between_dialects_unchanged(tmp_path_factory):
    urls = {}
    try:
        for dialect in DIALECTS:
            urls[dialect] = create_database(dialect, tmp_path_factory.mktemp("export"))
            asm.migrate(urls[dialect])
        with asm.connect(urls["sqlite"]) as source:
            session = populate(source)
            raw = RawDatabase("sqlite", urls["sqlite"])
            with_artifacts(raw, session)
            raw.close()
            text = source.query.export_session(session.id, include_artifacts=True).to_json()
        for dialect in ("postgres", "mysql"):
            with asm.connect(urls[dialect]) as target:
                target.query.import_session(SessionExport.from_json(text))
                assert target.query.export_session(session.id, include_artifacts=True).to_json() == text, dialect
                assert target.get_latest_sequence(session.id) == 4
                streamed = io.StringIO()
                target.query.export_session_to(session.id, streamed, include_artifacts=True)
                assert streamed.getvalue() == text, dialect
    finally:
        for dialect, url in urls.items():
            drop_database(dialect, url)


# -- streamed export and import (bounded memory: tests/reliability/test_export_memory.py) ----


class Sink:
    """A binary file object that keeps what is written."""

    def __init__(self):
        self.parts = []

    def write(self, data):
        assert isinstance(data, bytes)
        self.parts.append(data)

    def text(self):
        return b"".join(self.parts).decode()


@pytest.mark.parametrize("page_size", [2, 3, 1000])
def test_a_streamed_export_is_the_text_of_to_json(store, raw, monkeypatch, page_size):
    # 4 events: pages that end exactly at the last event, that do not, and a single page.
    monkeypatch.setattr(export_stream, "PAGE_SIZE", page_size)
    session = populate(store)
    with_artifacts(raw, session)
    for include_artifacts in (True, False):
        expected = store.query.export_session(session.id, include_artifacts=include_artifacts).to_json()
        sink = Sink()
        summary = store.query.export_session_to(session.id, sink, include_artifacts=include_artifacts)
        assert sink.text() == expected
        assert summary == ExportSummary(session.id, runs=2, events=4, artifacts=3 if include_artifacts else 0)
    text = io.StringIO()
    store.query.export_session_to(session.id, text)
    assert text.getvalue() == store.query.export_session(session.id).to_json()


def test_a_streamed_export_of_a_session_without_events_or_runs(store):
    session = Session.new(agent_id="quiet")
    store.save_session(session)
    sink = Sink()
    assert store.query.export_session_to(session.id, sink) == ExportSummary(session.id, 0, 0, 0)
    assert sink.text() == store.query.export_session(session.id).to_json()


def test_a_streamed_export_to_a_path_is_created_only_for_a_known_session(store, tmp_path):
    session = populate(store)
    target = tmp_path / "out.json"
    with pytest.raises(asm.SessionNotFound):
        store.query.export_session_to("ses_missing", target)
    assert not target.exists()
    store.query.export_session_to(session.id, str(target))
    assert target.read_text(encoding="utf-8") == store.query.export_session(session.id).to_json()
    for bad in (None, 5, b"path"):
        with pytest.raises(asm.ValidationError):
            store.query.export_session_to(session.id, bad)
    with pytest.raises(asm.ValidationError):
        store.query.export_session_to("", io.StringIO())
    with pytest.raises(asm.ValidationError):
        store.query.export_session_to(session.id, io.StringIO(), include_artifacts="yes")
    with pytest.raises(asm.ValidationError, match="cannot write"):
        store.query.export_session_to(session.id, tmp_path / "no_such_dir" / "out.json")


def test_a_streamed_import_recreates_the_session_with_its_ids_and_numbers(store, raw, tmp_path, monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE_SIZE", 3)  # several batches of events
    session = populate(store)
    store.save_session(attrs.evolve(session, deleted_at=BASE))
    with_artifacts(raw, session)
    export = store.query.export_session(session.id, include_artifacts=True)
    path = tmp_path / "export.json"
    store.query.export_session_to(session.id, path, include_artifacts=True)
    raw.clean()
    assert store.query.import_session_from(path) == ExportSummary(session.id, runs=2, events=4, artifacts=3)
    assert store.query.export_session(session.id, include_artifacts=True) == export
    assert store.get_latest_sequence(session.id) == 4
    assert store.append_event_with_sequence(Event.new(type="message_sent", session_id=session.id)).sequence_number == 5
    # Text and binary file objects, and over the rows it came from: nothing changes.
    before = table_counts(raw)
    store.query.import_session_from(io.StringIO(export.to_json()))
    store.query.import_session_from(io.BytesIO(path.read_bytes()))
    assert table_counts(raw) == before


def test_a_streamed_import_reads_keys_in_any_order(store):
    # The session after its records (as exported), or before them: the same import.
    export = sample_export()
    document = json.loads(export.to_json())
    reordered = {key: document[key] for key in ("version", "session", "format", "runs", "events", "artifacts")}
    store.query.import_session_from(io.StringIO(json.dumps(reordered, indent=2)))
    assert store.query.export_session(export.session.id, include_artifacts=True) == export


def test_a_streamed_import_is_all_or_nothing_on_a_conflict(store, raw, monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE_SIZE", 2)
    session = Session.new(agent_id="a")
    events = [Event.new(type="message_sent", session_id=session.id, sequence_number=n) for n in range(1, 8)]
    squatter = Event.new(type="message_sent", session_id=session.id, sequence_number=6)
    store.query.import_session(SessionExport(attrs.evolve(session, agent_id="before"), events=[squatter]))
    before = table_counts(raw)
    # Batches 1-2 and 3-4 go in, then 5-6 finds number 6 taken: the whole import is undone.
    with pytest.raises(asm.ConflictError) as caught:
        store.query.import_session_from(io.StringIO(SessionExport(session, events=events).to_json()))
    assert caught.value.details["sequence_number"] == 6
    assert table_counts(raw) == before
    assert store.get_events(session.id) == [squatter]
    assert store.get_session(session.id).agent_id == "before"


def test_a_streamed_import_joins_the_callers_transaction(store, raw):
    with pytest.raises(RuntimeError), store.transaction():
        store.query.import_session_from(io.StringIO(sample_export().to_json()))
        raise RuntimeError("undo")
    assert set(table_counts(raw).values()) == {0}


def _truncations(text):
    return [text[:n] for n in (0, 1, 10, len(text) // 3, len(text) // 2, len(text) - 2, len(text) - 1)]


def test_a_malformed_document_is_a_validation_error_and_writes_nothing(store, raw, monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE_SIZE", 1)  # the first records are written before the fault
    document = json.loads(sample_export().to_json())
    texts = [change(json.loads(json.dumps(document))) for change in MALFORMED]
    texts += _truncations(sample_export().to_json())
    texts += [
        sample_export().to_json() + "{}",                                   # extra data
        sample_export().to_json().replace('"version":1', '"version":1,"version":1'),
        json.dumps({**document, "events": [document["events"][1], document["events"][0]]}),  # out of order
        json.dumps({**document, "runs": document["runs"] * 2}),             # a repeated run id
        json.dumps({**document, "artifacts": [document["artifacts"][0],
                                              {**document["artifacts"][0], "id": "art_other"}]}),  # key repeated
        json.dumps({**document, "session": {**document["session"], "id": "ses_other"}}),  # records of another
        '{"events": [' + "[" * 100_000 + "]" * 100_000 + "]}",
        b"\xff\xfe\x00 not UTF-8",
        "not JSON at all",
    ]
    for text in texts:
        file = io.BytesIO(text) if isinstance(text, bytes) else io.StringIO(text)
        with pytest.raises(asm.ValidationError):
            store.query.import_session_from(file)
        assert set(table_counts(raw).values()) == {0}, text[:200]


def test_a_repeated_event_id_in_a_later_batch_writes_nothing(store, raw, monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE_SIZE", 2)
    export = sample_export()
    events = [Event.new(type="message_sent", session_id=export.session.id, sequence_number=n) for n in range(1, 8)]
    events[5] = attrs.evolve(events[5], id=events[1].id)
    document = json.loads(SessionExport(export.session, events=events[:5]).to_json())
    document["events"] += [json.loads(SessionExport(export.session, events=[e]).to_json())["events"][0]
                           for e in events[5:]]
    with pytest.raises(asm.ValidationError, match=r"events\[5\]\.id repeats the id of events\[1\]"):
        store.query.import_session_from(io.StringIO(json.dumps(document)))
    assert set(table_counts(raw).values()) == {0}


def test_a_streamed_import_obeys_max_event_bytes(raw, connect):
    export = sample_export()
    big = attrs.evolve(export.events[2], data={"text": "x" * 2000})
    text = SessionExport(export.session, export.runs, [*export.events[:2], big]).to_json()
    small = connect(raw.url, max_event_bytes=1000)
    with pytest.raises(asm.ValidationError, match=r"events\[2\]\.data") as caught:
        small.query.import_session_from(io.StringIO(text))
    assert caught.value.details["field"] == "events[2].data"
    assert set(table_counts(raw).values()) == {0}
    connect(raw.url, max_event_bytes=None).query.import_session_from(io.StringIO(text))
    assert table_counts(raw)["asm_events"] == 3


def test_a_streamed_import_refuses_what_is_not_a_file(store, tmp_path):
    for bad in (None, 5, b"{}"):
        with pytest.raises(asm.ValidationError):
            store.query.import_session_from(bad)
    with pytest.raises(asm.ValidationError, match="cannot read"):
        store.query.import_session_from(tmp_path / "missing.json")
