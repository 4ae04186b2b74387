"""Is an idle pooled connection still usable? Answered before a call sends anything on it.

A server that restarts, or kills a connection (MariaDB `KILL`, `pg_terminate_backend`), says
goodbye and closes the socket while the connection sits idle in the pool. Both protocols are
request/response, so an idle connection whose socket has something to read has been hung up
on (PostgreSQL may also have sent a notice; a round trip decides). The pools drop such
connections and hand out another one: a call never fails for a connection that died while
nobody used it. Without this, every idle connection of a store failed one call each.

This costs no round trip: one poll() of the socket with a zero timeout.
"""

from __future__ import annotations

import select
from typing import Any


def readable(fd: int) -> bool:
    """True when `fd` has data or end-of-file to read right now (or is no socket at all)."""
    if fd < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def mysql_alive(conn: Any) -> bool:
    """PyMySQL: its socket is `_sock` (None once closed)."""
    sock = getattr(conn, "_sock", None)
    return sock is not None and not readable(sock.fileno())


def aiomysql_alive(conn: Any) -> bool:
    """aiomysql: the loop may already have read the goodbye into the stream reader."""
    if conn.closed:
        return False
    reader = conn._reader
    if reader.at_eof() or reader._buffer:  # noqa: SLF001 - no public way to peek
        return False
    sock = conn._writer.get_extra_info("socket")
    return sock is not None and not readable(sock.fileno())


def postgres_suspect(conn: Any) -> bool:
    """psycopg: True when the connection must pass a round trip before it is handed out."""
    return conn.closed or conn.broken or readable(conn.pgconn.socket)
