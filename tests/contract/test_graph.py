"""docs/behaviour.md#graph-sessions: graph-workflow sessions on every dialect and both APIs."""

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import asm
from asm.graph import (
    Context,
    GraphSession,
    GraphSessionStorage,
    MessageRole,
    PostgresSessionStorage,
    context_from_document,
    context_to_document,
)

SEED = json.loads((Path(__file__).parents[1] / "fixtures" / "graph_seed_context.json").read_text())


def new_session(graph_id="claims", **fields):
    return GraphSession.new(graph_id=graph_id, current_task_id="start", **fields)


def stored_context(raw, id):
    value = raw.scalar("SELECT context FROM sessions WHERE id = ?", id)
    return value if isinstance(value, dict) else json.loads(value)


def test_the_seed_document_loads_and_saves_back_as_the_same_json(graph, raw):
    session = new_session(context=context_from_document(SEED), status_message="Processing...")
    graph.save(session)
    assert stored_context(raw, session.id) == SEED
    loaded = graph.get(session.id)
    assert context_to_document(loaded.context) == SEED
    assert (loaded.graph_id, loaded.current_task_id, loaded.status_message) == ("claims", "start", "Processing...")
    graph.save(loaded)
    assert stored_context(raw, session.id) == SEED


def test_save_upserts_keeping_created_at_and_moving_updated_at(graph, raw):
    session = new_session()
    graph.save(session)
    first_created, first_updated = session.created_at, session.updated_at
    session.current_task_id = "review"
    session.context.set("amount", 150)
    graph.save(session)
    assert raw.scalar("SELECT COUNT(*) FROM sessions") == 1
    loaded = graph.get(session.id)
    assert loaded.current_task_id == "review" and loaded.context.get("amount") == 150
    assert loaded.created_at == first_created and loaded.updated_at > first_updated


def test_get_of_a_missing_session_is_none_and_delete_is_idempotent(graph):
    assert graph.get(str(uuid.uuid4())) is None
    session = new_session()
    graph.save(session)
    graph.delete(session.id)
    graph.delete(session.id)
    assert graph.get(session.id) is None


@pytest.mark.parametrize("bad", ["session-123", "", None, 42, "1234"])
def test_a_non_uuid_id_is_refused_before_any_sql(graph, bad):
    for call in (lambda: graph.get(bad), lambda: graph.delete(bad),
                 lambda: graph.append_message(bad, "User", "hi"),
                 lambda: graph.save(GraphSession(id=bad, graph_id="g", current_task_id="t"))):
        with pytest.raises(asm.ValidationError):
            call()


def test_compare_and_set_refuses_to_overwrite_a_newer_save(graph):
    session = new_session()
    graph.save(session)
    first, second = graph.get(session.id), graph.get(session.id)
    first.current_task_id = "a"
    graph.save(first, expect_unchanged=True)
    second.current_task_id = "b"
    with pytest.raises(asm.ConflictError) as info:
        graph.save(second, expect_unchanged=True)
    assert info.value.code == "conflict"
    assert graph.get(session.id).current_task_id == "a"
    # Saving again moves this object's version along: a second CAS save by the winner works.
    first.current_task_id = "c"
    graph.save(first, expect_unchanged=True)
    assert graph.get(session.id).current_task_id == "c"


def test_compare_and_set_of_a_new_object_refuses_a_taken_id(graph):
    session = new_session()
    graph.save(session, expect_unchanged=True)
    with pytest.raises(asm.ConflictError):
        graph.save(new_session(id=session.id), expect_unchanged=True)


def test_append_message_appends_and_trims_to_max_messages(graph):
    context = Context()
    context.chat_history.max_messages = 3
    session = new_session(context=context)
    graph.save(session)
    for i in range(5):
        graph.append_message(session.id, MessageRole.USER if i % 2 else "Assistant", f"m{i}")
    history = graph.get(session.id).context.chat_history
    assert [m.content for m in history.messages] == ["m2", "m3", "m4"]
    assert [m.role for m in history.messages] == [MessageRole.ASSISTANT, MessageRole.USER, MessageRole.ASSISTANT]
    with pytest.raises(asm.NotFound):
        graph.append_message(str(uuid.uuid4()), "User", "nobody there")
    with pytest.raises(asm.ValidationError):
        graph.append_message(session.id, "Robot", "hi")


def test_concurrent_appends_lose_no_message(graph, raw, connect):
    context = Context()
    context.chat_history.max_messages = None
    session = new_session(context=context)
    graph.save(session)
    writers = [connect(raw.url, kind="graph", max_size=1) for _ in range(6)]
    start = threading.Barrier(len(writers))

    def write(i_writer):
        i, writer = i_writer
        start.wait()
        for k in range(10):
            writer.append_message(session.id, "User", f"{i}-{k}")

    with ThreadPoolExecutor(len(writers)) as pool:
        list(pool.map(write, enumerate(writers)))
    contents = [m.content for m in graph.get(session.id).context.chat_history.messages]
    assert sorted(contents) == sorted(f"{i}-{k}" for i in range(6) for k in range(10))


def test_list_walks_every_session_once_by_keyset_pages(graph):
    mine = [new_session("g1") for _ in range(7)]
    for s in mine + [new_session("g2") for _ in range(3)]:
        graph.save(s)
    seen, cursor, pages = [], None, 0
    while True:
        page = graph.list(graph_id="g1", limit=3, cursor=cursor)
        seen += [s.id for s in page.sessions]
        pages += 1
        assert page.has_more == (page.cursor is not None)
        if not page.has_more:
            break
        cursor = page.cursor
    assert seen == [s.id for s in sorted(mine, key=lambda s: (s.created_at, s.id))]
    assert pages == 3
    everything = graph.list(limit=100)
    assert len(everything.sessions) == 10 and not everything.has_more and everything.cursor is None
    with pytest.raises(asm.InvalidCursor):
        graph.list(cursor="garbage")
    with pytest.raises(asm.ValidationError):
        graph.list(limit=0)
    with pytest.raises(asm.ValidationError, match="2\\*\\*63 - 2"):
        graph.list(limit=2**63 - 1)  # the page's one-more probe would overflow 64 bits
    assert len(graph.list(limit=2**63 - 2).sessions) == 10


def test_a_list_cursor_continues_only_its_own_listing(graph):
    # A cursor of one graph's listing, reused for another graph or for all, was read as a position
    # in that other listing (an empty or partial page); it is refused (issue 20, item 10).
    for graph_id in ("g1", "g1", "g1", "g2", "g2"):
        graph.save(new_session(graph_id))
    of_g1 = graph.list(graph_id="g1", limit=1)
    of_all = graph.list(limit=1)
    assert len(graph.list(graph_id="g1", limit=5, cursor=of_g1.cursor).sessions) == 2
    assert len(graph.list(limit=5, cursor=of_all.cursor).sessions) == 4
    for graph_id, cursor in (("g2", of_g1.cursor), (None, of_g1.cursor), ("g1", of_all.cursor)):
        with pytest.raises(asm.InvalidCursor, match="other filters"):
            graph.list(graph_id=graph_id, limit=5, cursor=cursor)


def test_an_undecodable_stored_context_is_a_read_failure(graph, raw):
    session = new_session()
    graph.save(session)
    raw.execute("UPDATE sessions SET context = ? WHERE id = ?", '{"data": 5}', session.id)
    with pytest.raises(asm.StorageReadFailed) as info:
        graph.get(session.id)
    assert info.value.details == {"table": "sessions", "id": session.id, "column": "context"}


def test_connecting_at_once_from_many_places_creates_the_table_once(fresh_url, connect):
    start = threading.Barrier(6)

    def open_storage(_):
        start.wait()
        return connect(fresh_url, kind="graph", max_size=1)

    with ThreadPoolExecutor(6) as pool:
        storages = list(pool.map(open_storage, range(6)))
    session = new_session()
    storages[0].save(session)
    assert storages[-1].get(session.id).id == session.id
    asm.migrate(fresh_url)  # the migration tolerates the table the storage created


def test_an_unreachable_database_is_a_connection_error(connect):
    with pytest.raises(asm.StorageConnectionFailed) as info:
        connect("postgresql://u:s3cret@127.0.0.1:1/x", kind="graph", timeout=1)
    assert "s3cret" not in str(info.value)


def test_the_seed_name_is_the_same_class():
    assert PostgresSessionStorage is GraphSessionStorage
