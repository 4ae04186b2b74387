"""Every ```python block of README.md runs as written.

The blocks of one `## ` section run in order in one fresh interpreter (a later block may use
what an earlier one made), in an empty working directory, so `sqlite:///asm.db` is a new file.
The README's placeholder PostgreSQL URLs (`postgresql://app@<host>/<db>`) run against a fresh
database on the test server; a block that needs more than this machine has says so with
`<!-- readme-test: skip <reason> -->` on a line of its own just before it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from databases import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SKIP = re.compile(r"^<!-- readme-test: skip (?P<reason>.+?) -->$")
PLACEHOLDER_POSTGRES = re.compile(r"postgresql://app@[\w.-]+(?::\d+)?/\w+")

RUNNER = """
import json, sys, traceback
namespace = {"__name__": "__main__"}
for block in json.load(open(sys.argv[1])):
    # Padded to its place, so a traceback names the README's own line.
    code = compile("\\n" * (block["line"] - 1) + block["code"], "README.md", "exec")
    try:
        exec(code, namespace)
    except BaseException:
        traceback.print_exc()
        sys.exit(f"the README block at line {block['line']} failed")
"""


@attrs.frozen
class Block:
    section: str
    line: int  # of the block's first code line
    code: str
    skip: str | None


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    section, skip, fence = "", None, None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if fence is not None:
            if line == "```":
                if fence[0] == "python":
                    blocks.append(Block(section, fence[1], "\n".join(lines[fence[1] - 1:number - 1]) + "\n", skip))
                fence, skip = None, None
            continue
        if line.startswith("```"):
            fence = (line[3:].strip(), number + 1)
        elif line.startswith("## "):
            section = line[3:].strip()
        elif found := SKIP.match(line):
            skip = found["reason"]
        elif line.strip():
            assert skip is None, f"README.md:{number}: a readme-test marker must come just before a python block"
    return blocks


BLOCKS = readme_blocks(README.read_text())
SECTIONS = list(dict.fromkeys(block.section for block in BLOCKS))


def test_the_readme_has_python_blocks_and_only_few_skipped():
    assert len(BLOCKS) >= 10
    skipped = [block for block in BLOCKS if block.skip]
    assert len(skipped) <= 2, [(block.line, block.skip) for block in skipped]
    for block in skipped:  # not run, but still Python
        compile("\n" * (block.line - 1) + block.code, "README.md", "exec")


@pytest.mark.parametrize("section", SECTIONS)
def test_the_python_blocks_of_a_readme_section_run(section, tmp_path):
    blocks = [block for block in BLOCKS if block.section == section and block.skip is None]
    if not blocks:
        pytest.skip(f"every block of {section!r} is marked: " + "; ".join(
            block.skip or "" for block in BLOCKS if block.section == section))
    postgres = None
    if any(PLACEHOLDER_POSTGRES.search(block.code) for block in blocks):
        postgres = create_database("postgres", tmp_path)
    try:
        given = [{"line": block.line,
                  "code": PLACEHOLDER_POSTGRES.sub(postgres, block.code) if postgres else block.code}
                 for block in blocks]
        (tmp_path / "blocks.json").write_text(json.dumps(given))
        (tmp_path / "runner.py").write_text(RUNNER)
        work = tmp_path / "work"
        work.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
        done = subprocess.run([sys.executable, str(tmp_path / "runner.py"), str(tmp_path / "blocks.json")],
                              cwd=work, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-5000:]
    finally:
        if postgres:
            drop_database("postgres", postgres)
