"""Read replicas (PostgreSQL hot standbys): which server answers a read, written once for the
sync and the async executor. Rules and state only; the executors do the I/O.

A read goes to a replica only when all of these hold, else to the primary:
- the store has replicas, and the operation does not write (`OperationSpec.write`);
- it runs outside `store.transaction()`;
- it is not a long poll's read (a job that yielded `Listen`): NOTIFY is not delivered on a
  standby, and a read woken by the primary's NOTIFY could run before the standby replays the
  append that sent it;
- the replica has replayed the WAL up to the store's *target*: the primary's WAL position read
  after the store's last write, or within the last `max_lag` seconds. So a replica never
  misses this store's own writes (read-your-writes) and serves data at most `max_lag` old.

Writes cost nothing more: each one only bumps a counter (`wrote`). A read that finds the
counter moved, or the target older than `max_lag`, reads the primary's position first (one
small round trip), and a replica whose last known replay position is behind it is asked again
(one round trip on the connection that then serves the read). A counter, not a flag: with a
flag cleared by one reader, a second reader starting meanwhile would reuse the old target.

A replica that fails to connect is down for a backoff (1 s doubling to 30 s); the read runs on
the primary at once. After the backoff the next read tries it again.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from asm.core.database import Database
from asm.core.operation import Call, OperationSpec, Steps, operation
from asm.drivers.poolers import check_connectable
from asm.drivers.urls import DatabaseURL, parse_url
from asm.errors import ValidationError

log = logging.getLogger("asm")

PRIMARY = "primary"
FIRST_BACKOFF_S = 1.0
LONGEST_BACKOFF_S = 30.0
# The longest a read waits for a replica's pooled connection: a standby that went away leaves
# its pool reconnecting, and the read is better served by the primary than by that wait.
CHECKOUT_S = 1.0
# WAL page header sizes (64-bit servers): short, and long on a segment's first page.
_SHORT_HEADER, _LONG_HEADER = 24, 40


def parse_lsn(text: str) -> int:
    """PostgreSQL's 'X/Y' (hex) as one number, so positions compare as ints."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def wal_target(lsn: int, block_size: int, segment_size: int) -> int:
    """The replay position that proves every commit before `lsn` (the primary's insert
    position) is replayed. When nothing follows the last record, the insert position lies
    just past the header of the next page, where no record ends: a standby's replay position
    stops at the page boundary and would never reach it. The boundary is the target then."""
    in_page = lsn % block_size
    header = _LONG_HEADER if lsn % segment_size < block_size else _SHORT_HEADER
    return lsn - in_page if in_page == header else lsn


@operation()
def primary_wal_position(db: Database) -> Steps[int]:
    """The primary's WAL insert position, as a replica's target (see wal_target)."""
    row = yield Call("current_wal_lsn")
    return wal_target(parse_lsn(row["lsn"]), int(row["block_size"]), int(row["segment_size"]))


@operation()
def replayed_position(db: Database) -> Steps[int | None]:
    """How far a standby has replayed; None when the server is not in recovery."""
    text = yield Call("replica_replay_lsn")
    return None if text is None else parse_lsn(text)


def check_replicas(primary: DatabaseURL, urls: Sequence[str | DatabaseURL], max_lag: float) -> list[DatabaseURL]:
    """The parsed replica URLs, refused before any connection when they cannot work."""
    if isinstance(urls, (str, DatabaseURL)):
        raise ValidationError("replica_urls= takes a list of URLs, not one URL", details={"field": "replica_urls"})
    parsed = [parse_url(url) for url in urls]
    if parsed and primary.dialect != "postgres":
        raise ValidationError(f"replica_urls= is for PostgreSQL hot standbys; {primary} is {primary.dialect}",
                              details={"field": "replica_urls"})
    for url in parsed:
        if url.dialect != "postgres":
            raise ValidationError(f"replica {url} is {url.dialect}: replicas are PostgreSQL hot standbys",
                                  details={"field": "replica_urls"})
        check_connectable(url)
    names = [str(url) for url in parsed]
    if len(set(names)) < len(names):
        raise ValidationError("replica_urls= lists a replica twice", details={"field": "replica_urls"})
    number = isinstance(max_lag, (int, float)) and not isinstance(max_lag, bool)
    if not (number and max_lag > 0 and math.isfinite(max_lag)):
        raise ValidationError(f"max_replica_lag must be a positive number of seconds, not {max_lag!r}",
                              details={"field": "max_replica_lag"})
    return parsed


@attrs.define(eq=False)
class Replica:
    url: DatabaseURL
    # How the replica shows in routes and logs: its URL without the password.
    name: str
    # Its last known replay position (-1: not asked yet).
    replayed: int = -1
    down_until: float = 0.0
    backoff: float = 0.0
    # A call is opening its pool: others skip it meanwhile.
    opening: bool = False


@attrs.frozen
class TargetRequest:
    """What a read noted before asking the primary for its position."""

    writes: int
    asked_at: float


class Routes:
    """One store's replicas and what is known of them. Shared by its threads or tasks: the
    few updates that must not interleave hold a lock (never across I/O)."""

    def __init__(self, urls: Sequence[DatabaseURL], max_lag: float,
                 clock: Callable[[], float] = time.monotonic):
        self.replicas = [Replica(url, str(url)) for url in urls]
        self.max_lag = max_lag
        self._clock = clock
        self._lock = threading.Lock()
        # next() on a count is atomic across threads: a write is never lost.
        self._writes = itertools.count(1)
        self._written = 0
        self._target = -1
        self._target_writes = -1
        self._target_at = -math.inf
        self._next = 0
        # Reads served, by PRIMARY or replica name; and the last read's (for tests and benches).
        self.served: Counter[str] = Counter()
        self.last_route: str | None = None

    # -- the rules ---------------------------------------------------------------------------

    def routable(self, spec: OperationSpec, *, in_transaction: bool, long_poll: bool) -> bool:
        """Whether a replica may serve this operation at all (rules a to d of the module)."""
        return bool(self.replicas) and not spec.write and not in_transaction and not long_poll

    def wrote(self) -> None:
        """A write finished on the primary (committed or not): the next read needs a new target."""
        self._written = next(self._writes)

    def target_request(self) -> TargetRequest | None:
        """None when the known target still holds; else ask the primary, then `set_target`."""
        written, now = self._written, self._clock()
        if self._target_writes == written and now - self._target_at < self.max_lag:
            return None
        # Noted before the primary is asked: its answer covers every write finished by now.
        return TargetRequest(written, now)

    def set_target(self, request: TargetRequest, lsn: int) -> int:
        """Record the primary's position; the target never moves back (a slower reader may
        answer after a newer one)."""
        with self._lock:
            self._target = max(self._target, lsn)
            self._target_writes = max(self._target_writes, request.writes)
            self._target_at = max(self._target_at, request.asked_at)
            return self._target

    @property
    def target(self) -> int:
        return self._target

    def candidates(self) -> list[Replica]:
        """The replicas not backing off, the first one turning round from read to read."""
        now = self._clock()
        up = [replica for replica in self.replicas if replica.down_until <= now]
        if not up:
            return up
        self._next = (self._next + 1) % len(up)
        return up[self._next:] + up[:self._next]

    def caught_up(self, replica: Replica, target: int) -> bool:
        return replica.replayed >= target

    def saw_replay(self, replica: Replica, lsn: int | None) -> None:
        """A replica's answer: its replay position, or None when it is not a standby (promoted,
        or the URL names a primary): then it is skipped like a failed one."""
        if lsn is None:
            self.failed(replica, "it is not in recovery (not a standby of the primary)")
            return
        replica.replayed = max(replica.replayed, lsn)

    def claim_opening(self, replica: Replica) -> bool:
        """True for the one call that may open the replica's pool now."""
        with self._lock:
            if replica.opening:
                return False
            replica.opening = True
            return True

    def opened(self, replica: Replica) -> None:
        replica.opening = False

    def failed(self, replica: Replica, reason: str) -> bool:
        """The replica failed to connect or answer: skip it for a backoff that doubles while
        it keeps failing. Logged when it goes down, not at each retry. False when it is down
        already (calls that were using it fail together: one failure, not several)."""
        with self._lock:
            if self._clock() < replica.down_until:
                return False
            was_up = replica.backoff == 0
            replica.backoff = min(max(replica.backoff * 2, FIRST_BACKOFF_S), LONGEST_BACKOFF_S)
            replica.down_until = self._clock() + replica.backoff
            replica.replayed = -1
        if was_up:
            log.warning("asm: read replica %s is skipped: %s; its reads go to the primary, and it is tried "
                        "again after %.0f s", replica.name, reason, replica.backoff)
        return True

    def serving(self, route: Replica | str) -> None:
        """A read was served by `route` (a replica, or PRIMARY)."""
        if isinstance(route, Replica):
            if route.backoff:
                log.info("asm: read replica %s serves reads again", route.name)
                route.backoff = 0.0
            route = route.name
        self.served[route] += 1
        self.last_route = route

    def describe(self) -> dict[str, Any]:
        """What is known of each replica (for logs and tests)."""
        now = self._clock()
        return {replica.name: {"replayed": replica.replayed, "down_for_s": max(0.0, replica.down_until - now)}
                for replica in self.replicas}
