"""`asm sessions` counts every matching session only with `--total` (the count reads them all)."""

from __future__ import annotations

import json

import pytest

from test_cli import command, ok, record_session


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_sessions_prints_the_total_only_with_total(raw):
    for _ in range(2):
        record_session(raw.url)
    plain, total, plain_json, total_json = ok(
        command(raw.url, "sessions", "--limit", "1"),
        command(raw.url, "sessions", "--limit", "1", "--total"),
        command(raw.url, "--json", "sessions", "--limit", "1"),
        command(raw.url, "--json", "sessions", "--limit", "1", "--total"),
    )
    assert "Sessions (1)" in plain.stdout and " of " not in plain.stdout.splitlines()[0]
    assert "Sessions (1 of 2)" in total.stdout
    assert json.loads(plain_json.stdout)["total_count"] is None
    assert json.loads(total_json.stdout)["total_count"] == 2
