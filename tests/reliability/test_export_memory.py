"""Export and import in bounded memory (issue 14): the streamed calls hold about one page of
records and one chunk of text, however long the session; the in-memory path holds it all.

Pages and chunks are made small here so that a few hundred events are many pages: the peak of
Python allocations (tracemalloc) must then stay flat while the session grows fivefold, and well
below the document's size. tests/stress/test_export_memory.py does 200,000 events at the real
sizes; `python -m bench.export` measures 1,000,000.
"""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from asm import Event, Session
from asm.query import export_stream, json_reader

SMALL, LARGE = 120, 600
# Events of a few kilobytes: what a page holds (and what drivers keep anyway) stays well under the document.
DATA = {"role": "assistant", "content": "Here is the summary you asked for. " * 120,
        "usage": {"input_tokens": 812, "output_tokens": 164, "total_tokens": 976}}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(export_stream, "PAGE_SIZE", 10)
    monkeypatch.setattr(json_reader, "CHUNK_CHARS", 1 << 13)


def seed(store, events: int) -> Session:
    session = Session.new(agent_id="memory")
    store.save_session(session)
    for start in range(0, events, 500):
        store.append_events([Event.new(type="message_sent", session_id=session.id, data={**DATA, "i": i})
                             for i in range(start, min(events, start + 500))])
    return session


def traced_peak(call) -> int:
    """Highest Python allocation above the start while `call` runs (every thread)."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_streamed_export_and_import_hold_a_page_not_the_session(store, raw, small_pages, tmp_path):
    peaks, sizes = {}, {}
    for events in (SMALL, LARGE):
        session = seed(store, events)
        path = tmp_path / f"{events}.json"
        export_peak = traced_peak(lambda: store.query.export_session_to(session.id, path))
        sizes[events] = path.stat().st_size
        raw.clean()
        import_peak = traced_peak(lambda: store.query.import_session_from(path))
        assert store.get_latest_sequence(session.id) == events
        assert store.get_events(session.id, after=events - 1)[0].sequence_number == events
        peaks[events] = (export_peak, import_peak)
        if events == LARGE:
            # The measure sees a whole document held in memory: the in-memory path is over its size.
            assert traced_peak(lambda: store.query.export_session(session.id).to_json()) > sizes[LARGE]
        raw.clean()
    assert sizes[LARGE] > 4 * sizes[SMALL]
    for kind, small, large in zip(("export", "import"), peaks[SMALL], peaks[LARGE], strict=True):
        assert large < 1.5 * small, (kind, peaks)
        assert large < sizes[LARGE] / 4, (kind, peaks, sizes)
