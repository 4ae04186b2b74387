"""bench/pooler.py and bench/replicas.py (what a call through PgBouncer, and a read through a
replica, cost against a direct one) run end to end on tiny sizes, so they cannot rot. This
checks what is written, never the timings."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bench import pooler, replicas


def rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| call")
            and not line.startswith("| read")]


def test_the_pooler_benchmark_writes_a_row_per_call(tmp_path):
    out = tmp_path / "pooler.md"
    outcome = CliRunner().invoke(pooler.main, ["-n", "20", "--out", str(out)], catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    written = rows(out.read_text())
    assert [row.split(" | ")[0] for row in written] == [
        "| append_event", "| append_events, batch of 100", "| get_events(last=20)"]


@pytest.mark.stress  # it starts a primary and a standby
def test_the_replica_benchmark_writes_a_row_per_read_and_side(tmp_path):
    out = tmp_path / "replicas.md"
    outcome = CliRunner().invoke(replicas.main, ["-n", "5", "--history", "50", "--sessions", "60", "--out", str(out)],
                                 catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    written = rows(out.read_text())
    assert len(written) == 6
    assert all("standby" in row for row in written), "the routed reads were counted per server"
