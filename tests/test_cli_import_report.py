"""`asm import` says what it did: created, updated, unchanged, and events kept as stored though
the file's differ (events are append-only). `asm export` of an id with events but no row says why
there is nothing to export. Driven through the real `asm` script, on every dialect."""

from __future__ import annotations

import json

import asm
from asm import Event, Session
from test_cli import assert_one_error_line, command, ok, record_session, run, run_all, run_json


def test_a_second_import_says_nothing_changed(raw, fresh_url, tmp_path):
    session = record_session(raw.url)
    exported = tmp_path / "session.json"
    run(raw.url, "export", session.id, "--artifacts", "-o", str(exported))
    run(fresh_url, "migrate")
    first = run(fresh_url, "import", str(exported)).stdout
    assert "session row: created" in first and "runs: 1 created, 0 updated, 0 unchanged" in first
    assert "events: 2 created" in first and "artifacts: 1 created" in first
    again = run(fresh_url, "import", str(exported)).stdout
    assert "nothing changed: everything in the file was stored already" in again and "created" not in again


def test_an_edited_export_updates_the_session_and_runs_but_keeps_stored_events(raw, tmp_path):
    session = record_session(raw.url)
    exported = tmp_path / "session.json"
    run(raw.url, "export", session.id, "-o", str(exported))
    document = json.loads(exported.read_text())
    document["session"]["status"] = "completed"
    document["runs"][0]["turn_count"] = 7
    document["events"][0]["data"] = {"content": "edited"}
    exported.write_text(json.dumps(document))
    report = run(raw.url, "import", str(exported)).stdout
    assert "session row: updated" in report and "runs: 0 created, 1 updated, 0 unchanged" in report
    assert "events: 0 created, 2 already stored, kept as stored (1 differ from the file" in report
    as_json = run_json(raw.url, "import", str(exported))
    assert as_json["events"] == 2 and as_json["imported"] == session.id
    assert as_json["changes"]["session"] == {"created": 0, "updated": 0, "unchanged": 1, "kept": 0, "differing": 0}
    assert as_json["changes"]["events"] == {"created": 0, "updated": 0, "unchanged": 0, "kept": 2, "differing": 1}
    assert as_json["changes"]["runs"]["unchanged"] == 1
    with asm.connect(raw.url) as store:
        assert store.get_session(session.id).status.value == "completed"
        assert store.get_events(session.id)[0].data == {"content": "hi [b]x[/b]"}  # kept as stored


def test_exporting_an_id_with_events_but_no_session_row_says_why(raw):
    orphan = Session.new(agent_id="gone").id
    with asm.connect(raw.url) as store:
        store.append_events([Event.new(type="message_sent", session_id=orphan, data={"content": "x"})])
    exported, unknown = run_all(command(raw.url, "export", orphan), command(raw.url, "export", "ses_unknown"))
    line = assert_one_error_line(exported)
    assert "has 1 events but no session row" in line and f"asm events {orphan}" in line
    assert assert_one_error_line(unknown) == "error: no session with id 'ses_unknown'"
    shown, = ok(command(raw.url, "show", orphan))
    assert "has events but no session row" in shown.stdout
