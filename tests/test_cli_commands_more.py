"""`asm runs`, `search`, `stats`, `artifacts`, `health`, `sessions --since` and the `--csv` /
`--tsv` output of the list-like commands, through the real `asm` command on every dialect."""

from __future__ import annotations

import csv
import io
import json

from test_cli import assert_one_error_line, command, ok, record_session, run_all


def rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_runs_search_stats_and_artifacts_of_a_session(raw):
    session = record_session(raw.url, streamed=2)
    other = record_session(raw.url)
    (runs_json, runs_table, all_runs, search_json, search_count, search_table, stats_json, stats_table,
     artifacts_json, artifacts_table) = ok(
        command(raw.url, "--json", "runs", session.id),
        command(raw.url, "runs", session.id),
        command(raw.url, "--json", "runs", "--provider", "openai", "--limit", "1"),
        command(raw.url, "--json", "search", "--session", session.id, "--type", "message_streamed",
                "--type", "run_completed"),
        command(raw.url, "search", "--count", "--type", "message_received"),
        command(raw.url, "search", "--session", other.id),
        command(raw.url, "--json", "stats", session.id),
        command(raw.url, "stats", session.id),
        command(raw.url, "--json", "artifacts", session.id),
        command(raw.url, "artifacts", session.id),
    )
    (run,) = json.loads(runs_json.stdout)["runs"]
    assert run["session_id"] == session.id and run["provider"] == "openai"
    assert run["id"] in runs_table.stdout and "completed" in runs_table.stdout
    page = json.loads(all_runs.stdout)
    assert len(page["runs"]) == 1 and page["has_more"] is True and page["cursor"]

    found = json.loads(search_json.stdout)["events"]
    assert [(e["session_id"], e["type"]) for e in found] == [(session.id, "message_streamed")] * 2 + [
        (session.id, "run_completed")]
    assert search_count.stdout.strip() == "2"
    assert other.id in search_table.stdout and "run_completed" in search_table.stdout

    stats = json.loads(stats_json.stdout)
    assert stats["event_count"] == 4 and stats["run_count"] == 1
    assert stats["events_by_type"] == {"message_received": 1, "message_streamed": 2, "run_completed": 1}
    assert stats["token_totals"]["total_tokens"] == 15 and stats["providers_used"] == ["openai"]
    assert stats["artifact_count"] == 1 and stats["first_event_at"].endswith("Z")
    assert "message_streamed" in stats_table.stdout and "15" in stats_table.stdout

    (artifact,) = json.loads(artifacts_json.stdout)["artifacts"]
    assert artifact["key"] == f"k/{session.id}" and artifact["size_bytes"] == 3
    assert "k/" in artifacts_table.stdout


def test_csv_and_tsv_of_the_list_commands(raw):
    session = record_session(raw.url)
    sessions, runs, search, artifacts, usage = ok(
        command(raw.url, "sessions", "--csv"),
        command(raw.url, "runs", session.id, "--tsv"),
        command(raw.url, "search", "--session", session.id, "--csv"),
        command(raw.url, "artifacts", session.id, "--tsv"),
        command(raw.url, "usage", "--csv"),
    )
    (row,) = rows(sessions.stdout)
    assert row["id"] == session.id and row["tags"] == "t" and row["created_at"].endswith("Z")
    (row,) = rows(runs.stdout, "\t")
    assert row["session_id"] == session.id and row["total_tokens"] == "15" and row["ended_at"] == ""
    events = rows(search.stdout)
    assert [e["type"] for e in events] == ["message_received", "run_completed"]
    assert json.loads(events[0]["data"]) == {"content": "hi [b]x[/b]"}  # whole JSON, markup untouched
    (row,) = rows(artifacts.stdout, "\t")
    assert row["key"] == f"k/{session.id}" and row["size_bytes"] == "3"
    assert rows(usage.stdout) == [{"provider": "openai", "runs": "1", "input_tokens": "10", "output_tokens": "5",
                                   "total_tokens": "15"}]


def test_sessions_since_until(raw):
    session = record_session(raw.url)
    created = session.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    since, until_before, tomorrow, as_printed = ok(
        command(raw.url, "--json", "sessions", "--since", session.created_at.date().isoformat()),
        command(raw.url, "--json", "sessions", "--until", "2000-01-01"),
        command(raw.url, "--json", "sessions", "--since", "2999-01-01T00:00:00+02:00"),
        command(raw.url, "--json", "sessions", "--since", created, "--until", created),
    )
    assert [s["id"] for s in json.loads(since.stdout)["sessions"]] == [session.id]
    assert json.loads(until_before.stdout)["sessions"] == []
    assert json.loads(tomorrow.stdout)["sessions"] == []
    assert [s["id"] for s in json.loads(as_printed.stdout)["sessions"]] == [session.id]


def test_health_and_the_failures_of_the_new_commands(raw, fresh_url):
    record_session(raw.url)
    healthy, healthy_json = ok(command(raw.url, "health"), command(raw.url, "--json", "health"))
    assert healthy.stdout.splitlines()[-1] == "healthy"
    document = json.loads(healthy_json.stdout)
    assert document["healthy"] is True and document["pending"] == [] and document["problems"] == []
    assert len(document["applied"]) >= 6

    # One after the other: two first reads of a fresh MySQL database race creating yoyo's tables.
    (unmigrated,) = run_all(command(fresh_url, "health"))
    unmigrated_json, unknown, both, bad_type = run_all(
        command(fresh_url, "--json", "health"),
        command(raw.url, "runs", "ses_unknown"),
        command(raw.url, "--json", "sessions", "--csv"),
        command(raw.url, "search", "--type", "nope"),
    )
    assert unmigrated.returncode == 1 and "pending" in unmigrated.stdout and "unhealthy" in unmigrated.stdout
    assert unmigrated_json.returncode == 1 and json.loads(unmigrated_json.stdout)["healthy"] is False
    assert "ses_unknown" in assert_one_error_line(unknown) and unknown.returncode == 1
    # With --json the error is a JSON document on stderr: either way it names both options.
    assert both.returncode == 2 and both.stdout == "" and "--csv and --json" in both.stderr
    assert "TYPE" in assert_one_error_line(bad_type) or "nope" in bad_type.stderr
    assert bad_type.returncode == 2
