"""iter_events over one long session in bounded memory (issue 8): the peak of Python allocations
(tracemalloc) and the growth of the process's resident memory while walking the whole log."""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from dataclasses import dataclass

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
RSS_SAMPLE_EVERY = 5_000


@dataclass
class IterationMemory:
    session_events: int
    events_read: int
    seconds: float            # with tracemalloc on, which slows allocation-heavy code
    traced_peak_bytes: int    # highest Python allocation above the start, during the walk
    rss_growth_bytes: int     # highest resident size above the start, sampled


def measure_iteration(store, session_id: str, session_events: int, batch_size: int = 500) -> IterationMemory:
    """Walk every event of the session without keeping any, measuring memory on the way."""
    gc.collect()
    rss_start = _rss()
    rss_peak = rss_start
    tracemalloc.start()
    traced_start = tracemalloc.get_traced_memory()[0]
    read = 0
    started = time.perf_counter()
    try:
        for _event in store.iter_events(session_id, batch_size=batch_size):
            read += 1
            if read % RSS_SAMPLE_EVERY == 0:
                rss_peak = max(rss_peak, _rss())
        seconds = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] - traced_start
    finally:
        tracemalloc.stop()
    rss_peak = max(rss_peak, _rss())
    return IterationMemory(session_events, read, seconds, traced_peak, rss_peak - rss_start)


def _rss() -> int:
    """Resident bytes now (Linux); 0 elsewhere, where only the tracemalloc figure is reported."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except OSError:
        return 0
