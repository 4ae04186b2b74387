"""Regenerate asm.sql.typed: `python -m asm.sql.generate` (from a checkout, with the servers).

Describes every named query of queries/<dialect>/ on a freshly migrated database of each
dialect (see asm/sql/codegen/) and writes asm/sql/typed/<dialect>.py. SQLite needs nothing;
PostgreSQL and MySQL need a server where the generator may create and drop a throwaway
database: `--postgres` / `--mysql` take an admin URL (default: $ASM_TEST_POSTGRES_URL /
$ASM_TEST_MYSQL_URL, else the test suite's defaults). `--check` writes nothing and exits 1
when a checked-in module differs from what the SQL gives now.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pymysql  # type: ignore[import-untyped, unused-ignore]

import asm
from asm.drivers.mysql import connect_options as mysql_options
from asm.drivers.urls import parse_url
from asm.sql.codegen.describe import describe
from asm.sql.codegen.render import render

DIALECTS = ("postgres", "sqlite", "mysql")
TYPED_DIR = Path(__file__).resolve().parent / "typed"
ADMIN_URLS = {
    "postgres": os.environ.get("ASM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    "mysql": os.environ.get("ASM_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/mysql"),
}


def module_text(dialect: str, url: str) -> tuple[str, list[str]]:
    """The text of asm/sql/typed/<dialect>.py, from the migrated database at `url`, and the
    parameters and columns nothing explained (typed as object / any SQLite value)."""
    return render(describe(dialect, url))


def module_path(dialect: str) -> Path:
    return TYPED_DIR / f"{dialect}.py"


@contextmanager
def migrated_database(dialect: str, admin_url: str | None = None) -> Iterator[str]:
    """A throwaway database of `dialect` with asm's migrations applied; its URL."""
    if dialect == "sqlite":
        with tempfile.TemporaryDirectory(prefix="asm-generate-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'asm.db'}"
            asm.migrate(url)
            yield url
        return
    admin_url = admin_url or ADMIN_URLS[dialect]
    if parse_url(admin_url).dialect != dialect:
        raise SystemExit(f"--{dialect} needs a {dialect} URL, not {parse_url(admin_url)}")
    name = f"asm_generate_{uuid.uuid4().hex[:12]}"
    _admin_execute(dialect, admin_url, f"CREATE DATABASE {name}")
    try:
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        asm.migrate(url)
        yield url
    finally:
        force = " WITH (FORCE)" if dialect == "postgres" else ""
        _admin_execute(dialect, admin_url, f"DROP DATABASE IF EXISTS {name}{force}")


def _admin_execute(dialect: str, admin_url: str, statement: str) -> None:
    # The statement names a database made up here: no value of anyone else's is spliced in.
    url = parse_url(admin_url)
    if dialect == "postgres":
        with psycopg.connect(url.conninfo(), autocommit=True) as conn:
            conn.execute(statement.encode())
        return
    mysql = pymysql.connect(**mysql_options(url, 30.0))
    try:
        with mysql.cursor() as cur:
            cur.execute(statement)
    finally:
        mysql.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asm.sql.generate", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a module is stale")
    parser.add_argument("--dialect", action="append", choices=DIALECTS, help="only this dialect (repeatable)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL admin URL")
    parser.add_argument("--mysql", metavar="URL", help="MySQL/MariaDB admin URL")
    args = parser.parse_args(argv)
    stale = []
    for dialect in args.dialect or DIALECTS:
        with migrated_database(dialect, {"postgres": args.postgres, "mysql": args.mysql}.get(dialect)) as url:
            text, unexplained = module_text(dialect, url)
        for item in unexplained:
            print(f"{dialect}: nothing tells the type of {item}", file=sys.stderr)
        path = module_path(dialect)
        current = path.read_text() if path.exists() else None
        if current == text:
            print(f"{path}: up to date")
        elif args.check:
            stale.append(dialect)
            print(f"{path}: stale (run python -m asm.sql.generate)")
        else:
            path.write_text(text)
            print(f"{path}: written")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
