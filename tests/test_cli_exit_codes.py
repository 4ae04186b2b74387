"""docs/behaviour.md#command-line: the exit codes the README promises. 2 for a bad argument
(a count the API would refuse, a malformed or misused --cursor), 1 for a failure, 130 when
interrupted; each failure one `error: ...` line. On every dialect."""

from __future__ import annotations

import json

from test_cli import assert_one_error_line, command, record_session, run_all

INT64_MAX = 2**63 - 1


def test_counts_the_api_refuses_are_usage_errors(raw):
    bad = [
        ("sessions", "--limit", str(INT64_MAX)),
        ("sessions", "--limit", "1e23"),
        ("sessions", "--limit", "99999999999999999999"),
        ("sessions", "--limit", "-1"),
        ("sessions", "--limit", "--1"),
        ("sessions", "--limit", "1_000"),
        ("sessions", "--limit", "\u0663"),  # a digit of another script
        ("migrate", "--rollback", "--steps", "99999999999999999999"),
        ("migrate", "--rollback", "--steps", "0"),
        # Every other count and limit, checked the same way (the issue's `--after` exited 1).
        ("events", "ses_x", "--after", "99999999999999999999"),
        ("events", "ses_x", "--before", "1e23"),
        ("events", "ses_x", "--limit", str(INT64_MAX + 1)),
        ("events", "ses_x", "--last", "-1"),
        ("show", "ses_x", "--last", "1e23"),
        ("runs", "--limit", str(INT64_MAX)),
        ("search", "--limit", "0"),
        ("maintain", "--batch-size", "0"),
        ("maintain", "--max-total-events", "99999999999999999999"),
        ("maintain", "--max-events-per-session", "1e23"),
    ]
    results = run_all(*(command(raw.url, *args) for args in bad))
    for args, result in zip(bad, results, strict=True):
        line = assert_one_error_line(result)
        assert result.returncode == 2, (args, line)
        assert args[-2] in line, line  # the option is named


def test_the_largest_page_limit_the_api_takes_is_accepted(raw):
    record_session(raw.url)
    (result,) = run_all(command(raw.url, "--json", "sessions", "--limit", str(INT64_MAX - 1)))
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["sessions"]) == 1


def test_a_malformed_or_misused_cursor_is_a_usage_error(raw):
    for _ in range(2):
        record_session(raw.url)
    (first,) = run_all(command(raw.url, "--json", "sessions", "--limit", "1"))
    cursor = json.loads(first.stdout)["cursor"]
    malformed, edited, other_filters, other_order, same = run_all(
        command(raw.url, "sessions", "--cursor", "not-a-cursor!"),
        command(raw.url, "sessions", "--cursor", cursor[:-4]),
        command(raw.url, "sessions", "--limit", "1", "--cursor", cursor, "--agent", "someone-else"),
        command(raw.url, "sessions", "--limit", "1", "--cursor", cursor, "--order", "created_at_asc"),
        command(raw.url, "--json", "sessions", "--limit", "1", "--cursor", cursor),
    )
    for result in (malformed, edited, other_filters, other_order):
        assert_one_error_line(result)
        assert result.returncode == 2, result.stderr
    assert "other filters" in other_filters.stderr
    assert same.returncode == 0 and len(json.loads(same.stdout)["sessions"]) == 1
