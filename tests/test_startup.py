"""Startup: `import asm` and `asm --help` load no database driver (psycopg, PyMySQL, aiomysql,
aiosqlite) nor yoyo, so a script or a shell pays only for what it uses; the public names still
import from `asm` as before. Each check runs in a fresh interpreter (this one has loaded them
all). The times themselves are bench's (`python -m bench startup`), not a test's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ASM = Path(sys.executable).parent / "asm"
HEAVY = ("psycopg", "psycopg_pool", "pymysql", "aiomysql", "aiosqlite", "yoyo")

# Prints, as JSON on the last line of stderr, which of HEAVY the code before it loaded.
REPORT = f"""
import json, sys
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))
sys.stderr.write('\\n' + json.dumps(heavy) + '\\n')
"""


def loaded_after(code: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    done = subprocess.run([sys.executable, "-c", code + REPORT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stderr.strip().splitlines()[-1]), done


def test_import_asm_loads_no_driver():
    heavy, _ = loaded_after("import asm")
    assert heavy == []


def test_asm_help_loads_no_driver():
    # The installed script itself, as a shell runs it, in the same interpreter as the report.
    code = (f"import runpy, sys\nsys.argv = [{str(ASM)!r}, '--help']\n"
            f"try:\n    runpy.run_path({str(ASM)!r}, run_name='__main__')\nexcept SystemExit as exit:\n"
            "    assert exit.code in (0, None), exit.code\n")
    heavy, done = loaded_after(code)
    assert "Usage:" in done.stdout and "migrate" in done.stdout
    assert heavy == []


def test_asm_help_imports_no_command_nor_what_commands_use():
    # The group lists its commands from asm.cli.app.COMMANDS: no command module, no rich, no
    # records or converters (cattrs) is imported to print the help or the version.
    for flag in ("--help", "--version"):
        code = (f"import sys\nsys.argv = ['asm', {flag!r}]\nfrom asm.cli.main import main\n"
                "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None), exit.code\n"
                "import json\nloaded = sorted(m for m in sys.modules if m.startswith('asm.cli.commands.')\n"
                "                or m.split('.')[0] in ('rich', 'cattrs') or m in ('asm.records', 'asm.store'))\n"
                "sys.stderr.write('\\n' + json.dumps(loaded) + '\\n')\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stderr.strip().splitlines()[-1]) == [], flag


def test_a_sqlite_store_loads_no_other_dialects_driver(tmp_path):
    # Migrating and using a SQLite file needs sqlite3 (and yoyo to migrate): psycopg and PyMySQL
    # stay unloaded (the LISTEN connection and the migration error checks look them up lazily).
    url = f"sqlite:///{tmp_path / 'x.db'}"
    heavy, _ = loaded_after(f"import asm\nwith asm.connect({url!r}, migrate=True) as s:\n    s.get_latest_sequence('x')\n")
    assert heavy == ["yoyo"]


def test_every_public_name_imports_from_asm_as_before():
    code = """
import asm, importlib
from asm import *
names = {name: globals()[name] for name in asm.__all__}
assert sorted(asm.__all__) == sorted(asm._HOMES)  # each public name has a home to load it from
# Each is the object its defining module holds, and the same on every lookup.
for name, value in names.items():
    assert getattr(asm, name) is value, name
    assert name in dir(asm), name
assert asm.SessionStore.__module__ == "asm.store.session_store"
assert asm.connect is importlib.import_module("asm.store.session_store").connect
assert isinstance(asm.__version__, str)
"""
    heavy, _ = loaded_after(code)
    assert "yoyo" in heavy  # `migrate` is public: looking it up imports the migrations


def test_a_submodule_is_an_attribute_after_a_bare_import():
    # As when asm/__init__.py imported every module up front.
    loaded_after("import asm\nassert asm.errors.NotFound is asm.NotFound\nassert asm.records.Session is asm.Session")


def test_an_unknown_name_is_an_attribute_error():
    loaded_after("import asm\nassert not hasattr(asm, 'no_such_name')\n"
                 "try:\n    from asm import no_such_name\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit(1)")


@pytest.mark.parametrize("dialect", ["sqlite", "mysql", "postgres"])
def test_a_driver_is_loaded_when_its_dialect_is_first_asked_for(dialect):
    """SYNC_DRIVERS and ASYNC_DRIVERS hold all three dialects; looking one up imports its driver
    and registers its aiosql adapter, and leaves the other dialects' libraries alone."""
    # (The pools' shared helpers import psycopg for every dialect, so it is not listed.)
    others = {"sqlite": {"pymysql", "aiomysql", "psycopg_pool"}, "mysql": {"aiosqlite", "psycopg_pool"},
              "postgres": {"pymysql", "aiomysql", "aiosqlite"}}
    code = f"""
from aiosql.aiosql import _ADAPTERS
from asm.drivers import ASYNC_DRIVERS, SYNC_DRIVERS
assert sorted(SYNC_DRIVERS) == sorted(ASYNC_DRIVERS) == ["mysql", "postgres", "sqlite"]
for drivers in (SYNC_DRIVERS, ASYNC_DRIVERS):
    driver = drivers[{dialect!r}]
    assert drivers[{dialect!r}] is driver
    assert driver.aiosql_adapter in _ADAPTERS, driver.aiosql_adapter
"""
    heavy, _ = loaded_after(code)
    assert not set(heavy) & others[dialect], heavy


def test_asking_for_the_async_mysql_queries_still_repairs_aiomysql_bytes():
    # The repair (asm/drivers/mysql.py) used to run on `import asm`; now it runs when the async
    # MySQL driver is first asked for, which asm.sql.queries does before any query can run.
    loaded_after("import asm.sql\nasm.sql.queries('mysql', asynchronous=True)\nimport aiomysql, pymysql\n"
                 "assert aiomysql.connection.escape_bytes_prefixed is pymysql.converters.escape_bytes")


def test_the_startup_bench_times_each_command_next_to_the_floor(tmp_path):
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "bench", "startup", "--runs", "1", "--warmup", "0",
                           "--out", str(tmp_path)], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    table = (tmp_path / "startup.md").read_text()
    for command in ("`python -c pass`", "`import asm`", "`asm --help`"):
        assert f"| {command} |" in table
    assert "median over the floor ms" in table and "| package | ms |" in table
