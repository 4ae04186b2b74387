"""sqlfluff finds nothing in queries/ and migrations/ with the house rules of .sqlfluff (each
dialect folder's own .sqlfluff names its dialect): built-in function names in upper case,
qualified references where several tables are in play, lines of at most 120 characters.

Released migrations are frozen (tests/test_migration_checksums.py), so the ones released before
this lint and breaking a rule are named in .sqlfluff's [asm:released_migrations], each with the
rules it is excused from and why; any other migration meets every rule. A statement sqlfluff
cannot parse is a finding (PRS) like any other: a query marks it `-- noqa: PRS` with the reason
on the line above."""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = REPO_ROOT / ".sqlfluff"
CHECKSUMS = REPO_ROOT / "migrations" / "checksums.txt"
FOLDERS = ("queries", "migrations")
FILES = sorted(str(p.relative_to(REPO_ROOT)) for folder in FOLDERS for p in (REPO_ROOT / folder).glob("*/*.sql"))
MAX_LINE_LENGTH = 120
# aiosql reads a query's name and parameters from this one line, so it cannot wrap.
NAME_LINE = re.compile(r"^--\s*name:")

Finding = tuple[str, str]  # (rule code, "path:line:column: CODE description")


def house_config() -> configparser.ConfigParser:
    # As sqlfluff reads it: `=` only, no interpolation, keys case-sensitive.
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(CONFIG.read_text())
    return parser


def excused_rules() -> dict[str, set[str]]:
    """Released migration file -> the rule codes it is linted without."""
    section = house_config()["asm:released_migrations"]
    return {path: {code.strip() for code in codes.split(",")} for path, codes in section.items()}


def released_migrations() -> set[str]:
    return {line.split(maxsplit=1)[1].lstrip("*") for line in CHECKSUMS.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def lint_files(paths: list[str]) -> dict[str, list[Finding]]:
    """Each path's findings, noqa applied; a path sqlfluff did not read (ignored, or skipped as too
    large) is missing from the result."""
    # Each file's config comes from the .sqlfluff files on its path, as for `sqlfluff lint`. Two
    # processes: parsing is most of the time (seconds for each query.sql).
    linter = Linter(config=FluffConfig.from_path(str(REPO_ROOT), require_dialect=False))
    result = linter.lint_paths(tuple(str(REPO_ROOT / path) for path in paths), processes=2)
    found: dict[str, list[Finding]] = {}
    for linted_dir in result.paths:
        for linted in linted_dir.files:
            path = str(Path(linted.path).resolve().relative_to(REPO_ROOT))
            violations = linted.get_violations()
            if linted.tree is None and not violations:
                continue
            found[path] = [(v.rule_code(), f"{path}:{v.line_no}:{v.line_pos}: {v.rule_code()} {v.desc()}")
                           for v in violations]
    return found


@pytest.fixture(scope="module")
def findings() -> dict[str, list[Finding]]:
    return lint_files(FILES)


def test_sqlfluff_lints_every_sql_file(findings: dict[str, list[Finding]]) -> None:
    # A file left out (a .sqlfluffignore, the large-file limit, a templater error) would pass unread.
    assert sorted(findings) == FILES


@pytest.mark.parametrize("path", FILES)
def test_sqlfluff_finds_nothing(findings: dict[str, list[Finding]], path: str) -> None:
    excused = excused_rules().get(path, set())
    left = [text for code, text in findings.get(path, []) if code not in excused]
    assert not left, (
        "sqlfluff (house rules in .sqlfluff):\n" + "\n".join(left) + "\n"
        "Fix the SQL (qualify the reference, upper-case the function, wrap the line); a statement "
        "sqlfluff cannot parse gets `-- noqa: PRS` with the reason on the line above.")


def test_only_released_migrations_are_excused_and_each_still_needs_it(findings: dict[str, list[Finding]]) -> None:
    released = released_migrations()
    for path, codes in excused_rules().items():
        assert path in released, f"{path} is not a released migration: it must meet every rule in .sqlfluff"
        broken = {code for code, _text in findings.get(path, [])}
        assert codes <= broken, f"{path} no longer breaks {sorted(codes - broken)}: drop it from .sqlfluff"


def test_every_excused_migration_gives_its_reason() -> None:
    lines = CONFIG.read_text().split("[asm:released_migrations]", 1)[1].splitlines()
    for number, line in enumerate(lines):
        if line.startswith("migrations/"):
            assert number > 0 and re.match(r"#\s*\S.{10,}", lines[number - 1]), f"no reason given above: {line}"


def comment_lines(path: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate((REPO_ROOT / path).read_text().splitlines(), start=1):
        if line.lstrip().startswith("--"):
            yield number, line


def test_comment_lines_fit_the_line_length_too() -> None:
    # LT05 skips comment-only lines for the sake of aiosql's `-- name:` lines; the others wrap.
    long = [f"{path}:{number}: {len(line)} characters" for path in FILES for number, line in comment_lines(path)
            if len(line) > MAX_LINE_LENGTH and not NAME_LINE.match(line)]
    assert long == []


def lint_sql(sql: str, folder: str) -> set[str]:
    """The rule codes sqlfluff reports for `sql` with the config of a folder such as queries/postgres."""
    config = FluffConfig.from_path(str(REPO_ROOT / folder))
    return {v.rule_code() for v in Linter(config=config).lint_string(sql).get_violations()}


@pytest.mark.parametrize(("folder", "sql", "codes"), [
    # The rules on, and what each is for.
    ("queries/postgres", "SELECT id FROM asm_sessions AS s JOIN asm_runs AS r ON r.session_id = s.id;\n", {"RF02"}),
    ("queries/postgres", "SELECT x.id FROM asm_sessions AS s;\n", {"RF01"}),
    # RF03: this `id` is asm_runs.id, not the updated session's (asm_sessions.id was meant).
    ("queries/postgres", "UPDATE asm_sessions SET status = 'x'\n"
                         "WHERE EXISTS (SELECT 1 FROM asm_runs AS r WHERE r.session_id = id);\n", {"RF03"}),
    ("queries/sqlite", "SELECT j.value FROM json_each(:ids) AS j;\n", {"CP03"}),
    ("queries/mysql", "SELECT s.id FROM asm_sessions AS s WHERE s.agent_id = :agent_id"
                      + " " * 60 + "AND s.id > :after_id;\n", {"LT05"}),
    # aiosql's parameters read as values, keywords among them, never as columns.
    ("queries/postgres", "SELECT s.id FROM asm_sessions AS s JOIN asm_runs AS r ON r.session_id = s.id\n"
                         "WHERE r.provider = :provider\nLIMIT :limit OFFSET :offset;\n", set()),
    # asm's own functions keep their lower-case names.
    ("queries/postgres", "SELECT SUM(asm_token_count(r.token_usage, 'total_tokens')) FROM asm_runs AS r;\n", set()),
    # JSON_TABLE's declared column and PATH are not references (sqlfluff's MySQL dialect misreads them).
    ("queries/mysql", "SELECT s.id FROM asm_sessions AS s\nWHERE s.status IN (SELECT j.v FROM JSON_TABLE(:statuses, "
                      "'$[*]'\n COLUMNS (v VARCHAR(255) COLLATE utf8mb4_bin PATH '$')) AS j);\n", set()),
    # Layout taste is not checked.
    ("queries/sqlite", "select  s.id\n  from asm_sessions as s where s.id=:id\n", set()),
])
def test_the_house_rules_find_what_they_are_for(folder: str, sql: str, codes: set[str]) -> None:
    assert lint_sql(sql, folder) == codes
