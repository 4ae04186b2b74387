"""squawk (PyPI squawk-cli) finds nothing in migrations/postgres: every warning is fixed, or its
rule is excluded in .squawk.toml with the reason on the same line. Each file is linted the way
yoyo runs it: in a transaction unless it says `-- transactional: false` (a rollback runs as its
migration does)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from yoyo.migrations import read_sql_migration

from databases import IN_CI

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = REPO_ROOT / ".squawk.toml"
MIGRATIONS = REPO_ROOT / "migrations" / "postgres"
FILES = sorted(MIGRATIONS.glob("*.sql"))


def squawk_binary() -> str:
    found = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
    if found is None:
        message = "squawk is not installed (pip install -e '.[test]' brings squawk-cli)"
        if IN_CI:
            pytest.fail(message + " (CI=true: the lint must run)", pytrace=False)
        pytest.skip(message)
    return found


def transactional(path: Path) -> bool:
    """As yoyo decides it: the forward file's `-- transactional:` directive, default true."""
    forward = path.with_name(path.name.replace(".rollback.sql", ".sql"))
    directives, _, _ = read_sql_migration(str(forward))
    return directives.get("transactional", "true").lower() == "true"


def rollback_exclusions() -> list[str]:
    return tomllib.loads(CONFIG.read_text())["asm"]["rollbacks"]["excluded_rules"]


def config_exclusions() -> list[str]:
    return tomllib.loads(CONFIG.read_text())["excluded_rules"]


def squawk(path: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [squawk_binary(), "--config", str(CONFIG), "--reporter", "gcc", *extra]
    args.append("--assume-in-transaction" if transactional(path) else "--no-assume-in-transaction")
    if path.name.endswith(".rollback.sql"):
        # --exclude replaces the config's list, so it names both.
        args += ["--exclude", ",".join(config_exclusions() + rollback_exclusions())]
    return subprocess.run([*args, str(path)], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_squawk_finds_nothing_in_the_postgres_migrations(path):
    result = squawk(path)
    assert result.returncode == 0 and not result.stdout.strip(), (
        f"squawk on {path.name}:\n{result.stdout}{result.stderr}\n"
        "Fix the migration, or exclude the rule in .squawk.toml with the reason on its line.")


def test_every_excluded_rule_gives_its_reason():
    lines = [line for line in CONFIG.read_text().splitlines() if re.match(r'\s*"[a-z-]+",', line)]
    excluded = config_exclusions() + rollback_exclusions()
    assert len(lines) == len(excluded)
    for line in lines:
        assert re.search(r"#\s*\S.{10,}", line), f"no reason given: {line.strip()}"


@pytest.mark.parametrize(("sql", "rules"), [
    ("CREATE INDEX asm_events_type_idx ON asm_events (type);",
     {"require-concurrent-index-creation", "require-lock-timeout"}),
    ("SET lock_timeout = '5s';\nALTER TABLE asm_events ADD COLUMN n BIGINT NOT NULL;",
     {"adding-required-field"}),
    ("SET lock_timeout = '5s';\nALTER TABLE asm_runs ALTER COLUMN status TYPE TEXT;",
     {"changing-column-type"}),
])
def test_the_config_still_catches_a_blocking_migration(tmp_path, sql, rules):
    """The exclusions leave the rules that matter on: these statements would lock a live table."""
    path = tmp_path / "0099.blocking.sql"
    path.write_text(f"-- a migration that would block writers\n-- depends: 0004.event-notifications\n\n{sql}\n")
    result = squawk(path)
    found = set(re.findall(r"warning: ([a-z-]+)", result.stdout))
    assert result.returncode != 0 and rules <= found, result.stdout
