"""`asm usage`: --since/--until read the timestamps asm prints, and providers come in one order on
every dialect, runs without a provider apart from a provider named "unknown"."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import asm
from asm import Run, Session

from test_cli import ENV, command, ok, run_all

START = datetime(2026, 3, 4, 10, 0, 0, 123456, tzinfo=UTC)


def record_runs(url: str) -> Session:
    """Runs by zeta, alpha, a provider really named "unknown", and two without a provider, an
    hour apart from START."""
    providers = ["zeta", None, "unknown", "alpha", None]
    with asm.connect(url) as store:
        session = Session.new(agent_id="usage-test")
        store.save_session(session)
        for hour, provider in enumerate(providers):
            store.save_run(Run.new(session_id=session.id, provider=provider, status="completed",
                                   started_at=START + timedelta(hours=hour),
                                   token_usage={"input_tokens": 10 * (hour + 1), "output_tokens": 1,
                                                "total_tokens": 10 * (hour + 1) + 1}))
    return session


def test_usage_orders_providers_the_same_everywhere_with_no_provider_apart(raw):
    record_runs(raw.url)
    document, table, table_csv = ok(command(raw.url, "--json", "usage"), command(raw.url, "usage"),
                                    command(raw.url, "usage", "--csv"))
    usage = json.loads(document.stdout)
    assert [p["provider"] for p in usage["by_provider"]] == ["alpha", "unknown", "zeta", None]
    by_name = {p["provider"]: p for p in usage["by_provider"]}
    assert by_name[None] == {"provider": None, "run_count": 2, "input_tokens": 20 + 50, "output_tokens": 2,
                             "total_tokens": 21 + 51}
    assert by_name["unknown"]["run_count"] == 1 and by_name["unknown"]["input_tokens"] == 30
    assert usage["run_count"] == 5 and usage["total_tokens"] == sum(p["total_tokens"] for p in usage["by_provider"])

    rows = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows == ["alpha", "unknown", "zeta", "(none)", "total"]
    assert list(csv.reader(io.StringIO(table_csv.stdout))) == [
        ["provider", "runs", "input_tokens", "output_tokens", "total_tokens"],
        ["alpha", "1", "40", "1", "41"], ["unknown", "1", "30", "1", "31"], ["zeta", "1", "10", "1", "11"],
        ["", "2", "70", "2", "72"]]


def test_a_provider_filter_named_unknown_counts_only_that_provider(raw):
    record_runs(raw.url)
    (result,) = ok(command(raw.url, "--json", "usage", "--provider", "unknown"))
    assert [(p["provider"], p["run_count"]) for p in json.loads(result.stdout)["by_provider"]] == [("unknown", 1)]


def test_since_and_until_take_what_asm_prints_offsets_and_plain_dates(raw):
    session = record_runs(raw.url)
    (runs,) = ok(command(raw.url, "--json", "runs", session.id))
    printed = [r["started_at"] for r in json.loads(runs.stdout)["runs"]]
    assert printed[2] == "2026-03-04T12:00:00.123456Z"  # the tool's own format
    results = ok(
        command(raw.url, "--json", "usage", "--since", printed[2]),                    # ...ffffffZ
        command(raw.url, "--json", "usage", "--since", "2026-03-04T14:00:00.123456+02:00",
                "--until", "2026-03-04T12:00:00.123456Z"),                             # an offset: 12:00 UTC
        command(raw.url, "--json", "usage", "--until", "2026-03-04 11:00:00.123456"),  # no offset: UTC
        command(raw.url, "--json", "usage", "--since", "2026-03-05"),                  # a date: midnight UTC
        command(raw.url, "--json", "usage", "--until", "2026-03-04"),
        command(raw.url, "--json", "usage", "--since", "2026-03-04"),
    )
    assert [json.loads(r.stdout)["run_count"] for r in results] == [3, 1, 2, 0, 0, 5]
    bad = run_all(command(raw.url, "usage", "--since", "last week"), env=ENV)[0]
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr and "--since" in bad.stderr
