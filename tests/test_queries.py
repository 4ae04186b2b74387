"""The named SQL: same names in every dialect folder, none defined twice, each commented,
each loadable, and every name the code calls defined."""

import re
from collections import Counter
from pathlib import Path

import pytest

from asm.sql.files import load_queries, queries_dir
from asm.drivers import SYNC_DRIVERS
from databases import DIALECTS

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"^--\s*name:\s*([\w-]+)[^\n]*\n(--[^\n]*\n)?", re.M)


def names_by_file(dialect):
    return {
        path.stem: [m.group(1) for m in NAME.finditer(path.read_text())]
        for path in sorted(queries_dir(dialect).glob("*.sql"))
    }


def test_every_dialect_folder_has_the_same_files_and_query_names():
    reference = names_by_file("postgres")
    for dialect in DIALECTS:
        got = names_by_file(dialect)
        assert {f: sorted(n) for f, n in got.items()} == {f: sorted(n) for f, n in reference.items()}, dialect


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_query_name_is_defined_twice(dialect):
    # aiosql loads every file onto one object and the last definition silently wins.
    counts = Counter(name for names in names_by_file(dialect).values() for name in names)
    assert [name for name, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_query_says_what_it_is_for(dialect):
    for path in queries_dir(dialect).glob("*.sql"):
        for match in NAME.finditer(path.read_text()):
            assert match.group(2), f"{path.name}: {match.group(1)} has no comment line"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_query_loads_and_every_called_name_exists(dialect):
    queries = load_queries(dialect, SYNC_DRIVERS[dialect].aiosql_adapter)
    defined = set(queries.available_queries)
    called = set()
    for source in (ROOT / "asm").rglob("*.py"):
        called |= set(re.findall(r'Call\(\s*"(\w+)"', source.read_text()))
    assert called, "no Call(...) found: the scan is broken"
    assert called <= defined, called - defined
