"""Batches cut to the server's statement size: every piece fits, in order, nothing lost or repeated,
and the size limit is asked for once per store."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from asm.drivers.dialects import Dialect
from asm.core.operation import Call
from asm.drivers.dialects import BinaryArray
from asm.store.chunks import (
    _binary_row_bound,
    columns_of,
    count_by_ids,
    id_chunks,
    insert_columns,
    insert_rows,
    quoted_bytes,
    row_chunks,
    rows_by_ids,
)
from drive import answer, call, fresh_dialect, play

AT = datetime(2025, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "size"), [
    ("", 2), ("ab", 4), ("a'b", 6), ('a"b', 6), ("a\\b", 6), ("line\n", 8), ("é", 4), ("😀", 6), ("\x00", 4),
])
def test_quoted_bytes_is_the_escaped_literals_utf8_size(text: str, size: int) -> None:
    assert quoted_bytes(text) == size


def ids(count: int, width: int = 20) -> list[str]:
    return [f"ses_{i:0{width - 4}d}" for i in range(count)]


@pytest.mark.parametrize(("values", "budget"), [
    (ids(500), 1024), (ids(500), 333), (ids(7), 60), ([*ids(3), "é" * 200, *ids(3)], 300),
    (["'\"\\" * 30 for _ in range(40)], 700),
])
def test_id_chunks_fit_the_budget_in_order(values: list[str], budget: int) -> None:
    chunks = list(id_chunks(values, budget))
    assert [v for chunk in chunks for v in chunk] == values
    assert all(chunks)
    for chunk in chunks:
        assert len(chunk) == 1 or quoted_bytes(json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))) <= budget


def test_ids_that_fit_go_in_one_piece() -> None:
    assert list(id_chunks(ids(10), 10_000)) == [ids(10)]


def test_an_id_bigger_than_the_budget_goes_alone() -> None:
    big = "x" * 255
    assert list(id_chunks(["a", big, "b"], 40)) == [["a"], [big], ["b"]]


def a_row(i: int, text: str = "") -> dict[str, Any]:
    return {"id": f"evt_{i}", "session_id": "ses_1", "sequence_number": i, "data": json.dumps({"t": text}),
            "run_id": None}


def values_bytes(rows: list[dict[str, Any]]) -> int:
    """The size of the VALUES list a MySQL driver writes for `rows`."""
    def literal(value: Any) -> int:
        return 4 if value is None else quoted_bytes(value) if isinstance(value, str) else len(str(value))
    return sum(2 + sum(map(literal, row.values())) + len(row) - 1 for row in rows) + len(rows) - 1


@pytest.mark.parametrize("budget", [150, 400, 5000])
def test_row_chunks_fit_in_order_with_at_least_one_row_in_each(budget: int) -> None:
    rows = [a_row(i, "é'" * (i % 7) * 5) for i in range(60)]
    runs = list(row_chunks(rows, budget))
    assert [row for run in runs for row in run] == rows
    assert all(runs) and len(runs) > 1
    assert all(len(run) == 1 or values_bytes(run) <= budget for run in runs)


def test_columns_hold_every_row_in_order_as_binary_arrays() -> None:
    rows = [{**a_row(i, "x" * i), "timestamp": AT} for i in range(5)]
    columns = columns_of(rows, ("id", "timestamp", "run_id"))
    assert columns == {"id": [f"evt_{i}" for i in range(5)], "timestamp": [AT] * 5, "run_id": [None] * 5}
    assert all(type(values) is BinaryArray for values in columns.values())


# -- driven: the pieces as queries -----------------------------------------------------------


def mysql(packet: int | None) -> Dialect:
    dialect = fresh_dialect("mysql")
    dialect.max_packet_bytes = packet
    return dialect


def test_a_write_by_ids_reads_the_limit_once_and_sends_pieces_that_fit() -> None:
    my = mysql(None)
    wanted = ids(300)

    def respond(step: Call) -> Any:
        return 4096 if step.query == "get_max_packet" else len(json.loads(step.params["ids"]))

    changed, sent = answer(count_by_ids(my, "soft_delete_sessions", wanted, now="2025-01-01 00:00:00.000000"),
                           respond, dialect=my)
    assert changed == 300
    assert sent[0] == Call("get_max_packet", {})
    pieces = [json.loads(step.params["ids"]) for step in sent[1:]]
    assert len(pieces) > 1 and [i for piece in pieces for i in piece] == wanted
    budget = 4096 - 1024
    assert all(quoted_bytes(step.params["ids"]) <= budget for step in sent[1:])
    assert all(step.params["now"] == "2025-01-01 00:00:00.000000" for step in sent[1:])
    # The store's copy keeps the limit: the next batch does not ask again.
    _, again = answer(count_by_ids(my, "soft_delete_sessions", wanted[:2], now="x"), respond)
    assert [step.query for step in again] == ["soft_delete_sessions"]


def test_a_read_by_ids_gathers_the_rows_of_every_piece() -> None:
    my = mysql(2048)
    wanted = ids(200)
    rows, sent = answer(rows_by_ids(my, "get_events_by_ids", wanted),
                        lambda step: [{"id": i} for i in json.loads(step.params["ids"])], dialect=my)
    assert rows == [{"id": i} for i in wanted]
    assert len(sent) > 1


def test_nothing_to_do_sends_nothing(each_dialect: Dialect) -> None:
    assert play(rows_by_ids(each_dialect, "get_events_by_ids", []), []) == []
    assert play(count_by_ids(each_dialect, "delete_events_by_ids", []), []) == 0
    assert play(insert_rows(each_dialect, "insert_events", []), []) is None
    assert play(insert_columns(each_dialect, "insert_events", [], ("id",)), []) is None


def event_row(i: int, text: str = "") -> dict[str, Any]:
    return {"id": f"evt_{i}", "type": "message_sent", "timestamp": "2025-01-01 00:00:00.000000", "session_id": "ses_1",
            "run_id": None, "sequence_number": i, "data": json.dumps({"t": text}), "metadata": "{}",
            "schema_version": 1, "provider": None, "correlation_id": None}


def test_an_insert_is_cut_into_runs_of_rows_that_fit() -> None:
    my = mysql(4096)
    rows = [event_row(i, "z" * 50) for i in range(100)]
    _, sent = answer(insert_rows(my, "insert_events", rows), lambda step: len(step.params), dialect=my)
    assert len(sent) > 1
    assert [row for step in sent for row in step.params] == rows
    assert all(values_bytes(step.params) <= 4096 - 1024 for step in sent)


def test_an_insert_the_driver_would_split_anyway_is_one_call() -> None:
    my = mysql(64 * 1024 * 1024)
    rows = [event_row(i) for i in range(100)]
    play(insert_rows(my, "insert_events", rows), [call("insert_events", rows, 100)], dialect=my)


def test_one_row_needs_no_limit() -> None:
    my, pg = mysql(None), fresh_dialect("postgres")
    play(insert_rows(my, "insert_events", [event_row(1)]), [call("insert_events", [event_row(1)], 1)], dialect=my)
    row = {**event_row(1), "timestamp": AT}
    play(insert_columns(pg, "insert_events", [row], tuple(row)),
         [call("insert_events", {name: [value] for name, value in row.items()}, 1)], dialect=pg)


def test_columns_that_fit_go_in_one_statement() -> None:
    pg = fresh_dialect("postgres")
    rows = [{**event_row(i, "z" * 50), "timestamp": AT} for i in range(100)]
    play(insert_columns(pg, "insert_events", rows, tuple(rows[0])),
         [call("get_max_packet", {}, 64 * 1024 * 1024),
          call("insert_events", columns_of(rows, tuple(rows[0])), 100)], dialect=pg)


def test_columns_over_the_limit_are_cut_into_runs_of_rows_that_fit() -> None:
    pg = fresh_dialect("postgres")
    pg.max_packet_bytes = 4096
    rows = [{**event_row(i, "z" * 50), "timestamp": AT} for i in range(100)]
    _, sent = answer(insert_columns(pg, "insert_events", rows, tuple(rows[0])),
                     lambda step: len(step.params["id"]), dialect=pg)
    assert len(sent) > 1
    assert [i for step in sent for i in step.params["id"]] == [row["id"] for row in rows]
    assert all(step.params == columns_of(run, tuple(rows[0])) for step, run in
               zip(sent, row_chunks(rows, 4096 - 1024, _binary_row_bound), strict=True))


def test_postgres_sends_id_lists_as_binary_arrays() -> None:
    pg = fresh_dialect("postgres")
    pg.max_packet_bytes = 64 * 1024 * 1024
    _, sent = answer(rows_by_ids(pg, "get_events_by_ids", ids(3)), lambda step: [], dialect=pg)
    assert sent == [Call("get_events_by_ids", {"ids": ids(3)})]
    assert type(sent[0].params["ids"]) is BinaryArray
