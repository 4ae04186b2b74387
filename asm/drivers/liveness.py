"""Is an idle pooled connection still usable? Answered before a call sends anything on it.

A server that restarts, or kills a connection (MariaDB `KILL`, `pg_terminate_backend`), says
goodbye and closes the socket while the connection sits idle in the pool. Both protocols are
request/response, so an idle connection whose socket has something to read has been hung up
on (PostgreSQL may also have sent a notice; a round trip decides). The pools drop such
connections and hand out another one: a call never fails for a connection that died while
nobody used it. Without this, every idle connection of a store failed one call each.

This costs no round trip: one poll() of the socket with a zero timeout. Each driver module
has its check (`postgres_suspect`, `mysql_alive`, `aiomysql_alive`).
"""

from __future__ import annotations

import select


def readable(fd: int) -> bool:
    """True when `fd` has data or end-of-file to read right now (or is no socket at all)."""
    if fd < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])
