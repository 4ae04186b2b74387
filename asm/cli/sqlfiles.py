"""The named SQL of a dialect, read from its `queries/<dialect>/*.sql` files as written."""

from __future__ import annotations

import re

import attrs

from asm.sql.codegen.sqltext import FUNCTION_CALL, scrub
from asm.sql.files import migrations_dir, queries_dir
from asm.errors import NotFound

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)")


@attrs.frozen
class NamedQuery:
    name: str
    file: str
    comment: str
    text: str  # the whole block as in the file: the name line, the comment, the statement
    # The definitions of the asm functions the statement calls (PostgreSQL's write functions,
    # migration 0007), as their migration creates them: the SQL that runs.
    functions: tuple[str, ...] = ()


def named_queries(dialect: str) -> list[NamedQuery]:
    """Every `-- name:` block of the dialect's query files, in file and file-order."""
    found = []
    for path in sorted(queries_dir(dialect).glob("*.sql")):
        block: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines() + ["-- name: _end"]:
            if _NAME.match(line):
                if block:
                    found.append(_query(block, path.name))
                block = [line]
            elif block:
                block.append(line)
    return found


def find_query(dialect: str, name: str) -> NamedQuery:
    for query in named_queries(dialect):
        if query.name == name:
            called = dict.fromkeys(FUNCTION_CALL.findall(scrub(query.text)))
            definitions = function_definitions(dialect)
            return attrs.evolve(query, functions=tuple(definitions[f] for f in called if f in definitions))
    raise NotFound(f"no query named {name!r} for {dialect}; `asm sql` lists them",
                   details={"name": name, "dialect": dialect})


_DEFINITION = re.compile(r"^CREATE (?:OR REPLACE )?FUNCTION (asm_\w+)\(.*?^\$\$;", re.M | re.S)


def function_definitions(dialect: str) -> dict[str, str]:
    """asm's functions as the dialect's migrations last define them: name -> CREATE FUNCTION."""
    found: dict[str, str] = {}
    for path in sorted(migrations_dir(dialect).glob("*.sql")):
        if not path.name.endswith(".rollback.sql"):
            found.update((m.group(1), m.group(0)) for m in _DEFINITION.finditer(path.read_text(encoding="utf-8")))
    return found


def _query(block: list[str], file: str) -> NamedQuery:
    while block and not block[-1].strip():
        block.pop()
    comment = []
    for line in block[1:]:
        if not line.startswith("--"):
            break
        comment.append(line[2:].strip())
    name = _NAME.match(block[0])
    assert name is not None  # a block starts at its name line
    return NamedQuery(name=name.group(1), file=file, comment=" ".join(comment), text="\n".join(block))
