"""Export and import of a 200,000-event session in bounded memory (issue 14), at the real page
and chunk sizes. Each call runs in a process of its own (bench/export_child.py), which reports
how far its peak resident set rose during the call: a fraction of the document, where the
in-memory path (export_session + to_json, from_json + import_session) took about 8 times it.
One API per dialect keeps this to a few minutes; the default run checks every combination on
small sessions (tests/reliability/test_export_memory.py).
"""

from __future__ import annotations

import pytest

import asm
from asm import Session
from bench.export import measure
from bench.floor import open_floor
from bench.seed import seed_events

EVENTS = 200_000
pytestmark = pytest.mark.stress


@pytest.mark.parametrize(("dialect", "api"), [("sqlite", "async"), ("postgres", "sync"), ("mysql", "async")])
def test_a_long_session_exports_and_imports_in_bounded_memory(raw, tmp_path, dialect, api):
    session_id = "ses_stress_export"
    with asm.connect(raw.url) as store:
        store.save_session(Session.new(id=session_id, agent_id="stress"))
    floor = open_floor(dialect, raw.url)
    try:
        seed_events(dialect, floor.conn, session_id, EVENTS)
    finally:
        floor.close()
    path = tmp_path / "export.json"
    suffix = "-async" if api == "async" else ""

    exported = measure("export" + suffix, raw.url, session_id, str(path))
    raw.clean()
    imported = measure("import" + suffix, raw.url, session_id, str(path))

    assert exported.events == imported.events == EVENTS
    assert raw.scalar("SELECT COUNT(*) FROM asm_events WHERE session_id = ?", session_id) == EVENTS
    assert raw.scalar("SELECT last_sequence FROM asm_session_sequences WHERE session_id = ?", session_id) == EVENTS
    for measured in (exported, imported):
        assert measured.rss_growth_bytes < measured.document_bytes / 3, measured
