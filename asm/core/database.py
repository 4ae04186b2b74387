"""What an operation works against: a dialect, and the settings of the store that runs it."""

from __future__ import annotations

import attrs

from asm.drivers.dialects import Dialect

DEFAULT_MAX_EVENT_BYTES = 1_048_576


@attrs.define(eq=False)
class Database:
    """The first argument of every operation and job. The dialect says how the database
    spells values and SQL (shared by every store); the rest is this store's: what it was
    opened with, and what it learned of its server."""

    dialect: Dialect
    # The largest JSON text of an event's `data` or `metadata`, in UTF-8 bytes; None: no limit.
    max_event_bytes: int | None = DEFAULT_MAX_EVENT_BYTES
    # The key material of the store's keyset cursors (asm/cursors.py); None: the built-in key.
    cursor_secret: bytes | None = None
    # The largest statement the server takes, in bytes (MySQL's max_allowed_packet): batches
    # split their lists to fit. Read by the store's first batch (query get_max_packet).
    max_packet_bytes: int | None = None
