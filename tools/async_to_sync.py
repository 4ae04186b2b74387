"""Write the sync twin of each async source module: `python -m tools.async_to_sync`.

The async API is the source; its sync twin is generated, never edited, so the two cannot drift
(tests/test_async_to_sync.py fails when a generated file is stale). The transformation works on
tokens, so comments and layout survive:

- `async def`, `async with`, `async for` lose `async`; `await x` becomes `x`;
- names in NAMES (identifiers, and words in strings and comments) become their sync names;
- a module `pkg/async_x.py` becomes `pkg/x.py`, and imports of `async_x` modules follow.

Async code that has no mechanical sync form goes through `asm.core.async_compat`, whose sync
counterpart `asm.core.compat` is written by hand.

`--check` writes nothing and exits 1 naming the stale files.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The async sources, relative to the repository; each generates its sync twin beside it.
SOURCES = (
    "asm/core/async_steps.py",
    "asm/core/async_executor.py",
    "asm/drivers/async_pool.py",
    "asm/drivers/async_postgres_pool.py",
    "asm/notify/async_listener.py",
    "asm/core/async_api.py",
    "asm/store/async_session_store.py",
    "asm/store/async_parts.py",
    "asm/graph/async_storage.py",
)

# Async name -> sync name. Applied to identifiers, and as whole words in strings and comments.
NAMES = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "AbstractAsyncContextManager": "AbstractContextManager",
    "async_api": "sync_api",
    "async_compat": "compat",
    "ASYNC_DRIVERS": "SYNC_DRIVERS",
    "async_executor": "sync_executor",
    "async_listener": "listener",
    "async_parts": "parts",
    "async_pool": "pool",
    "async_postgres_pool": "postgres_pool",
    "async_session_store": "session_store",
    "async_steps": "steps",
    "async_storage": "storage",
    "AsyncAPI": "SyncAPI",
    "AsyncArtifacts": "Artifacts",
    "AsyncConnection": "Connection",
    "AsyncConnectionPool": "ConnectionPool",
    "asynccontextmanager": "contextmanager",
    "AsyncDriver": "SyncDriver",
    "AsyncExecutor": "SyncExecutor",
    "AsyncGenerator": "Generator",
    "AsyncGraphSessionStorage": "GraphSessionStorage",
    "AsyncIterator": "Iterator",
    "AsyncLease": "Lease",
    "AsyncListener": "Listener",
    "AsyncMaintenance": "Maintenance",
    "AsyncPostgresDriver": "PostgresDriver",
    "AsyncPostgresPool": "PostgresPool",
    "AsyncQueryAPI": "QueryAPI",
    "AsyncSessionStore": "SessionStore",
    "AsyncSimplePool": "SimplePool",
    "AsyncStore": "SyncStore",
    "AsyncWatch": "Watch",
    "connect_async": "connect",
    # aiosql's adapter names: asm's async one for psycopg, aiosql's own sync one.
    "asm-apsycopg": "psycopg",
}

_WORD = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)) + r")\b")
# Phrases of docstrings and comments that only make sense for one side.
PHRASES = {
    "Its sync twin is generated from it by": "Generated from its async twin by",
    "`async with ": "`with ",
    "`await ": "`",
    ", with awaitable methods": "",
    "the tasks of one event loop": "threads",
}


def sync_path(source: str) -> str:
    path = Path(source)
    assert path.name.startswith("async_"), source
    return str(path.with_name(NAMES.get(path.stem, path.stem[len("async_"):]) + ".py"))


def _words(text: str) -> str:
    text = _WORD.sub(lambda match: NAMES[match.group(1)], text)
    for phrase, replacement in PHRASES.items():
        text = text.replace(phrase, replacement)
    return text


def _offsets(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def unasync(source: str, origin: str) -> str:
    """The sync twin of the async module text `source` (from the file `origin`)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    starts = _offsets(source)

    def at(position: tuple[int, int]) -> int:
        return starts[position[0] - 1] + position[1]

    edits: list[tuple[int, int, str]] = []
    # Lines continuing a statement whose first line got shorter: (row, column, characters
    # removed), so arguments aligned under an opening bracket stay aligned.
    shrunk: list[tuple[int, int, int]] = []
    statement_end = {}
    first_row = None
    for token in tokens:
        first_row = token.start[0] if first_row is None else first_row
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            for row in range(first_row, token.end[0] + 1):
                statement_end[row] = token.end[0]
            first_row = None
        elif token.type in (tokenize.COMMENT, tokenize.NL) and token.start[1] == 0:
            first_row = None
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.type == tokenize.NAME and token.string in ("async", "await") and following is not None:
            # The keyword and the space after it.
            edits.append((at(token.start), at(following.start), ""))
            if following.start[0] == token.start[0]:
                shrunk.append((token.start[0], token.start[1], following.start[1] - token.start[1]))
        elif token.type == tokenize.NAME and token.string in NAMES:
            edits.append((at(token.start), at(token.end), NAMES[token.string]))
            shrunk.append((token.start[0], token.start[1], len(token.string) - len(NAMES[token.string])))
        elif token.type in (tokenize.STRING, tokenize.COMMENT):
            replaced = _words(token.string)
            if replaced != token.string:
                edits.append((at(token.start), at(token.end), replaced))
    lines = source.splitlines(keepends=True)
    for row, column, removed in shrunk:
        for later in range(row + 1, statement_end.get(row, row) + 1):
            line = lines[later - 1]
            indent = len(line) - len(line.lstrip(" "))
            if indent > column and removed > 0:
                cut = min(removed, indent - column)
                edits.append((starts[later - 1], starts[later - 1] + cut, ""))
    text = source
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    header = f"# Generated from {origin} by tools/async_to_sync.py: edit that file, then run\n" \
             "# `python -m tools.async_to_sync`.\n"
    return header + text


def generate(root: Path = ROOT) -> dict[str, str]:
    """The generated text of every sync twin, by path relative to `root`."""
    return {sync_path(source): unasync((root / source).read_text(), source) for source in SOURCES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a twin is stale")
    check = parser.parse_args(argv).check
    stale = []
    for path, text in generate().items():
        target = ROOT / path
        if target.exists() and target.read_text() == text:
            continue
        stale.append(path)
        if not check:
            target.write_text(text)
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
