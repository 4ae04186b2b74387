"""The named SQL of a dialect, read from its `queries/<dialect>/*.sql` files as written."""

from __future__ import annotations

import re

import attrs

from asm.sql.files import queries_dir
from asm.errors import NotFound

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)")


@attrs.frozen
class NamedQuery:
    name: str
    file: str
    comment: str
    text: str  # the whole block as in the file: the name line, the comment, the statement


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
            return query
    raise NotFound(f"no query named {name!r} for {dialect}; `asm sql` lists them",
                   details={"name": name, "dialect": dialect})


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
