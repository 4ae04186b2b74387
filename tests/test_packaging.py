"""docs/behaviour.md#the-sql-ships-with-the-package: the wheel carries the SQL (queries and migrations) inside the package, and an
installed asm finds it there, without a checkout or any particular working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from databases import DIALECTS

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_FOLDERS = ("queries", "migrations")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"},
    )
    assert result.returncode == 0, f"building the wheel failed:\n{result.stdout}\n{result.stderr}"
    (built,) = out.glob("asm-*.whl")
    return built


def checkout_sql_files(folder: str, dialect: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((REPO_ROOT / folder / dialect).glob("*.sql"))}


def wheel_sql_files(archive: zipfile.ZipFile, folder: str, dialect: str) -> dict[str, bytes]:
    prefix = f"asm/_sql/{folder}/{dialect}/"
    return {
        name.removeprefix(prefix): archive.read(name)
        for name in archive.namelist()
        if name.startswith(prefix) and name.endswith(".sql") and "/" not in name.removeprefix(prefix)
    }


@pytest.mark.parametrize("folder", SQL_FOLDERS)
@pytest.mark.parametrize("dialect", DIALECTS)
def test_wheel_carries_the_checkout_sql_unchanged(wheel, folder, dialect):
    expected = checkout_sql_files(folder, dialect)
    assert expected, f"the checkout has no {folder}/{dialect}/*.sql"
    with zipfile.ZipFile(wheel) as archive:
        assert wheel_sql_files(archive, folder, dialect) == expected


INSTALLED_CHECK = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    install = Path(sys.argv[1]).resolve()

    import asm
    import asm.sql.files

    assert Path(asm.__file__).resolve().is_relative_to(install), asm.__file__
    assert asm.sql.files.sql_root().resolve() == install / "asm" / "_sql", asm.sql.files.sql_root()
    assert asm.sql.files.queries_dir("sqlite").resolve().is_relative_to(install)
    assert asm.sql.files.migrations_dir("sqlite").resolve().is_relative_to(install)

    shipped = sorted(p.stem for p in asm.sql.files.migrations_dir("sqlite").glob("*.sql")
                     if not p.name.endswith(".rollback.sql"))
    assert shipped[:2] == ["0001.asm-v1", "0002.asm-v2"], shipped
    assert asm.migrate("sqlite:///x.db") == shipped
    with asm.connect("sqlite:///x.db") as store:
        session = asm.Session.new(agent_id="installed")
        store.save_session(session)
        assert store.get_session(session.id) == session
        stored = store.append_event_with_sequence(asm.Event.new(type="session_created", session_id=session.id))
        assert stored.sequence_number == 1
    print("ok")
    """
)


def test_installed_wheel_finds_its_sql_without_a_checkout(wheel, tmp_path):
    install = tmp_path / "site"
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(install)

    env = {**os.environ, "PYTHONPATH": str(install)}
    result = subprocess.run(
        [sys.executable, "-c", INSTALLED_CHECK, str(install)],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert (workdir / "x.db").is_file()


def test_wheel_ships_the_type_information(wheel):
    """Users' type checkers read asm's annotations (py.typed) and the generated query Protocols."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "asm/py.typed" in names
    assert {f"asm/sql/typed/{dialect}.py" for dialect in DIALECTS} <= names
    assert "asm/store/session_store.py" in names and "asm/core/sync_executor.py" in names, "generated twins ship"


def test_the_wheel_carries_the_mit_license_that_pyproject_names(wheel: Path):
    assert "MIT License" in (REPO_ROOT / "LICENSE").read_text()
    with zipfile.ZipFile(wheel) as archive:
        licenses = [name for name in archive.namelist() if name.endswith("LICENSE")]
        metadata = next(name for name in archive.namelist() if name.endswith("METADATA"))
        assert licenses and "MIT License" in archive.read(licenses[0]).decode()
        assert "MIT" in archive.read(metadata).decode()
