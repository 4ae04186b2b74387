"""What a call sends, before any I/O: the transaction statements transactions.py wraps it in."""

import pytest

import asm
from asm.core import transactions
from asm.core.database import Database
from asm.drivers.dialects import DIALECTS
from asm.core.operation import Call, spec_of
from asm.store import events


def first_steps(dialect, op, *args, in_transaction=False):
    steps = op(Database(dialect), *args)
    attempt = transactions.attempt(dialect, spec_of(op), steps, next(steps), in_transaction=in_transaction)
    return [next(attempt)]


@pytest.mark.parametrize("op", [events.append_event, events.append_event_with_sequence])
def test_a_postgres_append_is_one_statement_with_no_begin(op):
    (step,) = first_steps(DIALECTS["postgres"], op, asm.Event.new(type="message_sent", session_id="s"))
    assert step == Call("append_event", step.params)


@pytest.mark.parametrize(("dialect", "begin"), [("sqlite", "BEGIN IMMEDIATE"), ("mysql", "BEGIN")])
def test_other_dialects_append_in_a_transaction(dialect, begin):
    (step,) = first_steps(DIALECTS[dialect], events.append_event, asm.Event.new(type="message_sent", session_id="s"))
    assert step == transactions.Statement(begin)


def test_inside_a_callers_transaction_a_retried_append_takes_a_savepoint():
    (step,) = first_steps(DIALECTS["postgres"], events.append_event,
                          asm.Event.new(type="message_sent", session_id="s"), in_transaction=True)
    assert step.sql.startswith("SAVEPOINT asm_sp_")


def test_batches_are_always_one_transaction():
    (step,) = first_steps(DIALECTS["postgres"], events.append_events, [asm.Event.new(type="message_sent", session_id="s")])
    assert step == transactions.Statement("BEGIN")
