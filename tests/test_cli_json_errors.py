"""docs/behaviour.md#command-line: with --json a failure is one JSON document on stderr,
{"error": {"code": ..., "message": ...}} (the asm error's stable code, or the command line's
own), and every command's JSON document names its database (the URL without its password)."""

from __future__ import annotations

import json

from asm.drivers.urls import parse_url
from asm.migrations import shipped_migration_ids
from test_cli import command, record_session, run_all, run_json


def json_error(result) -> dict:
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    document = json.loads(lines[0])
    assert set(document) == {"error"} and set(document["error"]) == {"code", "message"}
    return document["error"]


def test_failures_are_json_documents_with_stable_codes(raw, tmp_path):
    results = run_all(
        command(raw.url, "--json", "sessions", "--limit", "0"),
        command(raw.url, "sessions", "--json", "--cursor", "garbage"),
        command(raw.url, "--json", "show", "ses_unknown"),
        command(raw.url, "--json", "no-such-command"),
        command("nosuchscheme://u:secret@x/y", "--json", "sessions"),
        command(f"sqlite:///{tmp_path / 'typo.db'}", "--json", "usage"),
    )
    errors = [json_error(result) for result in results]
    assert [(e["code"], r.returncode) for e, r in zip(errors, results, strict=True)] == [
        ("usage_error", 2), ("invalid_cursor", 2), ("session_not_found", 1), ("usage_error", 2),
        ("validation_error", 1), ("storage_connection_failed", 1)]
    assert "--limit" in errors[0]["message"] and "ses_unknown" in errors[2]["message"]
    assert "secret" not in results[4].stderr
    # Without --json: the plain line, as always.
    (plain,) = run_all(command(raw.url, "show", "ses_unknown"))
    assert plain.stderr == "error: no session with id 'ses_unknown'\n"


def test_every_json_document_names_its_database(raw, tmp_path):
    session = record_session(raw.url)
    shown = str(parse_url(raw.url))
    documents = [run_json(raw.url, *args) for args in (
        ("sessions",), ("show", session.id), ("events", session.id), ("usage",), ("migrate", "--status"),
    )]
    assert all(document["database"] == shown for document in documents)
    assert documents[0]["has_more"] is False and "cursor" in documents[0]  # still a page


def test_demo_and_migrate_say_applied(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    memory = run_json("sqlite://:memory:", "demo")
    assert memory["applied"] == shipped_migration_ids("sqlite") and "migrations_applied" not in memory
    assert memory["database"] == "sqlite://:memory:"
    first = run_json(url, "demo")
    assert first["applied"] == shipped_migration_ids("sqlite")
    assert run_json(url, "demo")["applied"] == [] and run_json(url, "migrate")["applied"] == []
