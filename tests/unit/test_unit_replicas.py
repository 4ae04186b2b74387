"""Read-replica routing (asm/core/replicas.py): the rules, the target after writes, lag and
backoff, on a scripted clock, with no database."""

from __future__ import annotations

import logging

import pytest

from asm import ValidationError
from asm.core import replicas
from asm.core.operation import OperationSpec
from asm.drivers.urls import parse_url
from drive import call, fresh_dialect, run

PRIMARY = parse_url("postgresql://app:secret@primary/db")
READ = OperationSpec(write=False, atomic=False, retry=False)
WRITE = OperationSpec(write=True, atomic=True, retry=False)
SEGMENT = 16 * 1024 * 1024


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def routes(*names: str, max_lag: float = 5.0) -> tuple[replicas.Routes, Clock]:
    clock = Clock()
    urls = [parse_url(f"postgresql://app:secret@{name}/db") for name in names or ("r1",)]
    return replicas.Routes(urls, max_lag, clock), clock


def test_lsn_text_compares_as_a_number() -> None:
    assert replicas.parse_lsn("0/0") == 0
    assert replicas.parse_lsn("1/0") == 1 << 32
    assert replicas.parse_lsn("0/FFFFFFFF") < replicas.parse_lsn("1/0")
    assert replicas.parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848


@pytest.mark.parametrize(("lsn", "target"), [
    (0x3000028, 0x3000000),  # a segment's first page: the long header, seen on an idle primary
    (0x3002018, 0x3002000),  # another page: the short header
    (0x3002020, 0x3002020),  # a record ends there: kept
    (0x3000018, 0x3000018),  # 24 bytes into a segment's first page is inside a record
    (0x3002028, 0x3002028),  # 40 bytes into another page: a record can end there
])
def test_the_target_is_the_page_boundary_when_nothing_follows_the_last_record(lsn: int, target: int) -> None:
    assert replicas.wal_target(lsn, 8192, SEGMENT) == target


def test_the_primary_position_and_the_replay_position_are_named_queries() -> None:
    db = fresh_dialect("postgres")
    row = {"lsn": "0/3000028", "block_size": 8192, "segment_size": SEGMENT}
    assert run(replicas.primary_wal_position, db, script=[call("current_wal_lsn", {}, row)]) == 0x3000000
    assert run(replicas.replayed_position, db, script=[call("replica_replay_lsn", {}, "0/3000100")]) == 0x3000100
    assert run(replicas.replayed_position, db, script=[call("replica_replay_lsn", {}, None)]) is None


def test_only_reads_outside_transactions_and_long_polls_are_routable() -> None:
    r, _ = routes()
    assert r.routable(READ, in_transaction=False, long_poll=False)
    assert not r.routable(WRITE, in_transaction=False, long_poll=False)
    assert not r.routable(READ, in_transaction=True, long_poll=False)
    assert not r.routable(READ, in_transaction=False, long_poll=True)


def test_a_write_makes_the_next_read_ask_the_primary_once() -> None:
    r, clock = routes()
    request = r.target_request()
    assert request is not None  # no target yet
    assert r.set_target(request, 500) == 500
    assert r.target_request() is None
    r.wrote()
    request = r.target_request()
    assert request is not None
    r.set_target(request, 700)
    assert r.target_request() is None and r.target == 700
    clock.now += 4.9
    assert r.target_request() is None


def test_a_target_older_than_the_lag_bound_is_read_again() -> None:
    r, clock = routes(max_lag=2.0)
    request = r.target_request()
    assert request is not None
    r.set_target(request, 500)
    clock.now += 2.0
    assert r.target_request() is not None


def test_a_read_starting_while_another_asks_does_not_reuse_the_old_target() -> None:
    """The reason for a write counter rather than a flag cleared by the first reader."""
    r, _ = routes()
    first = r.target_request()
    assert first is not None
    r.set_target(first, 100)
    r.wrote()
    slow = r.target_request()  # a reader asks the primary after the write...
    assert slow is not None
    r.wrote()  # ...another write finishes meanwhile...
    fast = r.target_request()  # ...so a reader starting now must ask too
    assert fast is not None
    assert r.set_target(fast, 300) == 300
    assert r.set_target(slow, 200) == 300  # the slower answer moves nothing back
    assert r.target_request() is None


def test_a_replica_serves_once_it_has_replayed_past_the_target() -> None:
    r, _ = routes()
    (replica,) = r.replicas
    assert not r.caught_up(replica, 0)  # never asked
    r.saw_replay(replica, 400)
    assert not r.caught_up(replica, 500)
    r.saw_replay(replica, 300)  # an older answer moves nothing back
    assert replica.replayed == 400
    r.saw_replay(replica, 500)
    assert r.caught_up(replica, 500)


def test_a_replica_that_is_not_in_recovery_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    r, _ = routes()
    (replica,) = r.replicas
    with caplog.at_level(logging.WARNING, logger="asm"):
        r.saw_replay(replica, None)
    assert r.candidates() == []
    assert "not in recovery" in caplog.text


def test_a_failing_replica_backs_off_doubling_to_a_bound_then_recovers(caplog: pytest.LogCaptureFixture) -> None:
    r, clock = routes()
    (replica,) = r.replicas
    with caplog.at_level(logging.WARNING, logger="asm"):
        waits = []
        for _ in range(8):
            r.failed(replica, "connection refused")
            assert r.candidates() == []
            waits.append(replica.backoff)
            clock.now = replica.down_until
            assert r.candidates() == [replica]
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert caplog.text.count("is skipped") == 1  # said when it goes down, not at each retry
    assert "secret" not in caplog.text
    r.serving(replica)
    assert replica.backoff == 0 and r.served[replica.name] == 1 and r.last_route == replica.name
    r.failed(replica, "again")
    assert replica.backoff == replicas.FIRST_BACKOFF_S


def test_reads_turn_round_the_replicas_that_are_up() -> None:
    r, _ = routes("r1", "r2", "r3")
    firsts = {r.candidates()[0].name for _ in range(3)}
    assert len(firsts) == 3
    r.failed(r.replicas[1], "down")
    assert all(r.replicas[1] not in r.candidates() for _ in range(3))


def test_one_call_at_a_time_opens_a_replica_pool() -> None:
    r, _ = routes()
    (replica,) = r.replicas
    assert r.claim_opening(replica)
    assert not r.claim_opening(replica)
    r.opened(replica)
    assert r.claim_opening(replica)


def test_routes_count_what_served() -> None:
    r, _ = routes()
    r.serving(replicas.PRIMARY)
    r.serving(replicas.PRIMARY)
    r.serving(r.replicas[0])
    assert r.served == {"primary": 2, "postgresql://app:***@r1/db": 1}


@pytest.mark.parametrize("url", ["sqlite:///x.db", "mysql://root@localhost/db"])
def test_replicas_are_for_postgresql_only(url: str) -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        replicas.check_replicas(parse_url(url), ["postgresql://standby/db"], 5.0)
    with pytest.raises(ValidationError, match="PostgreSQL"):
        replicas.check_replicas(PRIMARY, [url], 5.0)


def test_replica_urls_are_checked_before_connecting() -> None:
    assert replicas.check_replicas(parse_url("sqlite:///x.db"), [], 5.0) == []
    pooled = replicas.check_replicas(PRIMARY, ["postgresql://bouncer/db?pooler=transaction"], 5.0)
    assert pooled[0].pooler == "transaction"
    with pytest.raises(ValidationError, match="statement"):
        replicas.check_replicas(PRIMARY, ["postgresql://bouncer/db?pooler=statement"], 5.0)
    with pytest.raises(ValidationError, match="list"):
        replicas.check_replicas(PRIMARY, "postgresql://standby/db", 5.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="twice"):
        replicas.check_replicas(PRIMARY, ["postgresql://standby/db", "postgresql://standby/db"], 5.0)
    for lag in (0, -1, float("inf"), float("nan"), True, "5"):
        with pytest.raises(ValidationError, match="max_replica_lag"):
            replicas.check_replicas(PRIMARY, ["postgresql://standby/db"], lag)  # type: ignore[arg-type]


def test_calls_failing_together_count_as_one_failure() -> None:
    r, _ = routes()
    (replica,) = r.replicas
    assert r.failed(replica, "connection lost")
    assert not r.failed(replica, "the same outage, seen by another call")
    assert replica.backoff == replicas.FIRST_BACKOFF_S
