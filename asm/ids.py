"""Time-ordered ids (UUIDv7 bit layout) and the UTC clock."""

from __future__ import annotations

import os
import random
import threading
from datetime import datetime, timezone
from time import time_ns

__all__ = ["new_id", "utc_now", "as_utc"]

_lock = threading.Lock()
# A private generator: a user's random.seed() must not make two processes draw the same ids,
# and SystemRandom costs 10x more per call.
_random = random.Random()
_last_ms = 0
_counter = 0


def new_id(prefix: str) -> str:
    """`prefix_` + 32 hex digits: 48-bit unix ms, version 7, 12-bit counter, variant, 62 random.

    Ids from one process sort in creation order: within a millisecond the counter
    (RFC 9562 §6.2 method 1) increases; if it runs out, or the clock steps back, the
    timestamp is carried forward instead.
    """
    global _last_ms, _counter
    with _lock:
        now_ms = time_ns() // 1_000_000
        if now_ms > _last_ms:
            _last_ms = now_ms
            # Random start with the top bit clear leaves >= 2048 increments in this ms.
            _counter = _random.getrandbits(11)
        elif _counter < 0xFFF:
            _counter += 1
        else:
            _last_ms += 1
            _counter = 0
        ms, counter = _last_ms, _counter
    value = (ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | _random.getrandbits(62)
    return f"{prefix}_{value:032x}"


def _after_fork() -> None:
    # The child must not replay the parent's random stream, and a fork while another thread
    # held the lock would leave it locked forever.
    global _lock
    _lock = threading.Lock()
    _random.seed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def utc_now() -> datetime:
    """Aware UTC now, microsecond precision."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime; ValueError for a naive one."""
    if value.tzinfo is timezone.utc:
        return value
    if value.utcoffset() is None:
        raise ValueError("naive datetime (no timezone)")
    return value.astimezone(timezone.utc)
